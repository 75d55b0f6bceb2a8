"""TF1 variables as TensorFlow 1 builds them: a ``VariableV2`` node (the state), an ``Assign`` of the
initial value (its initializer) and an ``Identity`` snapshot (``name/read``) that every use reads.

A Session keeps the values between runs; ``tf.global_variables_initializer()`` is one ``NoOp`` that
runs every initializer.
"""

from __future__ import annotations

from tfc.frontend import variables as eager
from tfc.frontend.tensor import as_dtype

from .graph import get_default_graph
from .ops import add, add_op, to_tensor
from .tensor import Tensor, builds_graph, get_default_session, register_tensor_conversion_function, session_for

GLOBAL_VARIABLES = "variables"
TRAINABLE_VARIABLES = "trainable_variables"
LOCAL_VARIABLES = "local_variables"
GLOBAL_STEP = "global_step"


class Variable:
    """``tf.Variable(initial_value, trainable=True, name=None, dtype=None, ...)`` in the default graph."""

    def __init__(self, initial_value=None, trainable=True, collections=None, validate_shape=True, caching_device=None,
                 name=None, variable_def=None, dtype=None, expected_shape=None, import_scope=None, constraint=None,
                 use_resource=None, synchronization=None, aggregation=None, shape=None):
        if initial_value is None:
            raise ValueError("tf.Variable needs an initial_value")
        graph = get_default_graph()
        with graph.name_scope(name or "Variable") as scope:
            value = initial_value() if callable(initial_value) else initial_value
            self._initial_value = to_tensor(value, None if dtype is None else as_dtype(dtype), "initial_value")
            dims = None if not validate_shape else self._initial_value.shape.dims
            if shape is not None:
                dims = [None if d is None else int(d) for d in shape]
            self._ref = add("VariableV2", [], {"shape": dims, "dtype": self._initial_value.dtype}, name=scope)
            self._initializer = add_op("Assign", [self._ref, self._initial_value], {"validate_shape": validate_shape}, name="Assign")
            self._snapshot = add("Identity", [self._ref], name="read")
        self.trainable = trainable
        collections = list(collections) if collections is not None else [GLOBAL_VARIABLES]
        if trainable and TRAINABLE_VARIABLES not in collections:
            collections.append(TRAINABLE_VARIABLES)
        for key in collections:
            graph.add_to_collection(key, self)

    # ---- what TensorFlow's Variable offers -------------------------------------------------------
    def as_graph_element(self) -> Tensor:
        return self._snapshot

    def value(self) -> Tensor:
        return self._snapshot

    def read_value(self) -> Tensor:
        return add("Identity", [self._ref], name="read")

    def ref_tensor(self) -> Tensor:
        """The ``VariableV2`` output itself, for ops that update the variable (``Assign``, ``Apply*``)."""
        return self._ref

    @property
    def initializer(self):
        return self._initializer

    @property
    def initial_value(self) -> Tensor:
        return self._initial_value

    @property
    def op(self):
        return self._ref.op

    @property
    def name(self) -> str:
        return self._ref.name

    @property
    def dtype(self):
        return self._ref.dtype

    @property
    def shape(self):
        return self._ref.shape

    def get_shape(self):
        return self._ref.shape

    @property
    def graph(self):
        return self._ref.graph

    @property
    def device(self) -> str:
        return self._ref.device

    def initialize_from(self, value, name: str = "checkpoint_initializer") -> None:
        """Make ``value`` (an array, or a tensor of this graph) the initial value: the initializer
        becomes an ``Assign`` of it (how ``tf.train.init_from_checkpoint`` and ``warm_start`` load a
        checkpoint). Init ops made before keep running the old initializer, as in TensorFlow."""
        graph = self.graph
        with graph.as_default(), graph.name_scope(None), graph.name_scope(self.op.name + "/"), graph.control_dependencies(None):
            value = to_tensor(value, self.dtype, name)
            ours, theirs = self.shape.dims, value.shape.dims
            if ours is not None and theirs is not None and (len(ours) != len(theirs) or any(
                    a is not None and b is not None and a != b for a, b in zip(ours, theirs))):
                raise ValueError(f"cannot initialize variable {self.op.name} of shape {self.shape.as_list()} "
                                 f"with a value of shape {value.shape.as_list()}")
            self._initializer = add_op("Assign", [self._ref, value], {"validate_shape": True}, name="Assign")
            self._initial_value = value

    def eval(self, session=None):
        return session_for(session).run(self._snapshot)

    def load(self, value, session=None) -> None:
        """Set the value in ``session`` (the default session) without adding ops each call."""
        session_for(session).load_variable(self, value)

    def assign(self, value, use_locking=None, name=None, read_value=True):
        return self._update("Assign", value, use_locking, name)

    def assign_add(self, delta, use_locking=None, name=None, read_value=True):
        return self._update("AssignAdd", delta, use_locking, name)

    def assign_sub(self, delta, use_locking=None, name=None, read_value=True):
        return self._update("AssignSub", delta, use_locking, name)

    def _update(self, op_type: str, value, use_locking, name) -> Tensor:
        value = to_tensor(value, self.dtype) if not isinstance(value, Tensor) else value
        return add(op_type, [self._ref, value], {"use_locking": bool(use_locking)}, name=name or op_type)

    def __repr__(self) -> str:
        return f"<tf.Variable '{self.name}' shape={self.shape} dtype={self.dtype.name}>"

    def __hash__(self) -> int:
        return id(self)


OPERATORS = ("__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__truediv__", "__rtruediv__",
             "__floordiv__", "__rfloordiv__", "__mod__", "__rmod__", "__pow__", "__rpow__", "__matmul__", "__rmatmul__",
             "__neg__", "__abs__", "__lt__", "__le__", "__gt__", "__ge__", "__getitem__")
"""The tensor operators a variable offers."""


def _forward(dunder: str):
    def method(self, *args):
        return getattr(self._snapshot, dunder)(*args)

    return method


for _dunder in OPERATORS:
    setattr(Variable, _dunder, _forward(_dunder))


def graph_variable(variable, graph=None) -> Variable:
    """The graph Variable for ``variable``: itself, or, for an eager ``tfc.Variable`` a TF1 program made
    before any graph op (``tf.Variable(0, name="counter")``), the variable standing for it in ``graph``
    (default graph): made on first use, named as it was created (uniquified in the graph), its
    initial value the eager one at that moment."""
    if isinstance(variable, Variable):
        return variable
    if not isinstance(variable, eager.Variable):
        raise TypeError(f"expected a tf.Variable, got {type(variable).__name__}")
    graph = graph or get_default_graph()
    stand_in = graph.eager_variables.get(variable)
    if stand_in is None:
        with graph.as_default(), graph.name_scope(None), graph.control_dependencies(None):
            stand_in = Variable(variable.numpy(), trainable=variable.trainable, name=variable.given_name)
        graph.eager_variables[variable] = stand_in
    return stand_in


class EagerVariable(eager.Variable):
    """``tfc.Variable`` made outside any graph: an eager variable for ``@tfc.compile`` that a TF1
    program may also use in its graph (see :func:`graph_variable`), and ``eval()`` there."""

    def __init__(self, initial_value=None, trainable=True, collections=None, validate_shape=True, caching_device=None,
                 name=None, variable_def=None, dtype=None, expected_shape=None, import_scope=None, constraint=None,
                 use_resource=None, synchronization=None, aggregation=None, shape=None, device=None):
        if initial_value is None:
            raise ValueError("tf.Variable needs an initial_value")
        super().__init__(initial_value, name=name, trainable=trainable, dtype=dtype, device=device)

    def eval(self, session=None):
        """The value in ``session`` (default: the default session), else the eager value."""
        session = session if session is not None else get_default_session()
        if session is None:
            return self.numpy()
        return session.run(graph_variable(self, session.graph).value())


def _in_graph_when_graph_operand(dunder: str):
    """An eager variable's operator: a graph op (on its stand-in) when the other operand is a graph
    value or a graph is entered, else the eager variable's own."""
    own = getattr(eager.Variable, dunder)

    def method(self, *args):
        if builds_graph(args, {}):
            return getattr(graph_variable(self).value(), dunder)(*args)
        return own(self, *args)

    return method


for _dunder in OPERATORS:
    setattr(EagerVariable, _dunder, _in_graph_when_graph_operand(_dunder))

register_tensor_conversion_function(eager.Variable, lambda variable, dtype=None, name=None, as_ref=False: graph_variable(variable).value())


def assign(ref, value, validate_shape=None, use_locking=None, name=None):
    """``tf.assign``: ``ref.assign(value)`` (the updated value)."""
    return graph_variable(ref).assign(value, use_locking, name)


def assign_add(ref, value, use_locking=None, name=None):
    return graph_variable(ref).assign_add(value, use_locking, name)


def assign_sub(ref, value, use_locking=None, name=None):
    return graph_variable(ref).assign_sub(value, use_locking, name)


def global_variables(scope=None) -> list:
    return get_default_graph().get_collection(GLOBAL_VARIABLES, scope)


all_variables = global_variables


def trainable_variables(scope=None) -> list:
    return get_default_graph().get_collection(TRAINABLE_VARIABLES, scope)


def local_variables(scope=None) -> list:
    return get_default_graph().get_collection(LOCAL_VARIABLES, scope)


def variables_initializer(var_list, name="init"):
    """One op that runs the initializers of ``var_list``."""
    graph = get_default_graph()
    with graph.control_dependencies([graph_variable(v).initializer for v in var_list]):
        return add_op("NoOp", [], name=name)


def global_variables_initializer():
    return variables_initializer(global_variables())


initialize_all_variables = global_variables_initializer


def local_variables_initializer():
    return variables_initializer(local_variables(), name="init_1")


__all__ = ["EagerVariable", "GLOBAL_STEP", "GLOBAL_VARIABLES", "LOCAL_VARIABLES", "TRAINABLE_VARIABLES", "Variable", "all_variables", "assign", "assign_add",
           "assign_sub", "graph_variable",
           "global_variables", "global_variables_initializer", "initialize_all_variables", "local_variables",
           "local_variables_initializer", "trainable_variables", "variables_initializer"]
