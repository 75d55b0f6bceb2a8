"""The toolkit's estimator interface (tfc.toolkit.estimator_interface) through KMeansClustering and
GMM: train/evaluate/predict with input_fns agree with the array interface, state persists in
model_dir as checkpoints (resuming the global step), and misuse fails clearly."""

import os

import numpy as np
import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

import tfc
from tfc.toolkit import GMM, KMeansClustering

RNG = np.random.default_rng(0)
POINTS = np.concatenate([RNG.normal(c, 0.3, (40, 2)) for c in ((0, 0), (4, 4), (0, 5))]).astype(np.float32)
START = POINTS[[0, 40, 80]]


def whole_input():
    return {"x": POINTS}, None


def test_lloyd_steps_through_train_equal_fit(tmp_path):
    fitted = KMeansClustering(3, initial_clusters=START, use_mini_batch=False).fit(POINTS, max_iterations=4)
    trained = KMeansClustering(3, model_dir=str(tmp_path), initial_clusters=START, use_mini_batch=False)
    trained.train(whole_input, steps=4)
    np.testing.assert_allclose(trained.cluster_centers(), fitted.cluster_centers(), rtol=1e-6)
    assert trained.get_variable_names() == ["cluster_counts", "clusters"]


def test_evaluate_and_predict_agree_with_the_array_interface(tmp_path):
    model = KMeansClustering(3, model_dir=str(tmp_path), initial_clusters=START, use_mini_batch=False)
    model.train(whole_input, steps=3)
    results = model.evaluate(whole_input)
    assert results["global_step"] == 3
    assert results["score"] == pytest.approx(model.score(POINTS), rel=1e-5)
    indices = [p["cluster_index"] for p in model.predict(lambda: tfc.data.Dataset.from_tensor_slices(POINTS).batch(32))]
    np.testing.assert_array_equal(indices, model.predict_cluster_index(POINTS))
    np.testing.assert_array_equal(model.predict_cluster_index(whole_input), model.predict_cluster_index(POINTS))
    assert model.score(whole_input) == pytest.approx(results["score"])


def test_resume_continues_the_global_step_and_a_new_object_restores(tmp_path):
    data = lambda: tfc.data.Dataset.from_tensor_slices(POINTS).shuffle(120, seed=1).batch(30)
    first = KMeansClustering(3, model_dir=str(tmp_path), initial_clusters=START)
    first.train(data, steps=3)
    again = KMeansClustering(3, model_dir=str(tmp_path), initial_clusters=START)
    again.train(data, max_steps=5)
    assert again.evaluate(whole_input)["global_step"] == 5
    assert os.path.exists(tmp_path / "model.ckpt-5.npz") and (tmp_path / "checkpoint").exists()
    restored = KMeansClustering(3, model_dir=str(tmp_path))
    np.testing.assert_array_equal(restored.cluster_centers(), again.cluster_centers())
    again.train(data, max_steps=5)  # already there: nothing runs
    assert KMeansClustering(3, model_dir=str(tmp_path)).evaluate(whole_input)["global_step"] == 5


def test_mini_batch_training_on_batches_reaches_the_blobs(tmp_path):
    model = KMeansClustering(3, model_dir=str(tmp_path), initial_clusters=START, use_mini_batch=True)
    model.train(lambda: tfc.data.Dataset.from_tensor_slices(POINTS).shuffle(120, seed=2).batch(20).repeat(3))
    centers = model.cluster_centers()[np.argsort(model.cluster_centers()[:, 0] + 10 * model.cluster_centers()[:, 1])]
    np.testing.assert_allclose(centers, [[0, 0], [4, 4], [0, 5]], atol=0.2)


def test_training_writes_loss_summaries(tmp_path):
    from tfc.estimator import RunConfig
    model = GMM(3, initial_clusters=START, config=RunConfig(model_dir=str(tmp_path), save_summary_steps=1))
    model.train(whole_input, steps=3)
    model.evaluate(whole_input)
    train_events = EventAccumulator(str(tmp_path)).Reload()
    assert [e.step for e in train_events.Scalars("loss")] == [1, 2, 3]
    losses = [e.value for e in train_events.Scalars("loss")]
    assert losses[-1] < losses[0]
    eval_events = EventAccumulator(str(tmp_path / "eval")).Reload()
    assert eval_events.Scalars("loss")[0].step == 3


def test_gmm_estimator_interface_matches_fit(tmp_path):
    fitted = GMM(3, initial_clusters=START, covariance_type="diag").fit(POINTS, steps=5)
    trained = GMM(3, model_dir=str(tmp_path), initial_clusters=START, covariance_type="diag")
    trained.train(whole_input, steps=5)
    np.testing.assert_allclose(trained.clusters(), fitted.clusters(), atol=1e-5)
    assignments = [p["assignments"] for p in trained.predict(whole_input)]
    np.testing.assert_array_equal(assignments, fitted.predict_assignments(POINTS))
    results = trained.evaluate(whole_input)
    assert results["log_likelihood"] == pytest.approx(fitted.score(POINTS), rel=1e-4)
    assert results["loss"] == pytest.approx(-fitted.score(POINTS) / len(POINTS), rel=1e-4)


def test_predict_before_any_checkpoint_and_another_models_dir(tmp_path):
    with pytest.raises(RuntimeError, match="not fitted yet.*no checkpoint in model_dir"):
        next(KMeansClustering(3, model_dir=str(tmp_path)).predict(whole_input))
    KMeansClustering(3, model_dir=str(tmp_path), initial_clusters=START).train(whole_input, steps=1)
    with pytest.raises(ValueError, match="holds a checkpoint of KMeansClustering, not of GMM"):
        GMM(3, model_dir=str(tmp_path)).clusters()
    with pytest.raises(ValueError, match="hooks and saving_listeners are not supported"):
        KMeansClustering(3, model_dir=str(tmp_path)).train(whole_input, steps=1, hooks=[object()])
    with pytest.raises(ValueError, match="give steps or max_steps"):
        KMeansClustering(3, model_dir=str(tmp_path)).train(whole_input)
    leftovers = [name for name in os.listdir(tmp_path) if name.startswith(".") or name.endswith(".tmp")]
    assert leftovers == []
