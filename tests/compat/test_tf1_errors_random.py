"""tf.errors, tf.dtypes, tf.debugging, tf.initializers and tf.random of tfc.compat.v1 against
TensorFlow 2.15 (tests/data/compat_v1/api_misc.npz, from scripts/generate_tf1_api_misc_reference.py):
TensorFlow's error classes raised by a Session, assertions that fail a run with TensorFlow's message,
and the statistics of the random ops and initializers."""

import pickle
from pathlib import Path

import numpy as np
import pytest

import tfc.compat.v1 as tf
from tfc.frontend.tf.graphdef import GraphImportError
from tfc.runtime.errors import SessionError

REF = np.load(Path(__file__).resolve().parents[1] / "data" / "compat_v1" / "api_misc.npz")


@pytest.fixture(autouse=True)
def fresh_graph():
    tf.reset_default_graph()
    yield
    tf.reset_default_graph()


def test_error_classes_have_tensorflow_s_constructor_properties_and_codes():
    err = tf.errors.OpError(None, None, "went wrong", tf.errors.INTERNAL)
    assert (err.message, err.op, err.node_def, err.error_code, str(err)) == ("went wrong", None, None, 13, "went wrong")
    names = ["CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED",
             "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE",
             "DATA_LOSS", "UNAUTHENTICATED"]
    assert [getattr(tf.errors, n) for n in ["OK", *names]] == list(range(17))
    for name in names:
        cls = tf.errors.exception_type_from_error_code(getattr(tf.errors, name))
        instance = cls(node_def=None, op=None, message=f"{name} happened")
        assert isinstance(instance, tf.errors.OpError) and instance.error_code == getattr(tf.errors, name)
        assert tf.errors.error_code_from_exception_type(cls) == getattr(tf.errors, name)
    with pytest.raises(tf.errors.OutOfRangeError, match="end of sequence"):
        raise tf.errors.OutOfRangeError(None, None, "end of sequence")
    assert tf.errors.error_code_from_exception_type(ValueError) == tf.errors.UNKNOWN


def test_a_session_raises_tensorflow_s_error_classes_and_tfc_s_own():
    x = tf.placeholder(tf.float32, [2, 3], name="x")
    v = tf.Variable(np.ones(3, np.float32), name="v")
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"shape \[3, 3\] to 'x:0'") as bad_shape:
            sess.run(x * 2, {x: np.ones((3, 3), np.float32)})
        assert isinstance(bad_shape.value, SessionError) and isinstance(bad_shape.value, ValueError)  # TensorFlow: a ValueError
        assert bad_shape.value.error_code == tf.errors.INVALID_ARGUMENT
        with pytest.raises(tf.errors.InvalidArgumentError, match="feeds are numbers"):
            sess.run(x * 2, {x: np.array([["a", "b", "c"]] * 2)})
        with pytest.raises(tf.errors.FailedPreconditionError, match="variable 'v' is not initialized") as uninitialized:
            sess.run(v + 1)
        assert isinstance(uninitialized.value, SessionError) and uninitialized.value.error_code == 9
        copy = pickle.loads(pickle.dumps(uninitialized.value))  # e.g. from a worker process
        assert type(copy) is type(uninitialized.value) and str(copy) == str(uninitialized.value) and copy.error_code == 9
        with pytest.raises(tf.errors.InvalidArgumentError, match="you must feed a value for placeholder 'x'") as unfed:
            sess.run(x * 3)
        assert isinstance(unfed.value, GraphImportError) and "node 'x'" in str(unfed.value)
        with pytest.raises(SessionError, match="cannot fetch") as unknown:
            sess.run("nope:0")
        assert not isinstance(unknown.value, tf.errors.OpError)  # TensorFlow: a ValueError/KeyError before running


def test_failed_assertions_and_numeric_checks_fail_the_run_with_tensorflow_s_message():
    x = tf.placeholder(tf.float32, [None])
    too_big = tf.assert_less(x, 2.0, message="too big")
    with tf.control_dependencies([too_big]):
        checked = tf.identity(x)
    finite = tf.verify_tensor_all_finite(x, msg="checked")
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(checked, {x: [1.0, 0.5]}), [1.0, 0.5])
        with pytest.raises(tf.errors.InvalidArgumentError) as failed:
            sess.run(checked, {x: np.array([1, 5, 7.5], np.float32)})
        assert failed.value.message == str(REF["assert_less_message"])
        assert failed.value.op is too_big and isinstance(failed.value, SessionError)
        with pytest.raises(tf.errors.InvalidArgumentError):
            sess.run(too_big, {x: np.array([3.0], np.float32)})  # the Assert op itself as a target
        for values, message in zip(([np.nan], [np.inf], [np.nan, -np.inf]), REF["check_numerics_messages"]):
            with pytest.raises(tf.errors.InvalidArgumentError) as bad:
                sess.run(finite, {x: np.array(values, np.float32)})
            assert bad.value.message == message


def test_assert_prints_its_data_as_tensorflow_summarizes_it():
    from tfc.compat.v1 import debugging_ns

    data = [(np.array([1.5, -2.25, 1 / 3, 1e-8], np.float32), 3), (np.array([1 / 3, 2.5]), 5), (np.arange(6, dtype=np.int32).reshape(2, 3), 3),
            (np.arange(5, dtype=np.int64), -1), (np.array([True, False]), 3), (np.float32(7.0), 3),
            (np.arange(8, dtype=np.float32).reshape(2, 2, 2), 5)]
    assert [f"assertion failed: [value:] [{debugging_ns.summarize(v, n)}]" for v, n in data] == list(REF["assert_messages"])
    flag = tf.placeholder(tf.bool, [])
    op = tf.Assert(flag, ["value:", tf.constant(np.arange(6, dtype=np.int32).reshape(2, 3))], name="check")
    assert op.type == "Assert" and op.name == "check/Assert"
    with tf.Session() as sess:
        assert sess.run(op, {flag: True}) is None
        with pytest.raises(tf.errors.InvalidArgumentError) as failed:
            sess.run(op, {flag: False})
    assert failed.value.message == REF["assert_messages"][2]


def test_every_assertion_holds_or_fails_at_run_time():
    x, y = tf.placeholder(tf.int32, [None], name="x"), tf.placeholder(tf.int32, [None], name="y")
    asserts = {"equal": tf.assert_equal(x, y), "none_equal": tf.debugging.assert_none_equal(x, y + 10), "less": tf.assert_less(x, y + 1),
               "less_equal": tf.assert_less_equal(x, y), "greater": tf.assert_greater(x + 1, y), "greater_equal": tf.assert_greater_equal(x, y),
               "positive": tf.assert_positive(x), "non_negative": tf.assert_non_negative(x), "negative": tf.assert_negative(-x),
               "non_positive": tf.assert_non_positive(-x), "rank": tf.assert_rank(x, 1), "rank_at_least": tf.assert_rank_at_least(x, 1),
               "near": tf.assert_near(tf.cast(x, tf.float32), tf.cast(y, tf.float32) + 1e-7)}
    with tf.Session() as sess:
        sess.run(list(asserts.values()), {x: [1, 2], y: [1, 2]})
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"Condition x == y did not hold element-wise:\] \[x \(x:0\) = \] \[1 2\]"):
            sess.run(asserts["equal"], {x: [1, 2], y: [1, 3]})
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"Condition x > 0 did not hold element-wise:\] \[x \(x:0\) = \] \[0 2\]"):
            sess.run(asserts["positive"], {x: [0, 2], y: [0, 2]})
    rank_op = tf.assert_rank(x, 1, message="vector")
    assert rank_op.type == "NoOp"  # decided while building, as TensorFlow decides it
    unknown = tf.placeholder(tf.float32)
    with tf.Session() as sess, pytest.raises(tf.errors.InvalidArgumentError, match="must have rank"):
        sess.run(tf.assert_rank(unknown, 2), {unknown: np.ones(3, np.float32)})


def test_assertions_decided_while_building_raise_tensorflow_s_errors():
    with pytest.raises(tf.errors.InvalidArgumentError) as static:
        tf.assert_equal(tf.constant([1, 2]), tf.constant([1, 3]), message="static")
    assert static.value.message == str(REF["static_message"])
    assert tf.assert_equal(tf.constant([1, 2]), [1, 2]).type == "Assert"  # holds: TensorFlow still adds the op
    x = tf.placeholder(tf.float32, [2, 3], name="x")
    with pytest.raises(ValueError, match=r"Tensor x:0 must have rank 1.  Received rank 2, shape \(2, 3\)"):
        tf.assert_rank(x, 1)
    with pytest.raises(ValueError, match=r"Tensor x:0 must have rank at least 3"):
        tf.assert_rank_at_least(x, 3)
    with pytest.raises(ValueError, match=r"Tensor x:0 must have rank in \(array\(0, dtype=int32\), array\(1, dtype=int32\)\)"):
        tf.assert_rank_in(x, (0, 1))
    assert tf.assert_rank_in(x, [1, 2]).type == "NoOp"
    with pytest.raises(ValueError, match="Rank must be a scalar"):
        tf.assert_rank(x, [2])
    with pytest.raises(TypeError, match="x:0 must be of type int32; got float32"):
        tf.assert_type(x, tf.int32, message="ids")
    assert tf.assert_type(x, tf.float32).type == "NoOp"
    with pytest.raises(TypeError, match='Expected "x" to be integer type'):
        tf.assert_integer(x)
    with pytest.raises(ValueError, match=r"Expected scalar shape for x:0, saw shape: \(2, 3\)"):
        tf.assert_scalar(x)
    assert tf.assert_same_float_dtype([x, x * 2]) is tf.float32
    with pytest.raises(ValueError, match="Expected floating point type"):
        tf.assert_same_float_dtype([tf.constant([1])])
    with pytest.raises(TypeError, match="proper"):
        tf.assert_proper_iterable("abc")
    assert tf.is_numeric_tensor(x) and not tf.is_numeric_tensor(tf.constant(True)) and not tf.is_numeric_tensor(3.0)
    with pytest.raises(ValueError, match="cannot give both 'x' and its deprecated name 't'"):
        tf.verify_tensor_all_finite(t=x, x=x, msg="m")


def test_numeric_predicates_match_tensorflow():
    x = tf.placeholder(tf.float32, [None])
    fetches = {"is_finite": tf.debugging.is_finite(x), "is_inf": tf.is_inf(x), "is_nan": tf.is_nan(x)}
    assert tf.debugging.is_nan is tf.math.is_nan and tf.debugging.is_finite is tf.math.is_finite
    monotonic = {"inc": [1, 2, 3], "flat": [1, 1, 2], "dec": [3, 2, 5], "one": [4], "empty": [], "2d": [[1, 2], [3, 3]]}
    fetches.update({f"non_decreasing_{k}": tf.is_non_decreasing(tf.constant(v, tf.float32)) for k, v in monotonic.items()})
    fetches.update({f"strictly_increasing_{k}": tf.debugging.is_strictly_increasing(x=tf.constant(v, tf.float32)) for k, v in monotonic.items()})
    with tf.Session() as sess:
        got = sess.run(fetches, {x: np.array([1.0, np.inf, -np.inf, np.nan], np.float32)})
    for name, value in got.items():
        np.testing.assert_array_equal(value, REF[name], err_msg=name)
    assert tf.check_numerics(x, message="m").shape.as_list() == [None]
    with pytest.raises(TypeError, match="must be a float tensor"):
        tf.debugging.check_numerics(tf.constant([1]), "ints")


def test_dtypes_as_tensorflow_names_them():
    names = ["float32", "float", "double", "half", "float16", "bfloat16", "int8", "uint16", "int64", "bool", "complex64", "string",
             "float32_ref", "int32_ref"]
    expected = [n.removesuffix("_ref") for n in REF["as_dtype"]]  # tfc has no reference dtypes: "_ref" names mean their base type
    assert [_name(tf.as_dtype(n)) for n in names] == expected
    assert [_name(tf.dtypes.as_dtype(e)) for e in (1, 2, 3, 9, 10, 14, 19)] == list(REF["as_dtype_enum"])
    assert [_name(tf.as_dtype(t)) for t in (np.float32, np.int16, np.uint64, np.bool_, np.complex128)] == list(REF["as_dtype_numpy"])
    assert tf.as_dtype(float) is tf.float32 and tf.as_dtype(tf.int8) is tf.int8 and tf.as_dtype(str) is tf.string
    assert (tf.double, tf.half, tf.dtypes.float64, tf.dtypes.complex128) == (tf.float64, tf.float16, tf.float64, tf.complex128)
    assert tf.dtypes.cast is tf.cast and tf.DType is tf.dtypes.DType
    with pytest.raises(TypeError, match="Cannot convert the argument `type_value`: 'floaty' to a TensorFlow DType"):
        tf.as_dtype("floaty")


def _name(dtype) -> str:
    return "string" if dtype is tf.string else dtype.numpy.name


def test_saturate_cast_clamps_as_tensorflow_does():
    cases = [("f32_u8", [-5.0, 0.5, 254.6, 300.0, 1e10], np.float32, tf.uint8), ("i32_i8", [-1000, -128, 5, 127, 1000], np.int32, tf.int8),
             ("f64_i32", [-1e12, -3.7, 2.9, 1e12], np.float64, tf.int32), ("i64_u16", [-7, 0, 65535, 70000], np.int64, tf.uint16),
             ("f32_f16", [-1e6, 1.5, 70000.0], np.float32, tf.float16), ("u8_i8", [0, 100, 200, 255], np.uint8, tf.int8),
             ("c64_f32", [1 + 2j, -3.5 - 1j], np.complex64, tf.float32)]
    fetches = {name: tf.saturate_cast(value=tf.constant(np.array(v, dtype)), dtype=dst) for name, v, dtype, dst in cases}
    assert fetches["f32_u8"].dtype is tf.uint8 and fetches["f32_u8"].shape.as_list() == [5]
    assert fetches["f32_u8"].op.name == "saturate_cast"
    with tf.Session() as sess:
        got = sess.run(fetches)
    for name, value in got.items():
        reference = REF[f"saturate_{name}"]
        assert value.dtype == reference.dtype, name
        np.testing.assert_array_equal(value, reference, err_msg=name)


def test_initializers_draw_with_tensorflow_s_scales():
    shape = [3, 3, 40, 60]
    makers = {"glorot_normal": tf.glorot_normal_initializer(seed=1), "glorot_uniform": tf.initializers.glorot_uniform(seed=1),
              "he_normal": tf.initializers.he_normal(seed=1), "he_uniform": tf.initializers.he_uniform(seed=1),
              "lecun_normal": tf.initializers.lecun_normal(seed=1), "lecun_uniform": tf.initializers.lecun_uniform(seed=1),
              "vs_fan_out_untruncated": tf.variance_scaling_initializer(3.0, "fan_out", "untruncated_normal", seed=1),
              "vs_fan_avg_uniform": tf.initializers.variance_scaling(scale=0.5, mode="fan_avg", distribution="uniform", seed=1),
              "uniform_unit_scaling": tf.uniform_unit_scaling_initializer(factor=1.5, seed=1)}
    values = {name: make(shape) for name, make in makers.items()}
    values["identity"] = tf.initializers.identity(gain=2.0)([3, 4])
    weights = tf.get_variable("w", [30, 20], initializer=tf.orthogonal_initializer(gain=0.5, seed=2))
    wide = tf.initializers.orthogonal()([4, 10], dtype=tf.float64)
    assert values["he_normal"].shape.as_list() == shape and wide.dtype is tf.float64
    with tf.Session() as sess:
        sess.run(tf.initializers.global_variables())
        got, w, q = sess.run([values, weights, wide])
    for name, value in got.items():
        if name == "identity":
            np.testing.assert_array_equal(value, REF["init_identity"])
            continue
        mean, std, peak = REF[f"init_{name}"]
        assert abs(value.mean() - mean) < 0.05 * std and abs(value.std() - std) < 0.02 * std, name
        assert np.abs(value).max() <= peak * 1.05 and np.abs(value).max() >= peak * 0.7, name
    np.testing.assert_allclose(w.T @ w, 0.25 * np.eye(20), atol=1e-5)
    np.testing.assert_allclose(q @ q.T, np.eye(4), atol=1e-12)


def test_initializers_refuse_bad_arguments_and_keep_tensorflow_s_names():
    with pytest.raises(ValueError, match="mode must be one of fan_in, fan_out, fan_avg, got 'fan_sum'"):
        tf.variance_scaling_initializer(mode="fan_sum")
    with pytest.raises(ValueError, match="scale must be positive"):
        tf.initializers.variance_scaling(scale=0.0)
    with pytest.raises(ValueError, match="expected a floating point dtype, got int32"):
        tf.orthogonal_initializer(dtype=tf.int32)
    with pytest.raises(ValueError, match="at least two-dimensional"):
        tf.orthogonal_initializer()([5])
    with pytest.raises(ValueError, match="2-D matrix"):
        tf.initializers.identity()([2, 2, 2])
    assert tf.initializers.zeros is tf.zeros_initializer and tf.initializers.constant is tf.constant_initializer
    assert tf.initializers.random_normal is tf.random_normal_initializer and tf.initializers.truncated_normal is tf.truncated_normal_initializer
    assert tf.initializers.local_variables is tf.local_variables_initializer and tf.initializers.variables is tf.variables_initializer
    assert tf.initializers.glorot_normal is tf.glorot_normal_initializer
    assert tf.glorot_normal_initializer(seed=3).get_config() == {"seed": 3, "dtype": "float32"}


def test_random_ops_draw_tensorflow_s_distributions():
    logits = tf.log(tf.constant([[0.1, 0.2, 0.7], [0.5, 0.25, 0.25]]))
    draws = {"categorical": tf.random.categorical(logits, 20000, seed=3), "multinomial": tf.multinomial(logits=logits, num_samples=20000, seed=3),
             "uniform_int": tf.random.uniform([20000], -3, 7, dtype=tf.int32, seed=3),
             "normal": tf.random.normal([20000], 2.0, 3.0, seed=3), "truncated": tf.random.truncated_normal([20000], -1.0, 0.5, seed=3),
             "shuffled": tf.random_shuffle(tf.reshape(tf.range(40), [20, 2]), seed=4),
             "categorical_i32": tf.random.categorical(logits, 5, dtype=tf.int32)}
    assert draws["categorical"].shape.as_list() == [2, 20000] and draws["multinomial"].dtype is tf.int64
    assert draws["categorical_i32"].dtype is tf.int32 and draws["shuffled"].shape.as_list() == [20, 2]
    with tf.Session() as sess:
        got = sess.run(draws)
    frequencies = np.stack([np.bincount(row, minlength=3) / row.size for row in got["categorical"]])
    np.testing.assert_allclose(frequencies, REF["categorical_freq"], atol=0.015)
    assert got["multinomial"].dtype.name == str(REF["multinomial_dtype"])
    np.testing.assert_array_equal([got["uniform_int"].min(), got["uniform_int"].max()], REF["uniform_int_range"])
    np.testing.assert_allclose([got["normal"].mean(), got["normal"].std()], REF["normal_stats"], atol=0.06)
    np.testing.assert_allclose([got["truncated"].mean(), got["truncated"].std()], REF["truncated_stats"][:2], atol=0.01)
    assert REF["truncated_stats"][2] - 1e-3 <= got["truncated"].min() and got["truncated"].max() <= REF["truncated_stats"][3] + 1e-3
    rows = got["shuffled"]
    np.testing.assert_array_equal(rows[:, 1] - rows[:, 0], np.ones(20))  # rows move whole
    assert sorted(rows[:, 0].tolist()) == list(range(0, 40, 2)) and rows[:, 0].tolist() != list(range(0, 40, 2))


def test_seeded_random_ops_repeat_and_top_level_names():
    def draw():
        tf.reset_default_graph()
        tf.random.set_random_seed(7)
        assert tf.get_seed(None) == (7, 0)
        return tf.random.shuffle(tf.range(10)), tf.multinomial(tf.zeros([1, 4]), 8), tf.random.uniform([3], maxval=5, dtype=tf.int64)

    runs = []
    for _ in range(2):
        fetches = draw()
        with tf.Session() as sess:
            runs.append(sess.run(fetches))
    for first, second in zip(*runs):
        np.testing.assert_array_equal(first, second)
    assert sorted(runs[0][0].tolist()) == list(range(10)) and runs[0][2].dtype == np.int64
    assert tf.random_shuffle is tf.random.shuffle and tf.multinomial is tf.random.multinomial and tf.get_seed is tf.random.get_seed
    assert tf.random.normal is tf.random_normal and tf.random.uniform is tf.random_uniform
    with pytest.raises(ValueError, match="logits must be 2-D"):
        tf.random.categorical(tf.zeros([4]), 2)
    with pytest.raises(ValueError, match="value must have at least one dimension"):
        tf.random.shuffle(tf.constant(3))
    with pytest.raises(ValueError, match="must be int32 or int64"):
        tf.random.categorical(tf.zeros([1, 4]), 2, dtype=tf.float32)


def test_stateless_random_ops_give_tensorflow_s_numbers():
    logits = tf.log(tf.constant([[0.2, 0.3, 0.5], [0.6, 0.2, 0.2]]))
    draws = {"stateless_uniform": tf.random.stateless_uniform([3, 4], seed=[1, 2], minval=-2.0, maxval=3.0),
             "stateless_uniform_f64": tf.random.stateless_uniform(shape=[5], seed=tf.constant([7, 0]), dtype=tf.float64),
             "stateless_uniform_int": tf.random.stateless_uniform([6], seed=[3, 4], minval=5, maxval=50, dtype=tf.int64),
             "stateless_normal": tf.random.stateless_normal([4, 2], seed=[1, 2], mean=1.0, stddev=2.0),
             "stateless_truncated_normal": tf.random.stateless_truncated_normal([8], seed=[9, 9], stddev=0.5),
             "stateless_categorical": tf.random.stateless_categorical(logits, 10, seed=[5, 6], dtype=tf.int32),
             "stateless_multinomial": tf.random.stateless_multinomial(logits, 10, seed=[5, 6])}
    assert draws["stateless_uniform"].shape.as_list() == [3, 4] and draws["stateless_multinomial"].dtype is tf.int64
    with tf.Session() as sess:
        got = sess.run(draws)
    for name, value in got.items():
        assert value.dtype == REF[name].dtype, name
        np.testing.assert_allclose(value, REF[name], rtol=1e-6, atol=1e-7, err_msg=name)
    with pytest.raises(ValueError, match="seed must be a shape \\[2\\] int32 or int64 tensor"):
        tf.random.stateless_normal([2], seed=[1, 2, 3])
    with pytest.raises(ValueError, match="alg must be 'auto_select' or 'philox'"):
        tf.random.stateless_uniform([2], seed=[1, 2], alg="threefry")
    with pytest.raises(ValueError, match="an integer dtype needs maxval"):
        tf.random.stateless_uniform([2], seed=[1, 2], dtype=tf.int32)


def test_assert_shapes_checks_sizes_and_named_dimensions():
    x, y = tf.placeholder(tf.float32, [2, 3], name="x"), tf.placeholder(tf.float32, [4, 4], name="y")
    failing = ([(x, ("N", "M")), (y, ("M", 4))], [(x, (2, 5))], [(x, ("...", 3)), (y, (1, "...", 4))], [(x, ("N",))])
    for spec, expected in zip(failing, REF["assert_shapes_messages"]):
        with pytest.raises(ValueError) as static:
            tf.debugging.assert_shapes(spec, message="shapes")
        assert str(static.value) == expected
    assert tf.debugging.assert_shapes({x: ("N", 3), y: (..., 4)}).type == "NoOp"
    batch, labels = tf.placeholder(tf.float32, [None, 3]), tf.placeholder(tf.int32, [None])
    unknown = tf.placeholder(tf.float32)
    check = tf.debugging.assert_shapes([(batch, ("B", 3)), (labels, ("B",)), (unknown, ("*", "B"))])
    with tf.Session() as sess:
        sess.run(check, {batch: np.ones((5, 3)), labels: np.ones(5), unknown: np.ones((2, 5))})
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"Specified by tensor Placeholder:0 dimension 0\] \[Tensor Placeholder_1:0 dimension\]"):
            sess.run(check, {batch: np.ones((5, 3)), labels: np.ones(4), unknown: np.ones((2, 5))})
        with pytest.raises(tf.errors.InvalidArgumentError, match="Tensor Placeholder_2:0 dimension"):
            sess.run(check, {batch: np.ones((5, 3)), labels: np.ones(5), unknown: np.ones(4)})


def test_add_check_numerics_ops_checks_every_float_tensor_in_order():
    x = tf.placeholder(tf.float32, [2], name="x")
    logged = tf.log(x, name="logged")
    tf.multiply(logged, 0.0, name="scaled")
    check = tf.add_check_numerics_ops()
    assert check.type == "NoOp"
    with tf.Session() as sess:
        sess.run(check, {x: [1.0, 2.0]})
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"^logged:0 : Tensor had NaN values$"):
            sess.run(check, {x: [1.0, -2.0]})  # scaled:0 is NaN too; logged:0 is checked first
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"^x:0 : Tensor had Inf values$"):
            sess.run(check, {x: [np.inf, 2.0]})
