"""The persistent compile cache: where it lives, what it refuses to load, concurrent writers, and
a second process that loads instead of compiling."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numpy as np
import pytest

import tfc
from tfc.backends.xla import backend, disk_cache
from tfc.backends.xla import jaxlib_adapter as jx

CORPUS = Path(__file__).resolve().parents[1] / "data" / "corpus"
VERSION_FOLDER = Path("tfc") / "xla" / f"jaxlib-{jx.jaxlib_version()}"


def lowered_module(constant: float):
    """A module no other test compiles (``constant`` makes it unique), so the memory cache misses."""
    return tfc.compile(lambda x: tfc.exp(x) * constant + 1).lower(np.ones(3, np.float32))


def compile_fresh(lowered, **kwargs):
    backend.clear_cache()
    return backend.compile_module(lowered.module, entry=lowered.function_name, **kwargs)


def entries(folder: Path) -> list[Path]:
    return sorted(folder.glob(f"*{disk_cache.SUFFIX}"))


def test_default_location_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.delenv(disk_cache.CACHE_VARIABLE, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert disk_cache.default_cache_dir() == tmp_path / "xdg" / VERSION_FOLDER
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")  # invalid per XDG: ignored
    assert disk_cache.default_cache_dir() == tmp_path / "home" / ".cache" / VERSION_FOLDER
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert disk_cache.default_cache_dir() == tmp_path / "home" / ".cache" / VERSION_FOLDER


def test_variable_moves_the_cache_and_empty_turns_it_off(monkeypatch, tmp_path):
    monkeypatch.setenv(disk_cache.CACHE_VARIABLE, str(tmp_path / "moved"))
    assert disk_cache.default_cache_dir() == tmp_path / "moved"
    monkeypatch.setenv(disk_cache.CACHE_VARIABLE, "")
    assert disk_cache.default_cache_dir() is None and disk_cache.resolve(None) is None
    assert disk_cache.resolve(tmp_path) == tmp_path  # an explicit folder wins
    assert disk_cache.resolve(False) is None and disk_cache.resolve("") is None


def test_the_default_folder_is_used_and_reloaded(monkeypatch, tmp_path):
    monkeypatch.setenv(disk_cache.CACHE_VARIABLE, str(tmp_path))
    lowered = lowered_module(2.5)
    compile_fresh(lowered)
    [entry] = entries(tmp_path)
    before = dict(disk_cache.counts)
    compiled = compile_fresh(lowered)
    assert disk_cache.counts["loaded"] == before.get("loaded", 0) + 1
    assert disk_cache.counts["compiled"] == before.get("compiled", 0)
    np.testing.assert_allclose(np.asarray(compiled(np.zeros(3, np.float32))[0]), [3.5] * 3)


def test_empty_variable_writes_nothing_but_an_explicit_folder_wins(monkeypatch, tmp_path):
    monkeypatch.setenv(disk_cache.CACHE_VARIABLE, "")
    stored = disk_cache.counts["stored"]
    compile_fresh(lowered_module(3.5))
    assert disk_cache.counts["stored"] == stored
    compile_fresh(lowered_module(3.5), cache_dir=tmp_path)
    assert len(entries(tmp_path)) == 1


@pytest.mark.parametrize("damage", ["garbage", "truncated", "flipped byte", "empty"])
def test_corrupt_entry_is_ignored_and_replaced(tmp_path, damage):
    lowered = lowered_module(4.5)
    compile_fresh(lowered, cache_dir=tmp_path)
    [entry] = entries(tmp_path)
    good = entry.read_bytes()
    bad = {"garbage": os.urandom(len(good)), "truncated": good[: len(good) // 2], "empty": b"",
           "flipped byte": good[:-100] + bytes([good[-100] ^ 0xFF]) + good[-99:]}[damage]
    entry.write_bytes(bad)
    rejected = disk_cache.counts["rejected"]
    compiled = compile_fresh(lowered, cache_dir=tmp_path)
    assert disk_cache.counts["rejected"] == rejected + 1
    np.testing.assert_allclose(np.asarray(compiled(np.zeros(3, np.float32))[0]), [5.5] * 3)
    assert entry.read_bytes() != bad
    loaded = disk_cache.counts["loaded"]
    compile_fresh(lowered, cache_dir=tmp_path)
    assert disk_cache.counts["loaded"] == loaded + 1  # the replacement is a good entry


@pytest.mark.parametrize("field, value", [("runtime", "jax=0.0.1;jaxlib=0.0.1;xla_ext=0"), ("device_kind", "TPU v9"),
                                          ("key", "0" * 64), ("format", "tfc-xla-cache/0")])
def test_foreign_entry_is_ignored_and_replaced(tmp_path, field, value):
    lowered = lowered_module(5.5)
    compile_fresh(lowered, cache_dir=tmp_path)
    [entry] = entries(tmp_path)
    head, _, payload = entry.read_bytes().partition(b"\n")
    header = json.loads(head)
    header[field] = value
    entry.write_bytes(json.dumps(header).encode() + b"\n" + payload)
    rejected, loaded = disk_cache.counts["rejected"], disk_cache.counts["loaded"]
    compile_fresh(lowered, cache_dir=tmp_path)
    assert disk_cache.counts["rejected"] == rejected + 1 and disk_cache.counts["loaded"] == loaded
    assert json.loads(entry.read_bytes().partition(b"\n")[0])[field] != value


@pytest.mark.parametrize("field", ["params", "results"])
def test_entry_without_its_types_is_ignored_and_replaced(tmp_path, field):
    lowered = lowered_module(5.75)
    compile_fresh(lowered, cache_dir=tmp_path)
    [entry] = entries(tmp_path)
    head, _, payload = entry.read_bytes().partition(b"\n")
    header = json.loads(head)
    assert header["params"] == [[[3], "float32"]] and header["results"] == [[[3], "float32"]]
    del header[field]
    entry.write_bytes(json.dumps(header).encode() + b"\n" + payload)
    rejected = disk_cache.counts["rejected"]
    compiled = compile_fresh(lowered, cache_dir=tmp_path)
    assert disk_cache.counts["rejected"] == rejected + 1
    assert compiled.executable.in_types == [((3,), np.dtype(np.float32))]


def test_a_module_of_tfc_ops_loads_without_lowering(monkeypatch, tmp_path):
    """Keyed on the IR's digest and tfc's lowering source: a warm load never builds StableHLO."""
    lowered = lowered_module(5.25)
    assert backend.own_ops_only(lowered.module)
    compile_fresh(lowered, cache_dir=tmp_path)

    def no_lowering(*args, **kwargs):
        raise AssertionError("lowered on a warm load")

    with monkeypatch.context() as patch:
        patch.setattr(backend, "lower_module", no_lowering)
        compiled = compile_fresh(lowered, cache_dir=tmp_path)
    np.testing.assert_allclose(np.asarray(compiled(np.zeros(3, np.float32))[0]), [6.25] * 3)
    monkeypatch.setattr(disk_cache, "lowering_fingerprint", lambda: "another tfc's lowering")
    compiled_count = disk_cache.counts["compiled"]
    compile_fresh(lowered, cache_dir=tmp_path)  # another lowering: another key, compiled again
    assert disk_cache.counts["compiled"] == compiled_count + 1 and len(entries(tmp_path)) == 2


def test_a_module_with_a_custom_op_is_keyed_on_its_stablehlo(tmp_path):
    from tests.frontend import custom_ops_lib

    lowered = tfc.compile(lambda x: custom_ops_lib.scaled_softplus(x, 2.0)).lower(np.ones(3, np.float32))
    assert not backend.own_ops_only(lowered.module)
    compile_fresh(lowered, cache_dir=tmp_path)
    [entry] = entries(tmp_path)
    stablehlo = backend.lower_module(lowered.module, lowered.function_name, "cpu")
    expected = disk_cache.entry_key(backend.stablehlo_bytecode(stablehlo), lowered.function_name, jx.get_device("cpu"), ())
    assert entry.name == f"{expected}{disk_cache.SUFFIX}"


def test_unwritable_folder_degrades_with_one_warning(monkeypatch, tmp_path):
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder")
    messages = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = lambda record: messages.append(record.getMessage())
    logger = logging.getLogger("tfc")
    logger.addHandler(handler)
    monkeypatch.setattr(disk_cache, "_warned", False)
    monkeypatch.setenv(disk_cache.CACHE_VARIABLE, str(blocker / "cache"))
    try:
        for constant in (6.5, 7.5):
            compiled = compile_fresh(lowered_module(constant))
            np.testing.assert_allclose(np.asarray(compiled(np.zeros(3, np.float32))[0]), [constant + 1] * 3)
        compile_fresh(lowered_module(8.5), cache_dir=tmp_path / "elsewhere" / "x")  # works: a writable folder
    finally:
        logger.removeHandler(handler)
    assert len(messages) == 1 and "cannot write the compile cache" in messages[0], messages
    assert len(entries(tmp_path / "elsewhere" / "x")) == 1


def test_concurrent_writers_of_one_entry_leave_a_whole_one(tmp_path):
    lowered = lowered_module(9.5)
    compile_fresh(lowered, cache_dir=tmp_path)
    [entry] = entries(tmp_path)
    key = entry.name.removesuffix(disk_cache.SUFFIX)
    executable = backend.compile_module(lowered.module, entry=lowered.function_name, cache_dir=False).executable
    target = jx.get_device("cpu")
    threads = [threading.Thread(target=disk_cache.store, args=(tmp_path, key, target, executable)) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [p.name for p in tmp_path.iterdir()] == [entry.name]  # no temp files left
    assert disk_cache.load(tmp_path, key, target) is not None


COMPILE_AND_COUNT = textwrap.dedent(
    """
    import json, sys
    import numpy as np, tfc
    from tfc.backends.xla import disk_cache
    f = tfc.compile(lambda x: tfc.tanh(x) * 10.5 + tfc.exp(x))
    assert np.allclose(np.asarray(f(np.zeros(8, np.float32))), 1.0)
    print(json.dumps(dict(disk_cache.counts)))
    """
)


def test_concurrent_processes_share_one_folder(tmp_path):
    env = dict(os.environ, TFC_CACHE_DIR=str(tmp_path))
    procs = [subprocess.Popen([sys.executable, "-c", COMPILE_AND_COUNT], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(3)]
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    assert len(entries(tmp_path)) == 1 and len(list(tmp_path.iterdir())) == 1
    out = subprocess.run([sys.executable, "-c", COMPILE_AND_COUNT], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {"loaded": 1}


RUN_AND_COUNT = textwrap.dedent(
    """
    import json, sys
    from tfc.backends.xla import disk_cache
    from tfc.tools.cli import main
    main(sys.argv[1:], standalone_mode=False)
    print(json.dumps(dict(disk_cache.counts)), file=sys.stderr)
    """
)


@pytest.mark.parametrize("case, fetches", [("mlp_dense", ["Identity:0"]), ("device_placement", ["out:0", "h1:0"])])
def test_second_tfc_run_loads_instead_of_compiling(tmp_path, case, fetches):
    """A fresh process running the same graph compiles nothing (the partitioned ``device_placement``
    case: every segment's executable comes from disk too)."""
    env = dict(os.environ, TFC_CACHE_DIR=str(tmp_path / "cache"))
    args = ["run", str(CORPUS / case / "graph.pb"), "--inputs", str(CORPUS / case / "inputs.npz")]
    args += [f"--fetch={name}" for name in fetches]
    runs = []
    for i in range(2):
        out = subprocess.run([sys.executable, "-c", RUN_AND_COUNT, *args, "-o", str(tmp_path / f"{i}.npz")], env=env,
                             capture_output=True, text=True, timeout=180)
        assert out.returncode == 0, out.stderr
        runs.append(json.loads(out.stderr.strip().splitlines()[-1]))
    first, second = runs
    assert first.get("compiled", 0) >= 1 and first.get("loaded", 0) == 0, first
    assert second.get("compiled", 0) == 0 and second.get("loaded") == first["compiled"], second
    with np.load(tmp_path / "0.npz") as cold, np.load(tmp_path / "1.npz") as warm:
        for name in cold.files:
            np.testing.assert_array_equal(cold[name], warm[name])


def test_a_modules_xla_options_reach_the_compiler_and_the_key(tmp_path):
    from tfc.compile_options import set_xla_option, xla_options

    lowered = lowered_module(9.25)
    plain_key = disk_cache.entry_key(b"p", "main", jx.get_device("cpu"), ())
    set_xla_option(lowered.module, "xla_cpu_enable_fast_math", "False")
    assert xla_options(lowered.module) == {"xla_cpu_enable_fast_math": "False"}  # Python spellings of bools
    assert disk_cache.entry_key(b"p", "main", jx.get_device("cpu"), (), xla_options=xla_options(lowered.module)) != plain_key
    compiled = compile_fresh(lowered, cache_dir=tmp_path)
    np.testing.assert_allclose(np.asarray(compiled(np.zeros(3, np.float32))[0]), [10.25] * 3)
    set_xla_option(lowered.module, "xla_cpu_experimental_ynn_fusion_type", "NOT_A_FUSION_TYPE")
    with pytest.raises(tfc.BackendError, match="xla_cpu_experimental_ynn_fusion_type"):
        compile_fresh(lowered, cache_dir=tmp_path)
