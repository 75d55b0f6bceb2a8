"""``tf.math`` of ``tfc.compat.v1``: TensorFlow 1's math namespace (and its top-level names) gives
TensorFlow's values, dtypes and static shapes, with TensorFlow's signatures. The calls are the
generator's own TF1 code (scripts/generate_tf1_api_math_reference.py, loaded here without TensorFlow);
the recorded results are tests/data/compat_v1/api_math.npz."""

import inspect
import json

import numpy as np
import pytest

import tfc.compat.v1 as tf
from tfc.types import DType

from .tf1_reference import generator, inputs, recorded

# Names of TF1's tf.math that tfc leaves out (outside this namespace's first scope).
LEFT_OUT = {"approx_max_k", "approx_min_k", "confusion_matrix",
            "is_non_decreasing", "is_strictly_increasing", "sobol_sample"}




GEN = generator("math")
RECORDED = recorded("math")
META = json.loads(str(RECORDED["meta"]))
INPUTS = inputs(RECORDED)


@pytest.fixture(autouse=True)
def fresh_graph():
    tf.reset_default_graph()
    yield
    tf.reset_default_graph()


def tolerance(name: str, dtype) -> dict:
    """float32 to a few ulps; the special functions (series and continued fractions) to 2e-5."""
    if dtype.kind == "f" and dtype.itemsize == 8:
        return {"rtol": 1e-10, "atol": 1e-12}
    if name.startswith("gradient/"):
        return {"rtol": 2e-5, "atol": 2e-5}
    special = ("betainc", "igamma", "zeta", "polygamma", "digamma", "lgamma", "erfinv", "ndtri", "bessel", "lbeta", "cumulative", "logsumexp")
    loose = any(s in name for s in special)
    return {"rtol": 2e-5 if loose else 2e-6, "atol": 2e-6 if loose else 1e-6}


@pytest.mark.parametrize("group", list(GEN.GROUPS))
def test_values_dtypes_and_static_shapes_match_tensorflow(group):
    """One Session.run per group: every result equals TensorFlow's (ints and bools exactly)."""
    p = GEN.placeholders(tf, INPUTS)
    tensors = {f"{group}/{k}": t for k, t in GEN.GROUPS[group](tf, p).items()}
    for key, t in tensors.items():
        assert GEN.static_shape(t) == META["shapes"][key], key
    with tf.Session() as sess:
        got = sess.run(tensors, {p[k]: a for k, a in INPUTS.items()})
    for key, value in got.items():
        want = RECORDED[f"out:{key}"]
        value = np.asarray(value)
        assert value.dtype == want.dtype, (key, value.dtype, want.dtype)
        assert value.shape == want.shape, key
        if want.dtype.kind in "fc":
            np.testing.assert_allclose(value, want, err_msg=key, **tolerance(key, want.dtype))
        else:
            np.testing.assert_array_equal(value, want, err_msg=key)


def test_op_types_and_names_are_tensorflow_s():
    """The result of each call is the op TensorFlow adds, named as TensorFlow names it (the graph
    is built in the generator's order, so the uniqued names line up too)."""
    p = GEN.placeholders(tf, INPUTS)
    tensors = {k: t for k, t in GEN.cases(tf, p).items() if not k.startswith("gradient/")}  # tfc differentiates after legalizing
    types = {k: t.op.type for k, t in tensors.items()}
    assert types == {k: META["op_types"][k] for k in tensors}
    names = {k: t.name for k, t in tensors.items()}
    assert names == {k: META["names"][k] for k in tensors}


def test_the_namespace_has_tensorflow_s_names_and_signatures():
    implemented = set(tf.math.__all__)
    assert implemented == set(META["math_names"]) - LEFT_OUT
    for name in sorted(implemented):
        params = inspect.signature(getattr(tf.math, name)).parameters.values()
        ours = [[q.name, default_text(q.default)] for q in params]
        assert ours == META["signatures"][name], name
        if getattr(tf.math, name).__module__ == tf.math.__name__:
            assert getattr(tf.math, name).__name__ == name


def default_text(value) -> str:
    if isinstance(value, DType):
        return f"dtype:{np.dtype(value.numpy).name}"
    return GEN.default_text(value)


def test_top_level_names_are_the_namespace_s_functions():
    """tf.<name> is tf.math.<name>; tf.debugging also has is_finite/is_inf/is_nan (TensorFlow's same
    functions), and its definition may be the top-level one: then it must add the same op."""
    x = tf.constant([1.0, np.inf])
    for name in META["top_level"]:
        if name in LEFT_OUT:
            continue
        top, ours = getattr(tf, name), getattr(tf.math, name)
        if top is not ours:
            assert name in {"is_finite", "is_inf", "is_nan"}, name
            assert top is getattr(tf.debugging, name) and top(x).op.type == ours(x).op.type, name
    assert not hasattr(tf, "bessel_i0e") and not hasattr(tf, "reduce_std")  # tf.math only in TF1 too


def test_deprecated_spellings_and_keywords():
    x = tf.constant(np.arange(12, dtype=np.float32).reshape(3, 4))
    assert tf.reduce_logsumexp(x, reduction_indices=[1], keep_dims=True).shape.as_list() == [3, 1]
    assert tf.count_nonzero(input=x, reduction_indices=0).shape.as_list() == [4]
    assert tf.math.l2_normalize(x, dim=1).shape.as_list() == [3, 4]
    values, indices = tf.math.top_k(input=x, k=3)
    assert values.shape.as_list() == [3, 3] and indices.dtype == tf.int32
    with pytest.raises(ValueError, match="reduction_indices"):
        tf.reduce_logsumexp(x, axis=1, reduction_indices=1)
    with pytest.raises(ValueError, match="keep_dims"):
        tf.count_nonzero(x, keepdims=True, keep_dims=True)
    with pytest.raises(ValueError, match="dim"):
        tf.math.l2_normalize(x, axis=0, dim=0)


def test_bad_arguments_fail_naming_the_argument():
    x = tf.constant(np.ones((3, 4), np.float32))
    for call in (lambda: tf.cumsum(x, axis=2), lambda: tf.math.cumulative_logsumexp(x, axis=-3),
                 lambda: tf.reduce_logsumexp(x, axis=5), lambda: tf.math.reduce_std(x, axis=[0, 2]),
                 lambda: tf.count_nonzero(x, axis=2), lambda: tf.math.l2_normalize(x, axis=4)):
        with pytest.raises(ValueError, match=r"axis=.* out of range for a tensor of rank 2"):
            call()
    with pytest.raises(ValueError, match="k=5"):
        tf.math.top_k(x, k=5)
    with pytest.raises(ValueError, match="segment_ids"):
        tf.math.segment_sum(x, [0, 0])
    with pytest.raises(TypeError, match="segment_ids"):
        tf.math.unsorted_segment_sum(x, tf.constant([0.0, 1.0, 1.0]), 2)
    with pytest.raises(ValueError, match="scalar"):
        tf.math.scalar_mul([1.0, 2.0], x)
    with pytest.raises(ValueError, match="coeffs"):
        tf.math.polyval((1.0, 2.0), x)
    with pytest.raises(TypeError, match="input_tensor"):
        tf.math.reduce_variance(tf.constant([1, 2]))
    with pytest.raises(ValueError, match="rank at least 1"):
        tf.lbeta(tf.constant(1.0))


def test_unknown_rank_and_dynamic_segment_counts():
    """Shapes TensorFlow knows only at run time: a reduction of unknown rank is a scalar; the number
    of segments of segment_sum and the length of bincount come from the values."""
    u = tf.placeholder(tf.float32, None)
    ids = tf.placeholder(tf.int32, [None])
    total = tf.reduce_logsumexp(u)
    segments = tf.segment_sum(tf.constant([1.0, 2.0, 3.0, 4.0]), ids)
    counts = tf.bincount(ids, minlength=2)
    n = tf.placeholder(tf.int32, [])
    means = tf.unsorted_segment_mean(u, ids, num_segments=n)  # counts reshaped by a run-time shape
    assert total.shape.as_list() == [] and segments.shape.as_list() == [None] and counts.shape.as_list() == [None]
    assert means.shape.ndims is None
    data = np.arange(8, dtype=np.float32).reshape(4, 2)
    with tf.Session() as sess:
        t, s, c = sess.run([total, segments, counts], {u: np.zeros((2, 2), np.float32), ids: [0, 2, 2, 4]})
        mean = sess.run(means, {u: data, ids: [1, 0, 1, -1], n: 3})
    np.testing.assert_array_equal(mean, [[2.0, 3.0], [2.0, 3.0], [0.0, 0.0]])
    np.testing.assert_allclose(t, np.log(4.0), rtol=1e-6)
    np.testing.assert_array_equal(s, [1.0, 0.0, 5.0, 0.0, 4.0])
    np.testing.assert_array_equal(c, [1, 0, 2, 0, 1])


def test_reduce_euclidean_norm_is_tensorflow_s():
    """TensorFlow 2.15's values and node names for these calls (run once with it; EuclideanNorm is an op of its own)."""
    x = tf.constant(np.array([[3.0, 4.0], [1.0, 2.0]], np.float32))
    rows, whole = tf.math.reduce_euclidean_norm(x, axis=1), tf.math.reduce_euclidean_norm(x)
    ints = tf.math.reduce_euclidean_norm(tf.constant([[3, 4], [1, 2]]), axis=1, keepdims=True)
    assert [t.name for t in (rows, whole, ints)] == ["EuclideanNorm:0", "EuclideanNorm_1:0", "EuclideanNorm_2:0"]
    with tf.Session() as sess:
        got = sess.run([rows, whole, ints])
    np.testing.assert_allclose(got[0], [5.0, 2.236068], rtol=1e-6)
    np.testing.assert_allclose(got[1], 5.477226, rtol=1e-6)
    assert got[2].dtype == np.int32 and got[2].tolist() == [[5], [2]]


def test_bessel_i0_and_i1_are_tensorflow_s():
    """TensorFlow 2.15's values and node names for these calls (run once with it)."""
    x = tf.constant(np.array([0.0, 1.0, -2.5, 10.0], np.float32))
    i0, i1 = tf.math.bessel_i0(x), tf.math.bessel_i1(x)
    assert (i0.name, i1.name) == ("bessel_i0/BesselI0:0", "bessel_i1/BesselI1:0")
    with tf.Session() as sess:
        got0, got1 = sess.run([i0, i1])
    np.testing.assert_allclose(got0, [1.0, 1.266066, 3.2898395, 2815.7166], rtol=2e-6)
    np.testing.assert_allclose(got1, [0.0, 0.56515908, -2.5167162, 2670.9883], rtol=2e-6)
