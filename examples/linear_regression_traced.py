"""Linear regression the traced way: @tfc.compile a training step that uses tfc.grad.

    python examples/linear_regression_traced.py
"""

import sys
from pathlib import Path

import numpy as np

import tfc

sys.path.insert(0, str(Path(__file__).parent))
from linear_regression_tf1 import TRUE_B, TRUE_W, data  # noqa: F401 - same data as the TF1 example


def loss(params, x, y):
    w, b = params
    return tfc.mean(tfc.square(tfc.matmul(x, w) + b - y))


@tfc.compile
def train_step(params, x, y):
    value, grads = tfc.value_and_grad(loss)(params, x, y)
    return value, tuple(p - 0.1 * g for p, g in zip(params, grads))


def main(steps: int = 300, verbose: bool = True):
    xs, ys = data()
    params = (np.zeros((3, 1), np.float32), np.zeros(1, np.float32))
    for _ in range(steps):
        value, params = train_step(params, xs, ys)
    w, b = (np.asarray(p) for p in params)
    if verbose:
        print(f"loss {float(value):.2e}  w {w.ravel()}  b {b}  (traced {train_step.trace_count}x)")
    return float(value), w, b


if __name__ == "__main__":
    main()
