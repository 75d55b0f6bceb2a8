"""``tfc.keras.Model`` (functional and subclassed), ``Sequential`` and ``Input``. A model is a layer
made of layers; :mod:`.training` gives it compile/fit/evaluate/predict."""

from __future__ import annotations

import inspect
import warnings

import numpy as np

import tfc
from tfc.frontend.tracing import current_trace

from . import model_config, saving
from .keras_tensor import KerasTensor, is_symbolic
from .layers.base import Layer, unique_name
from .layers.core import InputLayer
from .training import Trainer


def Input(shape=None, batch_size=None, name=None, dtype=None, batch_shape=None) -> KerasTensor:
    """A symbolic model input of ``shape`` (without the batch dimension), made by an :class:`InputLayer`."""
    full = tuple(batch_shape) if batch_shape is not None else (batch_size, *tuple(shape or ()))
    layer = InputLayer(batch_input_shape=full, dtype=dtype, name=name or unique_name("input"))
    return KerasTensor(full, layer.dtype, name=layer.name, source=layer)


class Model(Trainer, Layer):
    """``Model(inputs, outputs)`` replays the layer calls that made ``outputs`` from ``inputs``; a
    subclass instead defines ``call`` and assigns its layers as attributes."""

    def __init__(self, inputs=None, outputs=None, name: str | None = None, **kwargs):
        Layer.__init__(self, name=name or unique_name("model" if inputs is not None or type(self) is Model else _snake(self)), **kwargs)
        Trainer.__init__(self)
        self._tracked: list[Layer] = []
        self.inputs = self.outputs = self._input_dict = None
        if inputs is not None or outputs is not None:
            self._init_functional(inputs, outputs)

    def __setattr__(self, name, value):
        if isinstance(value, Layer) and name != "_tracked" and value not in self.__dict__.get("_tracked", []):
            self.__dict__.setdefault("_tracked", []).append(value)
        object.__setattr__(self, name, value)

    # ---- functional models
    def _init_functional(self, inputs, outputs) -> None:
        """``inputs``: a tensor, a list, or a dict of them (flattened as Keras flattens it: by sorted key)."""
        self._input_dict = dict(inputs) if isinstance(inputs, dict) else None
        self.inputs = [inputs[k] for k in sorted(inputs)] if isinstance(inputs, dict) else list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        self.outputs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
        self._single_input, self._single_output = not isinstance(inputs, (list, tuple, dict)), not isinstance(outputs, (list, tuple))
        if not all(isinstance(t, KerasTensor) for t in self.inputs + self.outputs):
            raise TypeError(f"Model '{self.name}': inputs and outputs must be tensors from keras.Input and layer calls")
        self._order = _call_order(self.outputs, self.inputs, self.name)
        first = self.inputs if self._input_dict is None else _inputs_reached(self.outputs, self.inputs)
        self._tracked.extend(t.source for t in first if t.source is not None)
        for tensor in self._order:
            if tensor.layer not in self._tracked:
                self._tracked.append(tensor.layer)
            tensor.layer.output_shape = tensor.shape
        self.built = True

    @property
    def layers(self) -> list[Layer]:
        return list(self._tracked)

    @property
    def input_names(self) -> list[str]:
        """The names of the model's input layers, in the order of :attr:`inputs`."""
        return [t.source.name if t.source is not None else t.name for t in self.inputs or []]

    def input_keys(self) -> list[str]:
        """The keys a dict fed to the model must have: a dict model's sorted keys, else its input layers' names."""
        return sorted(self._input_dict) if self._input_dict is not None else self.input_names

    def call(self, inputs, training=None):
        if self.inputs is None:
            raise NotImplementedError(f"model '{self.name}' has no call(): subclass Model and define it, or build it from inputs and outputs")
        given = self._flatten_inputs(inputs)
        if current_trace() is not None:  # tfc tensors (not a TF1 graph's): checked and conformed as Keras does
            given = [self._conform(value, i) for i, value in enumerate(given)]
        values, masks, calls = {id(t): v for t, v in zip(self.inputs, given)}, {}, {}
        for tensor in self._order:
            if id(tensor.call) not in calls:  # a layer of several outputs runs once for all of them
                args = [values[id(t)] for t in tensor.inputs]
                mask = _input_masks(tensor, masks)
                keys = getattr(tensor, "keys", None)  # a layer called on a dict of tensors gets the dict again
                arg = dict(zip(keys, args)) if keys is not None else args if tensor.listed else args[0]
                calls[id(tensor.call)] = call_layer(tensor.layer, arg, training, mask)
            out, masks[id(tensor)] = calls[id(tensor.call)]
            values[id(tensor)] = out[tensor.index] if isinstance(out, list) else out
        outs = [values[id(t)] for t in self.outputs]
        return outs[0] if self._single_output else outs

    def _call_traced(self, inputs, training, kwargs):
        if isinstance(inputs, dict) and self.inputs is not None:  # a functional model's dict: its inputs in order
            inputs = self._flatten_inputs(inputs)
        return super()._call_traced(inputs, training, kwargs)

    def _flatten_inputs(self, inputs) -> list:
        """The values for :attr:`inputs`, in order: from a list, a single value, or a dict keyed by
        :meth:`input_keys` (Keras' error for a missing key; extra keys warned about and ignored)."""
        if isinstance(inputs, dict):
            keys = self.input_keys()
            for key in keys:
                if key not in inputs:
                    raise ValueError(f'Missing data for input "{key}". You passed a data dictionary with keys {list(inputs)}. '
                                     f"Expected the following keys: {keys}")
            extra = [k for k in inputs if k not in keys]
            if extra:
                warnings.warn(f"Input dict contained keys {extra} which did not match any model input. They will be ignored by the model.",
                              stacklevel=3)
            return [inputs[k] for k in keys]
        given = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        if len(given) != len(self.inputs):
            raise ValueError(f"model '{self.name}' takes {len(self.inputs)} input(s), got {len(given)}")
        return given

    def _conform(self, value, index: int):
        """Input ``index`` checked against its Input's shape (a last axis of 1 may be missing or extra,
        as Keras allows), reshaped to its rank and cast to its dtype."""
        ref, shape = self.inputs[index], tuple(value.shape)
        expected = (None, *ref.shape[1:]) if ref.shape else ()
        want, got = _squeezed(expected), _squeezed(shape)
        if any(a is not None and b is not None and a != b for a, b in zip(want, got)):
            raise ValueError(f'Input {index} of layer "{self.name}" is incompatible with the layer: expected shape={expected}, '
                             f'found shape={shape} (input "{self.input_keys()[index]}")')
        if len(shape) == len(ref.shape) + 1 and shape[-1] == 1:
            value = tfc.squeeze(value, axis=-1)
        elif len(shape) == len(ref.shape) - 1 and ref.shape[-1] == 1:
            value = tfc.expand_dims(value, -1)
        return value if value.dtype.numpy == np.dtype(ref.dtype) else tfc.cast(value, np.dtype(ref.dtype).name)

    def build(self, input_shape) -> None:
        self.built = True

    # ---- weights
    def all_weights(self) -> list:
        seen, weights = set(), []
        for layer in self._tracked:
            for weight in layer.all_weights():
                if id(weight) not in seen:
                    seen.add(id(weight))
                    weights.append(weight)
        return weights + [w for w in self._weights if id(w) not in seen]

    @property
    def trainable_weights(self) -> list:
        if not self.trainable:
            return []
        return [w for layer in self._tracked if layer.trainable for w in layer.trainable_weights] + [w for w in self._weights if w.trainable]

    @property
    def non_trainable_weights(self) -> list:
        trainable = {id(w) for w in self.trainable_weights}
        return [w for w in self.all_weights() if id(w) not in trainable]

    def penalties(self) -> list:
        return [penalty for layer in self._tracked for penalty in layer.penalties()]

    def weight_constraints(self) -> list:
        return [pair for layer in self._tracked for pair in layer.weight_constraints()]

    # ---- configuration and files (formats: tfc.keras.saving)
    def get_config(self) -> dict:
        """A functional model's layer graph (:mod:`.model_config`); a subclassed model's arguments."""
        if self.inputs is None:
            return super().get_config()
        return model_config.functional_config(self, self._single_input, self._single_output)

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        if "output_layers" not in config:
            return super().from_config(config)
        return model_config.functional_from_config(cls, config, custom_objects)

    def save(self, filepath, overwrite: bool = True, include_optimizer: bool = True, save_format=None, signatures=None, options=None):
        """Write the whole model (architecture, weights, compile arguments, optimizer state) to a ``.keras`` file."""
        saving.save_model(self, filepath, overwrite, include_optimizer, save_format, signatures=signatures, options=options)

    def save_weights(self, filepath, overwrite: bool = True, save_format=None, options=None):
        """Write the weights alone to a ``.weights.npz`` file."""
        saving.save_weights(self, filepath, overwrite, save_format, options=options)

    def load_weights(self, filepath, skip_mismatch: bool = False, by_name: bool = False, options=None):
        """Load weights from a ``.weights.npz`` or ``.keras`` file, layer by layer in order (``by_name``: by layer name)."""
        saving.load_weights(self, filepath, skip_mismatch, by_name, options=options)

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        if index is not None:
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(f"model '{self.name}' has no layer named {name!r} (layers: {', '.join(l.name for l in self.layers)})")

    def summary(self, print_fn=print) -> None:
        """Keras' table: each layer, its output shape and parameter count, then the totals."""
        rows = [(f"{layer.name} ({type(layer).__name__})", str(getattr(layer, "output_shape", "?")), layer.count_params()) for layer in self.layers]
        line, thick = "_" * 65, "=" * 65
        print_fn(f'Model: "{self.name}"')
        print_fn(line)
        print_fn(f" {'Layer (type)':<28}{'Output Shape':<26}Param #")
        print_fn(thick)
        for i, (label, shape, params) in enumerate(rows):
            print_fn(f" {label:<28}{shape:<26}{params}")
            print_fn(line if i < len(rows) - 1 else thick)
        trainable = int(sum(np.prod(w.shape) for w in self.trainable_weights))
        total = self.count_params()
        print_fn(f"Total params: {total:,}\nTrainable params: {trainable:,}\nNon-trainable params: {total - trainable:,}")
        print_fn(line)


class Sequential(Model):
    """A stack of layers, each taking the previous one's output."""

    def __init__(self, layers=None, name: str | None = None):
        super().__init__(name=name or unique_name("sequential"))
        self._input = None
        for layer in layers or []:
            self.add(layer)

    def add(self, layer) -> None:
        if isinstance(layer, KerasTensor):  # keras.Input(...) as the first "layer"
            self._input = layer
            return
        if not isinstance(layer, Layer):
            raise TypeError(f"Sequential '{self.name}': add() takes layers, got {type(layer).__name__}")
        self._tracked.append(layer)
        if self._input is None and layer.batch_input_shape is not None and len(self._tracked) == 1:
            self._input = KerasTensor(layer.batch_input_shape, layer.dtype, name=f"{layer.name}_input")
        if self._input is not None:
            self._build_symbolic()

    def _build_symbolic(self) -> None:
        """Build every layer from the input's shape, recording each one's output shape (for summary)."""
        tensor = self._input
        for layer in self._tracked:
            tensor = layer(tensor)
            layer.output_shape = tensor.shape
        self.built = True

    def call(self, inputs, training=None):
        if not self.built and not is_symbolic(inputs):
            self._input = KerasTensor((None, *tuple(inputs.shape[1:])), np.dtype(inputs.dtype.numpy).name if hasattr(inputs.dtype, "numpy") else "float32")
            self._build_symbolic()
        mask = None
        for layer in self._tracked:
            inputs, mask = call_layer(layer, inputs, training, mask)
        return inputs

    def get_config(self) -> dict:
        return model_config.sequential_config(self, self._input)

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        return model_config.sequential_from_config(cls, config, custom_objects)

    def build(self, input_shape=None) -> None:
        if input_shape is not None and self._input is None:
            self._input = KerasTensor(tuple(input_shape))
        if self._input is None:
            raise ValueError(f"Sequential '{self.name}' cannot be built without an input shape (give the first layer input_shape=, "
                             "add a keras.Input, or call build(input_shape))")
        self._build_symbolic()


def load_model(filepath, custom_objects=None, compile: bool = True):  # shadows the builtin: Keras names it so
    """The model a ``.keras`` file holds (see :mod:`tfc.keras.saving`), compiled again when it was
    compiled and ``compile``; ``custom_objects`` names the custom classes and functions it uses."""
    return saving.load_model(filepath, custom_objects, compile)


save_model = saving.save_model


def _input_masks(tensor: KerasTensor, masks: dict):
    """The mask of a call's input; for a call on a list with any mask, one mask per tensor (Keras
    passes merge and attention layers theirs, e.g. a cross-attention value's own padding mask)."""
    found = [masks.get(id(t)) for t in tensor.inputs]
    return found if tensor.listed and any(m is not None for m in found) else found[0]


def call_layer(layer: Layer, inputs, training, mask) -> tuple:
    """(``layer``'s output, the mask it passes on): the mask goes in when its ``call`` takes one."""
    takes_mask = mask is not None and "mask" in inspect.signature(layer.call).parameters
    out = layer(inputs, training=training, **({"mask": mask} if takes_mask else {}))
    return out, layer.compute_mask(inputs, mask)


def _squeezed(shape: tuple) -> tuple:
    return shape[:-1] if shape and shape[-1] == 1 else shape


def _inputs_reached(outputs, inputs) -> list[KerasTensor]:
    """``inputs`` in the order a depth-first walk back from the outputs reaches them (Keras' order of a
    dict model's input layers in ``layers``); any not reached, after."""
    wanted, seen, found = {id(t) for t in inputs}, set(), []

    def visit(tensor: KerasTensor) -> None:
        if id(tensor) in seen:
            return
        seen.add(id(tensor))
        if id(tensor) in wanted:
            found.append(tensor)
            return
        for parent in tensor.inputs:
            visit(parent)

    for output in outputs:
        visit(output)
    return found + [t for t in inputs if all(t is not f for f in found)]


def _call_order(outputs, inputs, model: str) -> list[KerasTensor]:
    """The layer-call tensors between ``inputs`` and ``outputs``, each after those it takes."""
    known = {id(t) for t in inputs}
    order, visiting, done = [], set(), set(known)

    def visit(tensor: KerasTensor) -> None:
        if id(tensor) in done:
            return
        if tensor.layer is None:
            raise ValueError(f"Model '{model}': output depends on input '{tensor.name}', which is not among the model's inputs")
        if id(tensor) in visiting:
            raise ValueError(f"Model '{model}': its layer graph has a cycle at '{tensor.name}'")
        visiting.add(id(tensor))
        for parent in tensor.inputs:
            visit(parent)
        done.add(id(tensor))
        order.append(tensor)

    for output in outputs:
        visit(output)
    return order


def _snake(model: Model) -> str:
    from .layers.base import snake_case

    return snake_case(type(model).__name__)
