"""``tfc serve`` over HTTP on loopback: TF Serving's REST API, its errors, hot reload under load, and the CLI's refusals."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time

import httpx
import numpy as np
import pytest

import tfc
import tfc.saved_model as saved_model
from tfc.saved_model.format import METADATA_FILE

from .serve_process import SERVE, rest_server

W1 = np.arange(6, dtype=np.float32).reshape(3, 2) / 4
W2 = -W1 + 1


def _linear(w, name):
    v = tfc.Variable(w, name=name)  # eager names are process-wide: ones no other test uses

    @tfc.compile(input_signature=[tfc.TensorSpec([None, 3], tfc.float32)])
    def predict(x):
        return {"y": tfc.matmul(x, v)}
    return predict


def _server(base, *flags):
    return rest_server(["--model_name", "lin", "--model_base_path", str(base), "--file_system_poll_wait_seconds", "0.2", *flags], "/v1/models/lin")


@pytest.fixture(params=[[], ["--enable_batching", "--max_batch_size", "8", "--batch_timeout_micros", "500"]], ids=["plain", "batching"])
def models(request, tmp_path):
    """(base path holding version 1, a staged version 2 outside it, the two Python functions, the server's flags)."""
    root, suffix = tmp_path, request.node.callspec.id
    f1, f2 = _linear(W1, f"serving_test_w1_{suffix}"), _linear(W2, f"serving_test_w2_{suffix}")
    saved_model.save(f1, root / "base" / "1")
    saved_model.save(f2, root / "staged" / "2")
    return root, f1, f2, request.param


def test_predict_status_metadata_errors_and_hot_reload(models):
    root, f1, f2, flags = models
    base = root / "base"
    x = np.arange(12, dtype=np.float32).reshape(4, 3) / 3
    with _server(base, *flags) as url, httpx.Client(base_url=url, timeout=30) as client:
        status = client.get("/v1/models/lin").json()
        assert status == {"model_version_status": [{"version": "1", "state": "AVAILABLE", "status": {"error_code": "OK", "error_message": ""}}]}
        assert client.get("/v1/models/lin/versions/1").status_code == 200
        meta = client.get("/v1/models/lin/metadata").json()
        sig = meta["metadata"]["signature_def"]["signature_def"]["serving_default"]
        assert meta["model_spec"] == {"name": "lin", "signature_name": "", "version": "1"}
        assert sig["inputs"]["x"] == {"dtype": "DT_FLOAT", "name": "x", "tensor_shape": {
            "dim": [{"size": "-1", "name": ""}, {"size": "3", "name": ""}], "unknown_rank": False}}
        assert sig["method_name"] == "tensorflow/serving/predict"

        rows = client.post("/v1/models/lin:predict", json={"instances": x.tolist()})
        np.testing.assert_allclose(rows.json()["predictions"], np.asarray(f1(x)["y"]), rtol=1e-6)
        named = client.post("/v1/models/lin/versions/1:predict", json={"instances": [{"x": r} for r in x.tolist()]})
        np.testing.assert_allclose(named.json()["predictions"], np.asarray(f1(x)["y"]), rtol=1e-6)
        columns = client.post("/v1/models/lin:predict", json={"signature_name": "serving_default", "inputs": {"x": x.tolist()}})
        np.testing.assert_allclose(columns.json()["outputs"], np.asarray(f1(x)["y"]), rtol=1e-6)

        _check_errors(client)
        _hot_reload_under_load(client, root, x, f1, f2)


def _check_errors(client):
    def post(path, content):
        response = client.post(path, content=content)
        return response.status_code, response.json()
    assert post("/v1/models/nope:predict", b'{"instances": [[1, 2, 3]]}') == (404, {"error": "Servable not found for request: Latest(nope)"})
    assert post("/v1/models/lin/versions/7:predict", b'{"instances": [[1, 2, 3]]}') == (
        404, {"error": "Servable not found for request: Specific(lin, 7)"})
    assert client.get("/v1/models/nope").status_code == 404
    code, body = post("/v1/models/lin:predict", b'{"instances": [[1, 2, 3]')
    assert code == 400 and body["error"].startswith("JSON Parse error:")
    code, body = post("/v1/models/lin:predict", b'{"instances": [[1, 2]]}')
    assert code == 400 and "input 'x' has shape [1, 2], expected ['None', 3]" in body["error"]
    code, body = post("/v1/models/lin:predict", b'{"instances": [[1, 2, 3], [1, 2]]}')
    assert code == 400 and "input 'x'" in body["error"]
    assert post("/v1/models/lin:predict", b'{"x": 1}') == (400, {"error": "Missing 'inputs' or 'instances' key"})
    code, body = post("/v1/models/lin:predict", b'{"signature_name": "other", "inputs": [[1, 2, 3]]}')
    assert code == 400 and body == {"error": 'Serving signature name: "other" not found in signature def'}


def _hot_reload_under_load(client, root, x, f1, f2):
    """64 threads predict while version 2 is renamed into the base path (and an incomplete version 3 appears): no failure."""
    answers = [np.asarray(f(x)["y"]) for f in (f1, f2)]
    stop, failures, seen = threading.Event(), [], set()
    started = threading.Barrier(65)

    def worker():
        with httpx.Client(base_url=str(client.base_url), timeout=60) as own:
            started.wait()
            while not stop.is_set():
                try:
                    response = own.post("/v1/models/lin:predict", json={"instances": x.tolist()})
                    got = np.asarray(response.json()["predictions"], np.float32)
                    match = [i for i, a in enumerate(answers) if response.status_code == 200 and np.allclose(got, a, rtol=1e-5)]
                    (seen.add(match[0]) if match else failures.append((response.status_code, response.text)))
                except Exception as err:  # noqa: BLE001 - any failure of any kind is what the test counts
                    failures.append(repr(err))

    threads = [threading.Thread(target=worker) for _ in range(64)]
    for t in threads:
        t.start()
    try:
        started.wait()
        time.sleep(0.5)
        incomplete = root / "staged" / "3"
        shutil.copytree(root / "staged" / "2", incomplete)
        os.remove(incomplete / METADATA_FILE)
        os.rename(incomplete, root / "base" / "3")
        os.rename(root / "staged" / "2", root / "base" / "2")
        deadline = time.monotonic() + 30
        while not any(s["version"] == "2" and s["state"] == "AVAILABLE" for s in client.get("/v1/models/lin").json()["model_version_status"]):
            assert time.monotonic() < deadline, "version 2 was not loaded"
            time.sleep(0.1)
        time.sleep(0.5)
    finally:
        stop.set()
        for t in threads:
            t.join(60)
    assert not failures, failures[:3]
    assert seen == {0, 1}
    got = client.post("/v1/models/lin:predict", json={"instances": x.tolist()}).json()["predictions"]
    np.testing.assert_allclose(got, answers[1], rtol=1e-6)
    states = {s["version"]: s for s in client.get("/v1/models/lin").json()["model_version_status"]}
    assert states["1"]["state"] == "END" and states["2"]["state"] == "AVAILABLE"
    assert states["3"]["state"] == "END" and "no saved_model.json" in states["3"]["status"]["error_message"]
    assert client.post("/v1/models/lin/versions/1:predict", json={"instances": x.tolist()}).status_code == 404  # unloaded


def test_cli_bad_flags_and_incomplete_base_path(tmp_path):
    def serve(*args):
        done = subprocess.run([*SERVE, *args], capture_output=True, text=True, timeout=60)
        return done.returncode, done.stderr.strip()
    code, err = serve("--model_name", "m", "--model_base_path", str(tmp_path), "--rest_api_port", "notaport")
    assert code == 2 and len(err.splitlines()) == 1 and "rest_api_port" in err
    (tmp_path / "1").mkdir()
    code, err = serve("--model_name", "m", "--model_base_path", str(tmp_path))
    assert code == 1 and len(err.splitlines()) == 1
    assert "no loadable version of model 'm'" in err and "no saved_model.json" in err
    code, err = serve("--model_name", "m", "--model_base_path", str(tmp_path / "missing"))
    assert code == 1 and "is not a directory" in err and len(err.splitlines()) == 1
