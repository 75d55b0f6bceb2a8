"""The graph API and tfc.Session: TensorFlow 1's names and semantics (feeds, fetches, pruning,
caching, variables, control dependencies, name scopes, gradients, Extend) and clear errors."""

from __future__ import annotations

import collections

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tfc
from tfc.runtime.errors import SessionError

SEED_X = [[5, 6], [7, 8]]
SEED_Z = np.array([[72, 84], [98, 114]], np.float32)


def seed_graph():
    g = tfc.Graph()
    with g.as_default():
        x = tfc.placeholder(tfc.float32, [2, 2], name="x")
        z = tfc.matmul(x, x) + tfc.matmul(x, [[1, 0], [0, 1]])
    return g, x, z


@pytest.mark.parametrize("backend", ["xla", "interp"])
def test_tf1_seed(backend):
    g, x, z = seed_graph()
    with tfc.Session(graph=g, backend=backend) as sess:
        np.testing.assert_array_equal(sess.run(z, {x: SEED_X}), SEED_Z)
        np.testing.assert_array_equal(sess.run(z, {"x:0": np.array(SEED_X, np.float32)}), SEED_Z)
        np.testing.assert_array_equal(sess.run(z.name, {"x:0": np.array(SEED_X, np.float64)}), SEED_Z)
        assert isinstance(sess.run(z, {x: SEED_X}), np.ndarray)


def test_nested_fetch_structures_and_ops_give_none():
    g, x, z = seed_graph()
    with g.as_default():
        y = x * 2.0
        noop = tfc.no_op(name="nothing")
    Pair = collections.namedtuple("Pair", "a b")
    with tfc.Session(graph=g) as sess:
        out = sess.run({"z": z, "rest": [y, (z.name, noop)], "pair": Pair(y, "nothing")}, {x: SEED_X})
    assert set(out) == {"z", "rest", "pair"}
    np.testing.assert_array_equal(out["z"], SEED_Z)
    np.testing.assert_array_equal(out["rest"][0], np.array(SEED_X) * 2)
    assert isinstance(out["rest"][1], tuple) and out["rest"][1][1] is None
    np.testing.assert_array_equal(out["rest"][1][0], SEED_Z)
    assert isinstance(out["pair"], Pair) and out["pair"].b is None


def test_feeding_an_intermediate_cuts_its_producers():
    g = tfc.Graph()
    with g.as_default():
        x = tfc.placeholder(tfc.float32, [3], name="x")
        a = tfc.exp(x)
        b = a + 1.0
    with tfc.Session(graph=g) as sess:
        # x is not fed and not needed: a is fed, so exp(x) and the placeholder are pruned away
        np.testing.assert_allclose(sess.run(b, {a: np.array([1, 2, 3], np.float32)}), [2, 3, 4])
        np.testing.assert_allclose(sess.run([a, b], {a: [0, 0, 0]})[0], [0, 0, 0])  # a fetched fed tensor
        np.testing.assert_allclose(sess.run(b, {x: np.zeros(3, np.float32)}), [2, 2, 2])


def test_repeated_runs_do_not_recompile():
    g, x, z = seed_graph()
    with g.as_default():
        w = x + 1.0
    sess = tfc.Session(graph=g)
    value = np.array(SEED_X, np.float32)
    for _ in range(3):
        sess.run(z, {x: value})
        sess.run(z, {"x:0": value})  # same tensor by name: same compiled step
        sess.run([z], {x: SEED_X})  # another structure (and a list value), same outputs: same step
    assert sess.compile_count == 1
    sess.run([z, w], {x: value})
    assert sess.compile_count == 2
    fn = sess.make_callable(z, [x])
    np.testing.assert_array_equal(fn(value), SEED_Z)
    np.testing.assert_array_equal(fn(SEED_X), SEED_Z)  # converted on the slow path
    assert sess.compile_count == 2  # make_callable reused the step of sess.run(z, {x: ...})


def test_pruning_leaves_unneeded_stateful_ops_alone():
    g = tfc.Graph()
    with g.as_default():
        v = tfc.Variable(1.0, name="v")
        bump = v.assign_add(10.0)
        double = v * 2.0
        init = tfc.global_variables_initializer()
    with tfc.Session(graph=g) as sess:
        sess.run(init)
        assert sess.run(double) == 2.0  # the assign is not needed by `double`: it does not run
        assert sess.run(bump) == 11.0
        assert sess.run(bump) == 21.0
        assert sess.run(v) == 21.0
        assert sess.run(bump) == 31.0 and sess.run(double) == 62.0
        assert sess.run(v.initializer) is None
        assert sess.run(v) == 1.0


def test_variables_initializer_assign_and_persistence():
    g = tfc.Graph()
    with g.as_default():
        w = tfc.Variable(np.arange(3, dtype=np.float32), name="w")
        c = tfc.Variable(0, name="count")
        set_w = w.assign([5.0, 5.0, 5.0])
        sub = w.assign_sub(np.ones(3, np.float32))
        tick = c.assign_add(1)
        init = tfc.global_variables_initializer()
    assert init.name == "init" and w.initializer.name == "w/Assign"
    assert w.name == "w:0" and c.dtype == tfc.int32
    sess = tfc.Session(graph=g)
    sess.run(init)
    np.testing.assert_array_equal(sess.run(w), [0, 1, 2])
    np.testing.assert_array_equal(sess.run(set_w), [5, 5, 5])
    np.testing.assert_array_equal(sess.run(sub), [4, 4, 4])
    for _ in range(3):
        assert sess.run(tick.op) is None
    assert sess.run(c) == 3
    assert set(sess.variables) == {"w", "count"}
    np.testing.assert_array_equal(sess.run(w), [4, 4, 4])


def test_uninitialized_variable_names_variable_and_reader():
    g = tfc.Graph()
    with g.as_default():
        x = tfc.placeholder(tfc.float32, [2], name="x")
        with tfc.name_scope("dense"):
            b = tfc.Variable(np.zeros(2, np.float32), name="bias")
            y = x + b
    with tfc.Session(graph=g) as sess:
        with pytest.raises(SessionError, match=r"variable 'dense/bias' is not initialized.*needed for dense/add:0"):
            sess.run(y, {x: [1, 2]})
        sess.run(b.initializer)
        np.testing.assert_array_equal(sess.run(y, {x: [1, 2]}), [1, 2])


def test_control_dependencies_run_the_ops_first():
    g = tfc.Graph()
    with g.as_default():
        x = tfc.placeholder(tfc.float32, [], name="x")
        steps = tfc.Variable(0.0, name="steps")
        inc = steps.assign_add(1.0)
        with tfc.control_dependencies([inc]):
            y = tfc.identity(x * 3.0, name="y")
            marker = tfc.no_op(name="marker")
        with tfc.control_dependencies([marker]):
            z = tfc.identity(x, name="z")
        init = tfc.global_variables_initializer()
    assert y.name == "y:0" and [c.name for c in y.op.control_inputs] == [inc.op.name]
    with tfc.Session(graph=g) as sess:
        sess.run(init)
        assert sess.run(y, {x: 2.0}) == 6.0
        assert sess.run(z, {x: 2.0}) == 2.0  # through the no_op's control edge
        assert sess.run("y:0", {"x:0": 1.0}) == 3.0
        assert sess.run(steps) == 3.0


def test_name_scopes_uniquing_lookup_and_device():
    g = tfc.Graph()
    with g.as_default():
        x = tfc.placeholder(tfc.float32, [2, 2], name="x")
        x2 = tfc.placeholder(tfc.float32, [2, 2], name="x")
        with tfc.name_scope("layer1") as scope:
            a = tfc.matmul(x, x)
            b = tfc.matmul(a, x)
            with tfc.name_scope("inner"):
                c = tfc.exp(b)
        with tfc.name_scope("layer1"):
            d = tfc.matmul(c, x)
        with tfc.device("cpu:1"):
            e = tfc.reduce_sum(d, name="total")
    assert scope == "layer1/"
    assert (x.name, x2.name) == ("x:0", "x_1:0")
    assert (a.name, b.name, c.name, d.name) == ("layer1/MatMul:0", "layer1/MatMul_1:0", "layer1/inner/Exp:0", "layer1_1/MatMul:0")
    assert e.name == "total:0" and e.op.device == "/device:CPU:1" and a.op.device == ""
    assert g.get_tensor_by_name("layer1/MatMul_1:0") is b
    assert g.get_operation_by_name("total").type == "Sum"
    assert [n.device for n in g.as_graph_def().node if n.name == "total"] == ["/device:CPU:1"]
    with tfc.Session(graph=g) as sess:  # the sum runs on cpu:1, the rest on cpu:0
        assert sess.run(e, {x: np.eye(2, dtype=np.float32)}) == pytest.approx(2 * np.e + 2)
    with pytest.raises(KeyError, match="'nope' refers to an operation not in the graph"):
        g.get_operation_by_name("nope")


def _mlp_numpy_inputs():
    rng = np.random.default_rng(0)
    return {
        "x": rng.standard_normal((6, 4)).astype(np.float32),
        "t": rng.standard_normal((6, 3)).astype(np.float32),
        "w1": rng.standard_normal((4, 5)).astype(np.float32),
        "b1": rng.standard_normal(5).astype(np.float32),
        "w2": rng.standard_normal((5, 3)).astype(np.float32),
    }


def _dense(h, w):
    """h @ w with elementwise ops and a sum (independent of dot_general's gradient rule)."""
    return tfc.reduce_sum(tfc.reshape(h, h.shape.as_list() + [1]) * w, axis=1)


def test_gradients_of_an_mlp_match_jax():
    v = _mlp_numpy_inputs()
    g = tfc.Graph()
    with g.as_default():
        x = tfc.placeholder(tfc.float32, [6, 4], name="x")
        t = tfc.placeholder(tfc.float32, [6, 3], name="t")
        w1 = tfc.Variable(v["w1"], name="w1")
        b1 = tfc.Variable(v["b1"], name="b1")
        w2 = tfc.Variable(v["w2"], name="w2")
        h = tfc.tanh(_dense(x, w1) + b1)
        loss = tfc.reduce_mean(tfc.square(_dense(h, w2) - t), name="loss")
        unused = tfc.placeholder(tfc.float32, [2], name="unused")
        grads = tfc.gradients(loss, [w1, b1, w2, x, unused])
        init = tfc.global_variables_initializer()
    assert grads[-1] is None and all(gr.name.startswith("gradients/") for gr in grads[:-1])

    def jax_loss(w1, b1, w2, x, t):
        return jnp.mean((jnp.tanh(x @ w1 + b1) @ w2 - t) ** 2)

    expected = jax.grad(jax_loss, argnums=(0, 1, 2, 3))(v["w1"], v["b1"], v["w2"], v["x"], v["t"])
    with tfc.Session(graph=g) as sess:
        sess.run(init)
        got = sess.run(grads[:-1], {x: v["x"], t: v["t"]})
    for a, b in zip(got, expected):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_gradients_sum_over_ys_and_take_grad_ys():
    g = tfc.Graph()
    with g.as_default():
        x = tfc.placeholder(tfc.float32, [3], name="x")
        y1 = tfc.square(x)
        y2 = tfc.sin(x)
        both = tfc.gradients([y1, y2], x)
        seeded = tfc.gradients(y1, [x], grad_ys=[np.array([1, 0, 2], np.float32)])
        k = tfc.placeholder(tfc.int32, [3], name="k")
        with pytest.raises(tfc.GraphError, match="not a float"):
            tfc.gradients(k * 2, [x])
    value = np.array([0.5, 1.0, -2.0], np.float32)
    with tfc.Session(graph=g) as sess:
        got_both, got_seeded = sess.run([both[0], seeded[0]], {x: value})
    np.testing.assert_allclose(got_both, 2 * value + np.cos(value), rtol=1e-6)
    np.testing.assert_allclose(got_seeded, 2 * value * [1, 0, 2], rtol=1e-6)


def test_sgd_training_in_graph_mode_converges():
    rng = np.random.default_rng(1)
    features = rng.standard_normal((64, 3)).astype(np.float32)
    labels = features @ np.array([1.5, -2.0, 0.5], np.float32) + 0.25
    g = tfc.Graph()
    with g.as_default():
        x = tfc.placeholder(tfc.float32, [64, 3], name="x")
        y = tfc.placeholder(tfc.float32, [64], name="y")
        w = tfc.Variable(np.zeros(3, np.float32), name="w")
        b = tfc.Variable(0.0, name="b")
        pred = tfc.reduce_sum(x * w, axis=1) + b
        loss = tfc.reduce_mean(tfc.square(pred - y))
        gw, gb = tfc.gradients(loss, [w, b])
        train = tfc.group(w.assign_sub(0.1 * gw), b.assign_sub(0.1 * gb), name="train")
        init = tfc.global_variables_initializer()
    with tfc.Session(graph=g) as sess:
        sess.run(init)
        step = sess.make_callable([loss, train], [x, y])
        for _ in range(200):
            last, none = step(features, labels)
        assert none is None and last < 1e-6
        np.testing.assert_allclose(sess.run(w), [1.5, -2.0, 0.5], atol=1e-3)
        assert sess.compile_count == 3  # init, train step, read w


def test_eval_and_run_with_the_default_session():
    g, x, z = seed_graph()
    with g.as_default():
        v = tfc.Variable(2.0, name="v")
        init = tfc.global_variables_initializer()
    with tfc.Session(graph=g):
        init.run()
        np.testing.assert_array_equal(z.eval({x: SEED_X}), SEED_Z)
        assert v.eval() == 2.0
    assert tfc.get_default_session() is None


def test_bad_feeds_and_fetches_give_clear_errors():
    g, x, z = seed_graph()
    with g.as_default():
        n = tfc.placeholder(tfc.int32, [2], name="n")
        m = n * 2
        tfc.no_op(name="init")
    sess = tfc.Session(graph=g)
    good = np.array(SEED_X, np.float32)
    cases = [
        (lambda: sess.run(z, {x: np.ones((3, 2), np.float32)}), r"shape \[3, 2\] to 'x:0', which has shape \[2, 2\]"),
        (lambda: sess.run(m, {n: np.array([1.5j, 2.5])}), r"'n:0' \(int32 tensor\) a complex128 value: it would drop the imaginary part"),
        (lambda: sess.run(z, {x: "hello"}), r"cannot feed 'x:0'"),
        (lambda: sess.run(z, {x: {"a": 1}}), r"cannot feed 'x:0'"),
        (lambda: sess.run(z, {x: z}), r"cannot feed 'x:0' with a value of type Tensor: cannot convert the symbolic tensor 'add:0'"),
        (lambda: sess.run("missing:0", {x: good}), r"cannot fetch 'missing:0': the name 'missing' refers to an operation not in the graph"),
        (lambda: sess.run("missing"), r"'missing' refers to an operation not in the graph"),
        (lambda: sess.run("init:0"), r"'init' has 0 outputs"),
        (lambda: sess.run("x:1", {x: good}), r"'x' has 1 outputs"),
        (lambda: sess.run(z, {"nope:0": good}), r"cannot feed 'nope:0'"),
        (lambda: sess.run(42), r"cannot fetch an object of type int"),
        (lambda: sess.run(z, {x: good, "x:0": good}), r"fed twice"),
        (lambda: sess.run(z, [good]), r"feed_dict must be a dict"),
    ]
    for action, message in cases:
        with pytest.raises(SessionError, match=message):
            action()
    with pytest.raises(tfc.TfcError, match=r"you must feed a value for placeholder 'x' of type tensor<2x2xf32> \(needed by add:0\)"):
        sess.run(z)
    fn = sess.make_callable(z, [x])
    with pytest.raises(SessionError, match=r"shape \[2\] to 'x:0'"):
        fn(np.ones(2, np.float32))
    sess.close()
    with pytest.raises(SessionError, match="closed"):
        sess.run(z, {x: good})


def test_tensors_from_another_graph_are_rejected():
    g1, x1, _ = seed_graph()
    g2 = tfc.Graph()
    with g2.as_default(), pytest.raises(tfc.GraphError, match="'x:0' must be from the same graph"):
        tfc.exp(x1)
    with pytest.raises(SessionError, match="not an element of this session's graph"):
        tfc.Session(graph=g2).run(x1)


@pytest.mark.parametrize("backend", ["xla", "interp"])
def test_feeds_convert_as_tensorflow_converts_them(backend):
    """np.asarray(value, dtype): floats into int32 truncate, float64 into float32 rounds, any byte order;
    results (a fetched feed included) always have the graph's dtypes."""
    g = tfc.Graph()
    with g.as_default():
        n = tfc.placeholder(tfc.int32, [2, 2], name="n")
        doubled = n * 2
        x = tfc.placeholder(tfc.float32, [2], name="x")
        y = x + 1.0
    sess = tfc.Session(graph=g, backend=backend)
    got = sess.run(doubled, {n: np.array([[1.5, 2.5], [4.9, -7.9]])})
    np.testing.assert_array_equal(got, [[2, 4], [8, -14]])
    assert got.dtype == np.int32
    wide = np.array([0.1, 1e-30], np.float64)
    fetched, plus_one = sess.run([x, y], {x: wide})
    assert fetched.dtype == np.float32 and plus_one.dtype == np.float32
    np.testing.assert_array_equal(fetched, wide.astype(np.float32))
    big_endian = np.array([1.0, 2.0], dtype=">f4")
    np.testing.assert_array_equal(sess.run(y, {x: big_endian}), [2.0, 3.0])
    np.testing.assert_array_equal(sess.run(y, {"x:0": [1, 2]}), [2.0, 3.0])  # a list of ints
