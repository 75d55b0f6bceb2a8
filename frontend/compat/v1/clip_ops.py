"""TensorFlow 1's clipping functions: by norm, by global norm (the gradient-clipping idiom) and by
average norm, composed from ops as TensorFlow's Python composes them (so NaN/inf norms and zero
tensors behave as in TensorFlow)."""

from __future__ import annotations

from collections.abc import Sequence

from tfc.types import DType

from . import array_ops, math_ops
from .graph import get_default_graph
from .ops import add, to_tensor
from .tensor import Tensor


def _tensor_list(t_list, what: str) -> list:
    if not isinstance(t_list, Sequence) or isinstance(t_list, str):
        raise TypeError(f"{what}: 't_list' should be a sequence of tensors, got {type(t_list).__name__}")
    return [None if t is None else to_tensor(t) for t in t_list]


def clip_by_norm(t, clip_norm, axes=None, name=None):
    """``t * clip_norm / max(l2norm(t), clip_norm)``, the L2 norm over ``axes`` (all by default)."""
    with get_default_graph().name_scope(name or "clip_by_norm") as scope:
        values = to_tensor(t)
        l2sum = math_ops.reduce_sum(values * values, axes, keepdims=True)
        positive = l2sum > 0
        l2sum_safe = array_ops.where(positive, l2sum, array_ops.ones_like(l2sum))
        l2norm = array_ops.where(positive, math_ops.sqrt(l2sum_safe), l2sum)
        clip_norm = clip_norm if isinstance(clip_norm, Tensor) else to_tensor(clip_norm, values.dtype, "clip_norm")
        return array_ops.identity(values * clip_norm / math_ops.maximum(l2norm, clip_norm), name=scope)


def global_norm(t_list, name=None):
    """``sqrt(sum of every entry squared)`` over a list of tensors (None entries skipped)."""
    values = _tensor_list(t_list, "tf.global_norm")
    with get_default_graph().name_scope(name or "global_norm"):
        half_squares = [add("L2Loss", [v], name="L2Loss") for v in values if v is not None]
        half = math_ops.reduce_sum(array_ops.stack(half_squares))
        return math_ops.sqrt(half * to_tensor(2.0, half.dtype), name="global_norm")


def clip_by_global_norm(t_list, clip_norm, use_norm=None, name=None):
    """(the tensors scaled by ``clip_norm / max(global_norm, clip_norm)``, the global norm); None
    entries stay None, and an infinite or NaN norm makes every value NaN, as in TensorFlow."""
    values = _tensor_list(t_list, "tf.clip_by_global_norm")
    if use_norm is None:
        use_norm = global_norm(values, name)
    use_norm = to_tensor(use_norm)
    with get_default_graph().name_scope(name or "clip_by_global_norm") as scope:
        clip_norm = clip_norm if isinstance(clip_norm, Tensor) else to_tensor(clip_norm, use_norm.dtype, "clip_norm")
        scale_for_finite = clip_norm * math_ops.minimum(1.0 / use_norm, to_tensor(1.0, use_norm.dtype) / clip_norm)
        scale = scale_for_finite + (use_norm - use_norm)
        clipped = [None if v is None else array_ops.identity(v * math_ops.cast(scale, v.dtype), name=f"{scope}_{i}")
                   for i, v in enumerate(values)]
    return clipped, use_norm


def clip_by_average_norm(t, clip_norm, name=None):
    """``t`` scaled so its L2 norm divided by its number of elements is at most ``clip_norm``."""
    with get_default_graph().name_scope(name or "clip_by_average_norm") as scope:
        t = to_tensor(t)
        count = math_ops.cast(array_ops.size(t), DType.f32)
        axes = list(range(t.shape.ndims)) if t.shape.ndims is not None else array_ops.range(array_ops.rank(t))
        l2norm_inv = math_ops.rsqrt(math_ops.reduce_sum(t * t, axes))
        clip_norm = clip_norm if isinstance(clip_norm, Tensor) else to_tensor(clip_norm, t.dtype, "clip_norm")
        return array_ops.identity(t * clip_norm * math_ops.minimum(l2norm_inv * count, to_tensor(1.0) / clip_norm), name=scope)


__all__ = ["clip_by_average_norm", "clip_by_global_norm", "clip_by_norm", "global_norm"]
TOP_LEVEL: tuple[str, ...] = tuple(__all__)  # every name is also tf.<name>
