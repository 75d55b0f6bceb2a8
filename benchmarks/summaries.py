"""The per-step cost of recording summaries inside a compiled training step, against the same step
without them, measured in the same run.

    python benchmarks/summaries.py [--features 512] [--hidden 512] [--batch 128] [--steps 100] [--rounds 15]

A two-layer MLP's SGD step (forward, gradient, update of tfc.Variables; ~1 ms on one core with the
defaults) is compiled plain and recording the loss (``tfc.summary.scalar``) with a histogram
(``tfc.summary.histogram``, bucketed inside the step) of the second layer's weights (``hidden``
values) or of the first layer's (``features x hidden`` values: a pass over the whole matrix and a
scatter-add of each value into its bucket, work of the order of the step's own). The large one is
also recorded every 10th step and under ``record_if(False)``: the ops computing summaries sit in a
``tfc.if`` that runs them only when a step is recorded. Each round runs every case once, in turn; a
line gives the median ms per step and the median over rounds of the case's time over the plain
step's in the same round (paired, so the machine's drift between rounds cancels), with the middle
half of those ratios (target: under 1.05 for a ~1 ms step).
The summaries go to an event file in a temporary folder.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

import numpy as np

import tfc

LEARNING_RATE = 0.001  # with weights scaled by 1/sqrt(fan-in): the loss falls and stays finite through every round


def make_step(hidden: int, features: int, histogram: str | None):
    """The SGD step, recording the loss and a histogram of ``"w1"`` or ``"w2"`` (None: nothing)."""
    rng = np.random.default_rng(0)
    w1 = tfc.Variable(rng.normal(0, features ** -0.5, (features, hidden)).astype(np.float32))
    w2 = tfc.Variable(rng.normal(0, hidden ** -0.5, (hidden, 1)).astype(np.float32))

    def loss_fn(a, b, x, y):
        return tfc.mean((tfc.matmul(tfc.relu(tfc.matmul(x, a)), b) - y) ** 2)

    @tfc.compile
    def step(x, y):
        loss, (g1, g2) = tfc.value_and_grad(loss_fn, argnums=(0, 1))(w1.read_value(), w2.read_value(), x, y)
        if histogram is not None:
            tfc.summary.scalar("loss", loss)
            tfc.summary.histogram(histogram, (w1 if histogram == "w1" else w2).read_value())
        w1.assign_sub(LEARNING_RATE * g1)
        w2.assign_sub(LEARNING_RATE * g2)
        return loss

    return step


def ms_per_step(step, x, y, steps: int, recording) -> float:
    with tfc.summary.record_if(recording):
        np.asarray(step(x, y))
        start = time.perf_counter()
        for i in range(steps):
            tfc.summary.experimental.set_step(i)
            loss = step(x, y)
        np.asarray(loss)
        tfc.summary.flush()  # what the encoder thread still holds is this case's cost too
    return (time.perf_counter() - start) / steps * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hidden", type=int, default=512)
    parser.add_argument("--features", type=int, default=512)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    rng = np.random.default_rng(1)
    x = rng.normal(size=(args.batch, args.features)).astype(np.float32)
    y = rng.normal(size=(args.batch, 1)).astype(np.float32)
    plain, small, large = (make_step(args.hidden, args.features, histogram) for histogram in (None, "w2", "w1"))
    every_tenth = lambda: tfc.summary.experimental.get_step() % 10 == 0
    w1_values = f"{args.features * args.hidden:,}"
    cases = {"plain": (plain, True),
             f"scalar + histogram of {args.hidden} values": (small, True),
             f"scalar + histogram of {w1_values} values": (large, True),
             f"scalar + histogram of {w1_values}, every 10th step": (large, every_tenth),
             f"scalar + histogram of {w1_values}, record_if(False)": (large, False)}
    times: dict[str, list[float]] = {name: [] for name in cases}
    with tempfile.TemporaryDirectory() as logdir:
        writer = tfc.summary.create_file_writer(logdir)
        with writer.as_default(step=0):
            for _ in range(args.rounds):
                for name, (step, recording) in cases.items():
                    times[name].append(ms_per_step(step, x, y, args.steps, recording))
        writer.close()
    print(f"MLP {args.features}-{args.hidden}-1 SGD step, batch {args.batch}: median of {args.rounds} rounds of {args.steps} steps")
    for name, values in times.items():
        ratio = "baseline" if name == "plain" else paired_ratio(values, times["plain"])
        print(f"{name:>52}: {statistics.median(values):7.3f} ms/step  {ratio}")


def paired_ratio(values: list[float], plain: list[float]) -> str:
    """The median of the per-round ratios to the plain step, their middle half, and the verdict."""
    ratios = sorted(value / base for value, base in zip(values, plain))
    if len(ratios) < 4:
        return f"ratio {statistics.median(ratios):5.3f}x"
    low, _, high = statistics.quantiles(ratios, n=4)
    median = statistics.median(ratios)
    verdict = "meets" if median < 1.05 else "misses"
    return f"ratio {median:5.3f}x  (middle half {low:5.3f}-{high:5.3f}; {verdict} the 1.05x target)"


if __name__ == "__main__":
    main()
