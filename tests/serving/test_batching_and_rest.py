"""tfc.serving in process: the batcher (few compiled sizes, rows back to their requests), a keras model over the
REST app, several inputs and outputs in row and columnar formats, and the model manager's refusals."""

from __future__ import annotations

import json
import shutil
import threading
import time

import numpy as np
import pytest
from starlette.testclient import TestClient

import tfc
import tfc.saved_model as saved_model
from tfc.saved_model.format import METADATA_FILE
from tfc.serving import Batcher, ModelManager, allowed_batch_sizes, batching, create_app


@pytest.fixture(scope="module")
def two_in_two_out(tmp_path_factory):
    """A model with inputs a, b [None, 2] and outputs sum [None, 2] (their product) and norm [None]: (base path, function)."""
    @tfc.compile(input_signature=[tfc.TensorSpec([None, 2], tfc.float32, name="a"), tfc.TensorSpec([None, 2], tfc.float32, name="b")])
    def predict(a, b):
        total = a * b
        return {"sum": total, "norm": tfc.reduce_sum(total * total, axis=1)}
    base = tmp_path_factory.mktemp("two") / "base"
    saved_model.save(predict, base / "1")
    return base, predict


def test_allowed_batch_sizes_and_bad_arguments():
    assert allowed_batch_sizes(1) == [1] and allowed_batch_sizes(12) == [1, 2, 4, 8, 12] and allowed_batch_sizes(16) == [1, 2, 4, 8, 16]
    with pytest.raises(ValueError, match="max_batch_size must be an integer >= 1"):
        Batcher(0)
    with pytest.raises(ValueError, match="batch_timeout_micros must be an integer >= 0"):
        Batcher(8, -1)


def test_batcher_gives_each_request_its_rows_and_compiles_few_sizes(two_in_two_out, monkeypatch):
    monkeypatch.setattr(batching, "IDLE_SECONDS", 0.2)
    base, predict = two_in_two_out
    signature = saved_model.load(base / "1").signatures["serving_default"]
    batcher = Batcher(max_batch_size=8, batch_timeout_micros=20_000)
    rng = np.random.default_rng(0)
    requests = [(rng.normal(size=(n, 2)).astype(np.float32), rng.normal(size=(n, 2)).astype(np.float32)) for n in [1, 2, 3, 1, 2, 3, 1, 2] * 3]
    results = [None] * len(requests)
    barrier = threading.Barrier(len(requests))

    def client(i):
        a, b = requests[i]
        barrier.wait()
        results[i] = batcher.submit(signature, {"a": a, "b": b}).result(timeout=60)
    threads = [threading.Thread(target=client, args=(i,)) for i in range(len(requests))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for (a, b), got in zip(requests, results):
        expected = predict(a, b)
        np.testing.assert_allclose(got["sum"], np.asarray(expected["sum"]), rtol=1e-6)
        np.testing.assert_allclose(got["norm"], np.asarray(expected["norm"]), rtol=1e-5)
    assert batcher.batches_run < len(requests)  # requests did share batches
    assert signature.compile_count <= len(batcher.sizes)  # only the padded sizes were compiled
    assert not batcher.accepts(signature, {"a": np.zeros((9, 2), np.float32), "b": np.zeros((9, 2), np.float32)})  # too big: runs alone
    deadline = time.monotonic() + 10
    while batcher._queues:  # an idle queue's worker ends, letting its signature (perhaps of an unloaded version) go
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_rows_and_columns_with_several_inputs_and_outputs(two_in_two_out):
    base, predict = two_in_two_out
    a, b = np.array([[1, 2], [3, 4], [5, 6]], np.float32), np.array([[0.5, 1], [-1, 2], [2, 0]], np.float32)
    expected = {k: np.asarray(v) for k, v in predict(a, b).items()}
    with TestClient(create_app(ModelManager("two", base, 0), Batcher(4, 1000))) as client:
        rows = client.post("/v1/models/two:predict", json={"instances": [{"a": r.tolist(), "b": s.tolist()} for r, s in zip(a, b)]}).json()
        assert [sorted(p) for p in rows["predictions"]] == [["norm", "sum"]] * 3
        np.testing.assert_allclose([p["sum"] for p in rows["predictions"]], expected["sum"], rtol=1e-6)
        columns = client.post("/v1/models/two:predict", json={"inputs": {"a": a.tolist(), "b": b.tolist()}}).json()["outputs"]
        np.testing.assert_allclose(columns["norm"], expected["norm"], rtol=1e-5)
        missing = client.post("/v1/models/two:predict", json={"instances": [{"a": [1, 2]}]})
        assert missing.status_code == 400 and "does not have named input: b" in missing.json()["error"]
        both = client.post("/v1/models/two:predict", json={"instances": [], "inputs": {}})
        assert both.status_code == 400 and both.json() == {"error": "Not both 'inputs' and 'instances' can be set."}
        nan = client.post("/v1/models/two:predict", content=b'{"inputs": {"a": [[NaN, 1]], "b": [[1, 1]]}}')
        assert nan.status_code == 200 and nan.text == '{"outputs":{"sum":[[NaN,1.0]],"norm":[NaN]}}'  # NaN as TF Serving writes it
        unknown = client.get("/v2/elsewhere")
        assert unknown.status_code == 404 and unknown.json() == {"error": "Malformed request: GET /v2/elsewhere"}


def test_keras_model_over_rest(tmp_path):
    from tfc import keras

    model = keras.Sequential([keras.layers.Dense(4, activation="relu", input_shape=(3,)), keras.layers.Dense(2)])
    saved_model.save(model, tmp_path / "1")
    x = np.random.default_rng(1).normal(size=(5, 3)).astype(np.float32)
    with TestClient(create_app(ModelManager("k", tmp_path, 0))) as client:
        got = client.post("/v1/models/k:predict", json={"instances": x.tolist()}).json()["predictions"]
    np.testing.assert_allclose(got, np.asarray(model.predict(x, verbose=0)), rtol=1e-5, atol=1e-6)


def test_manager_refuses_incomplete_or_broken_versions(two_in_two_out, tmp_path):
    (tmp_path / "1").mkdir()
    with pytest.raises(ValueError, match=r"no loadable version of model 'm' \(1/: .*no saved_model.json"):
        ModelManager("m", tmp_path, 0)
    with pytest.raises(ValueError, match="model_name must be a non-empty name"):
        ModelManager("a/b", tmp_path, 0)
    with pytest.raises(ValueError, match="file_system_poll_wait_seconds must be a number >= 0"):
        ModelManager("m", tmp_path, -1)
    base = tmp_path / "base"
    shutil.copytree(two_in_two_out[0], base)
    manager = ModelManager("two", base, 0)
    (base / "5").mkdir()
    (base / "5" / METADATA_FILE).write_text(json.dumps({"format": "something else"}))
    manager.poll()
    assert manager.latest().version == 1  # the broken version is not served
    assert manager.states[5].state == "END" and "not a tfc SavedModel" in manager.states[5].error_message
    shutil.copytree(base / "1", base / "5", dirs_exist_ok=True)  # a copy that was still under way: retried once its files change
    manager.poll()
    assert manager.latest().version == 5 and manager.states[1].state == "END"


def test_estimator_graph_export_over_rest(tmp_path):
    """A canned Estimator's TF1 graph export (kind "graph") served: predictions equal the estimator's."""
    from tfc import feature_column as fc
    from tfc.estimator import LinearRegressor
    from tfc.estimator.export import build_raw_serving_input_receiver_fn

    rng = np.random.default_rng(3)
    x = rng.normal(size=(16, 3)).astype(np.float32)
    y = (x @ np.array([[1.0], [-2.0], [0.5]], np.float32) + 0.25).astype(np.float32)
    estimator = LinearRegressor([fc.numeric_column("x", shape=(3,))], model_dir=str(tmp_path / "model"))
    estimator.train(lambda: ({"x": x}, y), steps=3)
    estimator.export_saved_model(tmp_path / "exports", build_raw_serving_input_receiver_fn({"x": x}))
    expected = next(estimator.predict(lambda: {"x": x[:5]}, yield_single_examples=False))
    with TestClient(create_app(ModelManager("est", tmp_path / "exports", 0))) as client:
        signature = client.get("/v1/models/est/metadata").json()["metadata"]["signature_def"]["signature_def"]["serving_default"]
        body = client.post("/v1/models/est:predict", json={"inputs": {"x": x[:5].tolist()}}).json()
    assert signature["inputs"]["x"]["name"] == "x:0"
    outputs = body["outputs"] if isinstance(body["outputs"], dict) else {next(iter(signature["outputs"])): body["outputs"]}
    for key, value in outputs.items():
        np.testing.assert_allclose(value, np.asarray(expected[key]), rtol=1e-6)
