"""The gradient of ``tfc.while`` (compiler/ops/while_grad.py): the forward loop runs once and stacks the
residuals its gradient reads, the backward loop reads them instead of replaying the body.

Values are checked against jax.grad of the unrolled loop and against finite differences (both
backends, see ``check_gradients``); the structure is checked on the IR: how many loops, which ops the
backward loop holds, what the forward loop stacks."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

import tfc
from tfc.ir import Operation
from tfc.parser import parse_module

from .test_gradients import check_gradients, emit, normal

N, B, D, K = 4, 2, 3, 2  # steps, batch, features, units


def lstm(xs, h0, w, u):
    """An LSTM over the captured sequence ``xs`` [N, B, D], each step read with ``tfc.dynamic_slice``."""
    def body(t, carry):
        h, c = carry
        start = tfc.astype(0, tfc.int32)
        row = tfc.reshape(emit("tfc.dynamic_slice", [xs, t, start, start], {"slice_sizes": (1, B, D)}), (B, D))
        z = tfc.matmul(row, w) + tfc.matmul(h, u)
        i, f, g, o = tfc.sigmoid(z[:, :K]), tfc.sigmoid(z[:, K:2 * K]), tfc.tanh(z[:, 2 * K:3 * K]), tfc.sigmoid(z[:, 3 * K:])
        c = f * c + i * g
        return o * tfc.tanh(c), c

    return tfc.fori_loop(0, N, body, (h0, h0 * 0.5))


def lstm_unrolled(xs, h0, w, u):
    h, c = h0, h0 * 0.5
    for t in range(N):
        z = xs[t] @ w + h @ u
        i, f, g, o = jax.nn.sigmoid(z[:, :K]), jax.nn.sigmoid(z[:, K:2 * K]), jnp.tanh(z[:, 2 * K:3 * K]), jax.nn.sigmoid(z[:, 3 * K:])
        c = f * c + i * g
        h = o * jnp.tanh(c)
    return h, c


def lstm_arguments(seed):
    rng = np.random.default_rng(seed)
    return rng, [normal(rng, (N, B, D)), normal(rng, (B, K)), normal(rng, (D, 4 * K)) * 0.5, normal(rng, (K, 4 * K)) * 0.5]


def gradient_text(fn, args, argnums) -> str:
    def objective(*a):
        total = 0.0
        for out in fn(*a):
            total = total + tfc.sum(out * out)
        return total

    return tfc.compile(tfc.grad(objective, argnums)).lower(*args).as_text()


def loops(text: str) -> list[Operation]:
    """The top-level ``tfc.while`` ops of the module's main function, in order."""
    function = parse_module(text).functions[0]
    return [op for op in function.body.ops if op.name == "tfc.while"]


def test_lstm_loop_gradient_equals_the_unrolled_loops():
    rng, args = lstm_arguments(0)
    check_gradients(lstm, lstm_unrolled, args, (0, 1, 2, 3), rng)


def test_the_forward_recurrence_runs_once():
    """Two loops (forward, backward), each tanh and sigmoid once in the module: the backward loop
    reads them from the forward loop's stacks and replays nothing."""
    _, args = lstm_arguments(1)
    text = gradient_text(lstm, args, (2, 3))
    forward, backward = loops(text)
    assert text.count('"tfc.while"') == 2
    assert text.count('"tfc.tanh"') == 2 and text.count('"tfc.logistic"') == 3
    assert not {op.name for op in backward.walk()} & {"tfc.tanh", "tfc.logistic"}
    # stacked: the step index, h, c and the five activations; not the step of xs, read again at the index
    stacks = [str(r.type) for r in forward.results[4:]]
    assert stacks == [f"tensor<{N}xi32>"] + [f"tensor<{N}x{B}x{K}xf64>"] * 7


def test_gradient_ir_is_deterministic():
    _, args = lstm_arguments(2)
    assert gradient_text(lstm, args, (0, 2, 3)) == gradient_text(lstm, args, (0, 2, 3))


def test_what_the_forward_loop_stacks():
    """It stacks what the gradient reads and depends on the carried state: the step index (for the
    dynamic_update_slice's gradient), h (for the matmul's) and tanh's output (for its own). Not the
    carried [N, B, K] buffer (its gradient needs only the index), not exp(w) (it does not depend
    on the state: the backward loop recomputes it)."""

    def fn(h0, w):
        def body(t, carry):
            buffer, h = carry
            h = tfc.tanh(tfc.matmul(h, tfc.exp(w)))
            start = tfc.astype(0, tfc.int32)
            return emit("tfc.dynamic_update_slice", [buffer, tfc.reshape(h, (1, B, K)), t, start, start]), h

        return tfc.fori_loop(0, N, body, (tfc.zeros((N, B, K), dtype=tfc.float64), h0))

    rng = np.random.default_rng(3)
    args = [normal(rng, (B, K)), normal(rng, (K, K)) * 0.5]
    forward, backward = loops(gradient_text(fn, args, (0, 1)))
    stacked = [str(r.type) for r in forward.results[4:]]
    assert stacked == [f"tensor<{N}xi32>", f"tensor<{N}x{B}x{K}xf64>", f"tensor<{N}x{B}x{K}xf64>"]
    assert str(forward.results[3].type) == "tensor<i32>"  # the counter that indexes the stacks
    assert sum(op.name == "tfc.exp" for op in backward.walk()) == 1

    def theirs(h0, w):
        buffer, h = jnp.zeros((N, B, K)), h0
        for t in range(N):
            h = jnp.tanh(h @ jnp.exp(w))
            buffer = buffer.at[t].set(h)
        return buffer, h

    check_gradients(fn, theirs, args, (0, 1), rng)


def test_a_loop_whose_gradient_reads_nothing_is_not_grown():
    rng = np.random.default_rng(4)
    args = [normal(rng, (3,)), normal(rng, (3,))]
    forward, _ = loops(gradient_text(lambda x, w: [tfc.fori_loop(0, N, lambda i, v: v * 2.0 + w, x)], args, (0, 1)))
    assert len(forward.results) == 2


def test_nested_loops():
    """The inner loop's copy in the outer backward body grows, so it stays there (recomputed) and
    what it reads is stacked by the outer forward loop."""
    rng = np.random.default_rng(5)

    def ours(x, w):
        def body(i, v):
            inner = tfc.fori_loop(0, 3, lambda j, u: tfc.tanh(u * w + v), v)
            return tfc.sin(inner) * w

        return tfc.fori_loop(0, 3, body, x)

    def theirs(x, w):
        v = x
        for _ in range(3):
            u = v
            for _ in range(3):
                u = jnp.tanh(u * w + v)
            v = jnp.sin(u) * w
        return v

    check_gradients(ours, theirs, [normal(rng, (3,)), normal(rng, (3,))], (0, 1), rng)


def test_second_order_gradient_through_a_loop():
    rng = np.random.default_rng(6)
    x, w = normal(rng, (3,)), normal(rng, (3,))

    def inner(fori, sin, v, w):
        return fori(0, 3, lambda i, u: sin(u * w) + u, v)

    def ours(x, w):
        return tfc.sum(tfc.grad(lambda v: tfc.sum(inner(tfc.fori_loop, tfc.sin, v, w) ** 2))(x) * x)

    def theirs(x, w):
        return jnp.sum(jax.grad(lambda v: jnp.sum(inner(lax.fori_loop, jnp.sin, v, w) ** 2))(x) * x)

    got = tfc.compile(tfc.grad(ours, (0, 1)))(x, w)
    with jax.enable_x64(True):
        want = jax.grad(theirs, (0, 1))(x, w)
    for g, v in zip(got, want):
        np.testing.assert_allclose(np.asarray(g), np.asarray(v), rtol=1e-9, atol=1e-9)


def test_two_gradients_of_one_loop_in_a_trace():
    """Each gradient grows the same forward loop; both read their own stacks."""
    _, (xs, h0, w, u) = lstm_arguments(7)

    def ours(xs, h0, w, u):
        h, c = lstm(xs, h0, w, u)
        return tfc.gradients(tfc.sum(h * h), [w])[0], tfc.gradients(tfc.sum(c), [u, xs])

    def theirs(xs, h0, w, u):
        return (jax.grad(lambda w: jnp.sum(lstm_unrolled(xs, h0, w, u)[0] ** 2))(w),
                jax.grad(lambda u, xs: jnp.sum(lstm_unrolled(xs, h0, w, u)[1]), (0, 1))(u, xs))

    g_w, (g_u, g_xs) = tfc.compile(ours)(xs, h0, w, u)
    with jax.enable_x64(True):
        want_w, (want_u, want_xs) = theirs(xs, h0, w, u)
    for got, want in ((g_w, want_w), (g_u, want_u), (g_xs, want_xs)):
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-9, atol=1e-9)
