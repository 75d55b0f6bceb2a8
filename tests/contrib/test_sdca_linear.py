"""contrib's linear estimators with ``optimizer=SDCAOptimizer``: trained by SDCA on the columns' dense
design matrix, to the same optimum as ``tfc.toolkit.sdca.minimize``, restored by the canned
evaluate/predict, resumable from model_dir."""

import numpy as np
import pytest

import tfc as tf
from tfc.runtime.checkpoint import checkpoint_path, load
from tfc.toolkit import sdca

layers = tf.contrib.layers
ZONES = ["p", "q", "r"]


def logistic_table(n=64, seed=0):
    """Two numeric features and a vocabulary feature, labels drawn from a logistic model."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(n, 2)).astype(np.float32)
    zone = rng.integers(3, size=n)
    logit = a @ np.array([2.0, -1.0]) + np.array([0.5, -0.5, 1.0])[zone]
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-logit))).astype(np.int64)
    features = {"a": a, "k": np.array(ZONES)[zone], "id": np.arange(n, dtype=np.int64)}
    design = np.hstack([a.astype(np.float64), np.eye(3)[zone], np.ones((n, 1))])  # columns in name order a, k; the bias last
    return features, y, design


def linear_weights(estimator, names):
    """The checkpoint's linear variables in ``names``' order and the bias, as one vector."""
    parts = [estimator.get_variable_value(f"linear/linear_model/{name}/weights").ravel() for name in names]
    return np.concatenate([*parts, estimator.get_variable_value("linear/linear_model/bias_weights")])


def test_classifier_reaches_sdca_minimize_and_evaluates_with_those_weights(tmp_path):
    features, y, design = logistic_table()
    optimizer = tf.contrib.linear_optimizer.SDCAOptimizer("id", symmetric_l2_regularization=1.0)
    columns = [layers.real_valued_column("a", dimension=2), layers.sparse_column_with_keys("k", ZONES)]
    classifier = tf.contrib.learn.LinearClassifier(columns, model_dir=str(tmp_path), optimizer=optimizer)
    classifier.fit(input_fn=lambda: (features, y), steps=40)
    reference = sdca.minimize(design, y, "logistic_loss", l2=1.0, epochs=200, tolerance=1e-12)
    weights = linear_weights(classifier, ["a", "k"])
    np.testing.assert_allclose(weights, reference.weights, atol=1e-4)
    assert classifier.get_variable_value("global_step") == 40
    logits = design @ reference.weights
    results = classifier.evaluate(input_fn=lambda: (features, y), steps=1)
    assert results["accuracy"] == pytest.approx(np.mean((logits > 0) == y), abs=1e-6)
    assert results["global_step"] == 40
    predictions = classifier.predict(input_fn=lambda: features, as_iterable=False)
    np.testing.assert_allclose(predictions["logits"].ravel(), logits, atol=1e-4)
    np.testing.assert_array_equal(predictions["class_ids"].ravel(), (logits > 0).astype(np.int64))


def test_regressor_on_batches_reaches_the_ridge_closed_form(tmp_path):
    """SDCA's objective (Σ ω ½(y - x·w)² + λ2/2 ||w||²) / Σ ω, bias a regularized weight, λ2 =
    max(l2, 1): its minimum solves (Xᵀ Ω X + λ2 I) w = Xᵀ Ω y. Shuffled batches of 16, duals kept by id."""
    rng = np.random.default_rng(1)
    n = 48
    size = rng.uniform(-1, 1, size=(n, 1)).astype(np.float32)
    zone = rng.integers(4, size=n)
    price = (np.array([1.0, 2.0, 3.0, 4.0])[zone] + 2 * size[:, 0] + 0.1 * rng.normal(size=n)).astype(np.float32)
    omega = rng.uniform(0.5, 2.0, size=n).astype(np.float32)
    features = {"size": size, "zone": zone.astype(np.int64), "id": (1000 + np.arange(n)).astype(np.int64), "w": omega}
    columns = [layers.real_valued_column("size"), layers.sparse_column_with_integerized_feature("zone", bucket_size=4)]
    optimizer = tf.contrib.linear_optimizer.SDCAOptimizer("id", symmetric_l2_regularization=3.0)
    regressor = tf.contrib.learn.LinearRegressor(columns, model_dir=str(tmp_path), weight_column_name="w", optimizer=optimizer)
    regressor.fit(x=features, y=price, batch_size=16, steps=150)  # contrib's spelling: shuffled batches, repeated
    x = np.hstack([size.astype(np.float64), np.eye(4)[zone], np.ones((n, 1))])
    gram = x.T @ (omega[:, None].astype(np.float64) * x) + 3.0 * np.eye(x.shape[1])
    ridge = np.linalg.solve(gram, x.T @ (omega.astype(np.float64) * price))
    np.testing.assert_allclose(linear_weights(regressor, ["size", "zone"]), ridge, atol=1e-4)
    scores = regressor.predict_scores(input_fn=lambda: features, as_iterable=False)
    np.testing.assert_allclose(scores, x @ ridge, atol=1e-4)


def test_resumed_training_continues_global_step_and_state(tmp_path):
    features, y, _ = logistic_table(n=32, seed=2)
    features = {"a": features["a"], "id": features["id"]}

    def trained(folder, *step_counts, config=None):
        optimizer = tf.contrib.linear_optimizer.SDCAOptimizer("id")
        classifier = tf.contrib.learn.LinearClassifier([layers.real_valued_column("a", dimension=2)], model_dir=str(folder),
                                                       optimizer=optimizer, config=config)
        for steps in step_counts:
            classifier.fit(input_fn=lambda: (features, y), steps=steps)
        return classifier

    config = tf.estimator.RunConfig(save_checkpoints_steps=2, keep_checkpoint_max=2)
    resumed = trained(tmp_path / "resumed", 3, 4, config=config)
    once = trained(tmp_path / "once", 7)
    assert resumed.get_variable_value("global_step") == 7
    assert sorted(p.name for p in (tmp_path / "resumed").glob("model.ckpt-*")) == ["model.ckpt-5.npz", "model.ckpt-7.npz"]  # every 2 steps from 3, as the hook counts
    for name in ("sdca/unshrunk", "sdca/duals", "linear/linear_model/a/weights"):
        np.testing.assert_array_equal(resumed.get_variable_value(name), once.get_variable_value(name))
    resumed.fit(input_fn=lambda: (features, y), max_steps=5)  # already past max_steps: nothing trains
    assert resumed.get_variable_value("global_step") == 7
    ids = load(checkpoint_path(resumed.latest_checkpoint()))["sdca/example_ids"]
    np.testing.assert_array_equal(ids, np.arange(32))


def test_label_keys_and_the_mean_combiner(tmp_path):
    tags = np.array([["x", "y"], ["y", ""], ["z", "x"], ["z", ""]] * 6)
    labels = np.array(["neg", "pos", "pos", "neg"] * 6)
    features = {"tags": tags, "id": np.array([f"row{i}" for i in range(24)])}
    column = layers.sparse_column_with_keys("tags", ["x", "y", "z"], combiner="mean")
    classifier = tf.contrib.learn.LinearClassifier([column], model_dir=str(tmp_path), label_keys=["neg", "pos"],
                                                   optimizer=tf.contrib.linear_optimizer.SDCAOptimizer("id"))
    classifier.fit(input_fn=lambda: (features, labels), steps=30)
    present = tags != ""
    hot = np.stack([((tags == t) & present).sum(1) for t in "xyz"], 1) / present.sum(1, keepdims=True)
    design = np.hstack([hot, np.ones((24, 1))])
    reference = sdca.minimize(design, (labels == "pos").astype(float), "logistic_loss", l2=1.0, epochs=300, tolerance=1e-12)
    np.testing.assert_allclose(linear_weights(classifier, ["tags"]), reference.weights, atol=1e-4)
    classes = [p["classes"] for p in classifier.predict(input_fn=lambda: {"tags": tags[:4], "id": features["id"][:4]})]
    assert classes == [b"neg" if z < 0 else b"pos" for z in design[:4] @ reference.weights]


def test_sdca_refusals(tmp_path):
    columns = [layers.real_valued_column("a", dimension=2)]
    SDCAOptimizer = tf.contrib.linear_optimizer.SDCAOptimizer
    with pytest.raises(ValueError, match="n_classes must be 2"):
        tf.contrib.learn.LinearClassifier(columns, n_classes=3, optimizer=SDCAOptimizer("id"))
    with pytest.raises(ValueError, match="label_dimension must be 1"):
        tf.contrib.learn.LinearRegressor(columns, label_dimension=2, optimizer=SDCAOptimizer("id"))
    with pytest.raises(ValueError, match="needs example_id_column"):
        tf.contrib.learn.LinearRegressor(columns, optimizer=SDCAOptimizer(None))
    x = np.zeros((4, 2), np.float32)
    regressor = tf.contrib.learn.LinearRegressor(columns, model_dir=str(tmp_path / "a"), optimizer=SDCAOptimizer("id"))
    with pytest.raises(ValueError, match="must hold the example id column 'id'"):
        regressor.fit(input_fn=lambda: ({"a": x}, np.zeros(4, np.float32)), steps=1)
    with pytest.raises(ValueError, match="give steps or max_steps"):
        regressor.train(input_fn=lambda: ({"a": x, "id": np.arange(4)}, np.zeros(4, np.float32)))
    with pytest.raises(ValueError, match="example ids must be unique"):
        regressor.fit(input_fn=lambda: ({"a": x, "id": np.zeros(4, np.int64)}, np.zeros(4, np.float32)), steps=1)
    ftrl = tf.contrib.learn.LinearRegressor(columns, model_dir=str(tmp_path / "b"))
    ftrl.fit(input_fn=lambda: ({"a": x}, np.zeros(4, np.float32)), steps=1)
    sdca_there = tf.contrib.learn.LinearRegressor(columns, model_dir=str(tmp_path / "b"), optimizer=SDCAOptimizer("id"))
    with pytest.raises(ValueError, match="not written by SDCA training"):
        sdca_there.fit(input_fn=lambda: ({"a": x, "id": np.arange(4)}, np.zeros(4, np.float32)), steps=1)
    hashed = tf.contrib.learn.LinearRegressor([layers.sparse_column_with_hash_bucket("h", 1 << 20)], model_dir=str(tmp_path / "c"),
                                              optimizer=SDCAOptimizer("id"))
    words = {"h": np.array(["a", "b"] * 100), "id": np.arange(200)}
    with pytest.raises(ValueError, match="dense design matrix of 200 x 1048576"):
        hashed.fit(input_fn=lambda: (words, np.zeros(200, np.float32)), steps=1)
