"""Background threads of a pipeline: ``prefetch`` (a producer thread ahead of the consumer) and
``map(num_parallel_calls=n)`` (n calls in flight, results in input order).

Threads are daemons that stop when the consumer stops: closing (or dropping) the generator that
reads them sets a stop flag and drains the queue, so no thread outlives its iterator. An exception
in a thread is raised in the consumer, at the element where it happened.
"""

from __future__ import annotations

import collections
import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

_DONE = object()


class _Failure:
    def __init__(self, error: BaseException):
        self.error = error


def read_ahead(elements: Iterator, buffer_size: int) -> Iterator:
    """``elements`` produced by a background thread up to ``buffer_size`` ahead of the reader."""
    buffer: queue.Queue = queue.Queue(maxsize=max(buffer_size, 1))
    stop = threading.Event()

    def produce():
        try:
            for element in elements:
                while not stop.is_set():
                    try:
                        buffer.put(element, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            buffer.put(_DONE)
        except BaseException as error:  # noqa: BLE001 -- handed to the consumer, raised there
            buffer.put(_Failure(error))

    thread = threading.Thread(target=produce, name="tfc.data prefetch", daemon=True)
    thread.start()
    return _consume(buffer, stop, thread)


def _consume(buffer: queue.Queue, stop: threading.Event, thread: threading.Thread) -> Iterator:
    try:
        while True:
            item = buffer.get()
            if item is _DONE:
                return
            if isinstance(item, _Failure):
                raise item.error
            yield item
    finally:
        stop.set()
        while thread.is_alive():
            try:
                buffer.get(timeout=0.05)
            except queue.Empty:
                pass


def ordered_map(fn: Callable, elements: Iterator, parallel: int) -> Iterator:
    """``map(fn, elements)`` with up to ``parallel`` calls running at once, results in order."""
    with ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="tfc.data map") as pool:
        pending: collections.deque = collections.deque()
        try:
            for element in elements:
                pending.append(pool.submit(fn, element))
                if len(pending) >= parallel:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()
