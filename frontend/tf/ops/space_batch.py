"""TensorFlow's rearrangements between space and depth or batch: DepthToSpace, SpaceToDepth (NHWC
and NCHW), SpaceToBatchND, BatchToSpaceND and their 4-D forms SpaceToBatch, BatchToSpace.

Each is a reshape that splits dimensions into blocks, a transpose that moves the blocks, and a
reshape that merges them (with a pad before, or a crop after, for the batch forms), so the block
sizes, paddings and crops must be constants: they decide the shapes.
"""

from __future__ import annotations

import math

import numpy as np

from tfc.frontend import api as tnp
from tfc.registry import ShapeError
from tfc.types import TensorType

from ..dialect import tf_op
from .array import ints, shape_text, static


# ---- DepthToSpace, SpaceToDepth -------------------------------------------------------------------
def _layout(ctx) -> str:
    data_format = ctx.attrs.get("data_format", "NHWC")
    if data_format not in ("NHWC", "NCHW"):
        raise ShapeError(f"data_format must be 'NHWC' or 'NCHW', got {data_format!r} (NCHW_VECT_C is not supported)")
    return data_format


def _block_size(ctx) -> int:
    block = ctx.attrs.get("block_size")
    if not isinstance(block, int) or block < 2:
        raise ShapeError(f"block_size must be at least 2, got {block}")
    return block


def _image_dims(shape, data_format: str) -> tuple:
    """(batch, height, width, channels) of a rank-4 shape."""
    if len(shape) != 4:
        raise ShapeError(f"input must have rank 4, got shape {shape_text(shape)}")
    return tuple(shape) if data_format == "NHWC" else (shape[0], shape[2], shape[3], shape[1])


def _in_layout(dims, data_format: str) -> tuple:
    batch, height, width, channels = dims
    return (batch, height, width, channels) if data_format == "NHWC" else (batch, channels, height, width)


def _times(size, factor: int):
    return None if size is None else size * factor


def _divided(size, factor: int):
    return None if size is None else size // factor


def _depth_to_space_dims(shape, block: int, data_format: str) -> tuple:
    batch, height, width, channels = _image_dims(shape, data_format)
    if channels is not None and channels % (block * block):
        raise ShapeError(f"the depth {channels} must be divisible by block_size * block_size = {block * block}")
    return _in_layout((batch, _times(height, block), _times(width, block), _divided(channels, block * block)), data_format)


def _space_to_depth_dims(shape, block: int, data_format: str) -> tuple:
    batch, height, width, channels = _image_dims(shape, data_format)
    for name, size in (("height", height), ("width", width)):
        if size is not None and size % block:
            raise ShapeError(f"the {name} {size} must be divisible by block_size {block}")
    return _in_layout((batch, _divided(height, block), _divided(width, block), _times(channels, block * block)), data_format)


def _depth_type(dims_of):
    def infer(ctx, x):
        data_format, block = _layout(ctx), _block_size(ctx)
        return TensorType(x.dtype, None if x.shape is None else dims_of(x.shape, block, data_format))

    return infer


def _depth_to_space(ctx, x):
    """NHWC: [n, h, w, (b, b, c)] -> [n, (h, b), (w, b), c]; NCHW: [n, (b, b, c), h, w] -> [n, c, (h, b), (w, b)]."""
    data_format, block = _layout(ctx), _block_size(ctx)
    out = _depth_to_space_dims(x.shape, block, data_format)
    n, h, w, c = _image_dims(out, data_format)
    h, w = h // block, w // block
    if data_format == "NHWC":
        blocks, perm = (n, h, w, block, block, c), (0, 1, 3, 2, 4, 5)
    else:
        blocks, perm = (n, block, block, c, h, w), (0, 3, 4, 1, 5, 2)
    return tnp.reshape(tnp.transpose(tnp.reshape(x, blocks), perm), out)


def _space_to_depth(ctx, x):
    """NHWC: [n, (h, b), (w, b), c] -> [n, h, w, (b, b, c)]; NCHW: [n, c, (h, b), (w, b)] -> [n, (b, b, c), h, w]."""
    data_format, block = _layout(ctx), _block_size(ctx)
    out = _space_to_depth_dims(x.shape, block, data_format)
    n, h, w, c = _image_dims(x.shape, data_format)
    h, w = h // block, w // block
    if data_format == "NHWC":
        blocks, perm = (n, h, block, w, block, c), (0, 1, 3, 2, 4, 5)
    else:
        blocks, perm = (n, c, h, block, w, block), (0, 3, 5, 1, 2, 4)
    return tnp.reshape(tnp.transpose(tnp.reshape(x, blocks), perm), out)


tf_op("DepthToSpace", _depth_type(_depth_to_space_dims), _depth_to_space)
tf_op("SpaceToDepth", _depth_type(_space_to_depth_dims), _space_to_depth)


# ---- SpaceToBatchND, BatchToSpaceND ---------------------------------------------------------------
def _blocks_and_pairs(block_value, pairs_value, shape, what: str) -> tuple[list[int], list[tuple[int, int]]]:
    """The block sizes and the [M, 2] paddings or crops, checked against each other and the input rank."""
    block, pairs = ints(block_value), np.asarray(pairs_value)
    if np.ndim(block_value) != 1 or min(block, default=1) < 1:
        raise ShapeError(f"block_shape must be a vector of positive sizes, got {np.asarray(block_value).tolist()}")
    if pairs.shape != (len(block), 2) or np.any(pairs < 0):
        raise ShapeError(f"{what} must be a non-negative [{len(block)}, 2] matrix (one pair per block dimension), got {pairs.tolist()}")
    if shape is not None and len(shape) < len(block) + 1:
        raise ShapeError(f"the input of shape {shape_text(shape)} needs rank at least {len(block) + 1} for {len(block)} block dimensions")
    return block, [(int(a), int(b)) for a, b in pairs]


def _space_to_batch_dims(shape, block, paddings) -> tuple:
    spatial = []
    for i, (size, b, (before, after)) in enumerate(zip(shape[1:], block, paddings)):
        padded = None if size is None else size + before + after
        if padded is not None and padded % b:
            raise ShapeError(f"padded spatial dimension {i} has size {padded}, which block size {b} does not divide")
        spatial.append(None if padded is None else padded // b)
    batch = None if shape[0] is None else shape[0] * math.prod(block)
    return (batch, *spatial, *shape[1 + len(block):])


def _batch_to_space_dims(shape, block, crops) -> tuple:
    count = math.prod(block)
    if shape[0] is not None and shape[0] % count:
        raise ShapeError(f"the batch {shape[0]} must be divisible by the product of block_shape {block} ({count})")
    spatial = []
    for i, (size, b, (before, after)) in enumerate(zip(shape[1:], block, crops)):
        if size is not None and before + after > size * b:
            raise ShapeError(f"crops {before}, {after} of spatial dimension {i} exceed its size {size * b}")
        spatial.append(None if size is None else size * b - before - after)
    batch = None if shape[0] is None else shape[0] // count
    return (batch, *spatial, *shape[1 + len(block):])


def _batch_type(dims_of, what: str, block_of):
    def infer(ctx, x, *operands):
        block_value, pairs_value = block_of(ctx)
        if block_value is None or pairs_value is None or x.shape is None:
            return TensorType(x.dtype, None if x.shape is None else (None,) * len(x.shape))
        block, pairs = _blocks_and_pairs(block_value, pairs_value, x.shape, what)
        return TensorType(x.dtype, dims_of(x.shape, block, pairs))

    return infer


def _space_to_batch(x, block: list[int], paddings) -> object:
    """Pad, split each spatial dim into (size / b, b), move the b's in front of the batch, merge them into it."""
    m, rest = len(block), x.shape[1 + len(block):]
    x = tnp.pad(x, [(0, 0), *paddings] + [(0, 0)] * len(rest))
    split = (x.shape[0], *(d for size, b in zip(x.shape[1:], block) for d in (size // b, b)), *rest)
    perm = (*range(2, 2 * m + 1, 2), 0, *range(1, 2 * m, 2), *range(2 * m + 1, len(split)))
    moved = tnp.transpose(tnp.reshape(x, split), perm)
    return tnp.reshape(moved, (x.shape[0] * math.prod(block), *(size // b for size, b in zip(x.shape[1:], block)), *rest))


def _batch_to_space(x, block: list[int], crops) -> object:
    """Split the batch into (b..., batch), interleave each b after its spatial dim, merge, then crop."""
    m, rest = len(block), x.shape[1 + len(block):]
    batch = x.shape[0] // math.prod(block)
    split = (*block, batch, *x.shape[1:])
    perm = (m, *(d for i in range(m) for d in (m + 1 + i, i)), *range(2 * m + 1, len(split)))
    spatial = [size * b for size, b in zip(x.shape[1:], block)]
    merged = tnp.reshape(tnp.transpose(tnp.reshape(x, split), perm), (batch, *spatial, *rest))
    return merged[(slice(None), *(slice(before, size - after) for size, (before, after) in zip(spatial, crops)))]


def _nd_operands(ctx):
    return ctx.constant(1), ctx.constant(2)


def _space_to_batch_nd(ctx, x, block_shape, paddings):
    block, pairs = _blocks_and_pairs(static(ctx, 1, "block_shape"), static(ctx, 2, "paddings"), x.shape, "paddings")
    _space_to_batch_dims(x.shape, block, pairs)
    return _space_to_batch(x, block, pairs)


def _batch_to_space_nd(ctx, x, block_shape, crops):
    block, pairs = _blocks_and_pairs(static(ctx, 1, "block_shape"), static(ctx, 2, "crops"), x.shape, "crops")
    _batch_to_space_dims(x.shape, block, pairs)
    return _batch_to_space(x, block, pairs)


tf_op("SpaceToBatchND", _batch_type(_space_to_batch_dims, "paddings", _nd_operands), _space_to_batch_nd)
tf_op("BatchToSpaceND", _batch_type(_batch_to_space_dims, "crops", _nd_operands), _batch_to_space_nd)


# ---- SpaceToBatch, BatchToSpace (4-D, one block_size attribute) -------------------------------------
def _square_block(ctx) -> list[int]:
    return [_block_size(ctx)] * 2


def _attr_operands(ctx):
    return _square_block(ctx), ctx.constant(1)


def _require_rank4(x) -> None:
    if x.shape is not None and len(x.shape) != 4:
        raise ShapeError(f"input must have rank 4, got shape {shape_text(x.shape)}")


def _four_d_type(dims_of, what: str):
    nd = _batch_type(dims_of, what, _attr_operands)

    def infer(ctx, x, pairs):
        _require_rank4(x)
        return nd(ctx, x, pairs)

    return infer


def _space_to_batch_4d(ctx, x, paddings):
    _require_rank4(x)
    block, pairs = _blocks_and_pairs(_square_block(ctx), static(ctx, 1, "paddings"), x.shape, "paddings")
    _space_to_batch_dims(x.shape, block, pairs)
    return _space_to_batch(x, block, pairs)


def _batch_to_space_4d(ctx, x, crops):
    _require_rank4(x)
    block, pairs = _blocks_and_pairs(_square_block(ctx), static(ctx, 1, "crops"), x.shape, "crops")
    _batch_to_space_dims(x.shape, block, pairs)
    return _batch_to_space(x, block, pairs)


tf_op("SpaceToBatch", _four_d_type(_space_to_batch_dims, "paddings"), _space_to_batch_4d)
tf_op("BatchToSpace", _four_d_type(_batch_to_space_dims, "crops"), _batch_to_space_4d)
