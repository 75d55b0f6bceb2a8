"""``tfc.summary`` inside ``@tfc.compile``: each summary is a ``tfc.summary`` op whose value leaves
the executable as an extra result (:mod:`tfc.frontend.summaries`), computed with the step; the host
turns the values into TensorBoard records after the call, on the default writer at its step, when
recording is on. Histograms are counted in the compiled step (TensorBoard's rule: ``bucket_count``
equal buckets between the minimum and the maximum), so only ``bucket_count + 2`` numbers leave it.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time

import numpy as np
from tensorboard.compat.proto import event_pb2, summary_pb2

import tfc
from tfc.frontend import summaries
from tfc.frontend.tensor import emit
from tfc.frontend.tracing import current_trace

from . import kinds

DEFAULT_BUCKET_COUNT = 30


def histogram_counts(data, bucket_count: int = DEFAULT_BUCKET_COUNT):
    """``[low, high, count_0, ..., count_{k-1}]`` (float32) in tfc ops: the data's extremes and how
    many values fall in each of ``bucket_count`` equal buckets between them, TensorBoard's
    ``summary_v2._buckets`` rule; the host makes the ``[k, 3]`` rows (:func:`.kinds.histogram_rows`).
    Everything but one reduction pass and one scatter-add stays out of the step: XLA runs each
    small op of the rows as a kernel of its own, microseconds apiece."""
    values = tfc.reshape(tfc.astype(data, tfc.float32), (-1,))
    if values.shape[0] == 0:
        return tfc.zeros((bucket_count + 2,), tfc.float32)
    low, high = tfc.min(values), tfc.max(values)
    spread = high - low
    width = tfc.where(spread > 0, spread / bucket_count, tfc.ones_like(spread))
    index = tfc.minimum(tfc.astype(tfc.floor((values - low) / width), tfc.int32), bucket_count - 1)
    return tfc.concatenate([tfc.stack([low, high]), _bucket_counts(index, bucket_count)], 0)


PLUGINS = {"scalar": "scalars", "histogram": "histograms", "image": "images", "audio": "audio"}


def _bucket_counts(index, bucket_count: int):
    """How many of ``index`` fall in each bucket: one scatter-add of ones (no [n, buckets] one-hot,
    which would cost more than a small training step)."""
    ones = tfc.ones((index.shape[0], 1), tfc.float32)
    attributes = {"update_window_dims": (1,), "inserted_window_dims": (0,), "scatter_dims_to_operand_dims": (0,),
                  "index_vector_dim": 1, "kind": "add"}
    table = tfc.zeros((bucket_count, 1), tfc.float32)
    return tfc.reshape(emit("tfc.scatter", [table, tfc.reshape(index, (-1, 1)), ones], attributes), (bucket_count,))


def record(kind: str, name: str, data, step, options: dict) -> bool:
    """Record summary ``name`` of ``kind`` in the current trace; the host writes it after each call
    (:func:`write_delivered`) at the default writer's step then."""
    if kind not in PLUGINS:
        raise TypeError(f"tfc.summary.{kind} cannot be recorded inside @tfc.compile (XLA holds no strings): record it after the call")
    if step is not None:
        raise ValueError(f"tfc.summary.{kind} inside @tfc.compile: step must be None; the step is the default step when the "
                         f"function runs (tfc.summary.experimental.set_step or writer.as_default(step=...))")
    options = {key: value for key, value in options.items() if value is not None}
    if kind == "histogram":
        data = histogram_counts(data, int(options.pop("buckets", DEFAULT_BUCKET_COUNT)))
    elif kind in ("image", "audio"):
        data = data[:int(options.get("max_outputs", 3))]
    trace = current_trace()
    summaries.record((trace.name_scope if trace is not None else "") + name, PLUGINS[kind], data, {"kind": kind, **options})  # TF2: train/loss
    return True


def write_delivered(names, values, writer_state, makers: dict) -> None:
    """A compiled call's summaries, for the default writer at its step: queued as they are (device
    arrays) for the encoder thread, so the step pays for none of the encoding."""
    if writer_state.writer is None:
        return
    if writer_state.step is None:
        raise ValueError("tfc.summary: a compiled function recorded summaries but no step is set: use "
                         "tfc.summary.experimental.set_step or writer.as_default(step=...)")
    ENCODER.put((writer_state.writer, names, values, int(writer_state.step), time.time(), makers))  # values read on the encoder thread


class Encoder:
    """One daemon thread turning queued summary values into TensorBoard records, in order; ``drain``
    waits for what is queued (writers call it before they flush or close).

    The thread wakes once per ``GATHER_SECONDS`` at most and encodes every call queued by then, one
    batch of events per writer: waking per call (each a thread switch on cores XLA is using) cost a
    1 ms step more than the encoding itself. The values wait as device arrays, a bounded number."""

    GATHER_SECONDS = 0.02
    MAX_QUEUED = 1024

    def __init__(self):
        self._queue: queue.Queue = queue.Queue(self.MAX_QUEUED)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._wake = threading.Event()  # set by drain: a flush does not wait out the gathering interval
        self.errors: list[BaseException] = []

    def put(self, item) -> None:
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="tfc-summary-encoder", daemon=True)
                    self._thread.start()
        self._queue.put(item)

    def drain(self) -> None:
        if self._thread is not None:
            self._wake.set()
            self._queue.join()
        if self.errors:
            error = self.errors.pop(0)
            self.errors.clear()
            raise error

    def _run(self) -> None:
        pending: list = []
        while True:
            if not pending:
                pending.append(self._queue.get())
            if self._wake.wait(self.GATHER_SECONDS):
                self._wake.clear()
            with contextlib.suppress(queue.Empty):
                while True:
                    pending.append(self._queue.get_nowait())
            ready = next((i for i, item in enumerate(pending) if not _computed(item[2])), len(pending))
            batch, pending = pending[:ready], pending[ready:]
            try:
                _write_batch(batch)
            except Exception as error:  # noqa: BLE001  (reported by the next drain: flush, close)
                self.errors.append(error)
            finally:
                for _ in batch:
                    self._queue.task_done()


def _computed(values) -> bool:
    """Whether a call's summary values are computed (XLA runs calls asynchronously): the encoder takes
    only those, so it never waits on a step still running, which costs CPU (a short wait spins)."""
    is_ready = getattr(values, "is_ready", None)
    return is_ready is None or is_ready()


def _write_batch(batch: list) -> None:
    """Each queued call's summaries as one event, each writer's events written together, in order."""
    events: dict = {}
    for writer, names, values, step, wall_time, makers in batch:
        event = _event(names, values, makers)
        event.step, event.wall_time = step, wall_time
        events.setdefault(writer, []).append(event)
    for writer, written in events.items():
        writer.write_events(written)


def _histogram_rows(packed) -> np.ndarray:
    packed = np.asarray(packed, dtype=np.float64)
    return kinds.histogram_rows(packed[0], packed[1], packed[2:])


_NUMBERS = {"scalar": np.float32, "histogram": _histogram_rows}  # the kinds whose events are filled in from a template
_templates: dict = {}  # id(names) -> (names, Event), for the encoder thread only
MAX_TEMPLATES = 256


def _event(names, values, makers: dict) -> event_pb2.Event:
    """A call's summaries as an Event. The first call of a function whose summaries are all scalars
    and histograms makes it whole (``makers``) and keeps it as a template; later calls copy it and
    replace only the numbers (a quarter of the cost: this runs for every recorded step)."""
    cached = _templates.get(id(names))
    if cached is None or cached[0] is not names:
        event = event_pb2.Event(summary=summary_pb2.Summary(value=[_record(name, value, makers) for name, value in zip(names, values)]))
        if all(options["kind"] in _NUMBERS for _, _, options in names):
            if len(_templates) >= MAX_TEMPLATES:
                _templates.pop(next(iter(_templates)))
            template = event_pb2.Event()
            template.CopyFrom(event)
            _templates[id(names)] = (names, template)  # names kept alive with it: its id names no other list
        return event
    event = event_pb2.Event()
    event.CopyFrom(cached[1])
    for value, (_, _, options), data in zip(event.summary.value, names, values):
        array = _NUMBERS[options["kind"]](data)
        if array.ndim == 0:
            value.tensor.float_val[0] = array.item()
        else:
            value.tensor.tensor_content = array.tobytes()
    return event


def _record(name, value, makers: dict):
    tag, _plugin, options = name
    kind = options["kind"]
    if kind == "histogram":
        return makers["histogram_counts"](tag, np.asarray(value), options.get("description"))
    return makers[kind](tag, np.asarray(value), **{key: option for key, option in options.items() if key != "kind"})


ENCODER = Encoder()


__all__ = ["DEFAULT_BUCKET_COUNT", "ENCODER", "PLUGINS", "histogram_counts", "record", "write_delivered"]
