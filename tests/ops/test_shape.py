"""Shape ops: differential tests (interp == xla) over generated shapes, dtypes and attributes, explicit
values against independent numpy formulas, type inference with unknown dims, and rejected inputs."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tfc.builder import Builder
from tfc.diagnostics import VerifyError
from tfc.ir import Function, Module
from tfc.types import DType, TensorType
from tfc.verifier import verify

from .harness import check_op, one_op_module

SETTINGS = settings(max_examples=15, deadline=None)
DTYPES = [np.float32, np.float64, np.int32, np.bool_]
NUMERIC = [np.float32, np.float64, np.int32, np.int64]


def tensor(dtype, shape):
    return TensorType(DType.from_numpy(dtype), tuple(shape))


def values(draw, shape, dtype=np.float32):
    """A random array; small integers so sums are exact in every dtype."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if np.dtype(dtype) == np.bool_:
        return rng.integers(0, 2, shape).astype(np.bool_)
    return rng.integers(-9, 10, shape).astype(dtype)


shapes = st.lists(st.integers(0, 4), min_size=0, max_size=3).map(tuple)
nonempty_rank_shapes = st.lists(st.integers(0, 4), min_size=1, max_size=3).map(tuple)


def subset(draw, items, sort=True):
    chosen = draw(st.lists(st.sampled_from(items), unique=True)) if items else []
    return sorted(chosen) if sort else chosen


# ---- differential: structural ops ----------------------------------------------------------------
@SETTINGS
@given(st.data())
def test_broadcast_in_dim(data):
    draw = data.draw
    out_shape = draw(st.lists(st.integers(0, 3), max_size=4).map(tuple))
    dims = draw(st.permutations(range(len(out_shape))))[: draw(st.integers(0, len(out_shape)))]
    shape = tuple(draw(st.sampled_from([1, out_shape[d]])) for d in dims)
    dtype = draw(st.sampled_from(DTYPES))
    check_op("tfc.broadcast_in_dim", [values(draw, shape, dtype)], {"broadcast_dimensions": list(dims)}, [tensor(dtype, out_shape)])


@SETTINGS
@given(st.data())
def test_reshape(data):
    draw = data.draw
    shape = draw(shapes)
    target = list(draw(st.permutations(shape)))
    if len(target) >= 2 and draw(st.booleans()):
        target[:2] = [target[0] * target[1]]
    for _ in range(draw(st.integers(0, 2))):
        target.insert(draw(st.integers(0, len(target))), 1)
    dtype = draw(st.sampled_from(DTYPES))
    check_op("tfc.reshape", [values(draw, shape, dtype)], {}, [tensor(dtype, target)])


@SETTINGS
@given(st.data())
def test_transpose(data):
    shape = data.draw(shapes)
    perm = data.draw(st.permutations(range(len(shape))))
    x = values(data.draw, shape, data.draw(st.sampled_from(DTYPES)))
    check_op("tfc.transpose", [x], {"permutation": list(perm)}, expected=[np.transpose(x, perm)])


@SETTINGS
@given(st.data())
def test_reverse(data):
    shape = data.draw(shapes)
    dims = subset(data.draw, list(range(len(shape))), sort=False)
    x = values(data.draw, shape, data.draw(st.sampled_from(DTYPES)))
    check_op("tfc.reverse", [x], {"dimensions": dims}, expected=[np.flip(x, tuple(dims))])


@SETTINGS
@given(st.data())
def test_slice(data):
    draw = data.draw
    shape = draw(shapes)
    starts = [draw(st.integers(0, d)) for d in shape]
    limits = [draw(st.integers(s, d)) for s, d in zip(starts, shape)]
    strides = [draw(st.integers(1, 3)) for _ in shape]
    x = values(draw, shape, draw(st.sampled_from(DTYPES)))
    attrs = {"start_indices": starts, "limit_indices": limits, "strides": strides}
    check_op("tfc.slice", [x], attrs, expected=[x[tuple(map(slice, starts, limits, strides))]])


@SETTINGS
@given(st.data())
def test_dynamic_slice(data):
    draw = data.draw
    shape = draw(shapes)
    sizes = [draw(st.integers(0, d)) for d in shape]
    index_dtype = draw(st.sampled_from([np.int32, np.int64, np.uint32]))
    starts = [np.array(draw(st.integers(0 if index_dtype == np.uint32 else -3, d + 3)), index_dtype) for d in shape]
    x = values(draw, shape, draw(st.sampled_from(DTYPES)))
    check_op("tfc.dynamic_slice", [x, *starts], {"slice_sizes": sizes})


@SETTINGS
@given(st.data())
def test_dynamic_update_slice(data):
    draw = data.draw
    shape = draw(shapes)
    dtype = draw(st.sampled_from(DTYPES))
    update = values(draw, [draw(st.integers(0, d)) for d in shape], dtype)
    starts = [np.int32(draw(st.integers(-3, d + 3))) for d in shape]
    check_op("tfc.dynamic_update_slice", [values(draw, shape, dtype), update, *starts])


@SETTINGS
@given(st.data())
def test_pad(data):
    draw = data.draw
    shape = draw(shapes)
    low = [draw(st.integers(-2, 3)) for _ in shape]
    interior = [draw(st.integers(0, 2)) for _ in shape]
    high = []
    for d, lo, inner in zip(shape, low, interior):
        grown = d + max(d - 1, 0) * inner + lo
        high.append(draw(st.integers(max(-2, -grown), 3)))
    dtype = draw(st.sampled_from(DTYPES))
    attrs = {"edge_padding_low": low, "edge_padding_high": high, "interior_padding": interior}
    check_op("tfc.pad", [values(draw, shape, dtype), values(draw, (), dtype)], attrs)


@SETTINGS
@given(st.data())
def test_concatenate(data):
    draw = data.draw
    shape = draw(nonempty_rank_shapes)
    dim = draw(st.integers(0, len(shape) - 1))
    dtype = draw(st.sampled_from(DTYPES))
    inputs = []
    for _ in range(draw(st.integers(1, 3))):
        part = list(shape)
        part[dim] = draw(st.integers(0, 3))
        inputs.append(values(draw, part, dtype))
    check_op("tfc.concatenate", inputs, {"dimension": dim}, expected=[np.concatenate(inputs, dim)])


@SETTINGS
@given(nonempty_rank_shapes, st.data())
def test_iota(shape, data):
    dim = data.draw(st.integers(0, len(shape) - 1))
    dtype = data.draw(st.sampled_from(NUMERIC))
    want = np.indices(shape)[dim].astype(dtype) if shape else None
    check_op("tfc.iota", [], {"iota_dimension": dim}, [tensor(dtype, shape)], expected=[want])


# ---- differential: gather and scatter ------------------------------------------------------------
def random_vectors(draw, batch, index_map, operand_shape):
    """batch + (len(index_map),) start coordinates, some out of bounds on either side."""
    count = int(np.prod(batch))
    coords = [draw(st.lists(st.integers(-2, operand_shape[d] + 1), min_size=count, max_size=count)) for d in index_map]
    return np.array(coords, np.int64).T.reshape(batch + (len(index_map),))


def unique_vectors(draw, batch, index_map, operand_shape):
    """Coordinates of distinct in-bounds positions, or -1 (a window XLA skips)."""
    sizes = [operand_shape[d] for d in index_map]
    count, space = int(np.prod(batch)), int(np.prod(sizes))
    flat = np.array(draw(st.permutations(range(space + count)))[:count], np.int64)
    coords = np.stack(np.unravel_index(np.minimum(flat, space - 1), sizes), -1)
    return np.where((flat < space)[:, None], coords, -1).reshape(batch + (len(index_map),))


def place_index_vector(draw, vectors, index_dtype):
    """(indices, index_vector_dim): the vector dim moved to a drawn place, or implicit when it has one entry."""
    if vectors.shape[-1] == 1 and draw(st.booleans()):
        return vectors[..., 0].astype(index_dtype), vectors.ndim - 1
    ivd = draw(st.integers(0, vectors.ndim - 1))
    return np.moveaxis(vectors, -1, ivd).astype(index_dtype), ivd


@SETTINGS
@given(st.data())
def test_gather(data):
    draw = data.draw
    shape = draw(st.lists(st.integers(0, 4), min_size=1, max_size=3).map(tuple))
    rank = len(shape)
    index_map = subset(draw, list(range(rank)), sort=False)
    collapsed = subset(draw, list(range(rank)))
    sizes = [min(1, d) if i in collapsed else draw(st.integers(0, d)) for i, d in enumerate(shape)]
    batch = draw(st.lists(st.integers(0, 3), max_size=2).map(tuple))
    vectors = random_vectors(draw, batch, index_map, shape)
    indices, ivd = place_index_vector(draw, vectors, draw(st.sampled_from([np.int32, np.int64])))
    n_offset = rank - len(collapsed)
    offset_dims = sorted(draw(st.permutations(range(len(batch) + n_offset)))[:n_offset])
    attrs = {"offset_dims": offset_dims, "collapsed_slice_dims": collapsed, "start_index_map": index_map,
             "index_vector_dim": ivd, "slice_sizes": sizes, "indices_are_sorted": False}
    check_op("tfc.gather", [values(draw, shape, draw(st.sampled_from(DTYPES))), indices], attrs)


def scatter_case(draw, unique):
    """(operand shape, indices, ivd, attributes without kind, updates shape) for a drawn scatter."""
    shape = draw(st.lists(st.integers(1 if unique else 0, 4), min_size=1, max_size=3).map(tuple))
    rank = len(shape)
    index_map = subset(draw, list(range(rank)), sort=False)
    if unique and not index_map:  # every window would start at the origin
        index_map = [draw(st.integers(0, rank - 1))]
    inserted = subset(draw, list(range(rank)))
    window = [1 if unique else draw(st.integers(0, d)) for i, d in enumerate(shape) if i not in inserted]
    batch = draw(st.lists(st.integers(0, 3), max_size=2).map(tuple))
    make = unique_vectors if unique else random_vectors
    indices, ivd = place_index_vector(draw, make(draw, batch, index_map, shape), np.int32)
    update_rank = len(batch) + len(window)
    window_dims = sorted(draw(st.permutations(range(update_rank)))[: len(window)])
    batch_sizes, window_sizes = iter(batch), iter(window)
    updates_shape = [next(window_sizes) if d in window_dims else next(batch_sizes) for d in range(update_rank)]
    attrs = {"update_window_dims": window_dims, "inserted_window_dims": inserted,
             "scatter_dims_to_operand_dims": index_map, "index_vector_dim": ivd}
    return shape, indices, attrs, updates_shape


@SETTINGS
@given(st.data())
def test_scatter_add(data):
    draw = data.draw
    shape, indices, attrs, updates_shape = scatter_case(draw, unique=False)
    dtype = draw(st.sampled_from(DTYPES))
    args = [values(draw, shape, dtype), indices, values(draw, updates_shape, dtype)]
    check_op("tfc.scatter", args, {**attrs, "kind": "add"})


@SETTINGS
@given(st.data())
def test_scatter_set_unique(data):
    draw = data.draw
    shape, indices, attrs, updates_shape = scatter_case(draw, unique=True)
    dtype = draw(st.sampled_from(DTYPES))
    args = [values(draw, shape, dtype), indices, values(draw, updates_shape, dtype)]
    check_op("tfc.scatter", args, {**attrs, "kind": "set"})
