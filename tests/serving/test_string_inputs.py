"""``tfc serve`` over a wide & deep estimator's export: string inputs as JSON strings and TF Serving's
``{"b64": ...}``, in row and columnar requests, equal the estimator's predictions; bad base64 gets
TF Serving's 400 body."""

from __future__ import annotations

import base64

import httpx
import numpy as np
import pytest

import tfc
from tfc import feature_column as fc
from tfc.estimator import DNNLinearCombinedClassifier
from tfc.estimator.export import build_raw_serving_input_receiver_fn

from .serve_process import rest_server

EDUCATION = ["Bachelors", "HS-grad", "Masters", "Doctorate"]
OCCUPATIONS = ["tech", "sales", "farming", "crafts"]
OUTPUTS = ("logits", "logistic", "probabilities", "class_ids")


def _table(rows: int, seed: int) -> tuple[dict, np.ndarray]:
    rng = np.random.default_rng(seed)
    features = {"age": rng.integers(18, 70, rows).astype(np.float32),
                "education": np.array(EDUCATION + ["unknown"])[rng.integers(5, size=rows)],
                "occupation": np.array(OCCUPATIONS + ["other"])[rng.integers(5, size=rows)]}
    return features, ((features["age"] > 40) ^ (features["education"] == "Masters")).astype(np.int64)


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """(base path holding the export, the estimator, held-out features)."""
    root = tmp_path_factory.mktemp("string_inputs")
    education = fc.categorical_column_with_vocabulary_list("education", EDUCATION, num_oov_buckets=1)
    occupation = fc.categorical_column_with_hash_bucket("occupation", 8)
    age_buckets = fc.bucketized_column(fc.numeric_column("age"), [30, 45, 60])
    wide = [education, occupation, age_buckets, fc.crossed_column([education, "occupation"], 16)]
    deep = [fc.numeric_column("age", normalizer_fn=lambda x: (x - 40.0) / 15.0), fc.embedding_column(education, 2),
            fc.embedding_column(occupation, 2)]
    model = DNNLinearCombinedClassifier(model_dir=str(root / "model"), linear_feature_columns=wide, dnn_feature_columns=deep,
                                        dnn_hidden_units=[4], config=tfc.estimator.RunConfig(tf_random_seed=0))
    features, labels = _table(48, seed=0)
    model.train(lambda: (features, labels), steps=3)
    receiver = build_raw_serving_input_receiver_fn({"age": features["age"], "education": features["education"],
                                                    "occupation": features["occupation"]})
    model.export_saved_model(root / "base", receiver)
    return root / "base", model, _table(6, seed=1)[0]


def _server(base):
    return rest_server(["--model_name", "census", "--model_base_path", str(base)], "/v1/models/census")


def _b64(text: str) -> dict:
    return {"b64": base64.b64encode(text.encode()).decode()}


def _check(outputs: dict, expected: dict) -> None:
    for key in OUTPUTS:
        np.testing.assert_allclose(np.asarray(outputs[key], np.float64), expected[key], rtol=1e-5, atol=1e-6, err_msg=key)


def test_string_and_b64_inputs_in_rows_and_columns(exported):
    base, model, test = exported
    expected = next(model.predict(lambda: test, yield_single_examples=False))
    rows = [{"age": float(a), "education": str(e), "occupation": str(o)} for a, e, o in zip(test["age"], test["education"], test["occupation"])]
    b64_rows = [{**row, "education": _b64(row["education"]), "occupation": _b64(row["occupation"])} for row in rows]
    columns = {"age": test["age"].tolist(), "education": test["education"].tolist(), "occupation": [_b64(o) for o in test["occupation"]]}
    with _server(base) as url, httpx.Client(base_url=url, timeout=60) as client:
        signature = client.get("/v1/models/census/metadata").json()["metadata"]["signature_def"]["signature_def"]["serving_default"]
        assert signature["inputs"]["education"]["dtype"] == "DT_STRING" and signature["inputs"]["age"]["dtype"] == "DT_FLOAT"
        assert signature["inputs"]["occupation"]["tensor_shape"]["dim"] == [{"size": "-1", "name": ""}]
        for body in (rows, b64_rows):
            predictions = client.post("/v1/models/census:predict", json={"instances": body}).json()["predictions"]
            _check({key: [p[key] for p in predictions] for key in OUTPUTS}, expected)
        _check(client.post("/v1/models/census:predict", json={"inputs": columns}).json()["outputs"], expected)

        bad_row = client.post("/v1/models/census:predict", json={"instances": [{**rows[0], "education": {"b64": "no base64!"}}]})
        assert (bad_row.status_code, bad_row.json()) == (400, {
            "error": "Failed to process element: 0 key: education of 'instances' list. Error: Invalid argument: Unable to base64 decode"})
        bad_column = client.post("/v1/models/census:predict", json={"inputs": {**columns, "occupation": [{"b64": "a"}] * 6}})
        assert (bad_column.status_code, bad_column.json()) == (400, {"error": "Unable to base64 decode"})
        number = client.post("/v1/models/census:predict", json={"inputs": {**columns, "education": [3] * 6}})
        assert (number.status_code, number.json()) == (400, {"error": "JSON Value: 3 Type: Number is not of expected type: string"})


def test_a_new_version_of_a_string_model_is_warmed_up_and_served(exported, tmp_path):
    """Hot reload of a model with string inputs: the new version compiles for the served shapes with
    empty strings (a string column's host encoding reads text) and becomes the one served."""
    import shutil

    from tfc.serving import ModelManager

    base, model, features = exported
    copy = tmp_path / "base"
    shutil.copytree(base, copy)
    manager = ModelManager("census", copy, poll_wait_seconds=0)
    inputs = {key: np.asarray(value, object if value.dtype.kind == "U" else None) for key, value in features.items()}  # as JSON gives them
    first = manager.latest().model.signatures["serving_default"](**inputs)
    manager.record_shapes("serving_default", inputs)
    [version] = [p.name for p in copy.iterdir()]
    shutil.copytree(copy / version, copy / str(int(version) + 1))
    manager.poll()
    latest = manager.latest()
    assert latest.version == int(version) + 1 and latest.state == "AVAILABLE", latest
    np.testing.assert_allclose(latest.model.signatures["serving_default"](**inputs)["probabilities"], first["probabilities"], rtol=1e-6)
