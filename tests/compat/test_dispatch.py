"""``import tfc as tf``: each top-level name builds a TF1 graph node, records a traced op, or runs
eagerly, as tfc.compat.dispatch's rules say."""

import numpy as np
import pytest

import tfc
import tfc.compat.v1 as v1

X = np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)


@pytest.fixture(autouse=True)
def fresh_default_graph():
    v1.reset_default_graph()
    yield
    v1.reset_default_graph()


def test_a_shared_name_follows_its_arguments():
    assert isinstance(tfc.matmul(X, X), np.ndarray)  # numpy in, numpy out (eager)
    x = tfc.placeholder(tfc.float32, [None, 2], name="x")
    product = tfc.matmul(x, X)
    assert isinstance(product, v1.Tensor) and product.op.type == "MatMul" and product.shape.as_list() == [None, 2]
    traced = tfc.compile(lambda a: tfc.matmul(a, a))
    np.testing.assert_array_equal(traced(X), X @ X)
    assert "tfc.dot_general" in traced.lower(X).as_text()
    with tfc.Session() as sess:
        np.testing.assert_array_equal(sess.run(product, {x: X[:1]}), X[:1] @ X)


def test_an_entered_graph_or_session_makes_numpy_calls_graph_nodes():
    g = tfc.Graph()
    with g.as_default():
        total = tfc.add(1.0, 2.0)
    assert isinstance(total, v1.Tensor) and total.graph is g
    with tfc.Session(graph=g) as sess:
        inside = tfc.multiply(X, 2.0)
        assert isinstance(inside, v1.Tensor) and sess.run(total) == 3.0
        np.testing.assert_array_equal(inside.eval(), X * 2)
    assert isinstance(tfc.add(1.0, 2.0), np.ndarray)  # outside again: eager


def test_tfc_spellings_build_tensorflow_nodes_on_graph_values():
    x = tfc.placeholder(tfc.float32, [2, 2], name="x")
    nodes = {name: getattr(tfc, name)(x).op.type for name in ("sum", "mean", "max", "min", "relu", "softmax", "log_softmax")}
    assert nodes == {"sum": "Sum", "mean": "Mean", "max": "Max", "min": "Min", "relu": "Relu", "softmax": "Softmax",
                     "log_softmax": "LogSoftmax"}
    assert tfc.concatenate([x, x], 0).op.type == "ConcatV2" and tfc.astype(x, tfc.int32).op.type == "Cast"
    assert tfc.erf(x).op.type == "Erf"  # tf.erf, tf.math.erf
    with pytest.raises(tfc.TraceError, match="cannot pass <tf.Tensor 'x:0'.*gets its value in a Session"):
        tfc.dot(x, x)  # no TensorFlow 1 name for it: said clearly


def test_tensorflow_1_names_inside_a_compiled_function():
    @tfc.compile
    def f(a):
        with tfc.name_scope("scaled"), tfc.device("cpu:0"):
            ones = tfc.ones([2, 2]) + tfc.constant(1.0, shape=[2])
            return tfc.reduce_sum(tfc.cast(a, tfc.float64) * tfc.concat([ones[:1], ones[1:]], 0), axis=1)

    np.testing.assert_allclose(f(X), (X * 2).sum(axis=1))
    with pytest.raises(tfc.TraceError, match="tf.placeholder inside @tfc.compile makes or reads TensorFlow 1 placeholders"):
        tfc.compile(lambda a: tfc.placeholder(tfc.float32, [2]))(X)


def test_variables_graph_or_eager():
    eager = tfc.Variable(np.zeros(2, np.float32), name="state")
    graph_valued = tfc.Variable(tfc.zeros([2]), name="w")
    assert isinstance(eager, tfc.Variable) and isinstance(graph_valued, tfc.Variable)
    assert isinstance(graph_valued, v1.Variable) and not isinstance(eager, v1.Variable)
    assert [v.name for v in tfc.global_variables()] == ["w:0"]

    @tfc.compile
    def bump():
        eager.assign_add(np.ones(2, np.float32))
        return eager.read_value()

    bump()
    np.testing.assert_array_equal(eager.numpy(), [1, 1])
    x = tfc.placeholder(tfc.float32, [2], name="x")
    y = x * eager + graph_valued  # the eager variable's stand-in joins the graph, initialized to [1, 1]
    with tfc.Session() as sess:
        sess.run(tfc.global_variables_initializer())
        np.testing.assert_array_equal(sess.run(y, {x: [2.0, 3.0]}), [2, 3])
        sess.run(tfc.assign_add(eager, [1.0, 1.0]))
        np.testing.assert_array_equal(eager.eval(), [2, 2])
    np.testing.assert_array_equal(eager.numpy(), [1, 1])  # the session's copy moved, the eager value did not


def test_control_flow_follows_its_arguments():
    pred = tfc.placeholder(tfc.bool, [], name="pred")
    chosen = tfc.cond(pred, lambda: tfc.constant(1.0), lambda: tfc.constant(2.0))
    assert chosen.op.type in ("If", "StatelessIf")
    counted = tfc.while_loop(lambda i: i < 5, lambda i: i + 1, [tfc.constant(0)])
    with tfc.Session() as sess:
        assert sess.run(chosen, {pred: False}) == 2.0 and sess.run(counted) == [5]
    traced = tfc.compile(lambda a: tfc.cond(a.sum() > 0, lambda: a, lambda: -a))
    np.testing.assert_array_equal(traced(-X), X)


def test_public_names():
    names = dir(tfc)
    for name in ("placeholder", "Session", "train", "nn", "matmul", "reduce_mean", "compile", "Variable", "get_variable"):
        assert name in names
    with pytest.raises(AttributeError, match="no attribute 'not_a_name'"):
        tfc.not_a_name  # noqa: B018


def test_nn_serves_graphs_traces_and_eager_calls():
    np.testing.assert_array_equal(tfc.nn.relu(np.array([-1.0, 2.0], np.float32)), [0, 2])
    softmax = tfc.compile(lambda a: tfc.nn.softmax(tfc.nn.relu(a)))
    np.testing.assert_allclose(softmax(np.array([0.0, 0.0], np.float32)), [0.5, 0.5])
    x = tfc.placeholder(tfc.float32, [1, 4, 4, 1], name="x")
    assert tfc.nn.relu(x).op.type == "Relu" and tfc.nn.conv2d(x, np.ones((2, 2, 1, 1), np.float32), [1, 1, 1, 1], "SAME").op.type == "Conv2D"
    traced_conv = tfc.compile(lambda a: tfc.nn.conv2d(a, np.ones((2, 2, 1, 1), np.float32), [1, 1, 1, 1], "VALID"))
    np.testing.assert_array_equal(traced_conv(np.ones((1, 2, 2, 1), np.float32)), [[[[4.0]]]])
    in_top_1 = tfc.compile(lambda a: tfc.nn.in_top_k(a, [0, 0], 1))  # TensorFlow 1's InTopKV2, inlined
    np.testing.assert_array_equal(in_top_1(np.array([[2.0, 1.0], [1.0, 2.0]], np.float32)), [True, False])
    assert "softmax_cross_entropy_with_logits" in dir(tfc.nn)
