"""Writing files so that a crash never leaves half of one: write a temp file, fsync it, rename it.

Every file tfc writes (IR from the CLI, ``.npz`` results, checkpoints, cached executables) goes
through :func:`atomic_write`, so they share one policy:

* the temp file sits in the target's folder (a rename within one file system is atomic) and is
  named ``.{target name}.{writer's pid}.{random}.tmp``;
* on success it is fsynced, renamed over the target, and the folder is fsynced (the rename is
  durable); on an exception it is removed and the target is untouched;
* a process killed mid-write (SIGKILL, power loss) cannot remove its temp file, so each write first
  removes the leftovers of earlier writes *of the same target* whose writer is gone: the pid in the
  name is not a live process of this machine. A live writer's temp file is never removed (nor one of
  this process: another thread may be writing it), so two processes may write the same target at
  once, and the last rename wins;
* the new file gets the permissions any other new file would get (``0666`` minus the umask), not
  ``mkstemp``'s private ``0600``.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

TEMP_SUFFIX = ".tmp"
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


def temp_prefix(target: Path) -> str:
    """The start of this process's temp file names for ``target``: ``.{name}.{pid}.``."""
    return f".{target.name}.{os.getpid()}."


def _leftover_pattern(target: Path) -> re.Pattern:
    # mkstemp's random part is letters, digits and '_', never a dot: so the temp files of another
    # target in the folder (".x.5.{pid}.{random}.tmp" for "x.5") never match those of "x".
    return re.compile(rf"\.{re.escape(target.name)}\.(\d+)\.[A-Za-z0-9_]+{re.escape(TEMP_SUFFIX)}")


def writer_alive(pid: int) -> bool:
    """Whether ``pid`` is a live process on this machine (a zombie is not; unknown means alive)."""
    if pid == os.getpid():
        return True
    if os.name != "posix":  # os.kill(pid, 0) would terminate the process on Windows
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: it exists, it belongs to someone else
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat[stat.rfind(")") + 2 :][:1] != "Z"  # "pid (comm) STATE ...": a zombie writes nothing


def leftovers(path: str | Path) -> list[Path]:
    """Temp files of interrupted writes of ``path``: its temp-file names whose writer is gone."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    pattern, prefix = _leftover_pattern(target), f".{target.name}."
    found = []
    try:
        entries = [entry.name for entry in os.scandir(folder) if entry.name.startswith(prefix)]
    except OSError:
        return []
    for name in entries:
        match = pattern.fullmatch(name)
        if match and not writer_alive(int(match.group(1))):
            found.append(folder / name)
    return found


def remove_leftovers(path: str | Path) -> list[Path]:
    """Remove :func:`leftovers` of ``path`` (those that cannot be removed stay); returns those removed."""
    removed = []
    for leftover in leftovers(path):
        with contextlib.suppress(OSError):
            leftover.unlink()
            removed.append(leftover)
    return removed


def _fsync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (best effort: not every platform opens folders)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_write(path: str | Path) -> Iterator[BinaryIO]:
    """Yield a binary file; on a clean exit it replaces ``path`` whole, on an exception ``path`` is untouched.

    >>> with atomic_write("out.npz") as f:     # doctest: +SKIP
    ...     np.savez(f, x=x)

    Raises ``OSError`` (from creating, writing or renaming) after removing the temp file.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    remove_leftovers(target)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=temp_prefix(target), suffix=TEMP_SUFFIX)
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
    _fsync_folder(folder)


def write_atomically(path: str | Path, data: bytes | str) -> None:
    """Replace ``path`` with ``data`` (text is written as UTF-8) through :func:`atomic_write`."""
    with atomic_write(path) as f:
        f.write(data.encode("utf-8") if isinstance(data, str) else data)


__all__ = ["TEMP_SUFFIX", "atomic_write", "leftovers", "remove_leftovers", "temp_prefix", "write_atomically", "writer_alive"]
