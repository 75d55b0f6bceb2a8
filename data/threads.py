"""Background threads of a pipeline: ``prefetch`` (a producer thread ahead of the consumer),
``map(num_parallel_calls=n)`` (n calls in flight, results in input order), and AUTOTUNE's choice
between threads and none.

Threads are daemons that stop when the consumer stops: closing (or dropping) the generator that
reads them sets a stop flag and drains the queue, so no thread outlives its iterator. An exception
in a thread is raised in the consumer, at the element where it happened.
"""

from __future__ import annotations

import collections
import itertools
import queue
import threading
import time
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


def ordered_map(fn: Callable, elements: Iterator, parallel: int, chunk: int = 32) -> Iterator:
    """``map(fn, elements)`` with up to ``parallel`` tasks running at once, results in order. A task
    maps ``chunk`` consecutive elements, so handing work to a thread costs little per element; the
    results before a failing element are still produced, then its error is raised."""
    with ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="tfc.data map") as pool:
        pending: collections.deque = collections.deque()
        try:
            while group := list(itertools.islice(elements, chunk)):
                pending.append(pool.submit(_map_chunk, fn, group))
                if len(pending) >= parallel:
                    yield from _results(pending.popleft())
            while pending:
                yield from _results(pending.popleft())
        finally:
            for future in pending:
                future.cancel()


def _map_chunk(fn: Callable, group: list) -> list:
    results = []
    for element in group:
        try:
            results.append(fn(element))
        except BaseException as error:  # noqa: BLE001 -- handed to the consumer, raised there
            results.append(_Failure(error))
            break
    return results


def _results(future):
    for result in future.result():
        if isinstance(result, _Failure):
            raise result.error
        yield result


def autotuned_map(fn: Callable, elements: Iterator, parallel: int, chunk: int = 32, trial: int = 4) -> Iterator:
    """``num_parallel_calls=AUTOTUNE``: the pipeline is timed end to end over ``trial`` chunks mapped
    on the consumer's thread, then over as many mapped on ``parallel`` threads, and goes on with the
    faster. Threads only pay when ``fn`` releases the interpreter lock for long enough (large numpy
    work, I/O); for small Python functions, handing elements between threads costs more than it saves."""
    elements = iter(elements)
    start, count = time.perf_counter(), 0
    for element in itertools.islice(elements, trial * chunk):
        yield fn(element)
        count += 1
    sequential = (time.perf_counter() - start) / max(count, 1)
    if count < trial * chunk or parallel < 2:
        yield from map(fn, elements)
        return
    start, count = time.perf_counter(), 0
    for result in ordered_map(fn, itertools.islice(elements, trial * chunk * parallel), parallel, chunk):
        yield result
        count += 1
    threaded = (time.perf_counter() - start) / max(count, 1)
    yield from (ordered_map(fn, elements, parallel, chunk) if threaded < sequential else map(fn, elements))
