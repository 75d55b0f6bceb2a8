"""TensorFlow 1's ``tf.map_fn``, ``tf.scan``, ``tf.foldl`` and ``tf.foldr`` in ``tfc.compat.v1``: TensorFlow's
values, dtypes, static shapes and gradients, its errors for bad calls, and its signatures. The calls are the
generator's own TF1 code (scripts/generate_tf1_api_functional_reference.py, loaded here without TensorFlow);
the recorded results are tests/data/compat_v1/api_functional.npz."""

import inspect
import json

import numpy as np
import pytest

import tfc
import tfc.compat.v1 as tf
from tfc.compat.v1 import functional_ops

from .tf1_reference import generator, inputs, recorded

# Where tfc is stricter than TensorFlow: a map_fn result of another dtype than fn_output_signature says is
# only logged by TensorFlow 2.15 ("undefined behavior and will be an error in future versions").
STRICTER = {"map_dtype": "TypeError"}

GEN = generator("functional")
RECORDED = recorded("functional")
META = json.loads(str(RECORDED["meta"]))
INPUTS = inputs(RECORDED)


@pytest.fixture(autouse=True)
def fresh_graph():
    tf.reset_default_graph()
    yield
    tf.reset_default_graph()


@pytest.mark.parametrize("group", list(GEN.GROUPS))
def test_values_dtypes_static_shapes_and_gradients_match_tensorflow(group):
    """One Session.run per group: every result (and gradient) equals TensorFlow's; ints exactly."""
    p = GEN.placeholders(tf, INPUTS)
    tensors = {f"{group}/{k}": t for k, t in GEN.GROUPS[group](tf, p).items()}
    for key, t in tensors.items():
        assert GEN.static_shape(t) == META["shapes"][key], (key, GEN.static_shape(t), META["shapes"][key])
    with tf.Session() as sess:
        got = sess.run(tensors, {p[k]: a for k, a in INPUTS.items()})
    assert set(got) == {k[len("out:"):] for k in RECORDED if k.startswith(f"out:{group}/")}
    for key, value in got.items():
        want, value = RECORDED[f"out:{key}"], np.asarray(value)
        assert (value.dtype, value.shape) == (want.dtype, want.shape), (key, value.dtype, value.shape, want.dtype, want.shape)
        if want.dtype.kind == "f":
            np.testing.assert_allclose(value, want, rtol=2e-6, atol=2e-6, err_msg=key)
        else:
            np.testing.assert_array_equal(value, want, err_msg=key)


@pytest.mark.parametrize("case", list(GEN.ERRORS))
def test_bad_calls_raise_tensorflow_s_exception(case):
    p = GEN.placeholders(tf, INPUTS)
    assert META["errors"][case] != "none" or case in STRICTER
    with pytest.raises(Exception) as raised:
        GEN.ERRORS[case](tf, p)
    assert type(raised.value).__name__ == STRICTER.get(case, META["errors"][case]), (case, raised.value)


def test_error_messages_say_what_is_wrong():
    p = GEN.placeholders(tf, INPUTS)
    with pytest.raises(ValueError, match="Dimensions 4 and 5 are not compatible"):
        tf.map_fn(lambda e: e[0], (p["y"], p["ints"]))
    with pytest.raises(ValueError, match="don't have the same nested structure"):
        tf.map_fn(lambda r: (r, r), p["y"], dtype=tf.float32)
    with pytest.raises(TypeError, match="fn returned a i32 tensor where fn_output_signature"):
        tf.map_fn(lambda r: tf.cast(r, tf.int32), p["y"])
    with pytest.raises(ValueError, match="1\\+ dimensional"):
        tf.scan(lambda a, r: a, tf.constant(2.0))
    with pytest.raises(TypeError, match="not callable"):
        tf.foldl(3, p["y"])


def test_signatures_are_tensorflow_s():
    ours = GEN.signatures(tf)
    assert ours == META["signatures"]
    for name in GEN.NAMES:
        assert getattr(tf, name) is getattr(functional_ops, name)
        assert name in tf.__all__
    assert list(inspect.signature(tf.map_fn).parameters)[-1] == "fn_output_signature"


def test_map_fn_learns_shapes_without_leaving_nodes_in_the_graph():
    """fn's probe call builds nothing in the graph or its library: its nodes are only in the loop body."""
    x = tf.placeholder(tf.float32, [None, 3])
    y = tf.map_fn(lambda r: r * tf.random_uniform([3], seed=1), x)
    graph_def = tf.get_default_graph().as_graph_def()
    assert not [n.op for n in graph_def.node if n.op.startswith("Random")]
    bodies = [f for f in graph_def.library.function if any(n.op.startswith("Random") for n in f.node_def)]
    assert len(bodies) == 1 and y.shape.as_list() == [None, 3]


def test_results_of_shapes_known_only_at_run_time():
    """A row shape known only at run time sizes the results from the first row (computed before the loop)."""
    ragged = tf.placeholder(tf.float32, [None, None])
    doubled = tf.map_fn(lambda r: r * 2.0, ragged)
    summed = tf.scan(lambda a, r: a + r, ragged, initializer=tf.zeros([2]) + ragged[0, 0])
    firsts = tf.map_fn(lambda r: r[:2], ragged)
    data = np.arange(10, dtype=np.float32).reshape(5, 2)
    with tf.Session() as sess:
        got = sess.run([doubled, summed, firsts], {ragged: data})
    np.testing.assert_allclose(got[0], data * 2)
    np.testing.assert_allclose(got[1], np.cumsum(data, axis=0))
    np.testing.assert_allclose(got[2], data)
    assert doubled.shape.as_list() == [None, None] and summed.shape.as_list() == [None, 2]


def test_map_fn_and_scan_inside_a_trace():
    import tfc as tfx

    x = np.arange(12, dtype=np.float32).reshape(4, 3) / 10
    mapped, scanned = tfc.compile(lambda v: (tfx.map_fn(lambda r: tfx.sin(r), v), tfx.scan(lambda a, r: a + r, v)))(x)
    np.testing.assert_allclose(np.asarray(mapped), np.sin(x), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(scanned), np.cumsum(x, axis=0), rtol=1e-6)


def test_map_fn_differentiates_inside_a_trace():
    import tfc as tfx

    x = np.arange(12, dtype=np.float32).reshape(4, 3) / 10
    grad = tfc.compile(tfc.grad(lambda v: tfx.reduce_sum(tfx.map_fn(lambda r: tfx.sin(r) * r, v))))(x)
    np.testing.assert_allclose(np.asarray(grad), np.cos(x) * x + np.sin(x), rtol=1e-5)
