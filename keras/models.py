"""``tfc.keras.Model`` (functional and subclassed), ``Sequential`` and ``Input``. A model is a layer
made of layers; :mod:`.training` gives it compile/fit/evaluate/predict."""

from __future__ import annotations

import inspect

import numpy as np

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
        self.inputs = self.outputs = None
        if inputs is not None or outputs is not None:
            self._init_functional(inputs, outputs)

    def __setattr__(self, name, value):
        if isinstance(value, Layer) and name != "_tracked" and value not in self.__dict__.get("_tracked", []):
            self.__dict__.setdefault("_tracked", []).append(value)
        object.__setattr__(self, name, value)

    # ---- functional models
    def _init_functional(self, inputs, outputs) -> None:
        self.inputs = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        self.outputs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
        self._single_input, self._single_output = not isinstance(inputs, (list, tuple)), not isinstance(outputs, (list, tuple))
        if not all(isinstance(t, KerasTensor) for t in self.inputs + self.outputs):
            raise TypeError(f"Model '{self.name}': inputs and outputs must be tensors from keras.Input and layer calls")
        self._order = _call_order(self.outputs, self.inputs, self.name)
        self._tracked.extend(t.source for t in self.inputs if t.source is not None)
        for tensor in self._order:
            if tensor.layer not in self._tracked:
                self._tracked.append(tensor.layer)
            tensor.layer.output_shape = tensor.shape
        self.built = True

    @property
    def layers(self) -> list[Layer]:
        return list(self._tracked)

    def call(self, inputs, training=None):
        if self.inputs is None:
            raise NotImplementedError(f"model '{self.name}' has no call(): subclass Model and define it, or build it from inputs and outputs")
        given = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        if len(given) != len(self.inputs):
            raise ValueError(f"model '{self.name}' takes {len(self.inputs)} input(s), got {len(given)}")
        values, masks, calls = {id(t): v for t, v in zip(self.inputs, given)}, {}, {}
        for tensor in self._order:
            if id(tensor.call) not in calls:  # a layer of several outputs runs once for all of them
                args = [values[id(t)] for t in tensor.inputs]
                mask = _input_masks(tensor, masks)
                arg = args if tensor.listed else args[0]
                calls[id(tensor.call)] = call_layer(tensor.layer, arg, training, mask)
            out, masks[id(tensor)] = calls[id(tensor.call)]
            values[id(tensor)] = out[tensor.index] if isinstance(out, list) else out
        outs = [values[id(t)] for t in self.outputs]
        return outs[0] if self._single_output else outs

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
