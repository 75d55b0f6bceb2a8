"""Where a session keeps its variables between runs: name -> device array (or numpy array).

A compiled step reads the variables it needs from the store, passes them after its feeds and puts
the updated values back; with XLA their buffers are donated, so the update happens in place. The
store is a dict, so checkpoints and users can read and set values by name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from .errors import SessionError


class VariableStore(dict):
    """Variable name -> current value."""

    def bind(self, call: Callable, names_in: Sequence[str], names_out: Sequence[str],
             readers: Mapping[str, str] | None = None, needed_by: str = "the run") -> Callable[[list], list]:
        """``run(args)`` calling ``call(*args, *values of names_in)`` and storing the first results
        as ``names_out``; returns all results. ``readers`` (name -> where it is first read) and
        ``needed_by`` say what needed a variable that is not initialized."""
        if not names_in and not names_out:
            return lambda args: call(*args)
        readers = readers or {}

        def run(args):
            try:
                current = [self[n] for n in names_in]
            except KeyError:
                missing = next(n for n in names_in if n not in self)
                raise self.uninitialized(missing, readers.get(missing), needed_by) from None
            outs = call(*args, *current)
            for name, value in zip(names_out, outs):
                self[name] = value
            return outs

        return run

    @staticmethod
    def uninitialized(name: str, where: str | None, needed_by: str) -> SessionError:
        by = f"read by {where}, " if where else ""
        return SessionError(
            f"variable '{name}' is not initialized (run its initializer or tfc.global_variables_initializer() "
            f"first); {by}needed for {needed_by}"
        )


__all__ = ["VariableStore"]
