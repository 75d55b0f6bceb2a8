"""Embedding and the recurrent layers: SimpleRNN, LSTM, GRU (tf.keras 2.x's arguments, weights and gate
orders) and Bidirectional. A layer runs its time steps as one ``tfc.while`` (``fori_loop``), unrolled
in Python only when asked (``unroll=True``), so its program's size does not grow with the sequence;
the inputs' projection for every step is one matmul before the loop."""

from __future__ import annotations

import numpy as np

import tfc
from tfc.frontend.api import dimension_size, dynamic_slice, emit, filled
from tfc.types import DType

from .. import activations, initializers
from .base import Layer, serialized_options
from .core import Dropout
from .serialization import deserialize, serialize

_SEED_OFFSET = 0x9E3779B9  # the recurrent dropout's seed: the layer's plus this, a stream apart from the input dropout's


class Embedding(Layer):
    """Rows of ``embeddings`` looked up by integer inputs; ``mask_zero`` makes index 0 padding,
    masked for the layers after it (a recurrent layer then skips those steps)."""

    def __init__(self, input_dim: int, output_dim: int, embeddings_initializer="uniform", embeddings_regularizer=None,
                 activity_regularizer=None, embeddings_constraint=None, mask_zero: bool = False, input_length=None, **kwargs):
        if input_length is not None and not any(kwargs.get(k) is not None for k in ("input_shape", "batch_input_shape")):
            kwargs["input_shape"] = (input_length,)  # tf.keras: the length is the input's shape
        super().__init__(**kwargs)
        _no_activity_regularizer(self, activity_regularizer)
        self.input_dim, self.output_dim, self.mask_zero, self.input_length = int(input_dim), int(output_dim), mask_zero, input_length
        uniform = embeddings_initializer == "uniform"  # Keras' name for RandomUniform(-0.05, 0.05)
        self.embeddings_initializer = initializers.RandomUniform() if uniform else embeddings_initializer
        self.embeddings_regularizer, self.embeddings_constraint = embeddings_regularizer, embeddings_constraint

    def build(self, input_shape):
        self.embeddings = self.add_weight("embeddings", (self.input_dim, self.output_dim), initializer=self.embeddings_initializer,
                                          regularizer=self.embeddings_regularizer, constraint=self.embeddings_constraint)

    def call(self, inputs):
        return tfc.take(self.embeddings, tfc.astype(inputs, DType.i32), axis=0)

    def compute_mask(self, inputs, mask=None):
        return tfc.not_equal(inputs, 0) if self.mask_zero else None

    def get_config(self):
        return {**super().get_config(), "input_dim": self.input_dim, "output_dim": self.output_dim, "mask_zero": self.mask_zero,
                "input_length": self.input_length,
                **serialized_options(embeddings_initializer=self.embeddings_initializer, embeddings_regularizer=self.embeddings_regularizer,
                                     activity_regularizer=None, embeddings_constraint=self.embeddings_constraint)}


class RNN(Layer):
    """Shared by SimpleRNN, LSTM and GRU: ``gates`` projections per step, the state, dropout masks and
    the loop. Subclasses give ``step``."""

    gates, states = 1, 1
    implementation = 2  # LSTM and GRU take it as an argument

    def __init__(self, units: int, activation="tanh", use_bias: bool = True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout: float = 0.0, recurrent_dropout: float = 0.0, return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, unroll: bool = False, time_major: bool = False, seed=None, **kwargs):
        super().__init__(**kwargs)
        kind = f"{type(self).__name__} '{self.name}'"
        if stateful:
            raise ValueError(f"{kind}: stateful=True is not supported")
        _no_activity_regularizer(self, activity_regularizer)
        if int(units) < 1:
            raise ValueError(f"{kind}: units must be a positive int, got {units!r}")
        for argument, rate in (("dropout", dropout), ("recurrent_dropout", recurrent_dropout)):
            if not 0 <= rate < 1:
                raise ValueError(f"{kind}: {argument} must be in [0, 1), got {rate!r}")
        self.units, self.use_bias, self.activation = int(units), use_bias, activations.get(activation)
        self.kernel_initializer, self.recurrent_initializer, self.bias_initializer = kernel_initializer, recurrent_initializer, bias_initializer
        self.kernel_regularizer, self.recurrent_regularizer, self.bias_regularizer = kernel_regularizer, recurrent_regularizer, bias_regularizer
        self.kernel_constraint, self.recurrent_constraint, self.bias_constraint = kernel_constraint, recurrent_constraint, bias_constraint
        self.dropout, self.recurrent_dropout, self.seed = float(dropout), float(recurrent_dropout), seed
        self.return_sequences, self.return_state, self.go_backwards = return_sequences, return_state, go_backwards
        self.unroll, self.time_major = unroll, time_major
        self.input_dropout_layer = Dropout(self.dropout, seed=seed, name=f"{self.name}/dropout") if self.dropout else None
        recurrent_seed = None if seed is None else (int(seed) + _SEED_OFFSET) % 2**31
        self.recurrent_dropout_layer = (Dropout(self.recurrent_dropout, seed=recurrent_seed, name=f"{self.name}/recurrent_dropout")
                                        if self.recurrent_dropout else None)

    def build(self, input_shape):
        if len(input_shape) != 3 or input_shape[-1] is None:
            layout = "[time, batch, features]" if self.time_major else "[batch, time, features]"
            raise ValueError(f"{type(self).__name__} '{self.name}': expected inputs {layout}, got shape {input_shape}")
        width = self.gates * self.units
        self.kernel = self.add_weight("kernel", (input_shape[-1], width), initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight("recurrent_kernel", (self.units, width), initializer=self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer, constraint=self.recurrent_constraint)
        self.bias = self.add_weight("bias", self.bias_shape(), initializer=self.initial_bias(), regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None

    def bias_shape(self) -> tuple:
        return (self.gates * self.units,)

    def initial_bias(self):
        return self.bias_initializer

    def input_bias(self):
        return self.bias

    def step(self, x_t, states: tuple, recurrent, bias, masks) -> tuple:
        """The new states of one step from its projected input (the output is the new states[0]);
        ``recurrent`` and ``bias`` are the weights' values, read before the loop (a loop body reads no
        variable), ``masks`` the recurrent dropout masks or None."""
        raise NotImplementedError

    def recurrent_projection(self, h, recurrent, masks):
        """h @ recurrent; with dropout masks [count, batch, units], each gate's columns see h under its own mask."""
        if masks is None:
            return tfc.matmul(h, recurrent)
        return _grouped_matmul(tfc.multiply(tfc.expand_dims(h, 0), masks), recurrent)

    def call(self, inputs, mask=None, training=None, initial_state=None):
        """The last output, or every step's with return_sequences (then [batch, time, units], or
        [time, batch, units] with time_major), and with return_state the final states after it."""
        sequence = inputs if self.time_major else tfc.transpose(inputs, (1, 0, 2))  # [time, batch, features]
        time, batch = _sizes(sequence)[:2]  # i32 scalars read at run time where unknown (None)
        input_masks, recurrent_masks = self.dropout_masks(sequence, training)
        projected = self.projected_inputs(sequence, input_masks)
        keep = None if mask is None else tfc.astype(mask if self.time_major else tfc.transpose(mask, (1, 0)), sequence.dtype)
        states = tuple(initial_state) if initial_state is not None else (filled((batch, self.units), 0, sequence.dtype),) * self.states
        recurrent, bias = self.recurrent_kernel.read_value(), None if self.bias is None else self.bias.read_value()

        def advance(t, states):
            index = (time - 1 - t) if self.go_backwards else t
            new_states = self.step(_read_step(projected, index), states, recurrent, bias, recurrent_masks)
            if keep is None:
                return new_states
            kept = tfc.expand_dims(_read_step(keep, index), -1)  # a masked step keeps the state
            return tuple(tfc.add(tfc.multiply(kept, n), tfc.multiply(tfc.subtract(1, kept), o)) for n, o in zip(new_states, states))

        outputs, states = self.run_steps(advance, states, time)
        if outputs is not None and not self.time_major:
            outputs = tfc.transpose(outputs, (1, 0, 2))
        result = outputs if self.return_sequences else states[0]
        return [result, *states] if self.return_state else result

    def run_steps(self, advance, states: tuple, time: int) -> tuple:
        """(every step's output [time, batch, units] with return_sequences else None, the last states).
        The loop carries the outputs only with return_sequences: a while loop's gradient keeps every
        carried value of every step, so a carried [time, batch, units] buffer would cost time squared."""
        if self.unroll:
            outputs = []
            for t in range(time):
                states = advance(t, states)
                outputs.append(states[0])
            return (tfc.stack(outputs) if self.return_sequences else None), states
        if not self.return_sequences:
            return None, tuple(tfc.fori_loop(0, time, advance, states))

        def body(t, carried):
            outputs, states = carried
            states = advance(t, states)
            return _write_step(outputs, t, states[0]), states

        first = states[0]
        return tfc.fori_loop(0, time, body, (filled((time, *_sizes(first)), 0, first.dtype), states))

    def dropout_masks(self, sequence, training) -> tuple:
        """Keras' dropout for recurrent layers: masks drawn once per call and used at every step, for the
        inputs [count, batch, features] and the state [count, batch, units]; one per gate (count =
        gates) under implementation 1, which recurrent_dropout implies as in Keras, else one."""
        if not training:
            return None, None
        count = self.gates if self.implementation == 1 or self.recurrent_dropout else 1
        batch, features = sequence.shape[1], sequence.shape[2]
        return (_dropout_mask(self.input_dropout_layer, (count, batch, features), sequence.dtype),
                _dropout_mask(self.recurrent_dropout_layer, (count, batch, self.units), sequence.dtype))

    def projected_inputs(self, sequence, masks):
        """x_t @ kernel (+ the input bias) for every step at once: [time, batch, gates * units]; one 2-d
        matmul (a batched one per gate under per-gate dropout masks)."""
        time, batch, features = _sizes(sequence)
        if masks is None:
            projected = tfc.matmul(tfc.reshape(sequence, (-1, features)), self.kernel)
        else:
            dropped = tfc.multiply(tfc.expand_dims(sequence, 0), tfc.expand_dims(masks, 1))  # [count, time, batch, features]
            projected = _grouped_matmul(tfc.reshape(dropped, (masks.shape[0], -1, features)), self.kernel)
        projected = tfc.reshape(projected, (time, batch, self.kernel.shape[1]))
        return projected if self.bias is None else tfc.add(projected, self.input_bias())

    def compute_mask(self, inputs, mask=None):
        return mask if self.return_sequences else None

    def get_config(self):
        options = serialized_options(
            kernel_initializer=self.kernel_initializer, recurrent_initializer=self.recurrent_initializer,
            bias_initializer=self.bias_initializer, kernel_regularizer=self.kernel_regularizer, recurrent_regularizer=self.recurrent_regularizer,
            bias_regularizer=self.bias_regularizer, activity_regularizer=None, kernel_constraint=self.kernel_constraint,
            recurrent_constraint=self.recurrent_constraint, bias_constraint=self.bias_constraint)
        return {**super().get_config(), "units": self.units, "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
                **options, "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout, "return_sequences": self.return_sequences,
                "return_state": self.return_state, "go_backwards": self.go_backwards, "stateful": False, "unroll": self.unroll,
                "time_major": self.time_major, "seed": self.seed}


def _sizes(x) -> list:
    """``x``'s sizes: ints, and i32 scalars read at run time for dims unknown (None) at trace time."""
    return [d if d is not None else dimension_size(x, a) for a, d in enumerate(x.shape)]


def _read_step(sequence, t):
    """Row ``t`` of ``sequence``'s first axis, as a ``tfc.dynamic_slice`` (whose gradient in a loop adds
    into that row alone, where a gather's would add a whole sequence-sized tensor each step)."""
    zero = tfc.astype(0, DType.i32)
    row = dynamic_slice(sequence, [tfc.astype(t, DType.i32), *[zero] * (sequence.ndim - 1)], [1, *_sizes(sequence)[1:]])
    return tfc.reshape(row, _sizes(sequence)[1:])


def _write_step(outputs, t, value):
    """``outputs`` with row ``t`` (of its first axis) replaced by ``value``."""
    zero = tfc.astype(0, DType.i32)
    return emit("tfc.dynamic_update_slice", [outputs, tfc.reshape(value, (1, *value.shape)), tfc.astype(t, DType.i32), zero, zero])


def _grouped_matmul(x, kernel):
    """[count, n, k] x [k, width] -> [n, width]: group g of ``x`` times the g-th block of width / count
    columns (count 1: a plain matmul)."""
    count = x.shape[0]
    if count == 1:
        return tfc.matmul(tfc.reshape(x, (-1, x.shape[2])), kernel)
    k, width = kernel.shape
    blocks = tfc.transpose(tfc.reshape(kernel, (k, count, width // count)), (1, 0, 2))
    return tfc.reshape(tfc.transpose(tfc.matmul(x, blocks), (1, 0, 2)), (-1, width))


def _dropout_mask(layer: Dropout | None, shape: tuple, dtype):
    """0 or 1 / (1 - rate) per element, from ``layer``'s seeded stream; None without that dropout."""
    return None if layer is None else layer(tfc.ones(shape, dtype=dtype), training=True)


class SimpleRNN(RNN):
    """h = activation(x W + h U + b)."""

    def step(self, x_t, states, recurrent, bias, masks):
        return (self.activation(tfc.add(x_t, self.recurrent_projection(states[0], recurrent, masks))),)


class LSTM(RNN):
    """tf.keras' LSTM: gates i, f, c, o; c = f c + i tanh(.), h = o tanh(c); with ``unit_forget_bias``
    the forget gate's bias starts at 1."""

    gates, states = 4, 2

    def __init__(self, units: int, activation="tanh", recurrent_activation="sigmoid", use_bias: bool = True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias: bool = True, *, implementation: int = 2, **kwargs):
        super().__init__(units, activation, use_bias, kernel_initializer, recurrent_initializer, bias_initializer, **kwargs)
        self.recurrent_activation, self.unit_forget_bias = activations.get(recurrent_activation), unit_forget_bias
        self.implementation = _implementation(self, implementation)

    def initial_bias(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        units, base = self.units, initializers.get(self.bias_initializer)

        def forget_one(shape, dtype="float32"):
            values = np.asarray(base(shape, dtype))
            values[units:2 * units] = 1.0
            return values

        return forget_one

    def step(self, x_t, states, recurrent, bias, masks):
        h, c = states
        z = tfc.add(x_t, self.recurrent_projection(h, recurrent, masks))
        u = self.units
        i, f = self.recurrent_activation(z[:, :u]), self.recurrent_activation(z[:, u:2 * u])
        c = tfc.add(tfc.multiply(f, c), tfc.multiply(i, self.activation(z[:, 2 * u:3 * u])))
        h = tfc.multiply(self.recurrent_activation(z[:, 3 * u:]), self.activation(c))
        return h, c

    def get_config(self):
        return {**super().get_config(), "recurrent_activation": activations.serialize(self.recurrent_activation),
                "unit_forget_bias": self.unit_forget_bias, "implementation": self.implementation}


class GRU(RNN):
    """tf.keras' GRU: gates z, r, h. With ``reset_after=True`` (the default) the reset gate applies
    after the recurrent matmul and the bias is [2, 3 * units] (input bias, recurrent bias); with False
    it applies to the state before it and the bias is [3 * units]."""

    gates = 3

    def __init__(self, units: int, activation="tanh", recurrent_activation="sigmoid", use_bias: bool = True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros", *,
                 reset_after: bool = True, implementation: int = 2, **kwargs):
        super().__init__(units, activation, use_bias, kernel_initializer, recurrent_initializer, bias_initializer, **kwargs)
        self.recurrent_activation, self.reset_after = activations.get(recurrent_activation), reset_after
        self.implementation = _implementation(self, implementation)

    def bias_shape(self):
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def input_bias(self):
        return self.bias[0] if self.reset_after else self.bias

    def step(self, x_t, states, recurrent, bias, masks):
        h, u = states[0], self.units
        if self.reset_after:
            inner = self.recurrent_projection(h, recurrent, masks)
            inner = inner if bias is None else tfc.add(inner, bias[1])
        else:
            inner = self.recurrent_projection(h, recurrent[:, :2 * u], None if masks is None else masks[:2])
        z = self.recurrent_activation(tfc.add(x_t[:, :u], inner[:, :u]))
        r = self.recurrent_activation(tfc.add(x_t[:, u:2 * u], inner[:, u:2 * u]))
        if self.reset_after:
            recurrent_h = tfc.multiply(r, inner[:, 2 * u:])
        else:
            dropped = h if masks is None else tfc.multiply(h, masks[-1])
            recurrent_h = tfc.matmul(tfc.multiply(r, dropped), recurrent[:, 2 * u:])
        candidate = self.activation(tfc.add(x_t[:, 2 * u:], recurrent_h))
        return (tfc.add(tfc.multiply(z, h), tfc.multiply(tfc.subtract(1, z), candidate)),)

    def get_config(self):
        return {**super().get_config(), "recurrent_activation": activations.serialize(self.recurrent_activation),
                "reset_after": self.reset_after, "implementation": self.implementation}


def _implementation(layer: RNN, implementation) -> int:
    if implementation not in (1, 2):
        raise ValueError(f"{type(layer).__name__} '{layer.name}': implementation must be 1 or 2, got {implementation!r}")
    return int(implementation)


class Bidirectional(Layer):
    """``layer`` over the sequence and a copy of it (or ``backward_layer``) over the reversed sequence,
    merged by ``merge_mode`` ("concat", "sum", "mul", "ave", or None for both as a list); with
    return_sequences the backward outputs are put back in time order."""

    def __init__(self, layer: RNN, merge_mode: str | None = "concat", backward_layer: RNN | None = None, **kwargs):
        super().__init__(**kwargs)
        if merge_mode not in ("concat", "sum", "mul", "ave", None):
            raise ValueError(f"Bidirectional '{self.name}': merge_mode must be concat, sum, mul, ave or None, got {merge_mode!r}")
        if not isinstance(layer, RNN) or not (backward_layer is None or isinstance(backward_layer, RNN)):
            raise ValueError(f"Bidirectional '{self.name}': layer and backward_layer must be SimpleRNN, LSTM or GRU layers")
        self.forward_layer, self.merge_mode, self.given_backward = layer, merge_mode, backward_layer is not None
        self.backward_layer = backward_layer or type(layer).from_config(
            {**layer.get_config(), "go_backwards": not layer.go_backwards, "name": f"backward_{layer.name}"})
        for option in ("return_sequences", "return_state", "time_major"):
            if getattr(self.backward_layer, option) != getattr(layer, option):
                raise ValueError(f"Bidirectional '{self.name}': layer and backward_layer must have the same {option}")

    def all_weights(self):
        return self.forward_layer.all_weights() + self.backward_layer.all_weights()

    def build(self, input_shape):
        self.forward_layer.ensure_built(input_shape)
        self.backward_layer.ensure_built(input_shape)

    def call(self, inputs, mask=None, training=None, initial_state=None):
        """The merged outputs (both, as a list, with merge_mode None), then with return_state the
        forward layer's final states and the backward layer's."""
        states = self.forward_layer.states
        forward_state, backward_state = (None, None) if initial_state is None else (initial_state[:states], initial_state[states:])
        forward = self.forward_layer.call(inputs, mask=mask, training=training, initial_state=forward_state)
        backward = self.backward_layer.call(inputs, mask=mask, training=training, initial_state=backward_state)
        forward_states, backward_states = [], []
        if self.forward_layer.return_state:
            (forward, *forward_states), (backward, *backward_states) = forward, backward
        if self.forward_layer.return_sequences:
            backward = _reverse_time(backward, 0 if self.forward_layer.time_major else 1)
        if self.merge_mode is None:
            merged = [forward, backward]
        elif self.merge_mode == "concat":
            merged = [tfc.concatenate([forward, backward], -1)]
        else:
            combine = {"sum": tfc.add, "mul": tfc.multiply, "ave": lambda a, b: tfc.multiply(tfc.add(a, b), 0.5)}[self.merge_mode]
            merged = [combine(forward, backward)]
        outputs = [*merged, *forward_states, *backward_states]
        return outputs if len(outputs) > 1 else outputs[0]

    def compute_mask(self, inputs, mask=None):
        return mask if self.forward_layer.return_sequences else None

    def get_config(self):
        config = {**super().get_config(), "layer": serialize(self.forward_layer), "merge_mode": self.merge_mode}
        if self.given_backward:
            config["backward_layer"] = serialize(self.backward_layer)
        return config

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        """The wrapped layers rebuilt from their serialized configs ({"class_name", "config"})."""
        config = dict(config)
        wrapped = {key: deserialize(config.pop(key), custom_objects) for key in ("layer", "backward_layer") if config.get(key) is not None}
        return cls(**wrapped, **config)


def _reverse_time(x, axis: int):
    return emit("tfc.reverse", [x], {"dimensions": (axis,)})


def _no_activity_regularizer(layer: Layer, activity_regularizer) -> None:
    if activity_regularizer is not None:
        raise ValueError(f"{type(layer).__name__} '{layer.name}': activity_regularizer is not supported yet")
