"""Batching of concurrent predict requests (``--enable_batching``), as TF Serving's batching session.

Requests for the same model version, signature and per-example shapes queue together; a worker takes
the first, waits up to ``batch_timeout_micros`` for more until ``max_batch_size`` examples are
there, concatenates them along the batch dimension, pads the batch (repeating its first example) to
the next allowed batch size so only those few sizes are ever compiled, runs it once, and hands every
request its own rows of the outputs. A request of more than ``max_batch_size`` examples runs alone.
"""

from __future__ import annotations

import queue
import threading
import time
from concurrent.futures import Future

import numpy as np

from .models import ServingError

IDLE_SECONDS = 5.0  # a queue's worker ends after this long without requests


def allowed_batch_sizes(max_batch_size: int) -> list[int]:
    """Powers of two up to ``max_batch_size``, and it: few sizes, at most 2x padding."""
    if not isinstance(max_batch_size, int) or max_batch_size < 1:
        raise ValueError(f"max_batch_size must be an integer >= 1, got {max_batch_size!r}")
    sizes, size = [], 1
    while size < max_batch_size:
        sizes.append(size)
        size *= 2
    return [*sizes, max_batch_size]


class _Task:
    def __init__(self, arrays: dict, rows: int):
        self.arrays, self.rows, self.future = arrays, rows, Future()


class Batcher:
    """Batches calls ``signature(**arrays)`` whose inputs all have a leading batch dimension."""

    def __init__(self, max_batch_size: int = 32, batch_timeout_micros: int = 1000):
        if not isinstance(batch_timeout_micros, int) or batch_timeout_micros < 0:
            raise ValueError(f"batch_timeout_micros must be an integer >= 0, got {batch_timeout_micros!r}")
        self.sizes = allowed_batch_sizes(max_batch_size)
        self.max_batch_size, self.timeout = max_batch_size, batch_timeout_micros / 1e6
        self._queues: dict[tuple, queue.Queue] = {}
        self._lock = threading.Lock()
        self.batches_run = 0

    def accepts(self, signature, arrays: dict) -> bool:
        """Whether this call can join a batch: one batch size of at most max_batch_size, batchable signature."""
        rows = {a.shape[0] if a.ndim else None for a in arrays.values()}
        return len(rows) == 1 and None not in rows and 0 < next(iter(rows)) <= self.max_batch_size and _batchable(signature)

    def submit(self, signature, arrays: dict) -> Future:
        """A future of ``signature(**arrays)``'s outputs, computed in a batch with other requests (see :meth:`accepts`)."""
        if not self.accepts(signature, arrays):
            raise ValueError("arrays: expected inputs with one batch size of at most max_batch_size for a batchable signature")
        key = (id(signature), tuple((k, a.shape[1:], a.dtype.str) for k, a in sorted(arrays.items())))
        task = _Task(arrays, next(iter(arrays.values())).shape[0])
        with self._lock:
            tasks = self._queues.get(key)
            if tasks is None:
                tasks = self._queues[key] = queue.Queue()
                threading.Thread(target=self._worker, args=(key, signature, tasks), name="tfc-serving-batcher", daemon=True).start()
            tasks.put(task)
        return task.future

    def padded_like(self, arrays: dict) -> dict:
        """Arrays (read-only zero views) of the shapes ``arrays`` run at once padded: what a batch compiles."""
        rows = next(iter(arrays.values())).shape[0]
        size = next(size for size in self.sizes if size >= rows)
        return {k: np.broadcast_to(np.zeros((), a.dtype), (size, *a.shape[1:])) for k, a in arrays.items()}

    def _worker(self, key: tuple, signature, tasks: queue.Queue) -> None:
        """Runs batches of one queue; ends after IDLE_SECONDS without work (so an unloaded version is let go)."""
        while True:
            try:
                first = tasks.get(timeout=IDLE_SECONDS)
            except queue.Empty:
                with self._lock:
                    if tasks.empty():
                        del self._queues[key]
                        return
                continue
            batch = [first]
            deadline = time.monotonic() + self.timeout
            total = batch[0].rows
            while total < self.max_batch_size:
                try:
                    task = tasks.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    break
                if total + task.rows > self.max_batch_size:
                    tasks.put(task)  # the next batch starts with it (order among waiters is not promised)
                    break
                batch.append(task)
                total += task.rows
            self._run(signature, batch, total)

    def _run(self, signature, batch: list[_Task], total: int) -> None:
        padded = next(size for size in self.sizes if size >= total)
        try:
            inputs = {key: _pad(np.concatenate([t.arrays[key] for t in batch]), padded) for key in batch[0].arrays}
            outputs = signature(**inputs)
            self.batches_run += 1
            bad = [k for k, v in outputs.items() if v.ndim == 0 or v.shape[0] != padded]
            if bad:
                raise ServingError(f"Batched output tensors {bad} do not have the batch size {padded} of the inputs; "
                                   "this signature cannot be batched (run without --enable_batching)")
        except Exception as err:  # noqa: BLE001 - every request of the batch gets the error, the worker lives on
            for task in batch:
                task.future.set_exception(err)
            return
        start = 0
        for task in batch:
            task.future.set_result({k: v[start:start + task.rows] for k, v in outputs.items()})
            start += task.rows


def _pad(array: np.ndarray, size: int) -> np.ndarray:
    if array.shape[0] == size:
        return array
    return np.concatenate([array, np.repeat(array[:1], size - array.shape[0], axis=0)])


def _batchable(signature) -> bool:
    """Every input and output has an unknown leading (batch) dimension."""
    infos = [*signature.inputs.values(), *signature.outputs.values()]
    return all(info["shape"] and info["shape"][0] is None for info in infos)


__all__ = ["Batcher", "allowed_batch_sizes"]
