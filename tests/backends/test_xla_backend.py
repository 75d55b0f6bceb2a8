"""The XLA backend: device selection, the executable caches, and clear errors."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import tfc
from tfc.backends.xla import backend


def test_unknown_device_is_a_clear_error():
    f = tfc.compile(lambda x: x + 1, device="gpu:0")
    with pytest.raises(tfc.BackendError, match="gpu:0"):
        f(np.ones(2, np.float32))
    with pytest.raises(tfc.BackendError, match="cpu:7"):
        tfc.compile(lambda x: x + 1, device="cpu:7")(np.ones(2, np.float32))


def test_runs_on_a_chosen_cpu_device():
    script = textwrap.dedent(
        """
        import numpy as np, tfc
        f = tfc.compile(lambda x: tfc.matmul(x, x), device="cpu:1")
        z = f(np.array([[1., 2.], [3., 4.]], np.float32))
        print(sorted(str(d) for d in z.devices()), np.asarray(z).tolist())
        """
    )
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=2")
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "['cpu:1'] [[7.0, 10.0], [15.0, 22.0]]"


def test_memory_cache_reuses_executables():
    lowered = tfc.compile(lambda x: x * 3).lower(np.ones(4, np.float32))
    first = backend.compile_module(lowered.module, entry=lowered.function_name)
    second = backend.compile_module(lowered.module, entry=lowered.function_name)
    assert first.executable is second.executable


def test_disk_cache_reloads_without_compiling(tmp_path):
    lowered = tfc.compile(lambda x: tfc.exp(x) + 1).lower(np.ones(3, np.float32))
    backend.compile_module(lowered.module, entry=lowered.function_name, cache_dir=tmp_path)
    [entry] = list(tmp_path.iterdir())
    backend.clear_cache()
    stamp = entry.stat().st_mtime_ns
    reloaded = backend.compile_module(lowered.module, entry=lowered.function_name, cache_dir=tmp_path)
    assert entry.stat().st_mtime_ns == stamp and len(list(tmp_path.iterdir())) == 1
    np.testing.assert_allclose(np.asarray(reloaded(np.zeros(3, np.float32))[0]), [2, 2, 2])


def test_corrupt_disk_cache_entry_is_recompiled(tmp_path):
    lowered = tfc.compile(lambda x: x - 1).lower(np.ones(3, np.float32))
    backend.compile_module(lowered.module, entry=lowered.function_name, cache_dir=tmp_path)
    [entry] = list(tmp_path.iterdir())
    entry.write_bytes(b"garbage")
    backend.clear_cache()
    compiled = backend.compile_module(lowered.module, entry=lowered.function_name, cache_dir=tmp_path)
    np.testing.assert_allclose(np.asarray(compiled(np.ones(3, np.float32))[0]), [0, 0, 0])
    assert entry.read_bytes() != b"garbage"
