"""Synchronous data parallelism across processes: an MLP trained by every process on its shard of
one global batch, as if one process trained on the whole batch.

    tfc launch -n 2 -- python examples/distributed_mlp.py          # two processes, two devices each
    python examples/distributed_mlp.py                             # the same training in one process

``tfc.distributed.initialize()`` joins the job the launcher started (nothing to do in one process);
``@tfc.compile(devices="all", batch_argnums=(1, 2))`` spans every device of every process: each
process passes its rows, the gradients are all-reduced across processes, and the parameters start
as the chief's (each process begins with its own random ones here, to show it). The chief prints
the loss and the step time.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

import tfc

GLOBAL_BATCH, FEATURES, HIDDEN = 64, 16, 32
LEARNING_RATE = 0.1


def data() -> tuple[np.ndarray, np.ndarray]:
    """The global batch (the same in every process)."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(GLOBAL_BATCH, FEATURES)).astype(np.float32)
    y = np.tanh(x @ rng.normal(size=(FEATURES, 1)).astype(np.float32))
    return x, y


def initial_params(seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [(rng.normal(size=(FEATURES, HIDDEN)) / 4).astype(np.float32), np.zeros(HIDDEN, np.float32),
            (rng.normal(size=(HIDDEN, 1)) / 4).astype(np.float32), np.zeros(1, np.float32)]


def loss_fn(params, x, y):
    w1, b1, w2, b2 = params
    return tfc.mean((tfc.tanh(x @ w1 + b1) @ w2 + b2 - y) ** 2)


@tfc.compile(devices="all", batch_argnums=(1, 2))
def train_step(params, x, y):
    loss, grads = tfc.value_and_grad(loss_fn)(params, x, y)
    return loss, [p - LEARNING_RATE * g for p, g in zip(params, grads)]


def main(steps: int = 20, verbose: bool = True) -> tuple[float, list[np.ndarray]]:
    """Train; returns the last loss and the final parameters (equal in every process)."""
    tfc.distributed.initialize()
    rank, size = tfc.distributed.rank(), tfc.distributed.size()
    x, y = data()
    rows = slice(rank * GLOBAL_BATCH // size, (rank + 1) * GLOBAL_BATCH // size)  # this process's shard
    params = initial_params(seed=rank)  # different per process: the first call broadcasts the chief's
    loss, params = train_step(params, x[rows], y[rows])
    start = time.perf_counter()
    for _ in range(steps - 1):
        loss, params = train_step(params, x[rows], y[rows])
    step_ms = (time.perf_counter() - start) / max(steps - 1, 1) * 1e3
    if verbose and tfc.distributed.is_chief():
        print(f"{size} process(es), {len(tfc.devices())} device(s) each: loss {float(loss):.6f} after {steps} steps, "
              f"{step_ms:.2f} ms/step, {GLOBAL_BATCH / step_ms * 1e3:.0f} samples/s")
    return float(loss), [np.asarray(p) for p in params]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--save", help="write the final parameters here (an .npz per process: PATH.rank.npz)")
    args = parser.parse_args()
    if "TFC_CPU_DEVICES" not in os.environ:
        tfc.set_cpu_devices(2)
    final_loss, final = main(args.steps)
    if args.save:
        np.savez(f"{args.save}.{tfc.distributed.rank()}.npz", *final, loss=final_loss)
