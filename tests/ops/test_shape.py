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

from .harness import check_op, one_op_module

SETTINGS = settings(max_examples=15, deadline=None)
DTYPES = [np.float32, np.float64, np.float16, np.int32, np.uint8, np.bool_]
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
    want = np.indices(shape)[dim].astype(dtype)
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
    shape = draw(shapes)
    rank = len(shape)
    index_map = subset(draw, list(range(rank)), sort=False)
    collapsed = subset(draw, [d for d in range(rank) if shape[d] > 0])
    sizes = [1 if i in collapsed else draw(st.integers(0, d)) for i, d in enumerate(shape)]
    batch = draw(st.lists(st.integers(0, 3), max_size=2).map(tuple))
    vectors = random_vectors(draw, batch, index_map, shape)
    indices, ivd = place_index_vector(draw, vectors, draw(st.sampled_from([np.int32, np.int64])))
    n_offset = rank - len(collapsed)
    offset_dims = sorted(draw(st.permutations(range(len(batch) + n_offset)))[:n_offset])
    attrs = {"offset_dims": offset_dims, "collapsed_slice_dims": collapsed, "start_index_map": index_map,
             "index_vector_dim": ivd, "slice_sizes": sizes, "indices_are_sorted": False}
    check_op("tfc.gather", [values(draw, shape, draw(st.sampled_from(DTYPES))), indices], attrs)


def scatter_case(draw, unique):
    """(operand shape, indices, attributes without kind, updates shape) for a drawn scatter."""
    shape = draw(st.lists(st.integers(1 if unique else 0, 4), min_size=int(unique), max_size=3).map(tuple))
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


@SETTINGS
@given(st.data())
def test_scatter_max_min_mul(data):
    """The other combiners (repeated and out-of-bounds indices included); values are small integers,
    so products are exact in every dtype."""
    draw = data.draw
    shape, indices, attrs, updates_shape = scatter_case(draw, unique=False)
    kind = draw(st.sampled_from(["max", "min", "mul"]))
    dtype = draw(st.sampled_from([np.float32, np.float64, np.int32, np.int64, np.uint8] + ([np.bool_] if kind != "mul" else [])))
    args = [values(draw, shape, dtype), indices, values(draw, updates_shape, dtype)]
    check_op("tfc.scatter", args, {**attrs, "kind": kind})


# ---- explicit values against numpy formulas ------------------------------------------------------
EMBEDDING = np.arange(20, dtype=np.float32).reshape(5, 4)
ROW_GATHER = {"offset_dims": [1], "collapsed_slice_dims": [0], "start_index_map": [0], "index_vector_dim": 1, "slice_sizes": [1, 4]}
ROW_SCATTER = {"update_window_dims": [1], "inserted_window_dims": [0], "scatter_dims_to_operand_dims": [0], "index_vector_dim": 1}


def test_gather_embedding_lookup_like_take():
    ids = np.array([[4, 0], [2, 2]], np.int32)
    check_op("tfc.gather", [EMBEDDING, ids], {**ROW_GATHER, "offset_dims": [2], "index_vector_dim": 2}, expected=[EMBEDDING[ids]])


def test_gather_clamps_out_of_range_rows():
    ids = np.array([-3, 7, 1], np.int32)
    check_op("tfc.gather", [EMBEDDING, ids], ROW_GATHER, expected=[EMBEDDING[np.clip(ids, 0, 4)]])


def test_gather_along_second_axis():
    ids = np.array([3, 1, 1], np.int64)
    attrs = {"offset_dims": [0], "collapsed_slice_dims": [1], "start_index_map": [1], "index_vector_dim": 1, "slice_sizes": [5, 1]}
    check_op("tfc.gather", [EMBEDDING, ids], attrs, expected=[EMBEDDING[:, ids]])


def test_gather_nd_style():
    x = np.arange(60, dtype=np.float32).reshape(3, 4, 5)
    ids = np.array([[2, 3], [0, 1], [1, 0]], np.int32)
    attrs = {"offset_dims": [1], "collapsed_slice_dims": [0, 1], "start_index_map": [0, 1], "index_vector_dim": 1, "slice_sizes": [1, 1, 5]}
    check_op("tfc.gather", [x, ids], attrs, expected=[x[ids[:, 0], ids[:, 1]]])


def test_gather_windows_with_clamped_starts():
    x = np.arange(10, dtype=np.int32)
    starts = np.array([[0], [8], [-1]], np.int32)  # windows of 3: starts clamp into [0, 7]
    attrs = {"offset_dims": [1], "collapsed_slice_dims": [], "start_index_map": [0], "index_vector_dim": 1, "slice_sizes": [3]}
    check_op("tfc.gather", [x, starts], attrs, expected=[np.array([[0, 1, 2], [7, 8, 9], [0, 1, 2]], np.int32)])


def test_scatter_add_like_segment_sum_skips_out_of_bounds():
    ids = np.array([1, 3, 1, 9, -1], np.int32)
    updates = np.arange(20, dtype=np.float32).reshape(5, 4)
    want = EMBEDDING.copy()
    np.add.at(want, ids[:3], updates[:3])
    check_op("tfc.scatter", [EMBEDDING, ids, updates], {**ROW_SCATTER, "kind": "add"}, expected=[want])


def test_scatter_set_rows():
    ids = np.array([4, 0], np.int32)
    updates = -np.ones((2, 4), np.float32)
    want = EMBEDDING.copy()
    want[ids] = updates
    check_op("tfc.scatter", [EMBEDDING, ids, updates], {**ROW_SCATTER, "kind": "set"}, expected=[want])


def test_scatter_skips_window_that_sticks_out():
    x = np.zeros(6, np.int32)
    starts = np.array([[4], [1]], np.int32)  # a window of 3 at 4 would end past 6: skipped entirely
    attrs = {"update_window_dims": [1], "inserted_window_dims": [], "scatter_dims_to_operand_dims": [0], "index_vector_dim": 1, "kind": "add"}
    check_op("tfc.scatter", [x, starts, np.ones((2, 3), np.int32)], attrs, expected=[np.array([0, 1, 1, 1, 0, 0], np.int32)])


@pytest.mark.parametrize("kind,ufunc", [("max", np.maximum), ("min", np.minimum), ("mul", np.multiply)])
def test_scatter_combiners_like_segment_reductions(kind, ufunc):
    ids = np.array([1, 3, 1, 9, -1], np.int32)  # the last two are outside: skipped
    updates = np.arange(20, dtype=np.float32).reshape(5, 4) - 7
    want = EMBEDDING.copy()
    ufunc.at(want, ids[:3], updates[:3])
    check_op("tfc.scatter", [EMBEDDING, ids, updates], {**ROW_SCATTER, "kind": kind}, expected=[want])


def test_scatter_combiner_dtype_errors():
    with pytest.raises(VerifyError, match="real"):
        check_op("tfc.scatter", [EMBEDDING.astype(np.complex64), np.array([0], np.int32), np.ones((1, 4), np.complex64)],
                 {**ROW_SCATTER, "kind": "max"})


def test_pad_negative_and_interior():
    x = np.array([[1, 2, 3], [4, 5, 6]], np.int32)
    attrs = {"edge_padding_low": [1, -1], "edge_padding_high": [0, -2], "interior_padding": [1, 1]}
    # interior-padded rows [1 0 2 0 3], drop 1 on the left and 2 on the right: [0 2]
    want = np.array([[0, 0], [0, 2], [0, 0], [0, 5]], np.int32)
    check_op("tfc.pad", [x, np.int32(0)], attrs, expected=[want])


def test_dynamic_slice_clamps_like_xla():
    x = np.arange(12, dtype=np.float32).reshape(3, 4)
    check_op("tfc.dynamic_slice", [x, np.int32(5), np.int32(-2)], {"slice_sizes": [2, 3]}, expected=[x[1:3, 0:3]])


def test_dynamic_update_slice_clamps_like_xla():
    x = np.zeros((3, 4), np.int32)
    want = x.copy()
    want[1:3, 2:4] = 7
    check_op("tfc.dynamic_update_slice", [x, np.full((2, 2), 7, np.int32), np.int64(9), np.int64(3)], expected=[want])


def test_broadcast_in_dim_with_transposing_dims():
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    want = np.broadcast_to(x.T[:, None, :], (3, 4, 2))
    check_op("tfc.broadcast_in_dim", [x], {"broadcast_dimensions": [2, 0]}, [tensor(np.float32, (3, 4, 2))], expected=[want])


def test_rank0_ops():
    s = np.float32(2.5)
    check_op("tfc.transpose", [s], {"permutation": []}, expected=[s])
    check_op("tfc.broadcast_in_dim", [s], {"broadcast_dimensions": []}, [tensor(np.float32, (2, 0))])
    check_op("tfc.pad", [s, np.float32(0)], {"edge_padding_low": [], "edge_padding_high": [], "interior_padding": []}, expected=[s])


# ---- type inference with unknown dims ------------------------------------------------------------
def infer(name, operand_types, attributes=None, result_types=None):
    function = Function.create("main", operand_types, [])
    Module.create().add_function(function)
    return Builder(function.body).create(name, function.args, attributes, result_types).results[0].type


def test_inference_propagates_unknown_dims():
    f32, i32 = DType.f32, DType.i32
    assert infer("tfc.transpose", [TensorType(f32, (None, 3))], {"permutation": [1, 0]}) == TensorType(f32, (3, None))
    assert infer("tfc.transpose", [TensorType(f32, None)], {"permutation": [1, 0]}) == TensorType(f32, (None, None))
    slice_attrs = {"start_indices": [1, 0], "limit_indices": [3, 2], "strides": [1, 2]}
    assert infer("tfc.slice", [TensorType(f32, (None, 4))], slice_attrs) == TensorType(f32, (2, 1))
    pad_attrs = {"edge_padding_low": [1], "edge_padding_high": [1], "interior_padding": [1]}
    assert infer("tfc.pad", [TensorType(f32, (None,)), TensorType(f32, ())], pad_attrs) == TensorType(f32, (None,))
    parts = [TensorType(f32, (2, None)), TensorType(f32, (None, 3)), TensorType(f32, (1, 3))]
    assert infer("tfc.concatenate", parts, {"dimension": 0}) == TensorType(f32, (None, 3))
    gathered = infer("tfc.gather", [TensorType(f32, None), TensorType(i32, (None, 1))], ROW_GATHER)
    assert gathered == TensorType(f32, (None, 4))
    assert infer("tfc.gather", [TensorType(f32, (5, 4)), TensorType(i32, None)], ROW_GATHER) == TensorType(f32, None)
    operand = TensorType(f32, (None, 4))
    assert infer("tfc.scatter", [operand, TensorType(i32, (None,)), TensorType(f32, (None, 4))], {**ROW_SCATTER, "kind": "add"}) == operand


# ---- rejected inputs -----------------------------------------------------------------------------
F, I32 = DType.f32, DType.i32
F23, I0 = TensorType(F, (2, 3)), TensorType(I32, ())
ROWS, IDS = TensorType(F, (5, 4)), TensorType(I32, (3,))
PAD = {"edge_padding_low": [0, 0], "edge_padding_high": [0, 0], "interior_padding": [0, 0]}
SLICE = {"start_indices": [0, 0], "limit_indices": [2, 3], "strides": [1, 1]}
ADD = {**ROW_SCATTER, "kind": "add"}
BAD = [
    ("tfc.broadcast_in_dim", [F23], {"broadcast_dimensions": [0, 1]}, [TensorType(F, (2, 4))], "sizes must match or be 1"),
    ("tfc.broadcast_in_dim", [F23], {"broadcast_dimensions": [1, 1]}, [TensorType(F, (3, 3))], "repeated"),
    ("tfc.broadcast_in_dim", [F23], {"broadcast_dimensions": [0, 2]}, [F23], "out of range"),
    ("tfc.broadcast_in_dim", [F23], {"broadcast_dimensions": [0]}, [F23], "broadcast_dimensions has 1 entries"),
    ("tfc.broadcast_in_dim", [F23], {"broadcast_dimensions": [0, 1]}, None, "needs an explicit result type"),
    ("tfc.reshape", [F23], {}, [TensorType(F, (4, 2))], "element counts differ"),
    ("tfc.reshape", [F23], {}, [TensorType(I32, (6,))], "result must have element type f32"),
    ("tfc.transpose", [F23], {"permutation": [0, 0]}, None, "permutation [0, 0] is not a permutation of 0..1"),
    ("tfc.reverse", [F23], {"dimensions": [2]}, None, "out of range"),
    ("tfc.slice", [F23], {**SLICE, "start_indices": [0, 2], "limit_indices": [2, 1]}, None, "0 <= start <= limit <= size"),
    ("tfc.slice", [F23], {**SLICE, "limit_indices": [2, 4]}, None, "0 <= start <= limit <= size"),
    ("tfc.slice", [F23], {**SLICE, "strides": [1, 0]}, None, "strides must be positive"),
    ("tfc.slice", [F23], {**SLICE, "start_indices": [0]}, None, "start_indices has 1 entries"),
    ("tfc.dynamic_slice", [F23, I0], {"slice_sizes": [1, 1]}, None, "one start index per operand dimension"),
    ("tfc.dynamic_slice", [F23, I0, I0], {"slice_sizes": [1, 4]}, None, "slice_sizes[1] = 4 must be in [0, 3]"),
    ("tfc.dynamic_slice", [F23, I0, TensorType(I32, (1,))], {"slice_sizes": [1, 1]}, None, "must be a rank-0 tensor"),
    ("tfc.dynamic_slice", [F23, I0, TensorType(F, ())], {"slice_sizes": [1, 1]}, None, "integer element type"),
    ("tfc.dynamic_slice", [F23, I0, TensorType(DType.i64, ())], {"slice_sizes": [1, 1]}, None, "share one element type"),
    ("tfc.dynamic_update_slice", [F23, TensorType(F, (3, 1)), I0, I0], {}, None, "larger than the operand"),
    ("tfc.dynamic_update_slice", [F23, TensorType(I32, (1, 1)), I0, I0], {}, None, "update must have element type f32"),
    ("tfc.pad", [F23, TensorType(F, ())], {**PAD, "interior_padding": [0, -1]}, None, "must be non-negative"),
    ("tfc.pad", [F23, TensorType(F, ())], {**PAD, "edge_padding_low": [0, -2], "edge_padding_high": [0, -2]}, None, "negative result size"),
    ("tfc.pad", [F23, TensorType(F, (1,))], PAD, None, "padding_value must be a rank-0"),
    ("tfc.pad", [F23, I0], PAD, None, "padding_value must have element type f32"),
    ("tfc.concatenate", [], {"dimension": 0}, None, "at least one input"),
    ("tfc.concatenate", [F23, TensorType(F, (2, 4))], {"dimension": 0}, None, "do not match"),
    ("tfc.concatenate", [F23, F23], {"dimension": 2}, None, "dimension 2 is out of range"),
    ("tfc.concatenate", [F23, TensorType(F, (3,))], {"dimension": 0}, None, "same rank"),
    ("tfc.iota", [], {"iota_dimension": 2}, [F23], "iota_dimension 2 is out of range"),
    ("tfc.iota", [], {"iota_dimension": 0}, [TensorType(DType.bool, (2,))], "numeric element type"),
    ("tfc.iota", [], {"iota_dimension": 0}, None, "needs an explicit result type"),
    ("tfc.gather", [ROWS, IDS], {**ROW_GATHER, "slice_sizes": [2, 4]}, None, "must be 1 in collapsed dimension 0"),
    ("tfc.gather", [ROWS, IDS], {**ROW_GATHER, "slice_sizes": [1, 5]}, None, "slice_sizes[1] = 5"),
    ("tfc.gather", [ROWS, TensorType(I32, (3, 2))], ROW_GATHER, None, "start_index_map has 1 entries but index vectors have 2"),
    ("tfc.gather", [ROWS, IDS], {**ROW_GATHER, "offset_dims": [2]}, None, "offset_dims [2]: dimension 2 is out of range"),
    ("tfc.gather", [ROWS, IDS], {**ROW_GATHER, "collapsed_slice_dims": []}, None, "must together cover the operand rank"),
    ("tfc.gather", [ROWS, TensorType(F, (3,))], ROW_GATHER, None, "start_indices must have an integer element type"),
    ("tfc.gather", [ROWS, IDS], {**ROW_GATHER, "index_vector_dim": 2}, None, "index_vector_dim 2 is out of range"),
    ("tfc.scatter", [ROWS, IDS, TensorType(F, (2, 4))], ADD, None, "must match the index batch dims"),
    ("tfc.scatter", [ROWS, IDS, TensorType(F, (3, 5))], ADD, None, "larger than operand dimension 1"),
    ("tfc.scatter", [ROWS, IDS, TensorType(I32, (3, 4))], ADD, None, "updates must have element type f32"),
    ("tfc.scatter", [ROWS, IDS, TensorType(F, (3, 4, 1))], ADD, None, "updates rank 3 must be 2"),
    ("tfc.scatter", [ROWS, IDS, TensorType(F, (3, 4))], {**ADD, "inserted_window_dims": [1, 0]}, None, "must be sorted"),
]


@pytest.mark.parametrize("name, operand_types, attributes, result_types, message", BAD, ids=[f"{b[0]}:{b[4]}" for b in BAD])
def test_rejected(name, operand_types, attributes, result_types, message):
    with pytest.raises(VerifyError) as info:
        infer(name, operand_types, attributes, result_types)
    assert f"'{name}' op" in str(info.value)
    assert message in str(info.value)


def test_scatter_kind_must_be_a_known_combiner():
    x = np.zeros((5, 4), np.float32)
    with pytest.raises(VerifyError, match="attribute 'kind': expected one of add, set, max, min, mul"):
        one_op_module("tfc.scatter", [x, np.zeros(2, np.int32), np.zeros((2, 4), np.float32)], {**ROW_SCATTER, "kind": "div"})
