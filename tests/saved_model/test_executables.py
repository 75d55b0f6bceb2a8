"""Serialized executables in an export: a loader runs them without compiling, and falls back to
compiling when one is stale, tampered with or missing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

import tfc
import tfc.saved_model as saved_model
from tfc.saved_model import SaveOptions, executables
from tfc.saved_model.format import METADATA_FILE

W = np.arange(6, dtype=np.float32).reshape(3, 2) / 4
X4 = np.linspace(-1, 1, 12, dtype=np.float32).reshape(4, 3)


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    """One function exported twice, with executables for batch sizes 1 and 4 and without: (with, without, function)."""
    w = tfc.Variable(W, name="executables_test_w")  # eager names are process-wide: one no other test uses

    @tfc.compile(input_signature=[tfc.TensorSpec([None, 3], tfc.float32), tfc.TensorSpec([], tfc.float32, name="shift")])
    def predict(x, bias):
        return {"y": tfc.nn.relu(tfc.matmul(x, w) - bias), "total": tfc.reduce_sum(x, axis=1)}

    base = tmp_path_factory.mktemp("exec_models")
    with_executables = saved_model.save(predict, base / "1", options=SaveOptions(executables_for_batch_sizes=(4, 1, 4)))
    without = saved_model.save(predict, base / "2")
    return with_executables, without, predict


def _copy(path, tmp_path):
    return shutil.copytree(path, tmp_path / "copy")


def test_layout_and_index(exports):
    path, _, _ = exports
    metadata = saved_model.read_metadata(path)
    index = metadata["executables"]
    assert index["target"]["platform"] == "cpu" and index["target"]["runtime"].startswith("jax=")
    entries = index["signatures"]["serving_default"]
    assert [e["shapes"] for e in entries] == [[[1, 3], []], [[4, 3], []]]  # sizes sorted, repeats dropped
    assert sorted(os.listdir(path / "executables" / "serving_default")) == ["1x3_scalar.bin", "4x3_scalar.bin"]
    assert entries[1]["params"] == [[[4, 3], "float32"], [[], "float32"], [[3, 2], "float32"]]  # inputs, then the variable
    assert entries[1]["results"] == [[[4, 2], "float32"], [[4], "float32"]]


def test_stored_executable_is_used_and_equals_compiled(exports):
    path, without, predict = exports
    before = executables.counts["loaded"]
    stored = saved_model.load(path).signatures["serving_default"](x=X4, shift=0.25)
    assert executables.counts["loaded"] == before + 1
    compiled = saved_model.load(without).signatures["serving_default"](x=X4, shift=0.25)
    expected = predict(X4, np.float32(0.25))
    for key in ("y", "total"):
        np.testing.assert_array_equal(stored[key], compiled[key])
        np.testing.assert_array_equal(stored[key], np.asarray(expected[key]))


def test_fresh_process_runs_without_compiling(exports):
    """A new process with the compile cache off: the stored batch sizes compile nothing, batch 3 compiles once."""
    path, _, _ = exports
    script = ("import json, sys, numpy as np\n"
              "import tfc.saved_model as sm\n"
              "from tfc.saved_model import executables\n"
              "from tfc.backends.xla import disk_cache\n"
              "serve = sm.load(sys.argv[1]).signatures['serving_default']\n"
              "outs = [serve(x=np.ones((n, 3), np.float32), shift=0.5)['y'].tolist() for n in (1, 4)]\n"
              "first = dict(disk_cache.counts)\n"
              "serve(x=np.ones((3, 3), np.float32), shift=0.5)\n"
              "print(json.dumps([outs, first, dict(disk_cache.counts), dict(executables.counts)]))\n")
    env = {**os.environ, "TFC_CACHE_DIR": ""}
    done = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    outs, first, after, stored = json.loads(done.stdout.strip().splitlines()[-1])
    assert first.get("compiled", 0) == 0 and first.get("loaded", 0) == 0  # neither XLA nor the disk cache
    assert stored == {"loaded": 2} and after.get("compiled") == 1
    expected = np.maximum(np.ones((4, 3), np.float32) @ W - 0.5, 0)
    np.testing.assert_allclose(outs[1], expected, rtol=1e-6)
    np.testing.assert_allclose(outs[0], expected[:1], rtol=1e-6)


def _rejected_then_correct(path, predict) -> None:
    before = executables.counts["rejected"]
    out = saved_model.load(path).signatures["serving_default"](x=X4, shift=0.25)
    assert executables.counts["rejected"] == before + 1
    np.testing.assert_array_equal(out["y"], np.asarray(predict(X4, np.float32(0.25))["y"]))


def test_another_runtime_compiles_instead(exports, tmp_path):
    path, _, predict = exports
    copy = _copy(path, tmp_path)
    metadata = json.loads((copy / METADATA_FILE).read_text())
    metadata["executables"]["target"]["runtime"] = "jax=0.0.1;jaxlib=0.0.1;xla_ext=1"
    (copy / METADATA_FILE).write_text(json.dumps(metadata))
    _rejected_then_correct(copy, predict)


@pytest.mark.parametrize("damage", ["truncate", "delete", "edit_program"])
def test_damaged_executable_compiles_instead(exports, tmp_path, damage):
    path, _, predict = exports
    copy = _copy(path, tmp_path)
    payload = copy / "executables" / "serving_default" / "4x3_scalar.bin"
    if damage == "truncate":
        payload.write_bytes(payload.read_bytes()[:100])
    elif damage == "delete":
        payload.unlink()
    else:  # the program changed after the executable was built: the executable no longer computes it
        program = copy / "serving_default.tfc"
        program.write_text(program.read_text() + "\n")
    _rejected_then_correct(copy, predict)


def test_malformed_index_is_ignored(exports, tmp_path):
    path, _, predict = exports
    copy = _copy(path, tmp_path)
    metadata = json.loads((copy / METADATA_FILE).read_text())
    metadata["executables"]["signatures"]["serving_default"] = ["junk", {"shapes": 5}, {"shapes": [[4, 3], []]}]
    (copy / METADATA_FILE).write_text(json.dumps(metadata))
    _rejected_then_correct(copy, predict)  # the entry for these shapes lacks its fields: compiled instead


def test_served_export_uses_its_executables(exports, tmp_path):
    """``tfc serve``'s app (in-process) answers from the stored executable."""
    from starlette.testclient import TestClient

    from tfc.serving import ModelManager, create_app

    path, _, predict = exports
    shutil.copytree(path, tmp_path / "base" / "1")
    before = executables.counts["loaded"]
    with TestClient(create_app(ModelManager("exec", tmp_path / "base", 0))) as client:
        response = client.post("/v1/models/exec:predict", json={"inputs": {"x": X4.tolist(), "shift": 0.25}})
    assert response.status_code == 200, response.text
    assert executables.counts["loaded"] == before + 1
    np.testing.assert_allclose(response.json()["outputs"]["y"], np.asarray(predict(X4, np.float32(0.25))["y"]), rtol=1e-6)


def test_static_signature_gets_one_executable(tmp_path):
    @tfc.compile(input_signature=[tfc.TensorSpec([2, 2], tfc.float32)])
    def square(x):
        return tfc.matmul(x, x)

    path = saved_model.save(square, tmp_path / "1", options=SaveOptions(executables_for_batch_sizes=(1, 8)))
    entries = saved_model.read_metadata(path)["executables"]["signatures"]["serving_default"]
    assert [e["file"] for e in entries] == ["executables/serving_default/2x2.bin"]
    x = np.array([[1, 2], [3, 4]], np.float32)
    np.testing.assert_array_equal(saved_model.load(path).signatures["serving_default"](x=x)["output_0"], x @ x)


def test_refusals(tmp_path):
    @tfc.compile(input_signature=[tfc.TensorSpec([None, None], tfc.float32)])
    def ragged(x):
        return x * 2.0

    with pytest.raises(ValueError, match="signature 'serving_default' input 'x' has shape \\[None, None\\]"):
        saved_model.save(ragged, tmp_path / "1", options=SaveOptions(executables_for_batch_sizes=(1,)))
    assert not (tmp_path / "1").exists()
    for sizes in ((), (0, 2), 8, (1.5,)):
        with pytest.raises(ValueError, match="executables_for_batch_sizes must be None or a non-empty sequence"):
            SaveOptions(executables_for_batch_sizes=sizes)
    with pytest.raises(TypeError, match="options must be a tfc.saved_model.SaveOptions"):
        saved_model.save(ragged, tmp_path / "2", options={"executables_for_batch_sizes": (1,)})
    with pytest.raises(ValueError, match="executable_device 'nosuchdevice'"):
        saved_model.save(tfc.compile(input_signature=[tfc.TensorSpec([2], tfc.float32)])(lambda x: x + 1.0), tmp_path / "3",
                         options=SaveOptions(executables_for_batch_sizes=(1,), executable_device="nosuchdevice"))
