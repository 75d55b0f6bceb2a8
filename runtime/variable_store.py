"""Where a session keeps its variables between runs: name -> device array (or numpy array).

A compiled step reads the variables it needs from the store, passes them after its feeds and puts
the updated values back; with XLA their buffers are donated, so the update happens in place. The
store is a dict, so checkpoints and users can read and set values by name.

**Op state.** Some ops keep state of their own between runs (a stateful random op's generator
position: ``tfc.variable`` ops with an ``initial_value``). It is lifted and passed like a variable,
but lives in :attr:`VariableStore.state`, apart from the user's variables: created with its initial
value the first time a run needs it, never initialized by the user, listed or checkpointed (as in
TensorFlow, where it belongs to the op's kernel in one session), and cleared with the store.

**Threads.** Each variable has a lock. A step holds the locks of every variable it reads or writes,
taken in name order (so two steps never wait for each other in a cycle), from reading the values
until the updates are stored. So runs touching the same variables are serialized — every update
applies exactly once, every read sees a whole update, and a donated buffer is never read by another
run — while runs touching different variables, or none, proceed in parallel.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

import numpy as np

from .errors import SessionError


class VariableStore(dict):
    """Variable name -> current value, with one lock per variable name."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.state: dict = {}
        """Op state name -> its current value (see the module's docstring)."""
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    def locks(self, names: Iterable[str]) -> list[threading.Lock]:
        """The locks of ``names`` in name order (the one order every step takes them in)."""
        with self._locks_guard:
            return [self._locks.setdefault(name, threading.Lock()) for name in sorted(set(names))]

    @contextlib.contextmanager
    def holding(self, names: Iterable[str]) -> Iterator[None]:
        """Hold the locks of ``names`` inside the ``with`` (for reading or writing values by name)."""
        locks = self.locks(names)
        for lock in locks:
            lock.acquire()
        try:
            yield
        finally:
            for lock in reversed(locks):
                lock.release()

    def clear(self) -> None:
        super().clear()
        self.state.clear()

    def snapshot(self) -> dict:
        """Every variable's value, read while no step is updating it (what a checkpoint saves)."""
        with self.holding(list(self)):
            return dict(self)

    def bind(self, call: Callable, names_in: Sequence[str], names_out: Sequence[str],
             readers: Mapping[str, str] | None = None, needed_by: str = "the run",
             names_queried: Sequence[str] = (), initial_values: Mapping[str, np.ndarray] | None = None) -> Callable[[list], list]:
        """``run(args)`` calling ``call(*args, *values of names_in, *flags)`` and storing the first
        results as ``names_out``; returns all results. ``flags`` say whether each of ``names_queried``
        has a value (scalar bools). ``readers`` (name -> where it is first read) and ``needed_by`` say
        what needed a variable that is not initialized. ``initial_values`` names the op state among
        the names (kept in :attr:`state`, created from these values when missing)."""
        if not names_in and not names_out and not names_queried:
            return lambda args: call(*args)
        readers = readers or {}
        initial_values = initial_values or {}
        locks = self.locks([*names_in, *names_out, *names_queried])

        def current_value(name):
            if name in initial_values:
                return self.state[name] if name in self.state else np.array(initial_values[name])
            return self[name]

        def run(args):
            for lock in locks:
                lock.acquire()
            try:
                try:
                    current = [current_value(n) for n in names_in]
                except KeyError:
                    missing = next(n for n in names_in if n not in self and n not in initial_values)
                    raise self.uninitialized(missing, readers.get(missing), needed_by) from None
                flags = [np.array(n in self) for n in names_queried]
                outs = call(*args, *current, *flags)
                for name, value in zip(names_out, outs):
                    (self.state if name in initial_values else self)[name] = value
                return outs
            finally:
                for lock in reversed(locks):
                    lock.release()

        return run

    @staticmethod
    def uninitialized(name: str, where: str | None, needed_by: str) -> SessionError:
        by = f"read by {where}, " if where else ""
        return SessionError(
            f"variable '{name}' is not initialized (run its initializer or tfc.global_variables_initializer() "
            f"first); {by}needed for {needed_by}"
        )


__all__ = ["VariableStore"]
