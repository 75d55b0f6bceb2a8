"""The TF1 graph API of tfc.compat.v1: names, scopes, static shapes, the GraphDef it writes,
sessions, gradients and the errors users see."""

import numpy as np
import pytest

import tfc
import tfc.compat.v1 as tf
from tfc.frontend.tf.importer import GraphImporter
from tfc.frontend.tf.op_schema import node_problem


@pytest.fixture(autouse=True)
def fresh_graph():
    tf.reset_default_graph()
    yield
    tf.reset_default_graph()


def test_names_are_uniqued_and_scoped_as_tensorflow_names_them():
    a = tf.constant(1.0)
    b = tf.constant(2.0)
    with tf.name_scope("layer"):
        c = tf.add(a, b, name="sum")
        d = a + b
    with tf.name_scope("layer"):
        e = a * b
    assert [a.name, b.name, c.name, d.name, e.name] == ["Const:0", "Const_1:0", "layer/sum:0", "layer/add:0", "layer_1/mul:0"]
    assert tf.get_default_graph().get_tensor_by_name("layer/sum:0") is c


def test_unknown_dims_stay_unknown_and_shapes_follow_tensorflow():
    x = tf.placeholder(tf.float32, [None, 784])
    w = tf.Variable(tf.zeros([784, 10]))
    y = tf.matmul(x, w)
    assert y.shape.as_list() == [None, 10]
    assert str(y.shape) == "(?, 10)"
    flat = tf.reshape(tf.placeholder(tf.float32, [None, 4, 4]), [-1, 16])
    assert flat.shape.as_list() == [None, 16]
    assert tf.reduce_sum(y, axis=1, keep_dims=True).shape.as_list() == [None, 1]


def test_the_graph_def_is_tensorflow_s_schema_and_imports():
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    y = tf.nn.relu(tf.matmul(x, tf.constant(np.eye(3, dtype=np.float32))), name="y")
    graph_def = tf.get_default_graph().as_graph_def()
    assert [n.op for n in graph_def.node] == ["Placeholder", "Const", "MatMul", "Relu"]
    assert all(node_problem(n) is None for n in graph_def.node)
    assert graph_def.node[2].attr["T"].type == 1  # DT_FLOAT, set from the inputs
    imported = GraphImporter(graph_def).import_graph(["y:0"], placeholder_types=None)
    assert imported.fetches == ["y:0"]
    assert y.name == "y:0"


def test_a_session_compiles_once_per_batch_shape_and_sees_ops_added_later():
    x = tf.placeholder(tf.float32, [None, 2])
    doubled = x * 2.0
    with tf.Session() as sess:
        for batch in (32, 17, 32):
            np.testing.assert_array_equal(sess.run(doubled, {x: np.ones((batch, 2))}), np.full((batch, 2), 2.0))
        tripled = x * 3.0  # added after the session was made
        np.testing.assert_array_equal(sess.run(tripled, {x: np.ones((1, 2))}), [[3.0, 3.0]])
        assert len({k[0] for k in sess._runner._steps}) == 2


def test_fetch_structures_and_ops():
    a = tf.constant([1, 2])
    op = tf.no_op()
    with tf.Session() as sess:
        got = sess.run({"a": a, "pair": (a, op), "list": [a.name]})
    assert got["pair"][1] is None
    np.testing.assert_array_equal(got["list"][0], [1, 2])


def test_gradients_none_for_unconnected_and_through_stop_gradient():
    x = tf.Variable(3.0)
    z = tf.Variable(1.0)
    y = x * x + tf.stop_gradient(x) * z
    dx, dz, none = tf.gradients(y, [x, z, tf.Variable(2.0)])
    assert none is None
    blocked = tf.gradients(tf.stop_gradient(x) * 2.0, x)
    assert blocked == [None]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run([dx, dz]) == [6.0, 3.0]


def test_second_order_gradients():
    x = tf.placeholder(tf.float32, [])
    y = x * x * x
    (dy,) = tf.gradients(y, x)
    (d2y,) = tf.gradients(dy, x)
    with tf.Session() as sess:
        assert sess.run([dy, d2y], {x: 2.0}) == [12.0, 12.0]


def test_build_errors_name_the_op():
    a = tf.placeholder(tf.float32, [2, 3])
    with pytest.raises(ValueError, match=r"MatMul 'MatMul'"):
        tf.matmul(a, a)
    with pytest.raises(ValueError, match="same graph"):
        other = tf.Graph()
        with other.as_default():
            tf.add(a, 1.0)


def test_run_errors_name_the_placeholder_and_the_feed():
    x = tf.placeholder(tf.float32, [None, 2], name="inputs")
    y = x + 1.0
    with tf.Session() as sess:
        with pytest.raises(Exception, match="feed a value for placeholder 'inputs'"):
            sess.run(y)
        with pytest.raises(Exception, match="inputs"):
            sess.run(y, {x: np.ones((2, 3))})


def test_eval_needs_a_default_session():
    with pytest.raises(ValueError, match="no default session"):
        tf.constant(1.0).eval()


def test_uninitialized_variable_is_a_clear_error():
    v = tf.Variable(1.0, name="weights")
    with tf.Session() as sess, pytest.raises(Exception, match="weights"):
        sess.run(v)


def test_saver_restores_and_keeps_max_to_keep(tmp_path):
    v = tf.Variable(1.0, name="v")
    bump = v.assign_add(1.0)
    saver = tf.train.Saver(max_to_keep=2)
    with tf.Session() as sess:
        sess.run(v.initializer)
        for step in range(3):
            sess.run(bump)
            saver.save(sess, str(tmp_path / "model"), global_step=step)
        assert tf.train.latest_checkpoint(str(tmp_path)) == str(tmp_path / "model-2")
        assert sorted(p.name for p in tmp_path.glob("*.npz")) == ["model-1.npz", "model-2.npz"]
        saver.restore(sess, str(tmp_path / "model-1"))
        assert sess.run(v) == 3.0


def test_interactive_session_is_the_default_until_closed():
    c = tf.constant(4)
    sess = tf.InteractiveSession()
    try:
        assert c.eval() == 4
    finally:
        sess.close()
    assert tf.get_default_session() is None


def test_an_exported_training_graph_runs_from_its_file(tmp_path):
    """The GraphDef a TF1 program writes (TfcGradients included) trains when read back from disk."""
    from tfc.runtime.graph_session import GraphSession

    x = tf.placeholder(tf.float32, [None, 3], name="x")
    w = tf.Variable(tf.ones([3, 1]), name="w")
    loss = tf.reduce_mean(tf.square(tf.matmul(x, w)), name="loss")
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss, name="train")
    init = tf.global_variables_initializer()
    assert (train.name, init.name) == ("train", "init")
    path = tmp_path / "train.pb"
    path.write_bytes(tf.get_default_graph().as_graph_def().SerializeToString())
    session = GraphSession.from_file(path)
    session.run([], targets=["init"])
    feed = {"x:0": np.ones((4, 3), np.float32)}
    first = session.run(["loss:0"], feed)[0]
    session.run([], feed, targets=["train"])
    assert session.run(["loss:0"], feed)[0] < first
    with tf.Session() as sess:
        sess.run(init)
        assert sess.run(loss, {x: np.ones((4, 3))}) == first


def test_known_dimensions_have_tf1_value():
    x = tf.placeholder(tf.float32, [None, 784])
    assert x.get_shape()[1].value == 784 and int(x.shape[1]) == 784
    assert x.shape[0] is None


def test_cond_and_while_loop_are_functional_ops_with_their_functions_in_the_library():
    x = tf.placeholder(tf.float32, [])
    y = tf.cond(x > 0, lambda: x * 2.0, lambda: x - 1.0)
    total = tf.while_loop(lambda i, s: i < 3, lambda i, s: (i + 1, s + tf.while_loop(lambda j: j < i, lambda j: j + 1, [0]) * 1.0 + x),
                          [tf.constant(0), tf.constant(0.0)])[1]  # a loop in a loop, capturing x through both
    graph_def = tf.get_default_graph().as_graph_def()
    assert {"If", "While"} <= {n.op for n in graph_def.node}
    assert len(graph_def.library.function) == 6  # two branches, two conds, two bodies
    with tf.Session() as sess:
        assert sess.run([y, total], {x: 2.0}) == [4.0, 9.0]  # inner loop counts 0, 1, 2: (0+2)+(1+2)+(2+2)
        assert sess.run(y, {x: -2.0}) == -3.0


def test_control_flow_errors_name_what_is_wrong():
    x = tf.placeholder(tf.float32, [])
    with pytest.raises(ValueError, match="different dtypes"):
        tf.cond(x > 0, lambda: x, lambda: tf.constant(1))
    with pytest.raises(ValueError, match="body returned 1 loop variables, expected 2"):
        tf.while_loop(lambda i, s: i < 3, lambda i, s: [i + 1], [tf.constant(0), x])


def test_app_run_calls_main_with_argv_and_exits_with_its_result():
    seen = []
    with pytest.raises(SystemExit) as exited:
        tf.app.run(main=lambda argv: seen.append(argv) or 3, argv=["prog", "--flag"])
    assert exited.value.code == 3 and seen == [["prog", "--flag"]]
    tf.logging.set_verbosity(tf.logging.INFO)
    assert tf.logging.get_verbosity() == tf.logging.INFO


def test_device_scopes_merge_into_tensorflows_form():
    tf.reset_default_graph()
    with tf.device("/job:worker/task:1"):
        with tf.device("cpu:2"):
            a = tf.constant(1.0, name="a")
        with tf.device(None):
            b = tf.constant(2.0, name="b")
        c = tf.constant(3.0, name="c")
    assert (a.op.device, b.op.device, c.op.device) == ("/job:worker/task:1/device:CPU:2", "", "/job:worker/task:1")
    with pytest.raises(tfc.DeviceError, match="bad device string 'cpu:x'"), tf.device("cpu:x"):
        pass


def test_adagrad_trains_a_variable_fed_batches_of_unknown_size():
    """The accumulator slot has the variable's static shape (ApplyAdagrad needs it), and one step is
    TensorFlow's: accumulator 0.1 + g^2, w -= lr * g / sqrt(accumulator)."""
    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(tf.float32, [None, 3])
        w = tf.get_variable("w", [3, 2], initializer=tf.zeros_initializer())
        loss = tf.reduce_mean(tf.square(tf.matmul(x, w) - 1.0))
        step = tf.train.AdagradOptimizer(0.1).minimize(loss)
        with tf.Session() as session:
            session.run(tf.global_variables_initializer())
            session.run(step, {x: np.ones((4, 3), np.float32)})
            np.testing.assert_allclose(session.run(w), np.full((3, 2), 0.1 / np.sqrt(1.1)), rtol=1e-6)


def test_gradients_with_respect_to_constants_follow_the_computation():
    """``tf.gradients`` of values computed from ``tf.constant``s: the constant folding that runs before
    legalization must not turn the path into a constant (whose gradient would be zero)."""
    x = tf.constant([1.0, 2.0, 3.0])
    w = tf.constant(np.ones((3, 2), np.float32))
    squares = tf.gradients(tf.reduce_sum(x * x), x)[0]
    dx, dw = tf.gradients(tf.reduce_sum(tf.matmul(tf.reshape(x, [1, 3]), w)), [x, w])
    shaped = tf.gradients(tf.reduce_sum(tf.reshape(x, tf.shape(x)) * 3.0), x)[0]  # shape arithmetic still folds
    with tf.Session() as sess:
        got = sess.run([squares, dx, dw, shaped])
    np.testing.assert_array_equal(got[0], [2.0, 4.0, 6.0])
    np.testing.assert_array_equal(got[1], [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(got[2], [[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
    np.testing.assert_array_equal(got[3], [3.0, 3.0, 3.0])


def test_dtypes_answer_tensorflow_s_attribute_names():
    x = tf.placeholder(tf.float32, [2])
    assert x.dtype.base_dtype is tf.float32 and x.dtype.as_numpy_dtype is np.float32 and x.dtype.is_floating
    assert tf.int32.is_integer and not tf.float32.is_integer and tf.bool.is_bool and tf.uint8.is_unsigned
    assert tf.complex128.real_dtype is tf.float64 and tf.float64.size == 8
    assert (tf.int8.min, tf.int8.max, tf.uint16.max) == (-128, 127, 65535)
    assert tf.float32.max == np.finfo(np.float32).max and tf.bfloat16.min < -3e38
    with pytest.raises(TypeError, match="Cannot find minimum value of bool"):
        tf.bool.min  # noqa: B018


def test_convert_to_tensor_takes_tensorflow_s_arguments():
    ints = tf.convert_to_tensor([1, 2], name="ints")
    assert ints.dtype == tf.int32 and ints.name == "ints:0" and tf.convert_to_tensor(ints) is ints
    assert tf.convert_to_tensor([1, 2], preferred_dtype=tf.float32).dtype == tf.float32
    assert tf.convert_to_tensor([1.5], dtype_hint=tf.int32).dtype == tf.float32  # a hint the value does not fit
    assert tf.convert_to_tensor(np.ones(2), dtype=tf.float32).dtype == tf.float32
    with pytest.raises(ValueError, match="expected f32"):
        tf.convert_to_tensor(ints, dtype=tf.float32)


def test_namespaces_export_tensorflow_s_names_not_their_helpers():
    import types

    for namespace in (tf, tf.nn, tf.math, tf.linalg, tf.random, tf.debugging, tf.dtypes, tf.errors, tf.initializers, tf.train):
        leaked = [name for name in namespace.__all__ if isinstance(getattr(namespace, name), types.ModuleType)
                  and name not in ("app", "logging", "losses", "nn", "train", "summary", "estimator", "feature_column", "keras", "data",
                                   "io", "layers", "metrics", "debugging", "dtypes", "errors", "initializers", "linalg", "math", "random")]
        assert not leaked, f"{namespace.__name__} exports modules {leaked}"
    assert "check_axes" not in tf.nn.__all__ and "pick" not in tf.math.__all__


def test_divide_keeps_its_name_and_abs_of_complex_is_the_magnitude():
    a = tf.constant([1.0, 2.0])
    assert tf.divide(a, 2.0, name="half").name == "half:0" and tf.divide(a, 2.0).name == "truediv:0"
    magnitude = tf.abs(tf.constant(np.array([3 + 4j, 1j], np.complex64)))
    assert magnitude.dtype == tf.float32 and magnitude.op.type == "ComplexAbs" and magnitude.name == "Abs:0"
    with tf.Session() as sess:
        np.testing.assert_allclose(sess.run(magnitude), [5.0, 1.0])
