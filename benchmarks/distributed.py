"""Synchronous training across processes on this machine: per-step time, samples/s and efficiency
of the same global batch on 1 and 2 processes (one host device each), and the time of a
cross-process all-reduce per MB, all measured in one run with real processes on 127.0.0.1.

    python benchmarks/distributed.py [--steps N]

Efficiency is speed-up / processes. This machine has 2 cores, which both processes share (and one
process already uses both within XLA), so efficiency is bounded by the cores: the figures show
what the collectives and the second process cost, not a speed-up a cluster would give. Not yet
measured here: asynchronous training with parameter servers (Ray), not built yet.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
GLOBAL_BATCH, FEATURES, HIDDEN = 512, 256, 512
LAUNCH = [sys.executable, "-c", "from tfc.tools.cli import main; main()", "launch"]


def worker(kind: str, steps: int, megabytes: float) -> None:
    """One process of the job: time ``kind`` (train or all-reduce); the chief prints a JSON line."""
    import tfc

    tfc.set_cpu_devices(1)
    tfc.distributed.initialize()
    rank, size = tfc.distributed.rank(), tfc.distributed.size()
    step, args = _train_step(rank, size) if kind == "train" else _all_reduce(rank, size, megabytes)
    for _ in range(3):  # warm up (the first call compiles and broadcasts)
        args = step(*args)
    start = time.perf_counter()
    for _ in range(steps):
        args = step(*args)
    seconds = (time.perf_counter() - start) / steps
    if tfc.distributed.is_chief():
        print(json.dumps({"kind": kind, "processes": size, "step_ms": seconds * 1e3}), flush=True)


def _train_step(rank: int, size: int):
    """An MLP SGD step over this process's rows of one global batch: run(params, x, y) -> the next
    step's arguments."""
    import tfc

    rng = np.random.default_rng(0)
    x = rng.normal(size=(GLOBAL_BATCH, FEATURES)).astype(np.float32)
    y = rng.normal(size=(GLOBAL_BATCH, 1)).astype(np.float32)
    params = [(rng.normal(size=(FEATURES, HIDDEN)) / 16).astype(np.float32), (rng.normal(size=(HIDDEN, 1)) / 16).astype(np.float32)]
    rows = slice(rank * GLOBAL_BATCH // size, (rank + 1) * GLOBAL_BATCH // size)

    def loss_fn(ps, xs, ys):
        return tfc.mean((tfc.tanh(xs @ ps[0]) @ ps[1] - ys) ** 2)

    @tfc.compile(devices="all", batch_argnums=(1, 2))
    def step(ps, xs, ys):
        loss, grads = tfc.value_and_grad(loss_fn)(ps, xs, ys)
        return [p - 0.01 * g for p, g in zip(ps, grads)]

    def run(ps, xs, ys):  # waits for the step: the next one's inputs are its outputs anyway
        return [np.asarray(p) for p in step(ps, xs, ys)], xs, ys

    return run, (params, x[rows], y[rows])


def _all_reduce(rank: int, size: int, megabytes: float):
    """A step that is one all-reduce of ``megabytes`` (the sum over the processes' rows)."""
    import tfc

    width = int(megabytes * (1 << 20) / 4)

    @tfc.compile(devices="all", batch_argnums=(0,))
    def reduce(x):
        return tfc.sum(x, axis=0)

    def run(x):
        np.asarray(reduce(x))
        return (x,)

    return run, (np.full((1, width), rank + 1.0, np.float32),)


def launch(processes: int, kind: str, steps: int, megabytes: float = 0.0) -> dict:
    """Run the job on ``processes`` processes; the chief's JSON line."""
    env = {k: v for k, v in os.environ.items() if k != "TFC_CPU_DEVICES"}
    command = [*LAUNCH, "-n", str(processes), "--timeout", "300", "--", sys.executable, __file__, "--worker", kind,
               "--steps", str(steps), "--megabytes", str(megabytes)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=360, env=env, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"{kind} on {processes} process(es) failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    line = next(line for line in done.stdout.splitlines() if line.startswith("[worker:0] {"))
    return json.loads(line.split("] ", 1)[1])


def main(steps: int) -> None:
    print(f"distributed benchmark: 127.0.0.1, one host device per process, {os.cpu_count()} cores; global batch {GLOBAL_BATCH}")
    base = None
    for processes in (1, 2):
        result = launch(processes, "train", steps)
        base = base or result["step_ms"]
        speedup = base / result["step_ms"]
        print(f"sync MLP {FEATURES}-{HIDDEN}-1 SGD step  {processes} process(es)  {result['step_ms']:8.2f} ms/step  "
              f"{GLOBAL_BATCH / result['step_ms'] * 1e3:9.0f} samples/s  speed-up {speedup:4.2f}x  efficiency {speedup / processes:6.1%}")
    for megabytes in (1.0, 16.0):
        result = launch(2, "all_reduce", steps, megabytes)
        memcpy = memcpy_ms(megabytes)
        print(f"cross-process all-reduce of {megabytes:4.0f} MB over 2 processes  {result['step_ms']:8.2f} ms  "
              f"{result['step_ms'] / megabytes:7.3f} ms/MB   local memcpy {memcpy / megabytes:6.3f} ms/MB   ratio {result['step_ms'] / memcpy:6.1f}x")


def memcpy_ms(megabytes: float, rounds: int = 20) -> float:
    """A local copy of the same bytes into a warm buffer: the floor any transfer is compared with."""
    source = np.ones(int(megabytes * (1 << 20) / 4), np.float32)
    target = np.empty_like(source)
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        np.copyto(target, source)
        times.append(time.perf_counter() - start)
    return float(np.median(times)) * 1e3


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--worker", choices=["train", "all_reduce"], help=argparse.SUPPRESS)
    parser.add_argument("--megabytes", type=float, default=1.0, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.worker:
        worker(options.worker, options.steps, options.megabytes)
    else:
        main(options.steps)
