"""Gradient rules of the shape, linalg, reduction and control-flow core ops.

Each test differentiates ``sum(op(x) * random weights)`` with ``tfc.grad`` on the xla and interp
backends and compares the result with ``jax.grad`` of the same computation written with
``jax.lax`` (float64) and with central finite differences of the tfc function itself. Inputs are
drawn by hypothesis from a seed (so examples never shrink into ties, where max and sort are not
differentiable).
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from jax import lax

import tfc
from tfc.attributes import SymbolRefAttr
from tfc.builder import Builder
from tfc.frontend import api
from tfc.frontend.tensor import Tensor
from tfc.ir import Function
from tfc.registry import REGISTRY
from tfc.types import DType, FunctionType, ResourceType, TensorType

EXAMPLES = settings(max_examples=10, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
SEEDS = st.integers(0, 2**32 - 1)
BACKENDS = ("xla", "interp")



# ---- the checker ---------------------------------------------------------------------------------
def _listed(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


def _finite_differences(f, args, argnums, eps=1e-6):
    estimates = []
    for i in argnums:
        grad = np.zeros_like(args[i])
        for position in np.ndindex(args[i].shape):
            shifted = []
            for sign in (1, -1):
                moved = [a.copy() for a in args]
                moved[i][position] += sign * eps
                shifted.append(float(f(*moved)))
            grad[position] = (shifted[0] - shifted[1]) / (2 * eps)
        estimates.append(grad)
    return estimates


def check_gradients(tfc_fn, jax_fn, args, argnums, rng, jax_check=True):
    """tfc.grad of sum(fn(*args) * weights) on both backends == jax.grad == finite differences."""
    args = [np.asarray(a) for a in args]
    with jax.enable_x64(True):
        weights = [rng.normal(size=o.shape) for o in _listed(jax.eval_shape(jax_fn, *args))]

        def jax_objective(*a):
            return sum(jnp.sum(o * w) for o, w in zip(_listed(jax_fn(*a)), weights))

        want = jax.jit(jax.grad(jax_objective, argnums))(*args) if jax_check else None

    def objective(*a):
        terms = [tfc.sum(o * w) for o, w in zip(_listed(tfc_fn(*a)), weights)]
        total = terms[0]
        for t in terms[1:]:
            total = total + t
        return total

    estimate = _finite_differences(tfc.compile(objective, backend="interp"), args, argnums)
    for backend in BACKENDS:
        got = tfc.compile(tfc.grad(objective, argnums), backend=backend)(*args)
        for k, i in enumerate(argnums):
            g = np.asarray(got[k])
            assert g.shape == args[i].shape and g.dtype == args[i].dtype, (backend, i, g.shape, g.dtype)
            if want is not None:
                np.testing.assert_allclose(g, np.asarray(want[k]), rtol=1e-9, atol=1e-9, err_msg=f"{backend} vs jax, argument {i}")
            np.testing.assert_allclose(g, estimate[k], rtol=1e-5, atol=1e-6, err_msg=f"{backend} vs finite differences, argument {i}")


def normal(rng, shape):
    return rng.normal(size=shape)


def emit(name, operands, attributes=None, result_types=None):
    return api.emit(name, list(operands), attributes, result_types)


# ---- shape ops -----------------------------------------------------------------------------------
@st.composite
def shapes(draw, min_rank=0, max_rank=3, max_size=3):
    return tuple(draw(st.lists(st.integers(1, max_size), min_size=min_rank, max_size=max_rank)))


@EXAMPLES
@given(st.data(), SEEDS)
def test_broadcast_in_dim(data, seed):
    out_shape = data.draw(shapes())
    dims = data.draw(st.permutations(range(len(out_shape))))[: data.draw(st.integers(0, len(out_shape)))]
    shape = tuple(data.draw(st.sampled_from([1, out_shape[d]])) for d in dims)
    rng = np.random.default_rng(seed)
    check_gradients(
        lambda x: emit("tfc.broadcast_in_dim", [x], {"broadcast_dimensions": tuple(dims)}, [TensorType(DType.f64, out_shape)]),
        lambda x: lax.broadcast_in_dim(jnp.transpose(x, np.argsort(dims)), out_shape, tuple(sorted(dims))),
        [normal(rng, shape)], (0,), rng,
    )


@EXAMPLES
@given(shapes(1), st.integers(0, 2), SEEDS)
def test_reshape_transpose_reverse(shape, which, seed):
    rng = np.random.default_rng(seed)
    rank = len(shape)
    perm = tuple(int(p) for p in rng.permutation(rank))
    dims = tuple(d for d in range(rank) if rng.random() < 0.5)
    target = [(int(np.prod(shape)),), shape[::-1] + (1,), (1,) + shape][which]
    check_gradients(
        lambda x: (api.reshape(x, target), api.transpose(x, perm), emit("tfc.reverse", [x], {"dimensions": dims})),
        lambda x: (lax.reshape(x, target), lax.transpose(x, perm), lax.rev(x, dims)),
        [normal(rng, shape)], (0,), rng,
    )


@EXAMPLES
@given(st.data(), SEEDS)
def test_slice(data, seed):
    shape = data.draw(shapes(1, 3, 5))
    starts = [data.draw(st.integers(0, n)) for n in shape]
    limits = [data.draw(st.integers(s, n)) for s, n in zip(starts, shape)]
    strides = [data.draw(st.integers(1, 3)) for _ in shape]
    rng = np.random.default_rng(seed)
    attrs = {"start_indices": tuple(starts), "limit_indices": tuple(limits), "strides": tuple(strides)}
    check_gradients(lambda x: emit("tfc.slice", [x], attrs), lambda x: lax.slice(x, starts, limits, strides),
                    [normal(rng, shape)], (0,), rng)


@EXAMPLES
@given(st.data(), SEEDS)
def test_dynamic_slice_and_update(data, seed):
    shape = data.draw(shapes(1, 3, 4))
    sizes = [data.draw(st.integers(1, n)) for n in shape]
    starts = [np.int32(data.draw(st.integers(0, n + 1))) for n in shape]  # past the end: clamped (jax wraps negative ones)
    rng = np.random.default_rng(seed)
    check_gradients(
        lambda x, u, *s: (emit("tfc.dynamic_slice", [x, *s], {"slice_sizes": tuple(sizes)}),
                          emit("tfc.dynamic_update_slice", [x * 2.0, u, *s])),
        lambda x, u, *s: (lax.dynamic_slice(x, s, sizes), lax.dynamic_update_slice(x * 2.0, u, s)),
        [normal(rng, shape), normal(rng, sizes), *starts], (0, 1), rng,
    )


@EXAMPLES
@given(st.data(), SEEDS)
def test_pad(data, seed):
    shape = data.draw(shapes(1, 3, 3))
    config = []
    for n in shape:
        interior = data.draw(st.integers(0, 2))
        low, high = data.draw(st.integers(-1, 2)), data.draw(st.integers(-1, 2))
        assume(n + (n - 1) * interior + low + high >= 0)
        config.append((low, high, interior))
    rng = np.random.default_rng(seed)
    attrs = {"edge_padding_low": tuple(c[0] for c in config), "edge_padding_high": tuple(c[1] for c in config),
             "interior_padding": tuple(c[2] for c in config)}
    check_gradients(lambda x, v: emit("tfc.pad", [x, v], attrs), lambda x, v: lax.pad(x, v, config),
                    [normal(rng, shape), np.float64(rng.normal())], (0, 1), rng)


@EXAMPLES
@given(st.data(), SEEDS)
def test_concatenate(data, seed):
    shape = data.draw(shapes(1, 3, 3))
    dim = data.draw(st.integers(0, len(shape) - 1))
    sizes = data.draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
    rng = np.random.default_rng(seed)
    args = [normal(rng, shape[:dim] + (n,) + shape[dim + 1:]) for n in sizes]
    check_gradients(lambda *xs: emit("tfc.concatenate", xs, {"dimension": dim}), lambda *xs: lax.concatenate(xs, dim),
                    args, tuple(range(len(args))), rng)


def _indices(rng, batch, vector_dim, highs, implicit):
    """Index vectors (batch + (K,)) in [-1, high + 1], laid out with the coordinate axis at vector_dim."""
    vectors = np.stack([rng.integers(-1, h + 2, size=batch) for h in highs], -1).astype(np.int32)
    laid_out = vectors[..., 0] if implicit else np.moveaxis(vectors, -1, vector_dim)
    return laid_out, vectors


@EXAMPLES
@given(st.data(), SEEDS)
def test_gather(data, seed):
    shape = data.draw(shapes(1, 3, 4))
    rank = len(shape)
    index_map = data.draw(st.permutations(range(rank)))[: data.draw(st.integers(1, rank))]
    collapsed = sorted(d for d in range(rank) if data.draw(st.booleans()))
    sizes = [1 if d in collapsed else data.draw(st.integers(1, shape[d])) for d in range(rank)]
    batch = data.draw(shapes(0, 2, 3))
    implicit = len(index_map) == 1 and data.draw(st.booleans())  # index vectors of one implicit coordinate
    vector_dim = len(batch) if implicit else data.draw(st.integers(0, len(batch)))
    out_rank = len(batch) + rank - len(collapsed)
    offset_dims = sorted(data.draw(st.permutations(range(out_rank)))[: rank - len(collapsed)])
    rng = np.random.default_rng(seed)
    indices, vectors = _indices(rng, batch, vector_dim, [shape[d] - sizes[d] for d in index_map], implicit)
    attrs = {"offset_dims": tuple(offset_dims), "collapsed_slice_dims": tuple(collapsed), "start_index_map": tuple(index_map),
             "index_vector_dim": vector_dim, "slice_sizes": tuple(sizes)}
    numbers = lax.GatherDimensionNumbers(tuple(offset_dims), tuple(collapsed), tuple(index_map))
    check_gradients(
        lambda x, i: emit("tfc.gather", [x, i], attrs),
        lambda x, i: lax.gather(x, vectors, numbers, tuple(sizes), mode=lax.GatherScatterMode.CLIP),
        [normal(rng, shape), indices], (0,), rng,
    )


@EXAMPLES
@given(st.data(), SEEDS)
def test_scatter_add(data, seed):
    shape = data.draw(shapes(1, 3, 4))
    rank = len(shape)
    index_map = data.draw(st.permutations(range(rank)))[: data.draw(st.integers(1, rank))]
    inserted = sorted(d for d in range(rank) if data.draw(st.booleans()))
    window = [1 if d in inserted else data.draw(st.integers(1, shape[d])) for d in range(rank)]
    batch = data.draw(shapes(0, 2, 3))
    vector_dim = data.draw(st.integers(0, len(batch)))
    update_rank = len(batch) + rank - len(inserted)
    window_dims = sorted(data.draw(st.permutations(range(update_rank)))[: rank - len(inserted)])
    batch_sizes, window_sizes = iter(batch), iter(window[d] for d in range(rank) if d not in inserted)
    update_shape = tuple(next(window_sizes) if d in window_dims else next(batch_sizes) for d in range(update_rank))
    rng = np.random.default_rng(seed)
    indices, vectors = _indices(rng, batch, vector_dim, [shape[d] - window[d] for d in index_map], False)
    attrs = {"update_window_dims": tuple(window_dims), "inserted_window_dims": tuple(inserted),
             "scatter_dims_to_operand_dims": tuple(index_map), "index_vector_dim": vector_dim, "kind": "add"}
    numbers = lax.ScatterDimensionNumbers(tuple(window_dims), tuple(inserted), tuple(index_map))
    check_gradients(
        lambda x, i, u: emit("tfc.scatter", [x, i, u], attrs),
        lambda x, i, u: lax.scatter_add(x, vectors, u, numbers, mode=lax.GatherScatterMode.FILL_OR_DROP),
        [normal(rng, shape), indices, normal(rng, update_shape)], (0, 2), rng,
    )


@EXAMPLES
@given(shapes(1, 3, 4), st.integers(1, 5), SEEDS)
def test_scatter_set(shape, count, seed):
    """Single elements at distinct positions (one possibly out of bounds, so dropped)."""
    rng = np.random.default_rng(seed)
    rank = len(shape)
    positions = rng.permutation(int(np.prod(shape)))[:count]
    vectors = np.stack(np.unravel_index(positions, shape), -1).astype(np.int32)
    if rng.random() < 0.5:
        vectors[0, 0] = shape[0]  # out of bounds: this update is skipped
    order = rng.permutation(rank)
    attrs = {"update_window_dims": (), "inserted_window_dims": tuple(range(rank)),
             "scatter_dims_to_operand_dims": tuple(int(d) for d in order), "index_vector_dim": 1, "kind": "set"}
    permuted = vectors[:, np.argsort(order)]  # coordinate k of each vector addresses dimension order[k]
    numbers = lax.ScatterDimensionNumbers((), tuple(range(rank)), tuple(int(d) for d in order))
    check_gradients(
        lambda x, i, u: emit("tfc.scatter", [x, i, u], attrs),
        lambda x, i, u: lax.scatter(x, permuted, u, numbers, unique_indices=True, mode=lax.GatherScatterMode.FILL_OR_DROP),
        [normal(rng, shape), permuted, normal(rng, (len(positions),))], (0, 2), rng,
    )


@EXAMPLES
@given(st.sampled_from(["max", "min", "mul"]), st.integers(1, 6), SEEDS)
def test_scatter_max_min_mul(kind, count, seed):
    """Rows combined into a matrix at repeated (and one out-of-bounds) row indices; for mul some
    factors are zero, where only finite differences check (JAX differentiates scatter_mul only for
    unique indices)."""
    rng = np.random.default_rng(seed)
    rows = rng.integers(-1, 5, size=(count, 1)).astype(np.int32)
    x, updates = normal(rng, (4, 3)), normal(rng, (count, 3))
    if kind == "mul":
        x[rng.random(x.shape) < 0.2] = 0.0
        updates[rng.random(updates.shape) < 0.2] = 0.0
    attrs = {"update_window_dims": (1,), "inserted_window_dims": (0,), "scatter_dims_to_operand_dims": (0,),
             "index_vector_dim": 1, "kind": kind}
    numbers = lax.ScatterDimensionNumbers((1,), (0,), (0,))
    jax_scatter = {"max": lax.scatter_max, "min": lax.scatter_min, "mul": lax.scatter_mul}[kind]
    unique = len(set(rows[:, 0])) == count
    check_gradients(
        lambda x, i, u: emit("tfc.scatter", [x, i, u], attrs),
        lambda x, i, u: jax_scatter(x, rows, u, numbers, mode=lax.GatherScatterMode.FILL_OR_DROP, unique_indices=unique),
        [x, rows, updates], (0, 2), rng, jax_check=kind != "mul" or unique,
    )


# ---- linalg --------------------------------------------------------------------------------------
@EXAMPLES
@given(st.data(), SEEDS)
def test_dot_general(data, seed):
    sizes = lambda n: data.draw(st.lists(st.integers(1, 3), min_size=n, max_size=n))
    batch, contract = sizes(data.draw(st.integers(0, 2))), sizes(data.draw(st.integers(0, 2)))
    lhs_free, rhs_free = sizes(data.draw(st.integers(0, 2))), sizes(data.draw(st.integers(0, 2)))

    def layout(free):
        dims = [("b", i) for i in range(len(batch))] + [("c", i) for i in range(len(contract))] + [("f", i) for i in range(len(free))]
        order = data.draw(st.permutations(dims))
        shape = tuple({"b": batch, "c": contract, "f": free}[kind][i] for kind, i in order)
        return shape, [order.index(("b", i)) for i in range(len(batch))], [order.index(("c", i)) for i in range(len(contract))]

    (lshape, lb, lc), (rshape, rb, rc) = layout(lhs_free), layout(rhs_free)
    rng = np.random.default_rng(seed)
    attrs = {"lhs_batching_dimensions": tuple(lb), "rhs_batching_dimensions": tuple(rb),
             "lhs_contracting_dimensions": tuple(lc), "rhs_contracting_dimensions": tuple(rc)}
    check_gradients(
        lambda x, y: emit("tfc.dot_general", [x, y], attrs),
        lambda x, y: lax.dot_general(x, y, ((tuple(lc), tuple(rc)), (tuple(lb), tuple(rb)))),
        [normal(rng, lshape), normal(rng, rshape)], (0, 1), rng,
    )


@EXAMPLES
@given(st.data(), SEEDS)
def test_convolution(data, seed):
    k = data.draw(st.integers(1, 2))
    groups = data.draw(st.sampled_from([(1, 1), (2, 1), (1, 2), (3, 1)]))  # (feature_group_count, batch_group_count)
    features, batches = groups
    n = batches * data.draw(st.integers(1, 2))
    c = features * data.draw(st.integers(1, 2))
    o = features * batches * data.draw(st.integers(1, 2))
    spatial = [data.draw(st.integers(1, 5)) for _ in range(k)]
    window = [data.draw(st.integers(1, 3)) for _ in range(k)]
    strides = [data.draw(st.integers(1, 2)) for _ in range(k)]
    lhs_dilation = [data.draw(st.integers(1, 2)) for _ in range(k)]
    rhs_dilation = [data.draw(st.integers(1, 2)) for _ in range(k)]
    padding = [(data.draw(st.integers(-1, 2)), data.draw(st.integers(-1, 2))) for _ in range(k)]
    for size, w, lo, hi, ld, rd in zip(spatial, window, *zip(*padding), lhs_dilation, rhs_dilation):
        assume((size - 1) * ld + 1 + lo + hi >= (w - 1) * rd + 1)  # at least one output position
    input_layout = tuple(data.draw(st.permutations(range(k + 2))))
    kernel_layout = tuple(data.draw(st.permutations(range(k + 2))))  # (in feature, out feature, *spatial)
    output_layout = tuple(data.draw(st.permutations(range(k + 2))))
    lhs_shape, rhs_shape = [0] * (k + 2), [0] * (k + 2)
    for position, size in zip(input_layout, [n, c, *spatial]):
        lhs_shape[position] = size
    for position, size in zip(kernel_layout, [c // features, o, *window]):
        rhs_shape[position] = size
    attrs = {
        "window_strides": tuple(strides), "padding": tuple(p for pair in padding for p in pair),
        "lhs_dilation": tuple(lhs_dilation), "rhs_dilation": tuple(rhs_dilation),
        "feature_group_count": features, "batch_group_count": batches,
        "input_batch_dimension": input_layout[0], "input_feature_dimension": input_layout[1],
        "input_spatial_dimensions": input_layout[2:],
        "kernel_input_feature_dimension": kernel_layout[0], "kernel_output_feature_dimension": kernel_layout[1],
        "kernel_spatial_dimensions": kernel_layout[2:],
        "output_batch_dimension": output_layout[0], "output_feature_dimension": output_layout[1],
        "output_spatial_dimensions": output_layout[2:],
    }
    numbers = lax.ConvDimensionNumbers(input_layout, (kernel_layout[1], kernel_layout[0], *kernel_layout[2:]), output_layout)
    rng = np.random.default_rng(seed)
    check_gradients(
        lambda x, w: emit("tfc.convolution", [x, w], attrs),
        lambda x, w: lax.conv_general_dilated(x, w, strides, padding, lhs_dilation, rhs_dilation, numbers,
                                              feature_group_count=features, batch_group_count=batches),
        [normal(rng, lhs_shape), normal(rng, rhs_shape)], (0, 1), rng,
    )


# ---- reductions ----------------------------------------------------------------------------------
REDUCERS = {"sum": (tfc.sum, jnp.sum), "max": (tfc.max, jnp.max), "min": (tfc.min, jnp.min), "prod": (tfc.prod, jnp.prod)}


@EXAMPLES
@given(shapes(1), st.sampled_from(sorted(REDUCERS)), st.booleans(), SEEDS)
def test_reduce(shape, kind, with_zeros, seed):
    rng = np.random.default_rng(seed)
    axes = tuple(d for d in range(len(shape)) if rng.random() < 0.6)
    x = normal(rng, shape)
    if kind == "prod" and with_zeros:  # one or more exact zeros: the safe rule, still smooth
        x.reshape(-1)[rng.integers(0, x.size, size=rng.integers(1, 3))] = 0.0
    ours, theirs = REDUCERS[kind]
    check_gradients(lambda x: ours(x, axes), lambda x: theirs(x, axes), [x], (0,), rng)


def test_reduce_max_splits_ties_evenly():
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    got = tfc.grad(lambda x: tfc.sum(tfc.max(x, 1) * np.array([1.0, 6.0])))(x)
    np.testing.assert_allclose(got, [[0, 0.5, 0.5], [2, 2, 2]])
    with jax.enable_x64(True):
        np.testing.assert_allclose(got, jax.grad(lambda x: jnp.sum(jnp.max(x, 1) * jnp.array([1.0, 6.0])))(x))


@EXAMPLES
@given(st.data(), st.sampled_from(["sum", "max"]), SEEDS)
def test_reduce_window(data, kind, seed):
    shape = data.draw(shapes(1, 3, 5))
    r = len(shape)
    window = [data.draw(st.integers(1, 3)) for _ in range(r)]
    strides = [data.draw(st.integers(1, 2)) for _ in range(r)]
    base = [data.draw(st.integers(1, 2)) for _ in range(r)]
    dilation = [data.draw(st.integers(1, 2)) for _ in range(r)]
    padding = [(data.draw(st.integers(0, 2)), data.draw(st.integers(0, 2))) for _ in range(r)]
    for n, w, b, d, (lo, hi) in zip(shape, window, base, dilation, padding):
        assume((n - 1) * b + 1 + lo + hi >= (w - 1) * d + 1)
    init, combine = (0.0, lax.add) if kind == "sum" else (-np.inf, lax.max)

    def theirs(x):
        return lax.reduce_window(x, init, combine, window, strides, padding, base, dilation)

    rng = np.random.default_rng(seed)
    x = normal(rng, shape)
    with jax.enable_x64(True):
        assume(np.all(np.isfinite(theirs(x))))  # a max window of nothing but padding is -inf
    attrs = {"kind": kind, "window_dimensions": tuple(window), "window_strides": tuple(strides),
             "padding": tuple(p for pair in padding for p in pair), "base_dilations": tuple(base), "window_dilations": tuple(dilation)}
    # JAX has no max-pool gradient with window dilation; finite differences still check those.
    jax_check = kind == "sum" or all(d == 1 for d in dilation)
    check_gradients(lambda x: emit("tfc.reduce_window", [x], attrs), theirs, [x], (0,), rng, jax_check)


def test_loop_reading_a_captured_sequence_by_dynamic_slice_has_jaxs_gradient():
    """The backward loop adds each step's cotangent into its row of the captured sequence only."""
    rng = np.random.default_rng(11)
    xs, w = rng.normal(size=(6, 3, 4)).astype(np.float32), rng.normal(size=(4, 4)).astype(np.float32) * 0.5

    def ours(xs, w):
        def body(t, h):
            row = emit("tfc.dynamic_slice", [xs, t, tfc.astype(0, tfc.int32), tfc.astype(0, tfc.int32)], {"slice_sizes": (1, 3, 4)})
            return tfc.tanh(tfc.matmul(h, w) + tfc.reshape(row, (3, 4)))
        return tfc.sum(tfc.fori_loop(0, 6, body, tfc.zeros((3, 4))) ** 2)

    def theirs(xs, w):
        h = jnp.zeros((3, 4))
        for t in range(6):
            h = jnp.tanh(h @ w + xs[t])
        return jnp.sum(h**2)

    got = tfc.compile(tfc.grad(ours, (0, 1)))(xs, w)
    for g, want in zip(got, jax.grad(theirs, (0, 1))(xs, w)):
        np.testing.assert_allclose(np.asarray(g), np.asarray(want), rtol=1e-5, atol=1e-6)
    text = tfc.compile(tfc.grad(ours, (0, 1))).lower(xs, w).as_text()
    assert "tfc.scatter" not in text and text.count("tfc.dynamic_update_slice") >= 2


@pytest.mark.parametrize("window, strides, padding", [((1, 2, 2, 1), (1, 2, 2, 1), (0,) * 8), ((1, 3, 3, 1), (1, 2, 2, 1), (0, 0, 1, 1, 0, 1, 0, 0)),
                                                    ((2, 3), (1, 3), (1, 0, 0, 2))])
def test_max_pool_gradient_by_offsets_equals_the_scatter_table(monkeypatch, window, strides, padding):
    """Ties included (a relu output: many windows of zeros), each window's cotangent goes to its first
    largest element both ways: by window offsets (the fast path) and through the gather table."""
    from tfc.ops import reduction

    rng = np.random.default_rng(5)
    x = np.maximum(rng.normal(size=(2, 7, 6, 3)[:len(window)]), 0).astype(np.float32)
    g = rng.normal(size=x.shape).astype(np.float32)
    attrs = {"kind": "max", "window_dimensions": window, "window_strides": strides, "padding": padding}

    def gradient():
        return np.asarray(tfc.compile(tfc.grad(lambda t: tfc.sum(emit("tfc.reduce_window", [t * g], attrs) ** 2)))(x))

    fast = gradient()
    monkeypatch.setattr(reduction, "MAX_GRAD_OFFSETS", 0)
    np.testing.assert_array_equal(fast, gradient())


@EXAMPLES
@given(shapes(1, 3, 4), st.booleans(), st.booleans(), SEEDS)
def test_cumsum(shape, reverse, exclusive, seed):
    rng = np.random.default_rng(seed)
    axis = int(rng.integers(0, len(shape)))

    def theirs(x):
        total = lax.cumsum(x, axis, reverse=reverse)
        return total - x if exclusive else total

    check_gradients(lambda x: tfc.cumsum(x, axis, reverse=reverse, exclusive=exclusive), theirs,
                    [normal(rng, shape)], (0,), rng)


@EXAMPLES
@given(shapes(1, 3, 4), st.booleans(), SEEDS)
def test_sort_with_payload(shape, descending, seed):
    rng = np.random.default_rng(seed)
    axis = int(rng.integers(0, len(shape)))

    def ours(keys, payload):
        op = keys.trace.emit("tfc.sort", [keys.value, payload.value], {"dimension": axis, "descending": descending})
        return [Tensor(r, keys.trace) for r in op.results]

    def theirs(keys, payload):
        if descending:
            negated, values = lax.sort((-keys, payload), dimension=axis, num_keys=1)
            return -negated, values
        return lax.sort((keys, payload), dimension=axis, num_keys=1)

    check_gradients(ours, theirs, [normal(rng, shape), normal(rng, shape)], (0, 1), rng)


@EXAMPLES
@given(shapes(1, 2, 4), SEEDS)
def test_argmax_is_not_differentiated(shape, seed):
    rng = np.random.default_rng(seed)

    def ours(x):
        picked = api.equal(api.expand_dims(tfc.argmax(x, -1), -1), emit("tfc.iota", [], {"iota_dimension": x.ndim - 1},
                                                                          [TensorType(DType.i32, x.shape)]))
        return x * api.astype(picked, DType.f64)

    check_gradients(ours, lambda x: x * jax.nn.one_hot(jnp.argmax(x, -1), x.shape[-1], dtype=x.dtype),
                    [normal(rng, shape)], (0,), rng)


# ---- control flow --------------------------------------------------------------------------------
@EXAMPLES
@given(st.integers(0, 4), SEEDS)
def test_while_static_trip_count(trips, seed):
    rng = np.random.default_rng(seed)

    def ours(x, y):
        return tfc.fori_loop(0, trips, lambda i, c: (tfc.sin(c[0]) * c[1], c[0] * 0.5 + c[1]), (x, y))

    def theirs(x, y):
        return lax.fori_loop(0, trips, lambda i, c: (jnp.sin(c[0]) * c[1], c[0] * 0.5 + c[1]), (x, y))

    check_gradients(ours, theirs, [normal(rng, (3,)), normal(rng, (3,))], (0, 1), rng)


@EXAMPLES
@given(st.integers(0, 4), SEEDS)
def test_while_with_captured_values(trips, seed):
    rng = np.random.default_rng(seed)

    def ours(x, w):
        return tfc.fori_loop(1, trips + 1, lambda i, v: tfc.tanh(v * w + x) + tfc.astype(i, DType.f64), x)

    def theirs(x, w):
        return lax.fori_loop(1, trips + 1, lambda i, v: jnp.tanh(v * w + x) + i, x)

    check_gradients(ours, theirs, [normal(rng, (2, 3)), normal(rng, (3,))], (0, 1), rng)


def test_while_needs_a_static_trip_count():
    with pytest.raises(tfc.TraceError, match="static trip count"):
        tfc.grad(lambda x: tfc.sum(tfc.while_loop(lambda v: tfc.sum(v) < 10.0, lambda v: v * 2.0, x)))(np.ones(3))


@EXAMPLES
@given(st.booleans(), SEEDS)
def test_if(positive, seed):
    rng = np.random.default_rng(seed)
    x = np.abs(normal(rng, (2, 3))) * (1 if positive else -1)

    def ours(x, w):
        return tfc.cond(tfc.sum(x) > 0, lambda: (tfc.sin(x) @ w, x), lambda: (tfc.exp(x) @ (w * w), x * 3.0))

    def theirs(x, w):
        return lax.cond(jnp.sum(x) > 0, lambda: (jnp.sin(x) @ w, x), lambda: (jnp.exp(x) @ (w * w), x * 3.0))

    check_gradients(ours, theirs, [x, normal(rng, (3, 2))], (0, 1), rng)


@EXAMPLES
@given(st.integers(1, 3), SEEDS)
def test_if_inside_while(trips, seed):
    rng = np.random.default_rng(seed)

    def ours(x, w):
        # (0.0, not 0: api.astype would erase fori_loop's cached weak 0 before the loop uses it)
        body = lambda i, v: tfc.cond(tfc.sum(v) > 0.0, lambda: v * w, lambda: tfc.sin(v) + w)
        return tfc.fori_loop(0, trips, body, x)

    def theirs(x, w):
        body = lambda i, v: lax.cond(jnp.sum(v) > 0, lambda: v * w, lambda: jnp.sin(v) + w)
        return lax.fori_loop(0, trips, body, x)

    check_gradients(ours, theirs, [normal(rng, (3,)), normal(rng, (3,))], (0, 1), rng)


def _define(name, fn, arg_types):
    """Add function ``name`` computing ``fn`` to the module being traced (once)."""
    trace = tfc.current_trace()
    if name in {f.name for f in trace.module.functions}:
        return
    function = trace.module.add_function(Function.create(name, arg_types, []))
    saved, trace.builders = trace.builders, [Builder(function.body)]
    try:
        outputs = _listed(fn(*[Tensor(a, trace) for a in function.args]))
        trace.emit("func.return", [t.value for t in outputs])
        function.set_type(FunctionType(tuple(arg_types), tuple(t.type for t in outputs)))
    finally:
        trace.builders = saved


def _call(name, *args):
    trace = tfc.current_trace()
    callee = trace.module.function(name)
    op = trace.emit("tfc.call", [a.value for a in args], {"callee": SymbolRefAttr(name)}, list(callee.type.results))
    return [Tensor(r, trace) for r in op.results]


@EXAMPLES
@given(SEEDS)
def test_call(seed):
    rng = np.random.default_rng(seed)

    def inner(a, b, n):
        return tfc.sin(a) * b, a * 2.0, n + 1

    def ours(x, w):
        _define("inner", inner, [x.type, w.type, TensorType(DType.i32, ())])
        p, q, n = _call("inner", x, w, api.astype(0, DType.i32))
        r, _, _ = _call("inner", p, q, n)  # the second call reuses the first one's vjp function
        return r

    def theirs(x, w):
        p, q = jnp.sin(x) * w, x * 2.0
        return jnp.sin(p) * q

    check_gradients(ours, theirs, [normal(rng, (4,)), normal(rng, (4,))], (0, 1), rng)


# ---- errors --------------------------------------------------------------------------------------
def test_op_without_a_rule_is_named(monkeypatch):
    monkeypatch.setitem(REGISTRY._ops, "tfc.cumsum", dataclasses.replace(REGISTRY.get("tfc.cumsum"), grad=None))
    with pytest.raises(tfc.TraceError, match="'tfc.cumsum' has no gradient rule"):
        tfc.grad(lambda x: tfc.sum(tfc.cumsum(x)))(np.ones(3))


def test_integer_argument_cannot_be_differentiated():
    def f(x, start):
        return tfc.sum(emit("tfc.dynamic_slice", [x, start], {"slice_sizes": (2,)}))

    np.testing.assert_array_equal(tfc.grad(f)(np.ones(4), np.int32(1)), [0, 1, 1, 0])
    with pytest.raises(tfc.TraceError, match="not a float"):
        tfc.grad(f, 1)(np.ones(4), np.int32(1))


def test_stateful_loop_body_is_not_replayed():
    def f(x):
        def body(i, v):
            trace = tfc.current_trace()
            handle = trace.emit("tfc.variable", [], {"name": "counter"}, [ResourceType(v.type)])
            trace.emit("tfc.assign_variable", [handle.result, v.value])
            return v * 2.0

        return tfc.sum(tfc.fori_loop(0, 2, body, x))

    with pytest.raises(tfc.TraceError, match="stateful op 'tfc.variable'"):
        tfc.compile(tfc.grad(f)).lower(np.ones(3))
