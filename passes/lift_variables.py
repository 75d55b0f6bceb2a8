"""``lift-variables``: turn variable reads and assigns into function arguments and results.

Before::

    %w = "tfc.variable"() {name = "w"} : () -> !tfc.resource<tensor<3xf32>>
    %v = "tfc.read_variable"(%w) : (!tfc.resource<tensor<3xf32>>) -> tensor<3xf32>
    %n = "tfc.add"(%v, %v) : ...
    "tfc.assign_variable"(%w, %n) : ...
    "func.return"(%v) : (tensor<3xf32>) -> ()

After (``main`` gets ``tfc.variables_in = ["w"]``, ``tfc.variables_out = ["w"]``)::

    ^bb0(%w: tensor<3xf32>):
    %n = "tfc.add"(%w, %w) : ...
    "func.return"(%w, %n) : (tensor<3xf32>, tensor<3xf32>) -> ()

Reads see the latest assign before them in program order (the importer made that TensorFlow's
order); a variable is an input only if it is read before being assigned, and an output if assigned.
The runtime passes the stored values in and stores the outputs back (donating the buffers, so XLA
updates them in place). ``tfc.variable_is_initialized`` is ``true`` after a read or an assign of the
variable in the function; before, it becomes a bool argument after the variables' own
(``tfc.variables_queried`` names them) that the runtime sets from its store. A variable with an
``initial_value`` (an op's own state) is lifted like any other; :func:`lift_variables` reports the
initial values, so the runtime can create the state the first time a run needs it. Variables used
inside regions (if/while bodies) are not supported yet.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from tfc.attributes import ArrayAttr, DenseElementsAttr, StringAttr
from tfc.diagnostics import VerifyError
from tfc.ir import Function, Module, Operation
from tfc.passmanager import Pass, register_pass
from tfc.rewriter import Rewriter
from tfc.types import FunctionType

VARIABLE, READ, ASSIGN = "tfc.variable", "tfc.read_variable", "tfc.assign_variable"
IS_INITIALIZED, CONSTANT = "tfc.variable_is_initialized", "tfc.constant"
VARIABLE_OPS = (VARIABLE, READ, ASSIGN, IS_INITIALIZED)


@register_pass
@dataclass(frozen=True)
class LiftVariables(Pass):
    """Make every function's variable traffic explicit arguments and results."""

    name = "lift-variables"

    def run(self, module: Module) -> None:
        for function in module.functions:
            _lift(function)


def _lift(function: Function) -> None:
    body = function.body
    for op in body.ops:
        for inner in op.walk():
            if inner is not op and inner.name in VARIABLE_OPS:
                raise VerifyError("variables used inside a region are not supported yet", inner.name, inner.location)
    names: dict = {}  # handle value -> variable name
    current: dict = {}  # variable name -> latest value
    inputs: list[str] = []
    assigned: list[str] = []
    queried: dict[str, list[Operation]] = {}  # variable name -> questions only the store can answer
    answered: list[Operation] = []  # questions asked after a read or an assign: the answer is yes
    kept: list[Operation] = []
    for op in body.ops:
        if op.name == VARIABLE:
            names[op.result] = op.attr("name")
        elif op.name == READ:
            name = _variable_name(names, op)
            if name not in current:
                current[name] = body.add_argument(op.result.type, name)
                inputs.append(name)
            op.result.replace_all_uses_with(current[name])
        elif op.name == ASSIGN:
            name = _variable_name(names, op)
            current[name] = op.operands[1]
            if name not in assigned:
                assigned.append(name)
        elif op.name == IS_INITIALIZED:
            name = _variable_name(names, op)
            (answered if name in current else queried.setdefault(name, [])).append(op)
        else:
            kept.append(op)
    for name, questions in queried.items():  # after the variables' own arguments
        flag = body.add_argument(questions[0].result.type, f"{name}_initialized")
        for op in questions:
            op.result.replace_all_uses_with(flag)
    _check_no_escape(names, kept)
    _erase_variable_ops(body, answered)
    ret = function.return_op
    ret.set_operands(list(ret.operands) + [current[name] for name in assigned])
    function.set_type(FunctionType(tuple(a.type for a in body.args), tuple(v.type for v in ret.operands)))
    function.op.attributes["tfc.variables_in"] = _names_attr(inputs)
    function.op.attributes["tfc.variables_out"] = _names_attr(assigned)
    if queried:
        function.op.attributes["tfc.variables_queried"] = _names_attr(queried)


def _check_no_escape(names: dict, kept: list[Operation]) -> None:
    kept_set = set(kept)
    escaping = [user for handle in names for user, _ in handle.uses if user in kept_set]
    if escaping:
        user = escaping[0]
        raise VerifyError("a variable handle escapes (returned or passed on); only reads and assigns are supported", user.name, user.location)


def _erase_variable_ops(body, answered: list[Operation]) -> None:
    """Erase the variable ops; ``answered`` questions become ``true`` constants first."""
    with Rewriter() as rewriter:
        for op in answered:
            value = DenseElementsAttr(np.array(True), op.result.type)
            constant = Operation(CONSTANT, (), [op.result.type], {"value": value}, (), op.location, [op.result.name_hint])
            rewriter.insert_before(op, constant)
            op.result.replace_all_uses_with(constant.result)
        for op in body.ops:
            if op.name in (READ, ASSIGN, IS_INITIALIZED):
                op.drop_operands()  # before the handles: they use them
        for op in body.ops:
            if op.name in VARIABLE_OPS:
                rewriter.erase(op)


def _names_attr(names) -> ArrayAttr:
    return ArrayAttr(tuple(StringAttr(n) for n in names))


def _variable_name(names: dict, op: Operation) -> str:
    name = names.get(op.operands[0])
    if name is None:  # a function argument, say: its variable is unknown here
        raise VerifyError("uses a variable handle that no earlier tfc.variable in this function defines", op.name, op.location)
    return name


@dataclass(frozen=True)
class LiftedVariables:
    """How a lifted function passes variables: it takes its own arguments, then ``names_in``; it
    returns ``names_out`` (ordered like ``names_in`` where both hold a name, so XLA aliases each
    donated input with its own update), then its own results."""

    names_in: tuple[str, ...]
    names_out: tuple[str, ...]
    donate: tuple[int, ...]
    """Argument positions of the variables that are both read and written (their buffers are reused)."""
    names_queried: tuple[str, ...] = ()
    """Variables whose ``is initialized`` flags it takes after ``names_in`` (scalar bools)."""
    initial_values: Mapping[str, np.ndarray] = field(default_factory=dict)
    """The op-internal state among the variables (``tfc.variable`` with ``initial_value``): name -> its value before the first run."""


def lift_variables(module: Module, function: Function) -> LiftedVariables:
    """Run ``lift-variables`` on ``module`` and put ``function``'s variable results first, in the
    order of its variable arguments: what ``@tfc.compile`` and the sessions run."""
    n_args = len(function.args)
    initial_values = {op.attr("name"): op.attr("initial_value") for op in function.body.ops
                      if op.name == VARIABLE and "initial_value" in op.attributes}
    LiftVariables().run(module)
    names_in = [str(n) for n in function.op.attr("tfc.variables_in", ())]
    names_out = [str(n) for n in function.op.attr("tfc.variables_out", ())]
    names_queried = tuple(str(n) for n in function.op.attr("tfc.variables_queried", ()))
    ret = function.return_op
    operands = list(ret.operands)
    n_results = len(operands) - len(names_out)
    own, updates = operands[:n_results], dict(zip(names_out, operands[n_results:]))
    position = {n: i for i, n in enumerate(names_in)}
    ordered = sorted(names_out, key=lambda n: (position.get(n, len(position)), names_out.index(n)))
    ret.set_operands([updates[n] for n in ordered] + own)
    function.set_type(FunctionType(tuple(a.type for a in function.args), tuple(v.type for v in ret.operands)))
    function.op.attributes["tfc.variables_out"] = _names_attr(ordered)
    donate = tuple(n_args + i for i, n in enumerate(names_in) if n in updates)
    return LiftedVariables(tuple(names_in), tuple(ordered), donate, names_queried, initial_values)
