"""The compiled programs of :class:`tfc.toolkit.RNNClassifier`: the forward pass (stacked recurrent
cells over masked, variable-length sequences, then the logits), one whole training step (forward,
loss, gradient and optimizer update in one program), the evaluation sums and the predictions.

The cells are the tfc.keras recurrent layers' own step functions (``SimpleRNN``, ``LSTM``, ``GRU``:
Keras' gate orders and weight shapes), applied to weights passed in as arrays, so the state stays a
dict of numpy arrays. All cells advance together in one ``tfc.fori_loop`` over time; a step at or
past an example's ``sequence_length`` keeps every state, so the top cell's final output is its
output at the last valid step (TensorFlow's ``dynamic_rnn`` with ``sequence_length``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

import tfc
from tfc.frontend.api import emit
from tfc.types import DType

SUM_OVER_BATCH_SIZE, SUM = "sum_over_batch_size", "sum"


@dataclass(frozen=True)
class Network:
    """What a compiled program is specialised on (a static argument). Networks compare by their
    cells' and optimizer's configurations, so equal models share compiled programs."""

    cells: tuple = field(compare=False)
    """The tfc.keras recurrent layers (SimpleRNN, LSTM, GRU), bottom first; only their ``step`` runs."""
    logits: int
    """The logits' width: 1 for two classes (a sigmoid), else n_classes (a softmax)."""
    optimizer: object = field(default=None, compare=False)
    """The tfc.keras optimizer whose ``update`` rule a training step applies (None outside training);
    its learning rate is an argument of the step, not part of the program."""
    reduction: str = SUM_OVER_BATCH_SIZE
    """How the weighted per-example losses make the training loss: their mean or their sum."""
    signature: tuple = field(init=False)
    """The cells' and the optimizer's kinds and configurations (names and learning rate left out)."""

    def __post_init__(self):
        described = (tuple(_described(cell) for cell in self.cells), None if self.optimizer is None else _described(self.optimizer))
        object.__setattr__(self, "signature", described)


def _described(thing) -> tuple:
    config = {key: value for key, value in thing.get_config().items() if key not in ("name", "learning_rate")}
    return type(thing).__name__, repr(sorted(config.items()))


def cell_names(index: int) -> tuple[str, str, str]:
    """The state keys of cell ``index``'s kernel, recurrent kernel and bias."""
    prefix = f"rnn/cell_{index}"
    return f"{prefix}/kernel", f"{prefix}/recurrent_kernel", f"{prefix}/bias"


LOGITS_KERNEL, LOGITS_BIAS = "logits/kernel", "logits/bias"


# ---- the forward pass -----------------------------------------------------------------------------
def _read_step(sequence, t):
    """Row ``t`` of ``sequence`` [time, ...] as a dynamic slice (whose gradient in a loop touches that row only)."""
    zero = tfc.astype(0, DType.i32)
    row = emit("tfc.dynamic_slice", [sequence, tfc.astype(t, DType.i32), *[zero] * (sequence.ndim - 1)],
               {"slice_sizes": (1, *sequence.shape[1:])})
    return tfc.reshape(row, sequence.shape[1:])


def _step_inputs(sequence, context):
    """[time, batch, features]: each step's sequence features, then the example's context features."""
    steps = tfc.transpose(sequence, (1, 0, 2))
    if context is None:
        return steps
    time, batch = steps.shape[0], steps.shape[1]
    repeated = tfc.broadcast_to(tfc.expand_dims(context, 0), (time, batch, context.shape[1]))
    return tfc.concatenate([steps, repeated], axis=2)


def _input_bias(bias):
    """The bias added to x W: a GRU with reset_after keeps [input bias, recurrent bias] as two rows."""
    return bias[0] if bias.ndim == 2 else bias


def _final_output(params, sequence, context, lengths, network: Network):
    """The top cell's output at each example's last valid step, [batch, units]."""
    inputs = _step_inputs(sequence, context)
    time, batch, width = inputs.shape
    kernel, _, bias = (params[name] for name in cell_names(0))
    projected = tfc.reshape(tfc.matmul(tfc.reshape(inputs, (time * batch, width)), kernel), (time, batch, kernel.shape[1]))
    projected = tfc.add(projected, _input_bias(bias))  # the bottom cell's x W + b for every step: one matmul
    weights = [tuple(params[name] for name in cell_names(i)) for i in range(len(network.cells))]

    def advance(t, states):
        keep = tfc.expand_dims(tfc.less(tfc.astype(t, DType.i32), lengths), 1)  # [batch, 1]: still inside the sequence
        below, new_states = None, []
        for i, (cell, (kernel, recurrent, bias)) in enumerate(zip(network.cells, weights)):
            x_t = _read_step(projected, t) if i == 0 else tfc.add(tfc.matmul(below, kernel), _input_bias(bias))
            stepped = cell.step(x_t, states[i], recurrent, bias, None)
            kept = tuple(tfc.where(keep, new, old) for new, old in zip(stepped, states[i]))
            new_states.append(kept)
            below = kept[0]
        return tuple(new_states)

    initial = tuple((tfc.zeros((batch, cell.units), dtype=inputs.dtype),) * cell.states for cell in network.cells)
    final = tfc.fori_loop(0, time, advance, initial)
    return final[-1][0]


def _logits(params, sequence, context, lengths, network: Network):
    top = _final_output(params, sequence, context, lengths, network)
    return tfc.add(tfc.matmul(top, params[LOGITS_KERNEL]), params[LOGITS_BIAS])


def _example_losses(logits, labels, network: Network):
    """Each example's cross entropy: sigmoid on the one logit of two classes, else softmax."""
    if network.logits == 1:
        z, y = logits[:, 0], tfc.astype(labels, logits.dtype)
        return tfc.add(tfc.subtract(tfc.maximum(z, 0.0), tfc.multiply(z, y)), tfc.log1p(tfc.exp(tfc.negative(tfc.abs(z)))))
    picked = tfc.multiply(tfc.log_softmax(logits, 1), tfc.one_hot(labels, network.logits, logits.dtype))
    return tfc.negative(tfc.sum(picked, 1))


def _class_ids(logits, network: Network):
    if network.logits == 1:
        return tfc.astype(tfc.greater(logits[:, 0], 0.0), DType.i32)
    return tfc.argmax(logits, 1)


# ---- the programs ---------------------------------------------------------------------------------
@tfc.compile(static_argnames=("network",))
def train_step(params, slots, iterations, sequence, context, lengths, labels, weights, learning_rate, network: Network):
    """One training step: (new params, new slots, iterations + 1, the batch loss)."""

    def loss_of(p):
        losses = tfc.multiply(_example_losses(_logits(p, sequence, context, lengths, network), labels, network), weights)
        return tfc.sum(losses) if network.reduction == SUM else tfc.mean(losses)

    loss, grads = tfc.value_and_grad(loss_of)(params)
    new_params, new_slots = {}, {}
    for name in sorted(params):
        new_params[name], new_slots[name] = network.optimizer.update(params[name], grads[name], slots[name], iterations, learning_rate)
    return new_params, new_slots, tfc.add(iterations, tfc.astype(1, iterations.dtype)), loss


@tfc.compile(static_argnames=("network",))
def batch_sums(params, sequence, context, lengths, labels, weights, network: Network):
    """(Σ w · loss, Σ w · [correct], Σ w) over a batch: evaluation's sums."""
    logits = _logits(params, sequence, context, lengths, network)
    correct = tfc.astype(tfc.equal(_class_ids(logits, network), labels), weights.dtype)
    return tfc.sum(tfc.multiply(_example_losses(logits, labels, network), weights)), tfc.sum(tfc.multiply(correct, weights)), tfc.sum(weights)


@tfc.compile(static_argnames=("network",))
def predictions(params, sequence, context, lengths, network: Network):
    """(logits [batch, 1 or n_classes], probabilities [batch, n_classes], class ids [batch])."""
    logits = _logits(params, sequence, context, lengths, network)
    if network.logits == 1:
        one = tfc.sigmoid(logits)
        probabilities = tfc.concatenate([tfc.subtract(1.0, one), one], axis=1)
    else:
        probabilities = tfc.softmax(logits, 1)
    return logits, probabilities, _class_ids(logits, network)


def initial_weights(network: Network, input_width: int, seed: int) -> dict[str, np.ndarray]:
    """Seeded starting weights: Glorot-uniform kernels, orthogonal recurrent kernels, zero biases
    (an LSTM's forget gate at 1, as Keras' ``unit_forget_bias``)."""
    rng = np.random.default_rng(seed)
    params, width = {}, input_width
    for i, cell in enumerate(network.cells):
        gates = cell.gates * cell.units
        kernel, recurrent, bias = cell_names(i)
        params[kernel] = _glorot(rng, (width, gates))
        params[recurrent] = np.concatenate([_orthogonal(rng, cell.units) for _ in range(cell.gates)], axis=1)
        params[bias] = np.zeros(cell.bias_shape(), np.float32)
        if getattr(cell, "unit_forget_bias", False):
            params[bias][cell.units:2 * cell.units] = 1.0
        width = cell.units
    params[LOGITS_KERNEL] = _glorot(rng, (width, network.logits))
    params[LOGITS_BIAS] = np.zeros(network.logits, np.float32)
    return params


def _glorot(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    limit = np.sqrt(6.0 / (shape[0] + shape[1]))
    return rng.uniform(-limit, limit, shape).astype(np.float32)


def _orthogonal(rng: np.random.Generator, size: int) -> np.ndarray:
    q, r = np.linalg.qr(rng.standard_normal((size, size)))
    return (q * np.sign(np.diag(r))).astype(np.float32)


__all__ = ["LOGITS_BIAS", "LOGITS_KERNEL", "SUM", "SUM_OVER_BATCH_SIZE", "Network", "batch_sums", "cell_names", "initial_weights",
           "predictions", "train_step"]
