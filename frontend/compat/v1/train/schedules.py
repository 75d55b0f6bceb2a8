"""Learning-rate schedules of ``global_step``: ``tf.train.exponential_decay`` and friends."""

from __future__ import annotations

from .. import math_ops
from ..graph import get_default_graph
from ..ops import to_tensor


def exponential_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False, name=None):
    """``learning_rate * decay_rate ** (global_step / decay_steps)`` (the exponent floored if ``staircase``)."""
    with get_default_graph().name_scope(name or "ExponentialDecay"):
        rate = to_tensor(learning_rate, name="learning_rate")
        step = math_ops.cast(global_step, rate.dtype)
        power = math_ops.divide(step, to_tensor(decay_steps, rate.dtype))
        if staircase:
            power = math_ops.floor(power)
        return math_ops.multiply(rate, math_ops.pow_(to_tensor(decay_rate, rate.dtype), power))


def inverse_time_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False, name=None):
    """``learning_rate / (1 + decay_rate * global_step / decay_steps)``."""
    with get_default_graph().name_scope(name or "InverseTimeDecay"):
        rate = to_tensor(learning_rate, name="learning_rate")
        ratio = math_ops.divide(math_ops.cast(global_step, rate.dtype), to_tensor(decay_steps, rate.dtype))
        if staircase:
            ratio = math_ops.floor(ratio)
        return math_ops.divide(rate, math_ops.add_(1.0, math_ops.multiply(to_tensor(decay_rate, rate.dtype), ratio)))


__all__ = ["exponential_decay", "inverse_time_decay"]
