"""Writing files so that a crash never leaves half of one: write a temp file, fsync it, rename it.

Every file tfc writes (IR from the CLI, ``.npz`` results, checkpoints, cached executables) goes
through :func:`atomic_write`, so they share one policy:

* the temp file sits in the target's folder (a rename within one file system is atomic) and is
  named ``.{target name}.{writer's pid}.{random}.tmp``;
* on success it is fsynced, renamed over the target, and the folder is fsynced (the rename is
  durable); on an exception it is removed and the target is untouched;
* the writer holds an exclusive ``flock`` on its temp file from creation to rename, and the kernel
  drops it when the writer dies, however it dies. A process killed mid-write (SIGKILL, power loss)
  cannot remove its temp file, so each write first removes the leftovers of earlier writes *of the
  same target*: those nobody holds locked. A live writer's temp file is never removed — another
  thread's, another process's, another container's or (on NFS, where Linux maps ``flock`` to
  network locks) another machine's — so writers of one target may overlap, and the last rename wins;
* where there is no ``flock`` (Windows) nothing is removed;
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

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None

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


def _leftover_pattern(target: Path) -> re.Pattern:
    # mkstemp's random part is letters, digits and '_', never a dot: so the temp files of another
    # target in the folder (".x.5.{pid}.{random}.tmp" for "x.5") never match those of "x".
    return re.compile(rf"\.{re.escape(target.name)}\.\d+\.[A-Za-z0-9_]+{re.escape(TEMP_SUFFIX)}")


def _try_lock(fd: int) -> bool:
    """Take the exclusive lock on ``fd`` if nobody holds it; False if a writer does (or no flock)."""
    if fcntl is None:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def leftovers(path: str | Path) -> list[Path]:
    """Temp files of interrupted writes of ``path``: its temp-file names that no writer holds locked."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    pattern, prefix = _leftover_pattern(target), f".{target.name}."
    try:
        names = sorted(entry.name for entry in os.scandir(folder) if entry.name.startswith(prefix))
    except OSError:
        return []
    found = []
    for name in names:
        if pattern.fullmatch(name):
            with _open_quietly(folder / name) as fd:
                if fd is not None and _try_lock(fd):
                    found.append(folder / name)
    return found


@contextlib.contextmanager
def _open_quietly(path: Path) -> Iterator[int | None]:
    try:
        fd = os.open(path, os.O_RDWR)  # for writing: NFS maps flock to write locks
    except OSError:  # gone already, or not ours to remove
        yield None
        return
    try:
        yield fd
    finally:
        os.close(fd)


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


def _locked_temp_file(target: Path, folder: Path) -> tuple[int, str]:
    """A new temp file for ``target``, created and locked; if another writer's cleanup removed it
    between the two (it was not locked yet), a new one."""
    while True:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.{os.getpid()}.", suffix=TEMP_SUFFIX)
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
            if os.fstat(fd).st_nlink == 0:
                os.close(fd)
                continue
        return fd, tmp


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
    fd, tmp = _locked_temp_file(target, folder)
    with os.fdopen(fd, "wb") as f:  # open (so locked) until renamed
        try:
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


__all__ = ["atomic_write", "leftovers", "remove_leftovers", "write_atomically"]
