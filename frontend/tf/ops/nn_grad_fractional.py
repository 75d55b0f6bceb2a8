"""The gradient kernels of fractional pooling: FractionalAvgPoolGrad and FractionalMaxPoolGrad.

The forward ops pick their cells at random and return them as pooling sequences; the gradients read
those sequences at run time. Output row r pools input rows seq[r] .. seq[r + 1] - 1 (through seq[r + 1]
when ``overlapping``), clipped to the input, and likewise for columns. Shapes stay static: a cell is a
membership mask, [out, in], computed from the sequence.

- FractionalAvgPoolGrad spreads each gradient evenly over its cell, dividing by the cell's size as
  TensorFlow's kernel does, in float64 then converted to T, summing an element's shares in the kernel's
  order (cells row by row; with ``overlapping``, an element of the cells a sequence drawn by the forward
  op makes lies in at most two per dimension), so that even integer results truncate alike.
- FractionalMaxPoolGrad gives each gradient to its cell's first maximum in row-major order (a later
  element must be strictly greater), recomputed from orig_input as TensorFlow's kernel does: the row
  maximum of each cell's columns first, then the first row holding the cell's maximum.
"""

from __future__ import annotations

import numpy as np

from tfc.frontend import api as tnp
from tfc.registry import ShapeError
from tfc.types import DType, TensorType

from ..dialect import tf_op
from .array import vector_dims
from .math import fits
from .nn import shape_of, static_shape
from .nn_grad import shape_operand


def _check_sequences(ctx, out_shape, row_sequence, col_sequence) -> None:
    for t, name, out in ((row_sequence, "row_pooling_sequence", out_shape[1]), (col_sequence, "col_pooling_sequence", out_shape[2])):
        if t.shape is not None and len(t.shape) != 1:
            raise ShapeError(f"{name} must be a vector, got {t}")
        if t.shape is not None and None not in (t.shape[0], out) and t.shape[0] < out + 1:
            raise ShapeError(f"{name} has {t.shape[0]} entries, but out_backprop's {out} cells need {out + 1}")


def _cells(ctx, sequence, cells: int, size: int):
    """The [cells, size] membership of input positions in each cell, and each cell's size (f64)."""
    sequence = tnp.astype(sequence, DType.i64)
    starts, stops = sequence[:cells], sequence[1: cells + 1]
    ends = stops if ctx.attrs.get("overlapping", False) else tnp.subtract(stops, tnp.astype(1, DType.i64))
    ends = tnp.minimum(ends, tnp.astype(size - 1, DType.i64))
    positions = tnp.emit("tfc.iota", [], {"iota_dimension": 1}, [TensorType(DType.i64, (cells, size))])
    inside = tnp.logical_and(tnp.greater_equal(positions, tnp.reshape(starts, (cells, 1))), tnp.less_equal(positions, tnp.reshape(ends, (cells, 1))))
    count = tnp.astype(tnp.add(tnp.subtract(ends, starts), tnp.astype(1, DType.i64)), DType.f64)
    return inside, tnp.where(tnp.greater(count, tnp.astype(0, DType.f64)), count, tnp.astype(1, DType.f64))


def _by_order(inside, parts: int) -> tuple[list, object]:
    """Each element's k-th cell (k < ``parts``) as (cell index [size], present [size]) pairs, and the
    membership in any later cell (f64 [cells, size]; none for the sequences the forward ops draw)."""
    order = tnp.cumsum(tnp.astype(inside, DType.i32), 0)
    found = []
    for k in range(1, parts + 1):
        kth = tnp.logical_and(inside, tnp.equal(order, tnp.astype(k, DType.i32)))
        found.append((tnp.argmax(tnp.astype(kth, DType.i32), 0), tnp.any(kth, 0)))
    later = tnp.logical_and(inside, tnp.greater(order, tnp.astype(parts, DType.i32)))
    return found, tnp.astype(later, DType.f64)


def _share(dy, counts, row, col):
    """dy / counts at each element's (row cell, column cell), 0 where it has no such cells. The divisor
    is a select, not a broadcast: XLA divides by a broadcast as a multiplication by its reciprocal,
    which is not the division TensorFlow's kernel makes."""
    (rows, row_present), (cols, col_present) = row, col
    dy, counts = (tnp.take(tnp.take(t, rows, 1), cols, 2) for t in (dy, counts))
    present = tnp.logical_and(tnp.reshape(row_present, (1, -1, 1, 1)), tnp.reshape(col_present, (1, 1, -1, 1)))
    present = tnp.broadcast_to(present, dy.shape)
    divisor = tnp.where(tnp.logical_and(present, tnp.equal(dy, dy)), counts, tnp.astype(1, DType.f64))  # NaN's divisor is moot
    return tnp.where(present, tnp.divide(dy, divisor), tnp.astype(0, DType.f64))


def _spread(membership, x, axis: int):
    """sum over cells c of membership[c, i] * x[..c..] along ``axis``: x's cells spread over the input."""
    order = (axis, *(d for d in range(4) if d != axis))
    moved = tnp.transpose(x, order)
    shape = moved.shape
    spread = tnp.matmul(tnp.transpose(membership, (1, 0)), tnp.reshape(moved, (shape[0], -1)))
    spread = tnp.reshape(spread, (membership.shape[1], *shape[1:]))
    return tnp.transpose(spread, tuple(int(i) for i in np.argsort(order)))


# ---- FractionalAvgPoolGrad ---------------------------------------------------------------------------
def _avg_type(ctx, sizes, dy, rows, cols):
    value = ctx.constant(0)
    dys = shape_of(dy, 4, "out_backprop")
    if 0 in dys:
        raise ShapeError(f"out_backprop must be positive in every dimension (TensorFlow's kernel rejects it), got {list(dys)}")
    _check_sequences(ctx, dys, rows, cols)
    if value is None:
        return TensorType(dy.dtype, vector_dims(sizes) if sizes.shape == (4,) else (None,) * 4)
    shape = shape_operand(value, 4, "orig_input_tensor_shape")
    if not fits(dys, (shape[0], None, None, shape[3])):
        raise ShapeError(f"out_backprop has shape {list(dys)}, but the input {list(shape)} has batch {shape[0]} and depth {shape[3]}")
    return TensorType(dy.dtype, shape)


def _avg(ctx, sizes, dy, rows, cols):
    ctx.require_constant(0, "orig_input_tensor_shape")
    shape = _avg_type(ctx, *ctx.operand_types).shape
    _, out_rows, out_cols, _ = static_shape(ctx, 1, "out_backprop")
    if 0 in shape:
        return tnp.broadcast_to(tnp.astype(0, dy.dtype), shape)
    row_cells, row_counts = _cells(ctx, rows, out_rows, shape[1])
    col_cells, col_counts = _cells(ctx, cols, out_cols, shape[2])
    counts = tnp.multiply(tnp.reshape(row_counts, (1, out_rows, 1, 1)), tnp.reshape(col_counts, (1, 1, out_cols, 1)))
    dy = tnp.astype(dy, DType.f64)
    counts = tnp.broadcast_to(counts, dy.shape)
    parts = 2 if ctx.attrs.get("overlapping", False) else 1
    (row_order, row_later), (col_order, col_later) = _by_order(row_cells, parts), _by_order(col_cells, parts)
    total = None
    for row in row_order:  # the kernel's order: cells row by row
        for col in col_order:
            share = _share(dy, counts, row, col)
            total = share if total is None else tnp.add(total, share)
    scaled = tnp.divide(dy, tnp.where(tnp.equal(dy, dy), counts, tnp.astype(1, DType.f64)))  # a select again, see _share
    all_cols, early_rows = tnp.astype(col_cells, DType.f64), tnp.subtract(tnp.astype(row_cells, DType.f64), row_later)
    for rows, cols in ((row_later, all_cols), (early_rows, col_later)):  # odd sequences: shares in a third cell
        total = tnp.add(total, _spread(cols, _spread(rows, scaled, 1), 2))
    return tnp.astype(total, ctx.result_types[0].dtype)


tf_op("FractionalAvgPoolGrad", _avg_type, _avg)


# ---- FractionalMaxPoolGrad ---------------------------------------------------------------------------
def _max_type(ctx, x, y, dy, rows, cols):
    if x.dtype != y.dtype or x.dtype != dy.dtype:
        raise ShapeError(f"orig_input, orig_output and out_backprop must share one element type, got {x.dtype.value}, {y.dtype.value}, {dy.dtype.value}")
    xs, ys, dys = shape_of(x, 4, "orig_input"), shape_of(y, 4, "orig_output"), shape_of(dy, 4, "out_backprop")
    if not fits(dys, ys):
        raise ShapeError(f"out_backprop has shape {list(dys)}, but orig_output has shape {list(ys)}")
    if not fits(ys, (xs[0], None, None, xs[3])):
        raise ShapeError(f"orig_output has shape {list(ys)}, but orig_input {list(xs)} has batch {xs[0]} and depth {xs[3]}")
    _check_sequences(ctx, ys, rows, cols)
    return TensorType(x.dtype, xs)


def _scan(values: list, inside: list, carried: list):
    """TensorFlow's scan over a cell: the first position inside it, then any later one strictly greater.
    Position k has value ``values[k]``, membership ``inside[k]`` and ``carried[k]``, which is kept with the
    position taken; returns the index taken (-1 for an empty cell), its value and what it carried."""
    index = tnp.where(inside[0], tnp.astype(0, DType.i32), tnp.astype(-1, DType.i32))
    best, kept = values[0], carried[0]
    for k in range(1, len(values)):
        take = tnp.logical_and(inside[k], tnp.logical_or(tnp.less(index, tnp.astype(0, DType.i32)), tnp.greater(values[k], best)))
        index, best, kept = tnp.where(take, tnp.astype(k, DType.i32), index), tnp.where(take, values[k], best), tnp.where(take, carried[k], kept)
    return index, best, kept


def _max(ctx, x, y, dy, rows, cols):
    """Per cell, the maximum of each of its rows (a scan over the columns), then the first row holding
    the cell's maximum (a scan over the rows): the element TensorFlow's row-major scan picks, where
    out_backprop is added."""
    batch, height, width, depth = static_shape(ctx, 0, "orig_input")
    _, out_rows, out_cols, _ = static_shape(ctx, 1, "orig_output")
    if 0 in (batch, height, width, depth, out_rows, out_cols):
        return tnp.broadcast_to(tnp.astype(0, dy.dtype), (batch, height, width, depth))
    row_cells, _ = _cells(ctx, rows, out_rows, height)
    col_cells, _ = _cells(ctx, cols, out_cols, width)
    by_cols = (batch, height, out_cols, depth)  # each row's maximum in each column cell
    columns = [tnp.broadcast_to(tnp.astype(j, DType.i64), by_cols) for j in range(width)]
    values = [tnp.broadcast_to(x[:, :, j: j + 1, :], by_cols) for j in range(width)]
    inside = [tnp.broadcast_to(tnp.reshape(col_cells[:, j], (1, 1, out_cols, 1)), by_cols) for j in range(width)]
    _, row_max, col_taken = _scan(values, inside, columns)
    by_cells = (batch, out_rows, out_cols, depth)  # the first row holding its cell's maximum
    values = [tnp.broadcast_to(row_max[:, i: i + 1], by_cells) for i in range(height)]
    inside = [tnp.broadcast_to(tnp.reshape(row_cells[:, i], (1, out_rows, 1, 1)), by_cells) for i in range(height)]
    row, _, col = _scan(values, inside, [tnp.broadcast_to(col_taken[:, i: i + 1], by_cells) for i in range(height)])
    grid = [tnp.emit("tfc.iota", [], {"iota_dimension": d}, [TensorType(DType.i64, by_cells)]) for d in (0, 3)]
    flat = tnp.add(tnp.multiply(tnp.add(tnp.multiply(tnp.add(tnp.multiply(grid[0], tnp.astype(height, DType.i64)), tnp.astype(row, DType.i64)),
                                                     tnp.astype(width, DType.i64)), col), tnp.astype(depth, DType.i64)), grid[1])
    flat = tnp.where(tnp.less(row, tnp.astype(0, DType.i32)), tnp.astype(-1, DType.i64), flat)  # an empty cell adds nothing
    attrs = {"update_window_dims": (), "inserted_window_dims": (0,), "scatter_dims_to_operand_dims": (0,), "index_vector_dim": 1, "kind": "add"}
    zeros = tnp.broadcast_to(tnp.astype(0, dy.dtype), (batch * height * width * depth,))
    total = tnp.emit("tfc.scatter", [zeros, tnp.reshape(flat, (-1, 1)), tnp.reshape(dy, (-1,))], attrs)
    return tnp.reshape(total, (batch, height, width, depth))


tf_op("FractionalMaxPoolGrad", _max_type, _max)
