"""Writing files so that a crash never leaves half of one: write a temp file, fsync it, rename it.

Every file tfc writes (IR from the CLI, ``.npz`` results, checkpoints, cached executables) goes
through :func:`atomic_write`, so they share one policy: the temp file sits in the target's folder
(a rename within one file system is atomic), and the new file gets the permissions any other new
file would get (``0666`` minus the umask), not ``mkstemp``'s private ``0600``.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

_umask_lock = threading.Lock()
_umask: int | None = None


def _current_umask() -> int:
    """The process umask (read once: reading it means setting it, so it is cached behind a lock)."""
    global _umask
    with _umask_lock:
        if _umask is None:
            _umask = os.umask(0)
            os.umask(_umask)
        return _umask


@contextlib.contextmanager
def atomic_write(path: str | Path) -> Iterator[BinaryIO]:
    """Yield a binary file; on a clean exit it replaces ``path`` whole, on an exception ``path`` is untouched.

    >>> with atomic_write("out.npz") as f:     # doctest: +SKIP
    ...     np.savez(f, x=x)

    Raises ``OSError`` (from creating, writing or renaming) after removing the temp file.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_current_umask())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_atomically(path: str | Path, data: bytes | str) -> None:
    """Replace ``path`` with ``data`` (text is written as UTF-8) through :func:`atomic_write`."""
    with atomic_write(path) as f:
        f.write(data.encode("utf-8") if isinstance(data, str) else data)


__all__ = ["atomic_write", "write_atomically"]
