"""Optimizer update rules against numpy re-implementations of TensorFlow's formulas, traced and run on XLA."""

import numpy as np
import pytest

import tfc
from tfc.frontend import optimizers as opt

VALUE = np.array([0.5, -1.5, 2.0], np.float32)
GRADS = [np.array([0.1, -0.2, 0.3], np.float32) * (k + 1) for k in range(3)]


def run_steps(optimizer):
    step_fn = tfc.compile(lambda value, grad, slots, step: optimizer.update(value, grad, slots, step))
    value, slots = VALUE, optimizer.slots(VALUE)
    for step, grad in enumerate(GRADS):
        value, slots = step_fn(value, grad, slots, np.int32(step))
        value = np.asarray(value)
        slots = {k: np.asarray(v) for k, v in slots.items()}
    return value


def numpy_steps(kind, **hp):
    value = VALUE.astype(np.float64)
    m = np.zeros(3)
    v = np.zeros(3) if kind != "rmsprop" else np.ones(3)
    acc = np.full(3, 0.1)
    mom = np.zeros(3)
    for t, g in enumerate(GRADS, start=1):
        g = g.astype(np.float64)
        lr = hp["lr"]
        if kind == "sgd":
            value = value - lr * g
        elif kind == "momentum":
            m = m * 0.9 + g
            value = value - lr * (g + 0.9 * m if hp.get("nesterov") else m)
        elif kind in ("adam", "adamw"):
            if kind == "adamw":
                value = value - lr * 0.004 * value
            m = 0.9 * m + 0.1 * g
            v = 0.999 * v + 0.001 * g * g
            value = value - lr * np.sqrt(1 - 0.999**t) / (1 - 0.9**t) * m / (np.sqrt(v) + 1e-8)
        elif kind == "rmsprop":
            v = 0.9 * v + 0.1 * g * g
            mom = 0.0 * mom + lr * g / np.sqrt(v + 1e-10)
            value = value - mom
        elif kind == "adagrad":
            acc = acc + g * g
            value = value - lr * g / np.sqrt(acc)
    return value


@pytest.mark.parametrize(
    "optimizer, kind, hp",
    [
        (opt.SGD(0.1), "sgd", {"lr": 0.1}),
        (opt.Momentum(0.1), "momentum", {"lr": 0.1}),
        (opt.Momentum(0.1, use_nesterov=True), "momentum", {"lr": 0.1, "nesterov": True}),
        (opt.Adam(0.01), "adam", {"lr": 0.01}),
        (opt.AdamW(0.01), "adamw", {"lr": 0.01}),
        (opt.RMSProp(0.01), "rmsprop", {"lr": 0.01}),
        (opt.Adagrad(0.1), "adagrad", {"lr": 0.1}),
    ],
    ids=lambda p: type(p).__name__ if isinstance(p, opt.Optimizer) else None,
)
def test_update_rules_match_tensorflow_formulas(optimizer, kind, hp):
    np.testing.assert_allclose(run_steps(optimizer), numpy_steps(kind, **hp), rtol=1e-5, atol=1e-6)
