"""Synchronous data parallelism across processes: an MLP trained by every process on its shard of
one global batch, as if one process trained on the whole batch.

    tfc launch -n 2 -- python examples/distributed_mlp.py          # two processes, two devices each
    python examples/distributed_mlp.py                             # the same training in one process

``tfc.distributed.initialize()`` joins the job the launcher started (nothing to do in one process);
``@tfc.compile(devices="all", batch_argnums=(1, 2))`` spans every device of every process: each
process passes its rows, the gradients are all-reduced across processes, and the parameters start
as the chief's (each process begins with its own random ones here, to show it). The chief prints
the loss and the step time.

Synchronous recovery: with ``--checkpoint-dir DIR`` the chief saves the parameters and the step
number (atomically: a temp file, then a rename) every ``--save-checkpoint-steps`` steps and at the
end, and every process starts from the latest checkpoint there when there is one. Step ``s``'s
batch depends on ``s`` alone, so a job that ``tfc launch --max-restarts`` restarts after losing a
process resumes with the same numbering, applies no step twice, and ends with the parameters of an
uninterrupted run:

    tfc launch -n 2 --max-restarts 1 -- python examples/distributed_mlp.py --checkpoint-dir /tmp/mlp
"""

from __future__ import annotations

import argparse
import os
import signal
import time
from pathlib import Path

import numpy as np

import tfc
from tfc.runtime import checkpoint

GLOBAL_BATCH, FEATURES, HIDDEN = 64, 16, 32
LEARNING_RATE = 0.1
CHECKPOINT_FILE = "distributed_mlp.npz"


def data(step: int) -> tuple[np.ndarray, np.ndarray]:
    """Step ``step``'s global batch: the same in every process, and again in a restarted job."""
    target = np.random.default_rng(0).normal(size=(FEATURES, 1)).astype(np.float32)
    x = np.random.default_rng([1, step]).normal(size=(GLOBAL_BATCH, FEATURES)).astype(np.float32)
    return x, np.tanh(x @ target)


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


def restore(directory: str | None) -> tuple[int, list[np.ndarray] | None, float]:
    """(last step applied, parameters, its loss) from ``directory``'s checkpoint; (0, None, nan) if none."""
    path = Path(directory) / CHECKPOINT_FILE if directory else None
    if path is None or not path.exists():
        return 0, None, float("nan")
    values = checkpoint.load(path)
    return int(values["step"]), [values[f"param{i}"] for i in range(4)], float(values["loss"])


def save(directory: str, step: int, params, loss) -> None:
    """The chief's checkpoint after ``step``: written to a temp file, then renamed over the last one."""
    values = {f"param{i}": np.asarray(p) for i, p in enumerate(params)}
    checkpoint.save(Path(directory) / CHECKPOINT_FILE, {**values, "step": np.int64(step), "loss": np.float32(loss)})


def die_here(step: int, die_at_step: int | None) -> bool:
    """For tests: worker 1 of the job's first run dies (SIGKILL) before step ``die_at_step``."""
    return step == die_at_step and os.environ.get("TFC_RESTART") == "0" and tfc.distributed.rank() == 1


def main(steps: int = 20, verbose: bool = True, checkpoint_dir: str | None = None, save_checkpoint_steps: int = 5,
         die_at_step: int | None = None) -> tuple[float, list[np.ndarray]]:
    """Train to step ``steps`` (from the checkpoint's step, if any); returns the last loss and the
    final parameters (equal in every process)."""
    tfc.distributed.initialize()
    rank, size = tfc.distributed.rank(), tfc.distributed.size()
    rows = slice(rank * GLOBAL_BATCH // size, (rank + 1) * GLOBAL_BATCH // size)  # this process's shard
    done, params, loss = restore(checkpoint_dir)
    if params is None:
        params = initial_params(seed=rank)  # different per process: the first call broadcasts the chief's
    elif verbose and tfc.distributed.is_chief():
        print(f"resumed from the checkpoint of step {done} in {checkpoint_dir}")
    start = time.perf_counter()
    for step in range(done + 1, steps + 1):
        if die_here(step, die_at_step):
            os.kill(os.getpid(), signal.SIGKILL)
        x, y = data(step)
        loss, params = train_step(params, x[rows], y[rows])
        if step == done + 1:  # the first call compiles: time the others
            start = time.perf_counter()
        if checkpoint_dir and tfc.distributed.is_chief() and (step % save_checkpoint_steps == 0 or step == steps):
            save(checkpoint_dir, step, params, loss)
    step_ms = (time.perf_counter() - start) / max(steps - done - 1, 1) * 1e3
    timing = f", {step_ms:.2f} ms/step, {GLOBAL_BATCH / step_ms * 1e3:.0f} samples/s" if steps - done > 1 else ""
    if verbose and tfc.distributed.is_chief():
        print(f"{size} process(es), {len(tfc.devices())} device(s) each: loss {float(loss):.6f} after {steps} steps{timing}")
    return float(loss), [np.asarray(p) for p in params]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--save", help="write the final parameters here (an .npz per process: PATH.rank.npz)")
    parser.add_argument("--checkpoint-dir", help="the chief checkpoints here; every process resumes from it")
    parser.add_argument("--save-checkpoint-steps", type=int, default=5, help="checkpoint every N steps (and at the end)")
    parser.add_argument("--die-at-step", type=int, help="for tests: worker 1 of the first run dies before this step")
    args = parser.parse_args()
    if args.save_checkpoint_steps < 1:
        parser.error(f"--save-checkpoint-steps must be at least 1, got {args.save_checkpoint_steps}")
    if "TFC_CPU_DEVICES" not in os.environ:
        tfc.set_cpu_devices(2)
    final_loss, final = main(args.steps, checkpoint_dir=args.checkpoint_dir, save_checkpoint_steps=args.save_checkpoint_steps,
                             die_at_step=args.die_at_step)
    if args.save:
        np.savez(f"{args.save}.{tfc.distributed.rank()}.npz", *final, loss=final_loss)
