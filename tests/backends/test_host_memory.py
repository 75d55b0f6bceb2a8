"""Host memory XLA:CPU reuses: with :func:`retain_freed_memory` a large block freed and allocated again
(what each execution does with its temporary buffer) comes back without page faults; glibc's
starting values fault it in again. Each case runs in a process of its own (the setting is
process-wide); page-fault counts, not timings, decide."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from tfc.backends.xla import host_memory
from tfc.backends.xla.host_memory import retain_freed_memory

GLIBC = "glibc" in (os.confstr("CS_GNU_LIBC_VERSION") if hasattr(os, "confstr") else "")

FAULTS_OF_A_REUSED_BLOCK = textwrap.dedent("""
    import ctypes, resource, sys, threading
    libc = ctypes.CDLL(None)
    libc.malloc.restype, libc.malloc.argtypes, libc.free.argtypes = ctypes.c_void_p, [ctypes.c_size_t], [ctypes.c_void_p]
    if sys.argv[1] == "backend":  # what starting tfc's XLA backend sets
        import tfc
        tfc.compile(lambda x: x + 1)(1.0)
        print(True)
    else:
        from tfc.backends.xla.host_memory import retain_freed_memory
        print(retain_freed_memory(sys.argv[1] == "keep"))
    faults = []
    def step():  # an execution: a 48 MiB block malloc'ed, written and freed, on a worker thread as XLA's are
        before = resource.getrusage(resource.RUSAGE_THREAD).ru_minflt
        block = libc.malloc(48 << 20)
        ctypes.memset(block, 1, 48 << 20)
        libc.free(block)
        faults.append(resource.getrusage(resource.RUSAGE_THREAD).ru_minflt - before)
    worker = threading.Thread(target=lambda: [step() for _ in range(3)])  # one thread, as XLA's pool keeps them
    worker.start()
    worker.join()
    print(faults[-1])
""")


def faults_of_a_reused_block(mode: str) -> tuple[str, int]:
    done = subprocess.run([sys.executable, "-c", FAULTS_OF_A_REUSED_BLOCK, mode], capture_output=True, text=True, check=True)
    taken, faults = done.stdout.split()
    return taken, int(faults)


@pytest.mark.skipif(not GLIBC, reason="the setting is glibc's")
def test_a_freed_block_is_reused_without_page_faults():
    taken, faults = faults_of_a_reused_block("keep")
    assert taken == "True" and faults < 1000  # 48 MiB is 12,288 pages of 4 KiB


@pytest.mark.skipif(not GLIBC, reason="the setting is glibc's")
def test_glibc_starting_values_fault_the_block_in_again():
    taken, faults = faults_of_a_reused_block("return")
    assert taken == "True" and faults > 10_000


@pytest.mark.skipif(not GLIBC, reason="the setting is glibc's")
def test_the_xla_backend_keeps_freed_memory_once_it_starts():
    taken, faults = faults_of_a_reused_block("backend")
    assert taken == "True" and faults < 1000


def test_elsewhere_nothing_is_set(monkeypatch):
    """A C library that is not glibc (macOS, musl), simulated: nothing is set, and the call says so."""
    monkeypatch.setattr(host_memory, "_confstr", lambda name: None)
    host_memory._mallopt.cache_clear()
    try:
        assert retain_freed_memory() is False
    finally:
        host_memory._mallopt.cache_clear()
