"""``tfc serve --port``: TF Serving's gRPC API from a real subprocess on loopback, called as a TF Serving client would."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import threading
import time

import grpc
import numpy as np
import pytest

import tfc
import tfc.saved_model as saved_model
from tfc.serving.grpc_api import MESSAGES, MODEL_SERVICE, PREDICTION_SERVICE, stub
from tfc.serving.tensors import to_numpy, to_proto

from .serve_process import SERVE, free_port

W1 = np.arange(6, dtype=np.float32).reshape(3, 2) / 4
X = np.arange(12, dtype=np.float32).reshape(4, 3) / 3


def _linear(w, name):
    v = tfc.Variable(w, name=name)

    @tfc.compile(input_signature=[tfc.TensorSpec([None, 3], tfc.float32)])
    def predict(x):
        return {"y": tfc.matmul(x, v), "s": tfc.reduce_sum(x, axis=1)}
    return predict


@contextlib.contextmanager
def _server(config, timeout=90.0):
    """``tfc serve`` with gRPC and REST on free loopback ports and batching on; yields the client stubs; killed by pid."""
    port = free_port()
    proc = subprocess.Popen([*SERVE, "--model_config_file", str(config), "--port", str(port), "--rest_api_port", str(free_port()),
                             "--enable_batching", "--max_batch_size", "8", "--batch_timeout_micros", "500"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            try:
                grpc.channel_ready_future(channel).result(timeout=timeout)
            except grpc.FutureTimeoutError:
                proc.kill()
                raise AssertionError(f"tfc serve gRPC did not answer: {proc.stdout.read().decode()}") from None
            yield stub(channel)
    finally:
        proc.kill()
        proc.wait(10)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    root = tmp_path_factory.mktemp("grpc")
    f1, f2 = _linear(W1, "grpc_test_w1"), _linear(-W1, "grpc_test_w2")
    saved_model.save(f1, root / "lin" / "1")
    saved_model.save(f2, root / "lin" / "2")
    config = root / "models.config"
    config.write_text('model_config_list { config { name: "lin" base_path: "lin" model_platform: "tensorflow"\n'
                      '  model_version_policy { all {} } version_labels { key: "stable" value: 1 } } }\n')
    with _server(config) as client:
        yield client, f1, f2


def _request(name="lin", version=None, label=None, x=X, **fields):
    request = MESSAGES["PredictRequest"](**fields)
    request.model_spec.name = name
    if version is not None:
        request.model_spec.version.value = version
    if label is not None:
        request.model_spec.version_label = label
    request.inputs["x"].CopyFrom(to_proto(x))
    return request


def test_tensor_proto_round_trip_and_typed_fields():
    for array in (X, np.array([[b"a", b"bc"]], object), np.array([True, False]), np.arange(3, dtype=np.int64), np.array([1 + 2j], np.complex64)):
        back = to_numpy(to_proto(array))
        assert back.dtype == array.dtype and back.tolist() == array.tolist()
    typed = to_proto(np.zeros((2, 2), np.float32))
    typed.ClearField("tensor_content")
    typed.float_val.extend([1, 2, 3, 4])
    assert to_numpy(typed).tolist() == [[1, 2], [3, 4]]


def test_field_numbers_are_tf_servings():
    spec = {f.name: f.number for f in MESSAGES["ModelSpec"].DESCRIPTOR.fields}
    assert spec == {"name": 1, "version": 2, "version_label": 4, "signature_name": 3}
    assert {f.name: f.number for f in MESSAGES["PredictRequest"].DESCRIPTOR.fields} == {"model_spec": 1, "inputs": 2, "output_filter": 3}
    assert {f.name: f.number for f in MESSAGES["PredictResponse"].DESCRIPTOR.fields} == {"model_spec": 2, "outputs": 1}
    assert MESSAGES["PredictRequest"].DESCRIPTOR.full_name == "tensorflow.serving.PredictRequest"
    assert (PREDICTION_SERVICE, MODEL_SERVICE) == ("tensorflow.serving.PredictionService", "tensorflow.serving.ModelService")


def test_predict_versions_labels_and_filter(served):
    client, f1, f2 = served
    latest = client["Predict"](_request(), timeout=60)
    assert latest.model_spec.name == "lin" and latest.model_spec.version.value == 2
    np.testing.assert_allclose(to_numpy(latest.outputs["y"]), np.asarray(f2(X)["y"]), rtol=1e-6)
    np.testing.assert_allclose(to_numpy(latest.outputs["s"]), np.asarray(f2(X)["s"]), rtol=1e-6)
    one = client["Predict"](_request(version=1), timeout=60)
    np.testing.assert_allclose(to_numpy(one.outputs["y"]), np.asarray(f1(X)["y"]), rtol=1e-6)
    stable = client["Predict"](_request(label="stable", output_filter=["y"]), timeout=60)
    assert list(stable.outputs) == ["y"] and stable.model_spec.version.value == 1
    np.testing.assert_allclose(to_numpy(stable.outputs["y"]), np.asarray(f1(X)["y"]), rtol=1e-6)


def test_metadata_and_status(served):
    client = served[0]
    request = MESSAGES["GetModelMetadataRequest"](metadata_field=["signature_def"])
    request.model_spec.name = "lin"
    response = client["GetModelMetadata"](request, timeout=30)
    assert response.model_spec.version.value == 2
    defs = MESSAGES["SignatureDefMap"]()
    assert response.metadata["signature_def"].type_url == "type.googleapis.com/tensorflow.serving.SignatureDefMap"
    assert response.metadata["signature_def"].Unpack(defs)
    x = defs.signature_def["serving_default"].inputs["x"]
    assert (x.name, x.dtype, [d.size for d in x.tensor_shape.dim]) == ("x", 1, [-1, 3])  # DT_FLOAT
    assert defs.signature_def["serving_default"].method_name == "tensorflow/serving/predict"
    status = MESSAGES["GetModelStatusRequest"]()
    status.model_spec.name = "lin"
    versions = client["GetModelStatus"](status, timeout=30).model_version_status
    assert [(v.version, v.state, v.status.error_code) for v in versions] == [(2, 30, 0), (1, 30, 0)]  # AVAILABLE, OK


def _error(call, request):
    with pytest.raises(grpc.RpcError) as info:
        call(request, timeout=30)
    return info.value.code(), info.value.details()


def test_errors_are_tf_serving_status_codes(served):
    predict = served[0]["Predict"]
    assert _error(predict, _request(name="nope")) == (grpc.StatusCode.NOT_FOUND, "Servable not found for request: Latest(nope)")
    assert _error(predict, _request(version=7)) == (grpc.StatusCode.NOT_FOUND, "Servable not found for request: Specific(lin, 7)")
    code, details = _error(predict, _request(x=np.zeros((2, 2), np.float32)))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and "input 'x'" in details
    missing = _request()
    del missing.inputs["x"]
    code, details = _error(predict, missing)
    assert code == grpc.StatusCode.INVALID_ARGUMENT and "Missing but required: ['x']" in details
    assert _error(predict, _request(label="nope")) == (grpc.StatusCode.INVALID_ARGUMENT, "Unrecognized servable version label: nope")


def test_concurrent_clients_with_batching(served):
    client, f1, f2 = served
    results, errors = {}, []

    def work(i):
        try:
            x = X[: 1 + i % 4] + i
            results[i] = (x, to_numpy(client["Predict"](_request(version=1, x=x), timeout=60).outputs["y"]))
        except Exception as err:  # noqa: BLE001 - reported by the assertion below
            errors.append(err)
    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    start = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    assert not errors and len(results) == 8 and time.monotonic() - start < 90
    for x, y in results.values():
        np.testing.assert_allclose(y, np.asarray(f1(x)["y"]), rtol=1e-5)


def test_cli_refuses_a_busy_grpc_port_and_a_shared_port(tmp_path):
    saved_model.save(_linear(W1, "grpc_test_cli"), tmp_path / "lin" / "1")
    flags = ["--model_name", "lin", "--model_base_path", str(tmp_path / "lin")]
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run([*SERVE, *flags, "--port", str(port), "--rest_api_port", str(free_port())], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and done.stderr.strip().startswith(f"tfc: error: --port: cannot serve gRPC on 127.0.0.1:{port}")
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    same = subprocess.run([*SERVE, *flags, "--port", "8123", "--rest_api_port", "8123"], capture_output=True, text=True, timeout=60)
    assert same.returncode == 2 and same.stderr.strip() == "Error: --port (gRPC) and --rest_api_port cannot be the same port"
