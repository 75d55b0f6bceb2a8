"""Checkpoints: exact round trip, atomic writes, and clear errors for damaged files."""

import io
import json
import os
import re
import signal
import subprocess
import sys
import time
import zipfile

import ml_dtypes
import numpy as np
import pytest

from tfc import files
from tfc.runtime import checkpoint
from tfc.runtime.checkpoint import CheckpointError

VALUES = {"w": np.arange(6, dtype=np.float32).reshape(2, 3), "step": np.int64(7), "opt/m": np.zeros(3, np.float16)}


def test_round_trip_is_exact(tmp_path):
    path = checkpoint.save(tmp_path / "ckpt", VALUES)
    assert path.name == "ckpt.npz"
    loaded = checkpoint.load(tmp_path / "ckpt")
    assert sorted(loaded) == sorted(VALUES)
    for name, value in VALUES.items():
        np.testing.assert_array_equal(loaded[name], value)
        assert loaded[name].dtype == np.asarray(value).dtype


def test_truncated_checkpoint_is_a_clear_error(tmp_path):
    path = checkpoint.save(tmp_path / "ckpt.npz", VALUES)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="truncated or corrupt"):
        checkpoint.load(path)


def test_failed_save_keeps_the_last_good_checkpoint(tmp_path, monkeypatch):
    path = checkpoint.save(tmp_path / "ckpt.npz", VALUES)
    before = path.read_bytes()

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(files.os, "replace", crash)
    with pytest.raises(CheckpointError, match=f"{path}: error: cannot write checkpoint: disk full"):
        checkpoint.save(path, {"w": np.ones(3)})
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.npz"]  # no temp file left behind


def test_missing_or_mismatched_variables(tmp_path):
    path = checkpoint.save(tmp_path / "ckpt.npz", VALUES)
    loaded = checkpoint.load(path)
    with pytest.raises(CheckpointError, match="no variable 'b'"):
        checkpoint.check_compatible(path, loaded, {"b": np.zeros(2)})
    with pytest.raises(CheckpointError, match="'w' is float32\\[2, 3\\]"):
        checkpoint.check_compatible(path, loaded, {"w": np.zeros((3, 2), np.float32)})
    with pytest.raises(CheckpointError, match="no such checkpoint"):
        checkpoint.load(tmp_path / "absent.npz")


def test_session_save_and_restore_continues_training(tmp_path):
    import tfc

    rng = np.random.default_rng(0)
    xs = rng.standard_normal((32, 2)).astype(np.float32)
    ys = xs @ np.array([[1.5], [-2.0]], np.float32)

    def build():
        graph = tfc.Graph()
        with graph.as_default():
            x = tfc.placeholder(tfc.float32, xs.shape, name="x")
            y = tfc.placeholder(tfc.float32, ys.shape, name="y")
            w = tfc.Variable(np.zeros((2, 1), np.float32), name="w")
            loss = tfc.reduce_mean(tfc.square(tfc.matmul(x, w) - y))
            train = tfc.train.AdamOptimizer(0.05).minimize(loss)
            init = tfc.global_variables_initializer()
        return graph, x, y, w, train, init

    graph, x, y, w, train, init = build()
    sess = tfc.Session(graph=graph)
    sess.run(init)
    for _ in range(5):
        sess.run(train, {x: xs, y: ys})
    path = checkpoint.save_session(sess, tmp_path / "model")
    assert any("Adam" in name for name in checkpoint.load(path))  # slots are saved too
    for _ in range(5):
        sess.run(train, {x: xs, y: ys})
    expected = sess.run(w)

    graph2, x2, y2, w2, train2, init2 = build()
    restored = tfc.Session(graph=graph2)
    restored.run(init2)
    checkpoint.restore_session(restored, path)
    for _ in range(5):
        restored.run(train2, {x2: xs, y2: ys})
    np.testing.assert_allclose(restored.run(w2), expected, rtol=1e-6)


# ---- damaged files: every one a CheckpointError naming the file ------------------------------------
def npy_bytes(array) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.asarray(array), allow_pickle=True)
    return buffer.getvalue()


def write_archive(path, members: dict) -> None:
    """A zip of ``name -> bytes`` members (arrays are stored as .npy bytes, dicts as a JSON manifest)."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            if isinstance(data, dict):
                data = npy_bytes(np.frombuffer(json.dumps(data).encode(), np.uint8))
            elif isinstance(data, np.ndarray):
                data = npy_bytes(data)
            archive.writestr(name, data)


W = np.arange(6, dtype=np.float32).reshape(2, 3)


def manifest(**variables):
    return {"format": 1, "variables": variables or {"w": {"dtype": "<f4", "shape": [2, 3]}}}


def raw_manifest(data: bytes) -> bytes:
    return npy_bytes(np.frombuffer(data, np.uint8))


BAD_ARCHIVES = {
    # the manifest itself
    "manifest not json": ({"__tfc__.npy": raw_manifest(b"{not json"), "w.npy": W}, "the manifest is not JSON: Expecting property name"),
    "manifest not utf-8": ({"__tfc__.npy": raw_manifest(b'{"\xff": 1}'), "w.npy": W}, "the manifest is not UTF-8 text"),
    "manifest nested too deeply": ({"__tfc__.npy": raw_manifest(b"[" * 100_000), "w.npy": W}, "nested too deeply"),
    "manifest not bytes": ({"__tfc__.npy": np.arange(3.0), "w.npy": W}, "the manifest is a float64[3] array, not JSON text"),
    "manifest a list": ({"__tfc__.npy": raw_manifest(b"[1, 2]"), "w.npy": W}, "the manifest is a JSON list, expected an object"),
    "manifest a string": ({"__tfc__.npy": raw_manifest(b'"w"'), "w.npy": W}, "the manifest is a JSON str, expected an object"),
    "no format": ({"__tfc__.npy": {"variables": {}}, "w.npy": W}, "the manifest has no 'format'"),
    "no variables": ({"__tfc__.npy": {"format": 1}, "w.npy": W}, "the manifest has no 'variables'"),
    "format a string": ({"__tfc__.npy": {**manifest(), "format": "1"}, "w.npy": W}, "'format' is \"1\", expected an integer version"),
    "format a float": ({"__tfc__.npy": {**manifest(), "format": 1.0}, "w.npy": W}, "'format' is 1.0, expected an integer version"),
    "format a bool": ({"__tfc__.npy": {**manifest(), "format": True}, "w.npy": W}, "'format' is true, expected an integer version"),
    "format null": ({"__tfc__.npy": {**manifest(), "format": None}, "w.npy": W}, "'format' is null"),
    "format newer": ({"__tfc__.npy": {**manifest(), "format": 2}, "w.npy": W},
                     "checkpoint format version 2 is newer than this tfc reads (version 1)"),
    "format zero": ({"__tfc__.npy": {**manifest(), "format": 0}, "w.npy": W}, "unknown checkpoint format version 0 (this tfc reads version 1)"),
    "variables a list": ({"__tfc__.npy": {"format": 1, "variables": ["w"]}, "w.npy": W}, "'variables' is a JSON list, expected an object"),
    "entry a string": ({"__tfc__.npy": manifest(w="<f4"), "w.npy": W}, "entry for 'w' is \"<f4\", expected an object with 'dtype' and 'shape'"),
    "entry without dtype": ({"__tfc__.npy": manifest(w={"shape": [2, 3]}), "w.npy": W}, "expected an object with 'dtype' and 'shape'"),
    "entry without shape": ({"__tfc__.npy": manifest(w={"dtype": "<f4"}), "w.npy": W}, "expected an object with 'dtype' and 'shape'"),
    "dtype a number": ({"__tfc__.npy": manifest(w={"dtype": 4, "shape": [2, 3]}), "w.npy": W}, "'dtype' is 4, expected a dtype string"),
    "dtype unknown": ({"__tfc__.npy": manifest(w={"dtype": "float33", "shape": [2, 3]}), "w.npy": W}, "unknown dtype \"float33\""),
    "dtype object": ({"__tfc__.npy": manifest(w={"dtype": "|O", "shape": [2, 3]}), "w.npy": W}, "dtype \"|O\" is not one a checkpoint holds"),
    "dtype text": ({"__tfc__.npy": manifest(w={"dtype": "<U3", "shape": [2, 3]}), "w.npy": W}, "dtype \"<U3\" is not one a checkpoint holds"),
    "shape a string": ({"__tfc__.npy": manifest(w={"dtype": "<f4", "shape": "2,3"}), "w.npy": W},
                       "'shape' is \"2,3\", expected a list of non-negative integers"),
    "shape negative": ({"__tfc__.npy": manifest(w={"dtype": "<f4", "shape": [-1, 3]}), "w.npy": W}, "'shape' is [-1, 3]"),
    "shape floats": ({"__tfc__.npy": manifest(w={"dtype": "<f4", "shape": [2.0, 3]}), "w.npy": W}, "'shape' is [2.0, 3]"),
    "shape bools": ({"__tfc__.npy": manifest(w={"dtype": "<f4", "shape": [True, 3]}), "w.npy": W}, "'shape' is [true, 3]"),
    "shape nested": ({"__tfc__.npy": manifest(w={"dtype": "<f4", "shape": [[2, 3]]}), "w.npy": W}, "'shape' is [[2, 3]]"),
    "reserved name listed": ({"__tfc__.npy": manifest(__tfc__={"dtype": "<f4", "shape": []})}, "'__tfc__' is reserved"),
    # manifest and arrays must agree exactly
    "shape disagrees": ({"__tfc__.npy": manifest(w={"dtype": "<f4", "shape": [3, 2]}), "w.npy": W},
                        "variable 'w' is float32[2, 3] but the manifest says float32[3, 2]"),
    "dtype disagrees": ({"__tfc__.npy": manifest(w={"dtype": "<f8", "shape": [2, 3]}), "w.npy": W},
                        "variable 'w' is float32[2, 3] but the manifest says float64[2, 3]"),
    "array not in manifest": ({"__tfc__.npy": manifest(), "w.npy": W, "b.npy": np.zeros(2)}, "array 'b' is in the file but not in the manifest"),
    "manifest names a missing array": ({"__tfc__.npy": manifest(w={"dtype": "<f4", "shape": [2, 3]}, b={"dtype": "<f4", "shape": []}), "w.npy": W},
                                       "the manifest lists 'b' but the file has no such array"),
    "no manifest": ({"w.npy": W}, "not a tfc checkpoint (no '__tfc__' manifest)"),
    # the archive's members
    "member not an array": ({"__tfc__.npy": manifest(), "w.npy": W, "notes.txt": b"hello"}, "member 'notes.txt' is not a .npy array"),
    "pickled object array": ({"__tfc__.npy": manifest(w={"dtype": "<f4", "shape": [2]}), "w.npy": np.array([{}, None], object)},
                             "array 'w' holds Python objects (pickled data), which tfc never loads"),
    "array shorter than its header": ({"__tfc__.npy": manifest(), "w.npy": npy_bytes(W)[:-4]},
                                      "array 'w' is truncated or corrupt: it has 20 bytes of data, but float32[2, 3] needs 24"),
    "array header garbage": ({"__tfc__.npy": manifest(), "w.npy": b"\x93NUMPY\x01\x00\x10\x00{'descr': 1}    \n"}, "array 'w' is truncated or corrupt"),
    "array not npy": ({"__tfc__.npy": manifest(), "w.npy": b"just text"}, "array 'w' is truncated or corrupt"),
    "huge shape in header": ({"__tfc__.npy": manifest(w={"dtype": "<f4", "shape": [10**12]}),
                              "w.npy": npy_bytes(np.zeros(0, np.float32)).replace(b"(0,)", b"(1000000000000,)")},
                             "needs 4000000000000"),
}


@pytest.mark.parametrize("case", sorted(BAD_ARCHIVES))
def test_damaged_checkpoint_is_a_clear_error(tmp_path, case):
    members, message = BAD_ARCHIVES[case]
    path = tmp_path / "ckpt.npz"
    write_archive(path, members)
    with pytest.raises(CheckpointError) as info:
        checkpoint.load(path)
    text = str(info.value)
    assert text.startswith(f"{path}: error: ") and message in text, text
    assert len(text.splitlines()) == 1


def test_damaged_files_are_clear_errors(tmp_path):
    good = checkpoint.save(tmp_path / "good.npz", VALUES).read_bytes()
    flipped = bytearray(good)
    flipped[good.index(b"\x00\x00\x80\x3f")] ^= 0xFF  # a bit flip in w's data: the CRC catches it
    cases = {
        "missing.npz": (None, "no such checkpoint"),
        "empty.npz": (b"", "empty file, not an .npz archive"),
        "random.npz": (np.random.default_rng(0).bytes(500), "not an .npz archive (np.savez writes a zip file"),
        "text.npz": (b"w = [1, 2, 3]\n", "not an .npz archive (np.savez writes a zip file; this one starts with b'w = '"),
        "single.npz": (npy_bytes(W), "a single .npy array, not an .npz archive"),
        "cut.npz": (good[: len(good) - 30], "truncated or corrupt .npz archive"),
        "flipped.npz": (bytes(flipped), "array 'w' is truncated or corrupt: Bad CRC-32"),
    }
    for name, (data, message) in cases.items():
        path = tmp_path / name
        if data is not None:
            path.write_bytes(data)
        with pytest.raises(CheckpointError, match=re.escape(f"{path}: error: ") + ".*" + re.escape(message)):
            checkpoint.load(path)
    (tmp_path / "folder.npz").mkdir()
    with pytest.raises(CheckpointError, match="folder.npz: error: is a folder, not a checkpoint file"):
        checkpoint.load(tmp_path / "folder.npz")


def test_what_save_refuses(tmp_path):
    path = tmp_path / "ckpt.npz"
    with pytest.raises(CheckpointError, match=f"{path}: error: '__tfc__' is reserved"):
        checkpoint.save(path, {"__tfc__": np.zeros(1)})
    with pytest.raises(CheckpointError, match="variable 'x' has dtype object; a checkpoint holds numbers and booleans only"):
        checkpoint.save(path, {"x": np.array([{}], object)})
    with pytest.raises(CheckpointError, match="variable names must be non-empty strings, got 3"):
        checkpoint.save(path, {3: np.zeros(1)})
    (tmp_path / "a_file").write_text("")
    with pytest.raises(CheckpointError, match="a_file/ckpt.npz: error: cannot write checkpoint"):
        checkpoint.save(tmp_path / "a_file" / "ckpt.npz", VALUES)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file"]


def test_any_name_and_bfloat16_round_trip(tmp_path):
    """Names np.savez would take as its own arguments, and ml_dtypes' bfloat16 (whose .npy header says V2)."""
    values = {"file": np.ones(2), "allow_pickle": np.zeros(1, bool), "h": np.arange(3).astype(ml_dtypes.bfloat16), "e": np.zeros((0, 3), np.int8)}
    loaded = checkpoint.load(checkpoint.save(tmp_path / "ckpt", values))
    assert sorted(loaded) == sorted(values)
    for name, value in values.items():
        assert loaded[name].dtype == value.dtype and loaded[name].shape == value.shape
        np.testing.assert_array_equal(loaded[name].astype(np.float32), value.astype(np.float32))
    assert loaded["file"].flags.writeable
    with np.load(tmp_path / "ckpt.npz") as data:  # still an npz any numpy reads
        assert sorted(data.files) == sorted([*values, "__tfc__"])


# ---- killed mid-save: the last good checkpoint survives, the next save cleans up ------------------
KILLED_SAVER = r"""
import os, signal, sys
from pathlib import Path
import numpy as np
from tfc.runtime import checkpoint

path, mode, marker = sys.argv[1], sys.argv[2], Path(sys.argv[3])
values = {f"layer{i}/w": np.full((1024, 1024), i + 1, np.float32) for i in range(16)}  # 64 MiB

def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

if mode.startswith("after-array-"):  # killed by a hook inside save, after the n-th array is written
    count, write_array = int(mode.rsplit("-", 1)[1]), np.lib.format.write_array
    written = []
    def counting(*args, **kwargs):
        write_array(*args, **kwargs)
        written.append(1)
        if len(written) == count:
            die()
    np.lib.format.write_array = counting
elif mode == "before-rename":  # everything written and fsynced, not yet renamed
    os.replace = die
marker.touch()
checkpoint.save(path, values)
"""


def old_values():
    return {f"layer{i}/w": np.full((1024, 1024), -1.0, np.float32) for i in range(16)}


def run_killed_saver(tmp_path, path, mode: str, delay: float | None) -> int:
    """Start a saver; kill it with SIGKILL ``delay`` s after it starts saving (None: it kills itself).
    Returns its exit status; it is always killed and reaped, even when this test fails."""
    marker = tmp_path / f"started-{mode}"
    proc = subprocess.Popen([sys.executable, "-c", KILLED_SAVER, str(path), mode, str(marker)])
    try:
        deadline = time.monotonic() + 120
        if delay is not None:
            while not marker.exists() and proc.poll() is None:
                assert time.monotonic() < deadline, "the saver never started saving"
                time.sleep(0.001)
            time.sleep(delay)
            os.kill(proc.pid, signal.SIGKILL)
        return proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
        marker.unlink(missing_ok=True)


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
def test_sigkill_during_save_keeps_the_previous_checkpoint(tmp_path):
    folder = tmp_path / "ckpts"
    path = checkpoint.save(folder / "ckpt.npz", old_values())
    old = old_values()
    hooks = ["after-array-1", "after-array-9", "after-array-16", "before-rename"]
    for mode in hooks:  # killed at a known point inside save: the old checkpoint, whole
        assert run_killed_saver(tmp_path, path, mode, None) == -signal.SIGKILL
        assert files.leftovers(path), f"{mode}: the killed saver left no temp file: was it killed mid-write?"
        loaded = checkpoint.load(path)
        assert all(np.array_equal(loaded[name], old[name]) for name in old), mode
    new = {f"layer{i}/w": np.full((1024, 1024), i + 1, np.float32) for i in range(16)}
    for delay in (0.0, 0.01, 0.03, 0.06, 0.1):  # killed wherever it happens to be: old or new, never a mix
        status = run_killed_saver(tmp_path, path, "timed", delay)
        loaded = checkpoint.load(path)
        if all(np.array_equal(loaded[name], old[name]) for name in old):
            continue
        assert all(np.array_equal(loaded[name], new[name]) for name in new), f"killed after {delay}s (status {status}): a mixed checkpoint"
        checkpoint.save(path, old)  # start the next round from the old values again
    assert len(list(folder.iterdir())) <= 2  # each save removed the leftovers of the saver killed before it
    checkpoint.save(path, {"w": np.ones(3)})
    assert [p.name for p in folder.iterdir()] == ["ckpt.npz"]  # no stray temp files
    np.testing.assert_array_equal(checkpoint.load(path)["w"], np.ones(3))
