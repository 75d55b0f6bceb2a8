"""TensorFlow's ExtractImagePatches and ExtractVolumePatches: every window of a convolution (sizes,
strides, rates, SAME/VALID padding, as a convolution places them) with its elements laid out along
the depth, in (window position..., channel) order.

A patch is a set of strided slices of the zero-padded input, one per window offset, stacked and
merged into the depth: no data-dependent indexing, and the gradient comes from the slices.
"""

from __future__ import annotations

import itertools
from math import prod

from tfc.frontend import api as tnp
from tfc.registry import ShapeError
from tfc.types import TensorType

from ..dialect import tf_op
from .array import const, shape_text
from .nn import padding_mode, tf_window


def _spatial_attr(ctx, key: str, rank: int) -> tuple[int, ...]:
    """A ksizes/strides/rates attribute: one positive entry per dimension, 1 for the batch and depth."""
    values = tuple(int(v) for v in ctx.attrs.get(key, (1,) * rank))
    if len(values) != rank or values[0] != 1 or values[-1] != 1 or min(values) < 1:
        raise ShapeError(f"{key} {list(values)} must hold {rank} positive entries with 1 for the batch and the depth")
    return values[1:-1]


def _plan(ctx, shape, rank: int):
    """The window, strides, rates, padding mode, and per spatial dim (output size, padding)."""
    if shape is not None and len(shape) != rank:
        raise ShapeError(f"input must have rank {rank}, got shape {shape_text(shape)}")
    window, strides = _spatial_attr(ctx, "ksizes", rank), _spatial_attr(ctx, "strides", rank)
    rates = _spatial_attr(ctx, "rates", rank) if rank == 4 else (1,) * (rank - 2)
    mode, _ = padding_mode(ctx, rank, explicit_ok=False)
    spatial = (None,) * (rank - 2) if shape is None else shape[1:-1]
    dims = [tf_window(size, k, s, r, mode) for size, k, s, r in zip(spatial, window, strides, rates)]
    return window, strides, rates, dims


def _patches_type(rank: int):
    def infer(ctx, x):
        window, _, _, dims = _plan(ctx, x.shape, rank)
        if x.shape is None:
            return TensorType(x.dtype, (None,) * rank)
        depth = None if x.shape[-1] is None else x.shape[-1] * prod(window)
        return TensorType(x.dtype, (x.shape[0], *(out for out, _ in dims), depth))

    return infer


def _extract_patches(rank: int):
    def decompose(ctx, x):
        window, strides, rates, dims = _plan(ctx, x.shape, rank)
        outs = [out for out, _ in dims]
        result_shape = (x.shape[0], *outs, x.shape[-1] * prod(window))
        if 0 in result_shape:
            return tnp.broadcast_to(const(0, x.dtype), result_shape)
        padded = tnp.pad(x, [(0, 0), *(pad for _, pad in dims), (0, 0)])
        pieces = []
        for offsets in itertools.product(*(range(k) for k in window)):
            index = tuple(slice(o * r, o * r + (out - 1) * s + 1, s) for o, r, out, s in zip(offsets, rates, outs, strides))
            pieces.append(padded[(slice(None), *index, slice(None))])
        return tnp.reshape(tnp.stack(pieces, axis=-2), result_shape)

    return decompose


tf_op("ExtractImagePatches", _patches_type(4), _extract_patches(4), outputs=(("patches", 1),))
tf_op("ExtractVolumePatches", _patches_type(5), _extract_patches(5), outputs=(("patches", 1),))
