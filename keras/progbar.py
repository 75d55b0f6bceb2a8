"""The progress line ``fit`` and ``evaluate`` print, as tf.keras 2.x prints it::

    Epoch 1/3
    32/32 [==============================] - 0s 2ms/step - loss: 0.6931 - accuracy: 0.5000
"""

from __future__ import annotations

import sys
import time


class Progbar:
    """``verbose=1``: a bar redrawn in place (at most every 50 ms) and ended with a newline;
    ``verbose=2``: one line when the epoch ends; ``0``: nothing. ``steps`` None (a dataset of unknown
    length): the count so far, ``12/Unknown``, until the epoch ends."""

    def __init__(self, steps: int | None, verbose: int, stream=None):
        self.steps, self.verbose, self.stream = steps, verbose, stream or sys.stdout
        self.start = self.last = time.perf_counter()

    def due(self) -> bool:
        """Whether a redraw is due (so the caller reads the logs only then)."""
        return self.verbose == 1 and time.perf_counter() - self.last >= 0.05

    def update(self, step: int, logs: dict, final: bool = False) -> None:
        now = time.perf_counter()
        if self.verbose != 1 or (not final and now - self.last < 0.05):
            if final and self.verbose == 2:
                self.stream.write(f"{step}/{step} - {now - self.start:.0f}s - {self._per_step(now, step)}{_values(logs)}\n")
            return
        self.last = now
        if self.steps is None and not final:
            self.stream.write(f"\r{step:7d}/Unknown - {now - self.start:.0f}s {self._per_step(now, step)}{_values(logs)}")
            self.stream.flush()
            return
        self.steps = step if self.steps is None else self.steps
        width = len(str(self.steps))
        done = int(30 * step / max(self.steps, 1))
        bar = "=" * done + (">" if done < 30 else "") + "." * max(29 - done, 0)
        timing = f"{now - self.start:.0f}s {self._per_step(now, step)}" if final else f"ETA: {self._eta(now, step):.0f}s"
        self.stream.write(f"\r{step:{width}d}/{self.steps} [{bar}] - {timing}{_values(logs)}" + ("\n" if final else ""))
        self.stream.flush()

    def _per_step(self, now: float, step: int) -> str:
        seconds = (now - self.start) / max(step, 1)
        return f"{seconds * 1e3:.0f}ms/step" if seconds >= 1e-3 else f"{seconds * 1e6:.0f}us/step"

    def _eta(self, now: float, step: int) -> float:
        return (now - self.start) / max(step, 1) * (self.steps - step)


def _values(logs: dict) -> str:
    return "".join(f" - {key}: {value:.4f}" for key, value in logs.items())
