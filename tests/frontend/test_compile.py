"""@tfc.compile: the seed example, caching and retracing, lowering, and trace-time errors."""

import inspect

import numpy as np
import pytest

import tfc
from tfc.parser import parse_module
from tfc.printer import print_module

SEED_X = [[5, 6], [7, 8]]
SEED_Z = [[72, 84], [98, 114]]


def seed(x):
    z = tfc.matmul(x, x) + tfc.matmul(x, [[1, 0], [0, 1]])
    return z


@pytest.mark.parametrize("dtype", [np.float32, np.int32, np.float64, np.int64])
def test_seed_example(dtype):
    f = tfc.compile(seed)
    z = f(np.array(SEED_X, dtype))
    assert np.asarray(z).dtype == dtype
    np.testing.assert_array_equal(np.asarray(z), np.array(SEED_Z, dtype))


def test_seed_example_on_interp_backend():
    f = tfc.compile(seed, backend="interp")
    np.testing.assert_array_equal(f(np.array(SEED_X, np.float32)), SEED_Z)


def test_eager_call_returns_numpy():
    x = np.array(SEED_X, np.float32)
    z = tfc.matmul(x, x) + tfc.matmul(x, [[1, 0], [0, 1]])
    assert isinstance(z, np.ndarray)
    np.testing.assert_array_equal(z, SEED_Z)


def test_cache_hits_and_retrace_reasons():
    f = tfc.compile(lambda x: tfc.matmul(x, x) + 1)
    x = np.ones((2, 2), np.float32)
    f(x)
    f(x + 1)
    assert f.trace_count == 1
    f(np.ones((3, 3), np.float32))
    assert f.trace_count == 2
    assert "float32[2, 2] to float32[3, 3]" in f.retrace_reasons[-1]
    f(np.ones((3, 3), np.int32))
    assert "int32" in f.retrace_reasons[-1]
    f(x)
    assert f.trace_count == 3  # (2, 2) f32 was cached


def test_static_python_arguments_retrace_like_tf_function():
    @tfc.compile
    def scale(x, factor):
        return x * factor

    x = np.ones(3, np.float32)
    np.testing.assert_array_equal(scale(x, 2.0), [2, 2, 2])
    np.testing.assert_array_equal(scale(x, 3.0), [3, 3, 3])
    assert scale.trace_count == 2
    assert "static" in scale.retrace_reasons[-1]
    assert np.asarray(scale(x, 2.0)).dtype == np.float32  # weak Python scalar keeps f32


def test_nested_arguments_and_results():
    @tfc.compile
    def f(params, x):
        return {"y": tfc.matmul(x, params["w"]) + params["b"], "n": tfc.sum(x)}

    params = {"w": np.eye(3, dtype=np.float32), "b": np.arange(3, dtype=np.float32)}
    x = np.ones((2, 3), np.float32)
    out = f(params, x)
    np.testing.assert_allclose(out["y"], x @ params["w"] + params["b"])
    np.testing.assert_allclose(out["n"], 6.0)


def test_lower_text_round_trips_and_stablehlo():
    f = tfc.compile(seed)
    lowered = f.lower(np.array(SEED_X, np.float32))
    text = lowered.as_text()
    assert '"tfc.dot_general"' in text
    assert print_module(parse_module(text)) == text
    assert text == f.lower(np.array(SEED_X, np.float32)).as_text()  # deterministic
    assert "stablehlo.dot_general" in lowered.as_stablehlo()
    assert __file__ in lowered.as_stablehlo(debug_info=True)  # locations reach StableHLO


def test_locations_point_at_user_line():
    f = tfc.compile(seed)
    text = f.lower(np.array(SEED_X, np.float32)).as_text()
    line = inspect.getsourcelines(seed)[1] + 1
    assert f'loc("{__file__}":{line}:9)' in text  # the column of `tfc.matmul(x, x)`


def test_shape_mismatch_is_a_trace_error_at_the_user_line():
    @tfc.compile
    def bad(x, y):
        return x + y  # the error must point here

    with pytest.raises(tfc.TraceError) as info:
        bad(np.ones((2, 3), np.float32), np.ones((4, 5), np.float32))
    line = inspect.getsourcelines(bad.fn)[1] + 2
    assert f"{__file__}:{line}" in str(info.value)
    assert "cannot be broadcast" in str(info.value)


def test_matmul_shape_mismatch():
    with pytest.raises(tfc.TraceError, match="contracting dimensions differ"):
        tfc.compile(lambda a, b: tfc.matmul(a, b))(np.ones((2, 3), np.float32), np.ones((2, 3), np.float32))


def test_unsupported_python_value():
    @tfc.compile
    def f(x):
        return x + (lambda: 1)

    with pytest.raises(tfc.TraceError, match="unsupported Python value of type function"):
        f(np.ones(2, np.float32))


def test_tensor_truth_value_is_an_error():
    @tfc.compile
    def f(x):
        if x > 0:
            return x
        return -x

    with pytest.raises(tfc.TraceError, match="no Python truth value"):
        f(np.float32(1))


def test_operators_match_numpy():
    ops = [
        lambda x, y: x + y, lambda x, y: x - y, lambda x, y: x * y, lambda x, y: x / y,
        lambda x, y: x @ y.T, lambda x, y: x ** 2, lambda x, y: -x, lambda x, y: abs(x),
        lambda x, y: (x < y), lambda x, y: (x >= y), lambda x, y: x == y,
        lambda x, y: 2.0 - x, lambda x, y: 1 / y, lambda x, y: x[1], lambda x, y: x[:, ::-1],
        lambda x, y: x[..., 1:3], lambda x, y: x[None, 0, ::2], lambda x, y: x[-1, -2],
        lambda x, y: x.T, lambda x, y: x.reshape(-1), lambda x, y: x.sum(axis=0),
    ]
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4)).astype(np.float32)
    y = rng.uniform(1, 2, (3, 4)).astype(np.float32)
    for op in ops:
        want = op(x, y)
        got = tfc.compile(op)(x, y)
        np.testing.assert_allclose(np.asarray(got), want, rtol=1e-5, atol=1e-5)


def test_numpy_like_functions():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((4, 5)).astype(np.float32)
    cases = {
        "softmax": (lambda a: tfc.softmax(a), lambda a: np.exp(a - a.max(-1, keepdims=True)) / np.exp(a - a.max(-1, keepdims=True)).sum(-1, keepdims=True)),
        "relu": (tfc.relu, lambda a: np.maximum(a, 0)),
        "mean": (lambda a: tfc.mean(a, axis=1), lambda a: a.mean(axis=1)),
        "max": (lambda a: tfc.max(a, axis=0), lambda a: a.max(axis=0)),
        "tanh": (tfc.tanh, np.tanh),
        "exp_log": (lambda a: tfc.log(tfc.exp(a)), lambda a: a),
        "transpose": (lambda a: tfc.transpose(a), lambda a: a.T),
        "concat": (lambda a: tfc.concatenate([a, a], axis=1), lambda a: np.concatenate([a, a], 1)),
        "where": (lambda a: tfc.where(a > 0, a, 0.0), lambda a: np.where(a > 0, a, 0)),
        "argmax": (lambda a: tfc.argmax(a, axis=1), lambda a: a.argmax(1)),
        "take": (lambda a: a[np.array([3, 0, 0])], lambda a: a[[3, 0, 0]]),
        "cumsum": (lambda a: tfc.cumsum(a, axis=1), lambda a: np.cumsum(a, 1)),
    }
    for name, (ours, reference) in cases.items():
        np.testing.assert_allclose(np.asarray(tfc.compile(ours)(x)), reference(x), rtol=1e-5, atol=1e-5, err_msg=name)


def test_cond_and_loops():
    @tfc.compile
    def f(x, n):
        y = tfc.cond(tfc.sum(x) > 0, lambda: x * 2, lambda: -x)
        total = tfc.fori_loop(0, n, lambda i, acc: acc + y, tfc.zeros_like(y))
        return tfc.while_loop(lambda v: tfc.sum(v) < 1000, lambda v: v * 2, total + 1)

    x = np.ones(3, np.float32)
    n = np.int32(4)
    y = 2 * x
    total = 4 * y + 1
    while total.sum() < 1000:
        total = total * 2
    np.testing.assert_allclose(f(x, n), total)
    np.testing.assert_allclose(f(-x, n), (lambda t: t)(_loop(4 * x + 1)))


def _loop(v):
    while v.sum() < 1000:
        v = v * 2
    return v


def test_a_compiled_function_calls_another():
    """Like jax.jit inside jax.jit: the inner function becomes part of the outer trace."""
    @tfc.compile
    def inner(x, scale):
        return x * scale

    @tfc.compile
    def outer(x):
        return inner(x, 2.0) + inner(x, 3.0)

    x = np.arange(3, dtype=np.float32)
    np.testing.assert_array_equal(outer(x), 5 * x)
    assert inner.trace_count == 0  # never traced on its own: inlined
    assert '"tfc.multiply"' in outer.lower(x).as_text()


def test_recursion_stops_on_python_conditions_and_endless_recursion_is_an_error():
    @tfc.compile(static_argnums=1)
    def power(x, n):
        return x if n == 1 else x * power(x, n - 1)

    np.testing.assert_allclose(power(np.float32(2.0), 5), 32.0)

    @tfc.compile
    def forever(x):
        return forever(x) + 1.0

    with pytest.raises(tfc.TraceError, match="recursed without end"):
        forever(np.float32(1.0))


def test_the_trace_cache_is_bounded_and_says_when_it_evicts(caplog):
    @tfc.compile(max_traces=3)
    def scaled(x, k):
        return x * k

    x = np.ones(2, np.float32)
    with caplog.at_level("WARNING", logger="tfc"):
        for k in range(5):
            np.testing.assert_array_equal(scaled(x, k), k * x)  # each static k is a trace
    assert len(scaled._entries) == 3 and scaled.evictions == 2
    assert "keeps at most 3 traces" in caplog.text
    np.testing.assert_array_equal(scaled(x, 4), 4 * x)  # still cached: no retrace
    assert scaled.trace_count == 5


def test_a_literal_held_for_later_survives_another_conversion_of_the_same_literal():
    """A loop bound 0 and a later ``maximum(x, 0)`` share one cached literal; converting it for the
    maximum must not erase the constant the loop still holds (it used to: 'used before defined')."""
    loop = tfc.compile(lambda x: tfc.fori_loop(0, 3, lambda i, x: tfc.maximum(x, 0) + 1, x))
    np.testing.assert_array_equal(np.asarray(loop(np.float32([-1, 2]))), [3, 5])
    pair = tfc.compile(lambda x: (tfc.astype(0, tfc.int32), x + tfc.astype(0, tfc.float32)))
    first, second = pair(np.float32([1]))
    assert int(first) == 0 and np.asarray(second).tolist() == [1.0]
    assert pair.lower(np.float32([1])).as_text().count("tfc.constant") == 2  # unused literals are still dropped
