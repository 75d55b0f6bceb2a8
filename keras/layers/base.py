"""The Keras ``Layer``: weights made on first call from the input's shape, ``call`` in the tracing
API, and calls on symbolic tensors recorded for functional models."""

from __future__ import annotations

import inspect
import itertools
import re
import sys
import weakref
from collections import defaultdict

import numpy as np

import tfc
from tfc.compat.dispatch import builds_graph
from tfc.frontend.tracing import current_trace, name_scope
from tfc.frontend.variables import Variable

from .. import constraints, initializers, regularizers
from ..keras_tensor import KerasTensor, is_symbolic

_name_counts: defaultdict = defaultdict(itertools.count)
_graph_name_counts: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # per TF1 graph, as tf.keras names layers there
_LAYER_KWARGS = ("trainable", "name", "dtype", "input_shape", "batch_input_shape", "batch_size", "input_dim")
_BASE_CONFIG = ("name", "trainable", "dtype", "batch_input_shape")  # what Layer.get_config gives


def unique_name(base: str) -> str:
    """``dense``, then ``dense_1``, ``dense_2``... as Keras names layers: in the process, or afresh in
    each entered TensorFlow 1 graph (an Estimator's model_fn builds a new graph per call, and its
    layers' variables must get the same names each time to restore from the checkpoint)."""
    graph = entered_graph()
    counts = _name_counts if graph is None else _graph_name_counts.setdefault(graph, defaultdict(itertools.count))
    n = next(counts[base])
    return base if n == 0 else f"{base}_{n}"


def entered_graph():
    """The TF1 graph entered with ``as_default()`` (None when tfc.compat.v1 is not even loaded)."""
    tensor = sys.modules.get("tfc.compat.v1.tensor")
    return None if tensor is None else tensor.innermost_graph()


def snake_case(name: str) -> str:
    """Keras' default layer name for a class: ``Conv2DTranspose`` -> ``conv2d_transpose``, ``LSTM`` -> ``lstm``."""
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)).lower()


class Layer:
    """Base of every layer: subclasses give ``build(input_shape)`` (making weights with
    :meth:`add_weight`) and ``call(inputs, training=None)``."""

    def __init__(self, trainable: bool = True, name: str | None = None, dtype=None, **kwargs):
        unknown = sorted(set(kwargs) - set(_LAYER_KWARGS))
        if unknown:
            raise TypeError(f"{type(self).__name__}: unexpected keyword argument(s) {', '.join(unknown)}")
        self.name = name or unique_name(snake_case(type(self).__name__))
        self.trainable = trainable
        self.dtype = "float32" if dtype is None else str(np.dtype(dtype))
        self.built = False
        self._weights: list[Variable] = []
        self._penalties: list = []  # (weight, regularizer)
        self._constraints: list = []  # (weight, constraint)
        self._compiled_call = None  # how the layer runs when called on arrays (made on first such call)
        self._build_input = None  # the input spec of the first call (get_build_config)
        self.batch_input_shape = _batch_input_shape(kwargs)

    # ---- weights
    def add_weight(self, name: str, shape, dtype=None, initializer="glorot_uniform", regularizer=None, trainable: bool = True,
                   constraint=None) -> Variable:
        """A weight of this layer, initialized now (``initializer`` by name or object)."""
        make = initializers.get("glorot_uniform" if initializer is None else initializer)
        value = make(tuple(int(d) for d in shape), dtype or self.dtype)
        weight = Variable(np.asarray(value), name=f"{self.name}/{name}", trainable=trainable)
        weight.keras_name = name
        self._weights.append(weight)
        penalty, limit = regularizers.get(regularizer), constraints.get(constraint)
        if penalty is not None:
            self._penalties.append((weight, penalty))
        if limit is not None:
            self._constraints.append((weight, limit))
        return weight

    @property
    def trainable_weights(self) -> list[Variable]:
        return [w for w in self.all_weights() if w.trainable and self.trainable]

    @property
    def non_trainable_weights(self) -> list[Variable]:
        return [w for w in self.all_weights() if not (w.trainable and self.trainable)]

    @property
    def weights(self) -> list[Variable]:
        """Trainable weights first, then the others (Keras' order, that of get_weights)."""
        return self.trainable_weights + self.non_trainable_weights

    def all_weights(self) -> list[Variable]:
        return list(self._weights)

    def get_weights(self) -> list[np.ndarray]:
        return [w.numpy().copy() for w in self.weights]

    def set_weights(self, weights) -> None:
        """Load ``weights`` (numpy arrays, in :attr:`weights` order); a wrong count or shape names the layer."""
        targets = self.weights
        if len(weights) != len(targets):
            raise ValueError(f"layer '{self.name}' has {len(targets)} weights, got {len(weights)} arrays")
        for target, value in zip(targets, weights):
            value = np.asarray(value)
            if value.shape != tuple(target.shape):
                raise ValueError(f"layer '{self.name}' weight '{target.keras_name}' has shape {tuple(target.shape)}, got an array of shape {value.shape}")
            target.assign(value.astype(target.dtype.numpy), read_value=False)

    def state_variables(self) -> list[Variable]:
        """Variables besides the weights that a saved model keeps so training resumes identically
        (a Dropout's draw counter); none by default."""
        return []

    def count_params(self) -> int:
        return int(sum(np.prod(w.shape) for w in self.weights))

    def penalties(self) -> list:
        """The regularization penalties of this layer's weights (traced: call inside a trace)."""
        return [penalty(weight) for weight, penalty in self._penalties]

    def weight_constraints(self) -> list:
        """(weight, constraint) pairs: each projected after every optimizer step."""
        return list(self._constraints)

    # ---- calling
    def build(self, input_shape) -> None:
        self.built = True

    def call(self, inputs, training=None):
        raise NotImplementedError(f"{type(self).__name__} has no call()")

    def __call__(self, inputs, training=None, **kwargs):
        if is_symbolic(inputs):
            return self._call_symbolic(inputs, kwargs)
        if builds_graph((inputs,), kwargs):  # on TF1 graph tensors (a model_fn): add graph ops, weights become graph variables
            return self._call_traced(inputs, training, kwargs)
        if current_trace() is None:  # called on arrays: run it compiled, as tf.keras runs a tf.function
            return self._call_eagerly(inputs, training, kwargs)
        return self._call_traced(inputs, training, kwargs)

    def _call_traced(self, inputs, training, kwargs):
        self._note_build_input(inputs)
        self.ensure_built(_shape_of(inputs))
        if "training" in inspect.signature(self.call).parameters:
            kwargs["training"] = training
        if current_trace() is None:  # TF1 graph ops: named by the graph's own scopes
            return self.call(inputs, **kwargs)
        with name_scope(self.name):  # the layer's ops are one group in TensorBoard's graph
            return self.call(inputs, **kwargs)

    def _call_eagerly(self, inputs, training, kwargs):
        if kwargs:
            raise TypeError(f"layer '{self.name}': {', '.join(kwargs)} can only be passed inside a traced function")
        if self._compiled_call is None:
            self._compiled_call = tfc.compile(lambda x, training: self(x, training=training), static_argnames=("training",))
        out = self._compiled_call(inputs, training=bool(training))
        return [np.asarray(o) for o in out] if isinstance(out, (list, tuple)) else np.asarray(out)

    def _note_build_input(self, inputs) -> None:
        if not self.built and self._build_input is None:
            self._build_input = _input_spec(inputs)

    def get_build_config(self) -> dict | None:
        """The input this layer was first called on (shapes with the batch dimension None, and dtypes),
        what :meth:`build_from_config` needs to make the same weights; None before any call."""
        return None if self._build_input is None else {"input_spec": self._build_input}

    def build_from_config(self, config: dict) -> None:
        """Make the weights the first call made, by one symbolic call on an input like it (a
        subclassed model makes its layers' weights in its ``call``)."""
        self(_symbolic_input(config["input_spec"]))

    def ensure_built(self, input_shape) -> None:
        if not self.built:
            self.build(input_shape)
            self.built = True

    def _call_symbolic(self, inputs, kwargs):
        """Record a call on symbolic tensors (one KerasTensor per output, sharing the call): the
        outputs' shapes come from tracing ``call`` once. A dict's keys are kept with its tensors."""
        self._note_build_input(inputs)
        self.ensure_built(_shape_of(inputs))
        specs = self.compute_output_spec(inputs, kwargs)
        listed, keys, call = isinstance(inputs, (list, tuple)), tuple(inputs) if isinstance(inputs, dict) else None, object()
        given = list(inputs.values()) if keys is not None else list(inputs) if listed else [inputs]
        outputs = [KerasTensor(shape, dtype, layer=self, inputs=given, index=i, name=self.name, listed=listed, call=call, keys=keys)
                   for i, (shape, dtype) in enumerate(specs if isinstance(specs, list) else [specs])]
        return outputs if isinstance(specs, list) else outputs[0]

    def compute_mask(self, inputs, mask=None):
        """The mask of this layer's output (None: no mask); layers that keep the time steps pass it on."""
        return None

    def compute_output_spec(self, inputs, kwargs=None):
        """(output shape with the batch dimension None, dtype), or a list of them for a layer of several
        outputs: ``call`` traced on zeros of batch 2."""
        kwargs = dict(kwargs or {})
        wrap, keys = isinstance(inputs, (list, tuple)), list(inputs) if isinstance(inputs, dict) else None
        given = list(inputs.values()) if keys is not None else list(inputs) if wrap else [inputs]
        examples = [np.zeros(tuple(2 if d is None else d for d in t.shape), t.dtype) for t in given]

        def traced(*xs):
            args = dict(zip(keys, xs)) if keys is not None else list(xs) if wrap else xs[0]
            if "training" in inspect.signature(self.call).parameters:
                kwargs["training"] = False
            return self.call(args, **kwargs)

        lowered = tfc.compile(traced).lower(*examples)
        results = lowered.module.function(lowered.function_name).type.results
        batch_unknown = examples[0].ndim and given[0].shape[0] is None
        specs = [((None, *r.shape[1:]) if batch_unknown and r.shape else tuple(r.shape), r.dtype.numpy.name) for r in results]
        return specs if len(specs) > 1 else specs[0]

    def compute_output_shape(self, input_shape):
        spec = self.compute_output_spec(KerasTensor(tuple(input_shape)))
        return [shape for shape, _ in spec] if isinstance(spec, list) else spec[0]

    def get_config(self) -> dict:
        """The arguments that rebuild this layer (``type(layer).from_config(config)``): here the base
        ones; each layer adds its own. A subclass whose ``__init__`` takes arguments of its own must
        override it (or saving would lose them), as in tf.keras."""
        _check_config_overridden(self)
        config = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}
        if self.batch_input_shape is not None:
            config["batch_input_shape"] = list(self.batch_input_shape)
        return config

    @classmethod
    def from_config(cls, config: dict):
        """``cls(**config)``; the base arguments (name, trainable...) a subclass' ``__init__`` does not
        take are set on the new layer instead."""
        parameters = inspect.signature(cls.__init__).parameters
        takes_any = any(p.kind is p.VAR_KEYWORD for p in parameters.values())
        passed = {k: v for k, v in config.items() if takes_any or k in parameters or k not in _BASE_CONFIG}
        try:
            layer = cls(**passed)
        except TypeError as err:
            raise TypeError(f"{cls.__name__}.from_config: cannot rebuild the layer from its config (keys {sorted(config)}): {err}. "
                            "Its get_config() must return every argument of its __init__, or it must override from_config()") from err
        for key in set(config) - set(passed):
            setattr(layer, key, config[key])
        return layer

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"


def serialized_options(**options) -> dict:
    """Each ``*_initializer``, ``*_regularizer`` and ``*_constraint`` argument as Keras' configs hold
    it: ``{"class_name": ..., "config": ...}`` (None for none)."""
    modules = {"initializer": initializers, "regularizer": regularizers, "constraint": constraints}
    config = {}
    for name, value in options.items():
        module = modules[name.rsplit("_", 1)[-1]]
        config[name] = module.serialize(module.get(value))
    return config


def _check_config_overridden(layer: Layer) -> None:
    """NotImplementedError when the class defining ``layer``'s ``__init__`` takes arguments of its own
    but inherits ``get_config``, which cannot know them."""
    mro = type(layer).__mro__
    init_owner = next(c for c in mro if "__init__" in c.__dict__)
    config_owner = next(c for c in mro if "get_config" in c.__dict__)
    if mro.index(init_owner) >= mro.index(config_owner):
        return
    own = [name for name, p in inspect.signature(init_owner.__init__).parameters.items()
           if name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) and name not in _BASE_CONFIG]
    if own:
        raise NotImplementedError(f"{init_owner.__name__} '{layer.name}': its __init__ takes {', '.join(own)}, so it must override "
                                  "get_config() to return them (and from_config() if its constructor cannot take that dict) to be saved")


def _input_spec(inputs):
    """{"shape": [None, ...], "dtype": "float32"} of an input (a list or dict of them for a list or dict of inputs)."""
    if isinstance(inputs, dict):
        return {key: _input_spec(x) for key, x in inputs.items()}
    if isinstance(inputs, (list, tuple)):
        return [_input_spec(x) for x in inputs]
    dtype = inputs.dtype if isinstance(inputs.dtype, str) else np.dtype(getattr(inputs.dtype, "numpy", inputs.dtype)).name
    shape = [None if d is None else int(d) for d in inputs.shape]
    return {"shape": [None, *shape[1:]] if shape else [], "dtype": dtype}


def _symbolic_input(spec):
    if isinstance(spec, dict) and "shape" not in spec:
        return {key: _symbolic_input(s) for key, s in spec.items()}
    if isinstance(spec, list):
        return [_symbolic_input(s) for s in spec]
    return KerasTensor(tuple(spec["shape"]), spec["dtype"])


def _shape_of(inputs):
    if isinstance(inputs, dict):
        return {key: _shape_of(x) for key, x in inputs.items()}
    if isinstance(inputs, (list, tuple)):
        return [_shape_of(x) for x in inputs]
    return tuple(inputs.shape)


def _batch_input_shape(kwargs) -> tuple | None:
    if kwargs.get("batch_input_shape") is not None:
        return tuple(kwargs["batch_input_shape"])
    if kwargs.get("input_shape") is not None:
        return (kwargs.get("batch_size"), *tuple(kwargs["input_shape"]))
    if kwargs.get("input_dim") is not None:
        return (kwargs.get("batch_size"), kwargs["input_dim"])
    return None
