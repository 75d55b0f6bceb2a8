"""Reference data for tests/compat/test_tf1_errors_random.py: what TensorFlow 2.15's ``tf.compat.v1``
gives for tf.dtypes (as_dtype, saturate_cast), tf.debugging (values, the messages of failed
assertions and numeric checks), the statistics of tf.initializers and tf.random.

Run with TensorFlow 2.15, outside the repository (its keras/ shadows keras):
    cd /tmp && /tmp/tf215env/bin/python -P /work/main/scripts/generate_tf1_api_misc_reference.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import tensorflow.compat.v1 as tf

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "compat_v1" / "api_misc.npz"

AS_DTYPE_INPUTS = ["float32", "float", "double", "half", "float16", "bfloat16", "int8", "uint16", "int64", "bool", "complex64",
                   "string", "float32_ref", "int32_ref"]
SATURATE = [  # (name, values, input dtype, output dtype)
    ("f32_u8", [-5.0, 0.5, 254.6, 300.0, 1e10], np.float32, tf.uint8),
    ("i32_i8", [-1000, -128, 5, 127, 1000], np.int32, tf.int8),
    ("f64_i32", [-1e12, -3.7, 2.9, 1e12], np.float64, tf.int32),
    ("i64_u16", [-7, 0, 65535, 70000], np.int64, tf.uint16),
    ("f32_f16", [-1e6, 1.5, 70000.0], np.float32, tf.float16),
    ("u8_i8", [0, 100, 200, 255], np.uint8, tf.int8),
    ("c64_f32", [1 + 2j, -3.5 - 1j], np.complex64, tf.float32),
]
# Values printed by a failing tf.Assert: (name, value, summarize)
ASSERT_DATA = [
    ("f32", np.array([1.5, -2.25, 1 / 3, 1e-8], np.float32), None),
    ("f64", np.array([1 / 3, 2.5], np.float64), 5),
    ("i32_2d", np.arange(6, dtype=np.int32).reshape(2, 3), None),
    ("i64_all", np.arange(5, dtype=np.int64), -1),
    ("bool", np.array([True, False]), None),
    ("scalar", np.float32(7.0), None),
    ("f32_3d", np.arange(8, dtype=np.float32).reshape(2, 2, 2), 5),
]
MONOTONIC = {"inc": [1, 2, 3], "flat": [1, 1, 2], "dec": [3, 2, 5], "one": [4], "empty": [], "2d": [[1, 2], [3, 3]]}


def dtypes_reference(out: dict) -> None:
    out["as_dtype"] = np.array([tf.as_dtype(name).name for name in AS_DTYPE_INPUTS])
    out["as_dtype_enum"] = np.array([tf.as_dtype(e).name for e in (1, 2, 3, 9, 10, 14, 19)])
    out["as_dtype_numpy"] = np.array([tf.as_dtype(t).name for t in (np.float32, np.int16, np.uint64, np.bool_, np.complex128)])
    tf.reset_default_graph()
    fetches = {name: tf.saturate_cast(tf.constant(np.array(values, dtype)), dst) for name, values, dtype, dst in SATURATE}
    with tf.Session() as sess:
        for name, value in sess.run(fetches).items():
            out[f"saturate_{name}"] = value


def debugging_reference(out: dict) -> None:
    tf.reset_default_graph()
    x = tf.placeholder(tf.float32, [None])
    checks = {"is_finite": tf.debugging.is_finite(x), "is_inf": tf.debugging.is_inf(x), "is_nan": tf.debugging.is_nan(x)}
    checks.update({f"non_decreasing_{k}": tf.is_non_decreasing(tf.constant(v, tf.float32)) for k, v in MONOTONIC.items()})
    checks.update({f"strictly_increasing_{k}": tf.is_strictly_increasing(tf.constant(v, tf.float32)) for k, v in MONOTONIC.items()})
    with tf.Session() as sess:
        for name, value in sess.run(checks, {x: np.array([1.0, np.inf, -np.inf, np.nan], np.float32)}).items():
            out[name] = value
        out["assert_messages"] = np.array([_assert_message(sess, value, summarize) for _, value, summarize in ASSERT_DATA])
        out["check_numerics_messages"] = np.array([_numerics_message(sess, values) for values in ([np.nan], [np.inf], [np.nan, -np.inf])])
        out["assert_less_message"] = np.array(_failure(sess, tf.assert_less(x, 2.0, message="too big"), {x: np.array([1, 5, 7.5], np.float32)}))
    out["static_message"] = np.array(_static_message())
    out["assert_shapes_messages"] = np.array(_assert_shapes_messages())


def _assert_message(sess, value, summarize) -> str:
    return _failure(sess, tf.Assert(tf.constant(False), ["value:", tf.constant(value)], summarize=summarize))


def _numerics_message(sess, values) -> str:
    return _failure(sess, tf.check_numerics(tf.constant(np.array(values, np.float32)), "checked"))


def _failure(sess, fetch, feed=None) -> str:
    try:
        sess.run(fetch, feed)
    except tf.errors.InvalidArgumentError as err:  # the kernel's line of TensorFlow's message
        return next(line.strip() for line in err.message.split("\n") if "assertion failed" in line or "Tensor had" in line)
    raise AssertionError("expected a failure")


def _static_message() -> str:
    tf.reset_default_graph()
    try:
        tf.assert_equal(tf.constant([1, 2]), tf.constant([1, 3]), message="static")
    except tf.errors.InvalidArgumentError as err:
        return err.message
    raise AssertionError("expected a failure")


def _assert_shapes_messages() -> list[str]:
    """The ValueErrors of shape specs that static shapes already fail."""
    tf.reset_default_graph()
    x, y = tf.placeholder(tf.float32, [2, 3], name="x"), tf.placeholder(tf.float32, [4, 4], name="y")
    messages = []
    for spec in ([(x, ("N", "M")), (y, ("M", 4))], [(x, (2, 5))], [(x, ("...", 3)), (y, (1, "...", 4))], [(x, ("N",))]):
        try:
            tf.debugging.assert_shapes(spec, message="shapes")
        except ValueError as err:
            messages.append(str(err))
    return messages


INITIALIZERS = {
    "glorot_normal": lambda: tf.glorot_normal_initializer(seed=1),
    "glorot_uniform": lambda: tf.glorot_uniform_initializer(seed=1),
    "he_normal": lambda: tf.initializers.he_normal(seed=1),
    "he_uniform": lambda: tf.initializers.he_uniform(seed=1),
    "lecun_normal": lambda: tf.initializers.lecun_normal(seed=1),
    "lecun_uniform": lambda: tf.initializers.lecun_uniform(seed=1),
    "vs_fan_out_untruncated": lambda: tf.variance_scaling_initializer(3.0, "fan_out", "untruncated_normal", seed=1),
    "vs_fan_avg_uniform": lambda: tf.variance_scaling_initializer(0.5, mode="fan_avg", distribution="uniform", seed=1),
    "uniform_unit_scaling": lambda: tf.uniform_unit_scaling_initializer(factor=1.5, seed=1),
}
INIT_SHAPE = [3, 3, 40, 60]


def initializers_reference(out: dict) -> None:
    tf.reset_default_graph()
    values = {name: make()(INIT_SHAPE) for name, make in INITIALIZERS.items()}
    values["identity"] = tf.initializers.identity(gain=2.0)([3, 4])
    with tf.Session() as sess:
        for name, value in sess.run(values).items():
            out[f"init_{name}"] = np.array([value.mean(), value.std(), np.abs(value).max()]) if name != "identity" else value


def random_reference(out: dict) -> None:
    tf.reset_default_graph()
    logits = tf.log(tf.constant([[0.1, 0.2, 0.7], [0.5, 0.25, 0.25]]))
    draws = {"categorical": tf.random.categorical(logits, 20000, seed=3), "multinomial": tf.multinomial(logits, 20000, seed=3),
             "uniform_int": tf.random.uniform([20000], -3, 7, dtype=tf.int32, seed=3),
             "normal": tf.random.normal([20000], 2.0, 3.0, seed=3), "truncated": tf.random.truncated_normal([20000], -1.0, 0.5, seed=3)}
    draws.update(stateless_draws())
    with tf.Session() as sess:
        got = sess.run(draws)
    out.update({name: value for name, value in got.items() if name.startswith("stateless")})
    out["categorical_freq"] = np.stack([np.bincount(row, minlength=3) / row.size for row in got["categorical"]])
    out["multinomial_dtype"] = np.array(got["multinomial"].dtype.name)
    out["uniform_int_range"] = np.array([got["uniform_int"].min(), got["uniform_int"].max()])
    out["normal_stats"] = np.array([got["normal"].mean(), got["normal"].std()])
    out["truncated_stats"] = np.array([got["truncated"].mean(), got["truncated"].std(), got["truncated"].min(), got["truncated"].max()])


def stateless_draws() -> dict:
    """Stateless ops are functions of their seed: the same numbers in TensorFlow and tfc."""
    logits = tf.log(tf.constant([[0.2, 0.3, 0.5], [0.6, 0.2, 0.2]]))
    return {"stateless_uniform": tf.random.stateless_uniform([3, 4], seed=[1, 2], minval=-2.0, maxval=3.0),
            "stateless_uniform_f64": tf.random.stateless_uniform([5], seed=[7, 0], dtype=tf.float64),
            "stateless_uniform_int": tf.random.stateless_uniform([6], seed=[3, 4], minval=5, maxval=50, dtype=tf.int64),
            "stateless_normal": tf.random.stateless_normal([4, 2], seed=[1, 2], mean=1.0, stddev=2.0),
            "stateless_truncated_normal": tf.random.stateless_truncated_normal([8], seed=[9, 9], stddev=0.5),
            "stateless_categorical": tf.random.stateless_categorical(logits, 10, seed=[5, 6], dtype=tf.int32),
            "stateless_multinomial": tf.random.stateless_multinomial(logits, 10, seed=[5, 6])}


def main() -> None:
    tf.disable_eager_execution()
    out: dict = {}
    dtypes_reference(out)
    debugging_reference(out)
    initializers_reference(out)
    random_reference(out)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez(OUT, **out)
    print(f"wrote {OUT}: {len(out)} arrays")


if __name__ == "__main__":
    main()
