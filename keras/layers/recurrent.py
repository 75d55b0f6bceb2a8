"""Embedding and the recurrent layers: SimpleRNN, LSTM, GRU (tf.keras 2.x's weights and gate orders)
and Bidirectional. A layer runs its time steps as one ``tfc.while`` (``fori_loop``), never unrolled
in Python, so its program's size does not grow with the sequence; the inputs' projection for every
step is one matmul before the loop."""

from __future__ import annotations

import numpy as np

import tfc
from tfc.frontend.api import emit
from tfc.types import DType

from .. import activations, initializers
from .base import Layer


class Embedding(Layer):
    """Rows of ``embeddings`` looked up by integer inputs; ``mask_zero`` makes index 0 padding,
    masked for the layers after it (a recurrent layer then skips those steps)."""

    def __init__(self, input_dim: int, output_dim: int, embeddings_initializer="uniform", embeddings_regularizer=None,
                 activity_regularizer=None, embeddings_constraint=None, mask_zero: bool = False, input_length=None, **kwargs):
        super().__init__(**kwargs)
        self.input_dim, self.output_dim, self.mask_zero = int(input_dim), int(output_dim), mask_zero
        self.initializer = initializers.RandomUniform() if embeddings_initializer == "uniform" else embeddings_initializer
        self.regularizer, self.constraint = embeddings_regularizer, embeddings_constraint

    def build(self, input_shape):
        self.embeddings = self.add_weight("embeddings", (self.input_dim, self.output_dim), initializer=self.initializer,
                                          regularizer=self.regularizer, constraint=self.constraint)

    def call(self, inputs):
        return tfc.take(self.embeddings, tfc.astype(inputs, DType.i32), axis=0)

    def compute_mask(self, inputs, mask=None):
        return tfc.not_equal(inputs, 0) if self.mask_zero else None

    def get_config(self):
        return {**super().get_config(), "input_dim": self.input_dim, "output_dim": self.output_dim, "mask_zero": self.mask_zero}


class RNN(Layer):
    """Shared by SimpleRNN, LSTM and GRU: ``gates`` projections per step, the state, and the loop."""

    gates, states = 1, 1

    def __init__(self, units: int, activation="tanh", recurrent_activation="sigmoid", use_bias: bool = True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None, return_sequences: bool = False,
                 return_state: bool = False, go_backwards: bool = False, stateful: bool = False, unroll: bool = False, **kwargs):
        for unsupported in ("dropout", "recurrent_dropout"):
            if kwargs.pop(unsupported, 0):
                raise ValueError(f"{type(self).__name__}: {unsupported} is not supported yet (use a Dropout layer between layers)")
        for ignored in ("activity_regularizer", "kernel_constraint", "recurrent_constraint", "bias_constraint", "time_major",
                        "unit_forget_bias", "reset_after"):
            kwargs.pop(ignored, None)
        super().__init__(**kwargs)
        if stateful:
            raise ValueError(f"{type(self).__name__} '{self.name}': stateful=True is not supported")
        self.units, self.use_bias = int(units), use_bias
        self.activation, self.recurrent_activation = activations.get(activation), activations.get(recurrent_activation)
        self.initializers = (kernel_initializer, recurrent_initializer, bias_initializer)
        self.regularizers = (kernel_regularizer, recurrent_regularizer, bias_regularizer)
        self.return_sequences, self.return_state, self.go_backwards = return_sequences, return_state, go_backwards

    def build(self, input_shape):
        if len(input_shape) != 3 or input_shape[-1] is None:
            raise ValueError(f"{type(self).__name__} '{self.name}': expected inputs [batch, time, features], got shape {input_shape}")
        width = self.gates * self.units
        kernel_init, recurrent_init, bias_init = self.initializers
        self.kernel = self.add_weight("kernel", (input_shape[-1], width), initializer=kernel_init, regularizer=self.regularizers[0])
        self.recurrent_kernel = self.add_weight("recurrent_kernel", (self.units, width), initializer=recurrent_init,
                                                regularizer=self.regularizers[1])
        self.bias = self.add_weight("bias", self.bias_shape(), initializer=self.bias_initializer(bias_init),
                                    regularizer=self.regularizers[2]) if self.use_bias else None

    def bias_shape(self) -> tuple:
        return (self.gates * self.units,)

    def bias_initializer(self, given):
        return given

    def projected_inputs(self, inputs):
        """x_t @ kernel (+ the input bias) for every step at once: [time, batch, gates * units]."""
        time, batch, features = inputs.shape[1], inputs.shape[0], inputs.shape[2]
        steps = tfc.reshape(tfc.transpose(inputs, (1, 0, 2)), (time * batch, features))  # one 2-d matmul, forward and back
        projected = tfc.reshape(tfc.matmul(steps, self.kernel), (time, batch, self.kernel.shape[1]))
        return projected if self.bias is None else tfc.add(projected, self.input_bias())

    def input_bias(self):
        return self.bias

    def step(self, x_t, states: tuple, recurrent, bias) -> tuple:
        """(output, new states) of one step from its projected input; ``recurrent`` and ``bias`` are
        the weights' values, read before the loop (a loop body reads no variable)."""
        raise NotImplementedError

    def call(self, inputs, mask=None, training=None, initial_state=None):
        """The loop carries the states (each cell's output is its new h, states[0]) and, only with
        return_sequences, the outputs so far: a while loop's gradient keeps every carried value of
        every step, so a carried [time, batch, units] buffer would cost time squared."""
        batch, time = inputs.shape[0], inputs.shape[1]
        projected = self.projected_inputs(inputs)
        mask_steps = None if mask is None else tfc.transpose(tfc.astype(mask, DType.f32), (1, 0))
        zeros = tfc.zeros((batch, self.units), dtype=inputs.dtype)
        states = tuple(initial_state) if initial_state is not None else (zeros,) * self.states
        recurrent, bias = self.recurrent_kernel.read_value(), None if self.bias is None else self.bias.read_value()

        def advance(t, states):
            index = (time - 1 - t) if self.go_backwards else t
            _, new_states = self.step(_read_step(projected, index), states, recurrent, bias)
            if mask_steps is None:
                return new_states
            keep = tfc.expand_dims(_read_step(mask_steps, index), -1)  # a masked step keeps the state
            return tuple(tfc.add(tfc.multiply(keep, n), tfc.multiply(tfc.subtract(1, keep), o)) for n, o in zip(new_states, states))

        if self.return_sequences:
            def body(t, carried):
                outputs, states = carried
                states = advance(t, states)
                return _write_step(outputs, t, states[0]), states

            outputs, states = tfc.fori_loop(0, time, body, (tfc.zeros((time, batch, self.units), dtype=inputs.dtype), states))
            result = tfc.transpose(outputs, (1, 0, 2))
        else:
            states = tfc.fori_loop(0, time, advance, states)
            result = states[0]
        return [result, *states] if self.return_state else result

    def compute_mask(self, inputs, mask=None):
        return mask if self.return_sequences else None

    def get_config(self):
        return {**super().get_config(), "units": self.units, "return_sequences": self.return_sequences,
                "return_state": self.return_state, "go_backwards": self.go_backwards}


def _read_step(sequence, t):
    """Row ``t`` of ``sequence``'s first axis, as a ``tfc.dynamic_slice`` (whose gradient in a loop adds
    into that row alone, where a gather's would add a whole sequence-sized tensor each step)."""
    zero = tfc.astype(0, DType.i32)
    row = emit("tfc.dynamic_slice", [sequence, tfc.astype(t, DType.i32), *[zero] * (sequence.ndim - 1)],
               {"slice_sizes": (1, *sequence.shape[1:])})
    return tfc.reshape(row, sequence.shape[1:])


def _write_step(outputs, t, value):
    """``outputs`` with row ``t`` (of its first axis) replaced by ``value``."""
    zero = tfc.astype(0, DType.i32)
    return emit("tfc.dynamic_update_slice", [outputs, tfc.reshape(value, (1, *value.shape)), tfc.astype(t, DType.i32), zero, zero])


class SimpleRNN(RNN):
    """h = activation(x W + h U + b)."""

    def step(self, x_t, states, recurrent, bias):
        h = self.activation(tfc.add(x_t, tfc.matmul(states[0], recurrent)))
        return h, (h,)


class LSTM(RNN):
    """tf.keras' LSTM: gates i, f, c, o; c = f c + i tanh(.), h = o tanh(c); the forget gate's bias
    starts at 1 (``unit_forget_bias``)."""

    gates, states = 4, 2

    def bias_initializer(self, given):
        units, base = self.units, initializers.get(given)

        def forget_one(shape, dtype="float32"):
            values = np.asarray(base(shape, dtype))
            values[units:2 * units] = 1.0
            return values

        return forget_one

    def step(self, x_t, states, recurrent, bias):
        h, c = states
        z = tfc.add(x_t, tfc.matmul(h, recurrent))
        u = self.units
        i, f = self.recurrent_activation(z[:, :u]), self.recurrent_activation(z[:, u:2 * u])
        c = tfc.add(tfc.multiply(f, c), tfc.multiply(i, self.activation(z[:, 2 * u:3 * u])))
        h = tfc.multiply(self.recurrent_activation(z[:, 3 * u:]), self.activation(c))
        return h, (h, c)


class GRU(RNN):
    """tf.keras' GRU with ``reset_after=True`` (its default): gates z, r, h; the reset gate applies
    after the recurrent matmul; bias [2, 3 * units] (input bias, recurrent bias)."""

    gates = 3

    def bias_shape(self):
        return (2, 3 * self.units)

    def input_bias(self):
        return self.bias[0]

    def step(self, x_t, states, recurrent, bias):
        h = states[0]
        inner = tfc.matmul(h, recurrent)
        if bias is not None:
            inner = tfc.add(inner, bias[1])
        u = self.units
        z = self.recurrent_activation(tfc.add(x_t[:, :u], inner[:, :u]))
        r = self.recurrent_activation(tfc.add(x_t[:, u:2 * u], inner[:, u:2 * u]))
        candidate = self.activation(tfc.add(x_t[:, 2 * u:], tfc.multiply(r, inner[:, 2 * u:])))
        h = tfc.add(tfc.multiply(z, h), tfc.multiply(tfc.subtract(1, z), candidate))
        return h, (h,)


class Bidirectional(Layer):
    """``layer`` over the sequence and a copy of it over the reversed sequence, merged by
    ``merge_mode`` ("concat", "sum", "mul", "ave"); with return_sequences the backward outputs are put
    back in time order."""

    def __init__(self, layer: RNN, merge_mode: str = "concat", backward_layer=None, **kwargs):
        super().__init__(**kwargs)
        if merge_mode not in ("concat", "sum", "mul", "ave"):
            raise ValueError(f"Bidirectional '{self.name}': merge_mode must be concat, sum, mul or ave, got {merge_mode!r}")
        self.forward_layer, self.merge_mode = layer, merge_mode
        self.backward_layer = backward_layer or type(layer)(**_rnn_config(layer), go_backwards=not layer.go_backwards,
                                                            name=f"backward_{layer.name}")

    def all_weights(self):
        return self.forward_layer.all_weights() + self.backward_layer.all_weights()

    def build(self, input_shape):
        self.forward_layer.ensure_built(input_shape)
        self.backward_layer.ensure_built(input_shape)

    def call(self, inputs, mask=None):
        forward, backward = self.forward_layer.call(inputs, mask=mask), self.backward_layer.call(inputs, mask=mask)
        if self.forward_layer.return_state:
            raise ValueError(f"Bidirectional '{self.name}': return_state is not supported yet")
        if self.forward_layer.return_sequences:
            backward = _reverse_time(backward)
        if self.merge_mode == "concat":
            return tfc.concatenate([forward, backward], -1)
        combine = {"sum": tfc.add, "mul": tfc.multiply, "ave": lambda a, b: tfc.multiply(tfc.add(a, b), 0.5)}[self.merge_mode]
        return combine(forward, backward)

    def compute_mask(self, inputs, mask=None):
        return mask if self.forward_layer.return_sequences else None


def _reverse_time(x):
    return emit("tfc.reverse", [x], {"dimensions": (1,)})


def _rnn_config(layer: RNN) -> dict:
    kernel_init, recurrent_init, bias_init = layer.initializers
    return {"units": layer.units, "activation": layer.activation, "recurrent_activation": layer.recurrent_activation,
            "use_bias": layer.use_bias, "kernel_initializer": kernel_init, "recurrent_initializer": recurrent_init,
            "bias_initializer": bias_init, "return_sequences": layer.return_sequences, "return_state": layer.return_state}
