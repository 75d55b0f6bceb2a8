"""TensorFlow's layout helpers, which layout-rewriting passes put into graphs: DataFormatDimMap maps a
dimension index of ``src_format`` to its index in ``dst_format``; DataFormatVecPermute reorders a
per-dimension vector (a shape, strides, paddings as ``[n, 2]``) from one layout to the other.

Both formats are strings of 4 or 5 distinct letters, one a permutation of the other ("NHWC",
"NCDHW"...), so both ops are lookups in a table known at import.
"""

from __future__ import annotations

import numpy as np

from tfc.frontend import api as tnp
from tfc.registry import ShapeError
from tfc.types import TensorType

from ..dialect import tf_op
from .array import shape_text


def _formats(ctx) -> tuple[str, str]:
    """``src_format`` and ``dst_format`` (TensorFlow's defaults), checked as TensorFlow's kernels do."""
    src, dst = ctx.attrs.get("src_format", "NHWC"), ctx.attrs.get("dst_format", "NCHW")
    for what, layout in (("src_format", src), ("dst_format", dst)):
        if len(layout) not in (4, 5):
            raise ShapeError(f"{what} must have 4 or 5 letters, got {layout!r}")
    if sorted(src) != sorted(dst) or len(set(src)) != len(src):
        raise ShapeError(f"src_format {src!r} and dst_format {dst!r} must be permutations of the same distinct letters")
    return src, dst


# ---- DataFormatDimMap -------------------------------------------------------------------------------
def _dim_map_type(ctx, x):
    _formats(ctx)
    return x


def _dim_map(ctx, x):
    """TensorFlow's kernel: ``m = (x + n) % n`` with C's remainder, then a select chain in which every
    ``m`` but 0 .. n-2 (an index below -n gives a negative ``m``) takes the last dimension's place."""
    src, dst = _formats(ctx)
    n = len(src)
    places = [dst.index(letter) for letter in src]
    places = np.asarray(places, x.dtype.numpy)
    size = np.asarray(n, x.dtype.numpy)
    wrapped = tnp.emit("tfc.remainder", [tnp.add(x, size), tnp.broadcast_to(size, x.shape)])
    result = tnp.broadcast_to(places[-1], x.shape)
    for index in reversed(range(n - 1)):
        result = tnp.where(tnp.equal(wrapped, places.dtype.type(index)), places[index], result)
    return result


tf_op("DataFormatDimMap", _dim_map_type, _dim_map, outputs=(("y", 1),))


# ---- DataFormatVecPermute ---------------------------------------------------------------------------
def _spatial(layout: str) -> str:
    return layout.replace("N", "").replace("C", "")


def _permutation(ctx, x: TensorType) -> list[int]:
    """Where each entry of the result comes from: over all dimensions, or over the spatial ones
    (the formats without N and C) when ``x`` has n - 2 rows."""
    src, dst = _formats(ctx)
    n = len(src)
    if x.shape is None or x.rank not in (1, 2):
        raise ShapeError(f"input must be a vector or a 2-D tensor, got shape {shape_text(x.shape)}")
    if x.rank == 2 and x.shape[1] not in (2, None):
        raise ShapeError(f"a 2-D input must have 2 columns, got shape {shape_text(x.shape)}")
    rows = x.shape[0]
    if rows is None:
        return []
    if rows == n:
        return [src.index(letter) for letter in dst]
    if rows == n - 2:
        return [_spatial(src).index(letter) for letter in _spatial(dst)]
    raise ShapeError(f"input must have {n} or {n - 2} rows for {n}-letter formats, got shape {shape_text(x.shape)}")


def _vec_permute_type(ctx, x):
    _permutation(ctx, x)
    return x


def _vec_permute(ctx, x):
    permutation = _permutation(ctx, ctx.operand_types[0])
    return tnp.take(x, np.asarray(permutation, np.int32), axis=0)


tf_op("DataFormatVecPermute", _vec_permute_type, _vec_permute, outputs=(("y", 1),))
