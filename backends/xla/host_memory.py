"""Host memory for XLA:CPU: keep the blocks an execution frees, so the next one does not fault them in again.

XLA:CPU allocates each execution's temporary buffer (all of a step's intermediates) and Eigen's
packing buffers with ``malloc`` and frees them when the execution ends. glibc serves blocks above
32 MiB with a fresh ``mmap`` and returns them with ``munmap``, and trims freed heap memory above
128 KiB; either way the next execution touches fresh pages, and the kernel zeroes them one 4 KiB
page fault at a time. Measured on the small CNN of ``benchmarks/keras.py`` (batch 128, 2 cores):
8,900 page faults and 9-12 ms of system time per training step (a 36 MB temporary buffer and a
50 MB Eigen buffer), against ~30 faults and <1 ms with the settings below (step 35 -> 26 ms under
load). TensorFlow's allocator keeps its memory the same way.

:func:`retain_freed_memory` asks glibc (``mallopt``) to serve large blocks from its heaps rather
than ``mmap``, and to give freed memory back to the system only above ``TRIM_THRESHOLD``. The
backend calls it once, before XLA's CPU client starts. The setting is process-wide: memory the
process freed stays mapped (up to the trim threshold at each heap's top, as TensorFlow's BFC
allocator keeps its pool), and ``retain_freed_memory(False)`` restores glibc's starting values. Elsewhere
than glibc (macOS, musl) it does nothing.
"""

from __future__ import annotations

import ctypes
import functools
import os

M_TRIM_THRESHOLD, M_MMAP_MAX = -1, -4
"""mallopt parameters (glibc's malloc.h)."""

TRIM_THRESHOLD = 256 << 20
"""Free memory at the top of a heap beyond this much goes back to the system (glibc's default: 128 KiB)."""

GLIBC_DEFAULTS = {M_TRIM_THRESHOLD: 128 << 10, M_MMAP_MAX: 65536}
"""What glibc starts with (its trim threshold then adapts to the blocks freed; once set, it stays)."""


@functools.cache
def _mallopt():
    """glibc's ``mallopt``, or None where the C library is not glibc."""
    if not hasattr(os, "confstr") or "glibc" not in (_confstr("CS_GNU_LIBC_VERSION") or ""):
        return None
    return getattr(ctypes.CDLL(None), "mallopt", None)


def _confstr(name: str) -> str | None:
    try:
        return os.confstr(name)
    except (ValueError, OSError):  # not a name this system knows
        return None


def retain_freed_memory(enabled: bool = True) -> bool:
    """Keep (``True``) or return (``False``, glibc's starting values) the large blocks XLA:CPU frees after each
    execution. Returns whether the C library took the setting (False where it is not glibc).

    >>> retain_freed_memory()  # on Linux with glibc
    True
    """
    mallopt = _mallopt()
    if mallopt is None:
        return False
    settings = {M_MMAP_MAX: 0, M_TRIM_THRESHOLD: TRIM_THRESHOLD} if enabled else GLIBC_DEFAULTS
    return all(mallopt(parameter, value) == 1 for parameter, value in settings.items())


__all__ = ["TRIM_THRESHOLD", "retain_freed_memory"]
