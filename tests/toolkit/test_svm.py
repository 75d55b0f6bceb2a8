"""tfc.toolkit.SVM: the array interface reaches liblinear's optimum (tests/data/toolkit/svm.npz), the
estimator interface (one SDCA epoch per batch, duals kept by example id) reaches the same one, and
bad input fails clearly."""

from pathlib import Path

import numpy as np
import pytest

import tfc
from tfc.toolkit import sdca
from tfc.toolkit.svm import SVM

DATA = np.load(Path(__file__).resolve().parents[1] / "data" / "toolkit" / "svm.npz")
X, Y = DATA["svm_x"][:, :3], DATA["svm_y"]  # the reference's last column is the bias's ones
REFERENCE = DATA["svm_weights"]
IDS = np.array([f"example-{i}" for i in range(len(Y))])


def whole_input():
    return {"x": X, "id": IDS}, Y


def test_fit_reaches_liblinears_optimum():
    model = SVM(None, None, l2_regularization=float(DATA["svm_l2"])).fit(X, Y, tolerance=1e-8)
    result = model.last_result
    assert (result.primal - result.dual) / result.primal < 1e-4
    np.testing.assert_allclose(model.weights, REFERENCE[:3], atol=1e-4)
    assert model.bias == pytest.approx(REFERENCE[3], abs=1e-4)
    np.testing.assert_allclose(model.decision_function(X), X @ model.weights + model.bias, rtol=1e-12)
    np.testing.assert_array_equal(model.predict(X), Y)  # separable: every training example is right


def test_contribs_minimum_l2_is_the_default():
    default = SVM(None, None).fit(X, Y, tolerance=1e-8)  # l2_regularization=0.0 trains with 1.0, as contrib
    np.testing.assert_allclose(default.weights, REFERENCE[:3], atol=1e-4)


def test_train_evaluate_predict_through_input_fns(tmp_path):
    model = SVM("id", ["x"], model_dir=str(tmp_path))
    model.train(whole_input, steps=300)
    np.testing.assert_allclose(model.weights, REFERENCE[:3], atol=1e-4)
    results = model.evaluate(whole_input)
    z = X @ model.weights + model.bias
    assert results["loss"] == pytest.approx(np.maximum(1 - (2 * Y - 1) * z, 0).mean(), rel=1e-5)
    assert results["accuracy"] == 1.0 and results["global_step"] == 300
    predictions = list(model.predict(lambda: tfc.data.Dataset.from_tensor_slices({"x": X, "id": IDS}).batch(40)))
    np.testing.assert_allclose([p["logits"] for p in predictions], z, rtol=1e-6)  # the Dataset holds float32
    np.testing.assert_array_equal([p["classes"] for p in predictions], Y)
    restored = SVM("id", ["x"], model_dir=str(tmp_path))
    np.testing.assert_array_equal(restored.weights, model.weights)
    assert sorted(restored.get_variable_names()) == ["bias", "duals", "example_ids", "unshrunk", "weights"]


def test_shuffled_batches_keep_each_examples_dual_by_id(tmp_path):
    data = tfc.data.Dataset.from_tensor_slices(({"x": X, "id": np.arange(len(Y))}, Y)).shuffle(100, seed=3).batch(25).repeat()
    model = SVM("id", ["x"], model_dir=str(tmp_path))
    model.train(lambda: data, steps=400)
    np.testing.assert_allclose(np.append(model.weights, model.bias), REFERENCE, atol=1e-4)
    assert len(model.get_variable_value("duals")) == len(Y)


def test_feature_columns_and_example_weights():
    fc = tfc.feature_column
    features = {"a": X[:, 0], "bc": X[:, 1:], "w": np.full(len(Y), 2.0), "id": IDS}
    model = SVM("id", [fc.numeric_column("a"), fc.numeric_column("bc", shape=(2,))], weight_column_name="w")
    model.fit(features, Y, tolerance=1e-8)
    # every example weighing 2 is the unweighted problem with half the l2 (below SVM's floor of 1.0, so via sdca)
    halved = sdca.minimize(DATA["svm_x"], Y, "hinge_loss", l2=0.5, epochs=3000, tolerance=1e-8)
    np.testing.assert_allclose(np.append(model.weights, model.bias), halved.weights, atol=1e-4)
    np.testing.assert_array_equal(model.predict(features), Y)


def test_feature_engineering_fn_applies_to_fit_and_predict():
    doubled = SVM(None, None, feature_engineering_fn=lambda f, labels: (2 * f, labels)).fit(X, Y, tolerance=1e-8)
    plain = SVM(None, None).fit(2 * X, Y, tolerance=1e-8)
    np.testing.assert_allclose(doubled.weights, plain.weights, rtol=1e-12)
    np.testing.assert_allclose(doubled.decision_function(X), plain.decision_function(2 * X), rtol=1e-12)


@pytest.mark.parametrize("call, error, message", [
    (lambda: SVM(None, None).fit(X, 2 * Y - 1), ValueError, "labels must be 0 or 1"),
    (lambda: SVM(None, None).fit(X, Y[:-1]), ValueError, "labels has 99 values, but the features have 100"),
    (lambda: SVM(None, None).fit(np.where(X > 2, np.inf, X), Y), ValueError, "x must be finite"),
    (lambda: SVM(None, None, kernels=["rbf"]), ValueError, "kernels"),
    (lambda: SVM(None, None).predict(X), RuntimeError, "not fitted yet"),
    (lambda: SVM(None, None).fit(X, Y, epochs=5).predict(X[:, :2]), ValueError, "fitted on 3"),
    (lambda: SVM(None, ["x"]).train(whole_input, steps=1), ValueError, "example_id_column is needed"),
    (lambda: SVM("id", ["x"]).train(lambda: ({"x": X, "id": IDS}, Y + 1), steps=1), ValueError, "labels must be 0 or 1"),
    (lambda: SVM("id", ["x"]).train(lambda: ({"x": X, "id": IDS[:1].repeat(100)}, Y), steps=1), ValueError, "unique"),
])
def test_bad_input_is_refused_clearly(call, error, message):
    with pytest.raises(error, match=message):
        call()
