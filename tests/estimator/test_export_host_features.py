"""Canned estimators over host-encoded feature columns export and load: the SavedModel takes raw
features (strings too), encodes them on the host from ``host_features.json`` and equals ``predict``."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

import tfc
import tfc.saved_model as saved_model
from tfc import feature_column as fc
from tfc.estimator import DNNLinearCombinedClassifier, LinearClassifier
from tfc.estimator.export import build_raw_serving_input_receiver_fn
from tfc.feature_column.categorical import IdentityCategoricalColumn

EDUCATION = ["Bachelors", "HS-grad", "Masters", "Doctorate"]
OCCUPATIONS = [f"job-{i}" for i in range(6)]


def _table(rows: int, seed: int) -> tuple[dict, np.ndarray]:
    rng = np.random.default_rng(seed)
    features = {"age": rng.integers(18, 70, rows).astype(np.float32),
                "education": np.array(EDUCATION + ["unknown"])[rng.integers(5, size=rows)],
                "occupation": np.array(OCCUPATIONS + ["other"])[rng.integers(7, size=rows)],
                "city": np.array(["paris", "oslo", "lima"])[rng.integers(3, size=rows)]}
    labels = ((features["age"] > 40) ^ (features["education"] == "Masters")).astype(np.int64)
    return features, labels


def _columns(vocabulary_file: str):
    education = fc.categorical_column_with_vocabulary_list("education", EDUCATION, num_oov_buckets=1)
    occupation = fc.categorical_column_with_vocabulary_file("occupation", vocabulary_file, default_value=0)
    city = fc.categorical_column_with_hash_bucket("city", 7)
    age_buckets = fc.bucketized_column(fc.numeric_column("age"), [25, 40, 55])
    wide = [education, occupation, city, age_buckets, fc.crossed_column([education, "occupation"], 20)]
    deep = [fc.numeric_column("age", normalizer_fn=lambda x: (x - 40.0) / 15.0), fc.embedding_column(occupation, 3),
            fc.indicator_column(education), fc.embedding_column(age_buckets, 2)]
    return wide, deep


RECEIVER_FEATURES = {"age": np.zeros((1,), np.float32), "education": np.array([b"x"]), "occupation": tfc.TensorSpec([None], tfc.string),
                     "city": np.array(["x"])}


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """(LinearClassifier, wide & deep classifier, features, the vocabulary file) trained a few steps."""
    root = tmp_path_factory.mktemp("host_features")
    vocabulary = root / "occupations.txt"
    vocabulary.write_text("\n".join(OCCUPATIONS) + "\n")
    wide, deep = _columns(str(vocabulary))
    features, labels = _table(64, seed=0)
    config = tfc.estimator.RunConfig(tf_random_seed=0)
    linear = LinearClassifier(wide, model_dir=str(root / "linear"), optimizer="SGD", config=config)
    combined = DNNLinearCombinedClassifier(model_dir=str(root / "wd"), linear_feature_columns=wide, dnn_feature_columns=deep,
                                           dnn_hidden_units=[4], dnn_optimizer="Adam", config=config)
    for model in (linear, combined):
        model.train(lambda: (features, labels), steps=3)
    return linear, combined, features, vocabulary


def _predicted(estimator, features) -> dict:
    return next(estimator.predict(lambda: features, yield_single_examples=False))


def _check_equal(outputs: dict, expected: dict) -> None:
    assert set(outputs) == {"logits", "logistic", "probabilities", "class_ids"}
    for key, value in outputs.items():
        np.testing.assert_allclose(value, expected[key], rtol=1e-5, atol=1e-6, err_msg=key)


def test_linear_export_takes_strings_and_equals_predict(trained, tmp_path):
    linear, _, features, _ = trained
    path = linear.export_saved_model(tmp_path / "exports", build_raw_serving_input_receiver_fn(RECEIVER_FEATURES))
    model = saved_model.load(path)
    signature = model.metadata["signatures"]["serving_default"]
    assert signature["inputs"]["education"] == {"name": "education:0", "dtype": "object", "shape": [None]}
    assert signature["inputs"]["age"]["dtype"] == "float32"
    assert signature["host_features"]["inputs"]["education/ids"] == {"name": "features/education/ids:0", "dtype": "int32", "shape": [None, None]}
    serve = model.signatures["serving_default"]
    for rows in (slice(0, 5), slice(5, 14)):
        raw = {key: value[rows] for key, value in features.items()}
        as_bytes = {key: (value.astype(object) if value.dtype.kind != "U" else np.char.encode(value).astype(object))
                    for key, value in raw.items()}
        _check_equal(serve(**raw), _predicted(linear, raw))
        _check_equal(serve(**as_bytes), _predicted(linear, raw))  # bytes encode as their str does
    with pytest.raises(ValueError, match="input 'city' is a string input .*got int 3"):
        serve(age=np.ones(1, np.float32), education=["Masters"], occupation=["job-1"], city=np.array([3], object))


def test_wide_and_deep_export_survives_the_vocabulary_file(trained, tmp_path):
    _, combined, features, vocabulary = trained
    moved = tmp_path / "vocabulary.txt"
    moved.write_bytes(vocabulary.read_bytes())
    wide, deep = _columns(str(moved))  # the same model, read from a file the test may delete
    copy = DNNLinearCombinedClassifier(model_dir=combined.model_dir, linear_feature_columns=wide, dnn_feature_columns=deep,
                                       dnn_hidden_units=[4], dnn_optimizer="Adam", config=combined.config)
    path = copy.export_saved_model(tmp_path / "exports", build_raw_serving_input_receiver_fn(RECEIVER_FEATURES), as_text=True)
    os.remove(moved)
    export = os.fsdecode(path)
    assert open(os.path.join(export, "assets", "vocabulary.txt")).read().split() == OCCUPATIONS
    config = json.load(open(os.path.join(export, "host_features.json")))
    kinds = {column["type"] for column in config["columns"]}
    assert {"categorical_column_with_vocabulary_file", "crossed_column", "embedding_column", "bucketized_column",
            "categorical_column_with_hash_bucket", "indicator_column", "numeric_column"} <= kinds
    serve = saved_model.load(path).signatures["serving_default"]
    raw = {key: value[:9] for key, value in features.items()}
    _check_equal(serve(**raw), _predicted(combined, raw))
    one = {key: value[9:10] for key, value in features.items()}
    _check_equal(serve(**one), _predicted(combined, one))


class _ShiftedIds(IdentityCategoricalColumn):
    """A user's own column kind: its encoding is code an export cannot record."""

    def ids(self, features):
        return super().ids({self.key: np.asarray(features[self.key]) % self.num_buckets})


def test_unsupported_columns_and_receivers_are_refused_by_name(trained, tmp_path):
    linear, _, features, _ = trained
    shifted = _ShiftedIds("day", 3, None)
    custom = LinearClassifier([shifted, fc.categorical_column_with_hash_bucket("city", 5)], model_dir=str(tmp_path / "custom"),
                              optimizer="SGD")
    custom.train(lambda: ({"day": np.array([1, 5, 7]), "city": np.array(["a", "b", "c"])}, np.array([0, 1, 1])), steps=1)
    receiver = build_raw_serving_input_receiver_fn({"day": np.zeros(1, np.int64), "city": np.array(["a"])})
    with pytest.raises(ValueError, match=r"feature column 'day' \(_ShiftedIds\) cannot be exported with a host step"):
        custom.export_saved_model(tmp_path / "exports", receiver)
    with pytest.raises(ValueError, match="serving inputs \\['age'\\] do not fit the feature columns: .*feature 'city' is not in the features dict"):
        linear.export_saved_model(tmp_path / "exports", build_raw_serving_input_receiver_fn({"age": features["age"]}))
    with pytest.raises(ValueError, match="categorical_column_with_vocabulary_list 'education': the feature's values must be strings"):
        linear.export_saved_model(tmp_path / "exports", build_raw_serving_input_receiver_fn({**RECEIVER_FEATURES, "education": np.zeros(1)}))
    with pytest.raises(TypeError, match=r"string features \['city'\] cannot be graph placeholders"):
        build_raw_serving_input_receiver_fn({"city": np.array(["a"])})()
    assert not (tmp_path / "exports").exists() or not os.listdir(tmp_path / "exports")  # nothing half-written


def test_a_broken_host_features_file_is_named(trained, tmp_path):
    linear, _, _, _ = trained
    path = os.fsdecode(linear.export_saved_model(tmp_path / "exports", build_raw_serving_input_receiver_fn(RECEIVER_FEATURES)))
    config_path = os.path.join(path, "host_features.json")
    config = json.load(open(config_path))
    config["columns"][0]["type"] = "sequence_categorical_column_with_identity"
    with open(config_path, "w") as handle:
        json.dump(config, handle)
    with pytest.raises(saved_model.SavedModelError, match="host_features.json: unknown feature column type 'sequence_categorical"):
        saved_model.load(path)
    os.remove(config_path)
    with pytest.raises(saved_model.SavedModelError, match="host_features.json: not a readable host-features file"):
        saved_model.load(path)


def test_every_column_kind_round_trips_through_json(tmp_path):
    """Each kind a canned estimator takes, rebuilt from its JSON, encodes a batch exactly as the original."""
    from tfc.estimator.canned.feature_input import FeatureEncoder
    from tfc.estimator.export import encoder_config
    from tfc.feature_column.config import column_from_config

    day = fc.categorical_column_with_identity("day", 7, default_value=0)
    code = fc.categorical_column_with_vocabulary_list("code", [10, 20, 30], num_oov_buckets=2)
    word = fc.categorical_column_with_vocabulary_list("word", ["a", b"\xff", "c"])
    city = fc.categorical_column_with_hash_bucket("city", 9)
    user = fc.categorical_column_with_hash_bucket("user", 5, dtype=tfc.int64)
    columns = [fc.indicator_column(fc.weighted_categorical_column(day, "day_weight")), code, word, city, user,
               fc.crossed_column([fc.crossed_column([word, "city"], 11), code], 13), fc.numeric_column("xy", (2,), dtype=tfc.int32),
               fc.bucketized_column(fc.numeric_column("xy", (2,)), [0.5]), *fc.shared_embeddings([city, fc.categorical_column_with_hash_bucket("town", 9)], 2, combiner="sqrtn")]
    columns = tuple(sorted(columns, key=lambda c: c.name))
    assets: dict = {}
    config = json.loads(json.dumps(encoder_config(FeatureEncoder(columns, ("w",)), assets)))
    rebuilt = tuple(column_from_config(c, tmp_path) for c in config["columns"])
    assert [type(c) for c in rebuilt] == [type(c) for c in columns] and [c.name for c in rebuilt] == [c.name for c in columns]
    batch = {"day": np.array([[1, 9], [3, -1]]), "day_weight": np.array([[0.5, 2.0], [1.0, 0.0]], np.float32),
             "code": np.array([20, 40]), "word": np.array([b"\xff", b"c"], object), "city": np.array(["oslo", ""]), "town": np.array([["a", "b"], ["c", ""]]),
             "user": np.array([7, 12]), "xy": np.array([[0, 1], [2, 3]], np.int32), "w": np.ones(2, np.float32)}
    expected, got = FeatureEncoder(columns, ("w",))(batch), FeatureEncoder(rebuilt, tuple(config["passthrough"]))(batch)
    assert sorted(got) == sorted(expected)
    for key in expected:
        np.testing.assert_array_equal(got[key], expected[key], err_msg=key)
