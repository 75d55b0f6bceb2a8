"""tfc.toolkit.RNNClassifier: basic RNN, LSTM and GRU cells learn order-dependent sequence tasks that
no bag-of-steps model can (the same steps increasing or decreasing; the parity of the positive
steps), sequence_length makes padding irrelevant, a training step is one compiled program reused
step after step, the forward pass and a training step equal TensorFlow's keras layers
(tests/data/toolkit/rnn_classifier.npz, from scripts/generate_rnn_classifier_reference.py), the
estimator interface trains, evaluates, predicts and restores, and bad input fails clearly."""

from pathlib import Path

import numpy as np
import pytest

import tfc
from tfc.data import Dataset
from tfc.toolkit import rnn_programs
from tfc.toolkit.rnn_classifier import RNNClassifier

fc = tfc.feature_column
TIME = 10
REFERENCE = np.load(Path(__file__).resolve().parents[1] / "data" / "toolkit" / "rnn_classifier.npz")
KERAS_CELLS = {"basic_rnn": tfc.keras.layers.SimpleRNN, "lstm": tfc.keras.layers.LSTM, "gru": tfc.keras.layers.GRU}


def ordered_pairs(pairs: int, seed: int):
    """Features and labels of a task a bag of steps cannot do: each pair of examples holds the same
    sorted steps, increasing (label 1) and decreasing (label 0); the padding after each example's
    length is large noise."""
    rng = np.random.default_rng(seed)
    lengths = np.repeat(rng.integers(3, TIME + 1, pairs), 2)
    x = 5.0 * rng.standard_normal((2 * pairs, TIME, 1)).astype(np.float32)
    y = np.tile([1, 0], pairs)
    for i in range(0, 2 * pairs, 2):
        steps = np.sort(rng.standard_normal(lengths[i]))
        x[i, :lengths[i], 0], x[i + 1, :lengths[i], 0] = steps, steps[::-1]
    return {"x": x, RNNClassifier.SEQUENCE_LENGTH_KEY: lengths}, y


TRAIN, TRAIN_Y = ordered_pairs(192, seed=1)
TEST, TEST_Y = ordered_pairs(64, seed=2)


def accuracy(model, features, labels) -> float:
    return float(np.mean(model.predict(features) == labels))


@pytest.fixture(scope="module")
def lstm():
    return RNNClassifier([fc.numeric_column("x")], num_units=[8], cell_type="lstm").fit(TRAIN, TRAIN_Y, steps=200, batch_size=64)


def test_the_order_task_defeats_a_bag_of_steps():
    """Each pair's valid steps are the same multiset, so any function of the bag scores 50%."""
    x, lengths = TEST["x"][..., 0], TEST["sequence_length"]
    for i in range(0, len(TEST_Y), 2):
        np.testing.assert_array_equal(np.sort(x[i, :lengths[i]]), np.sort(x[i + 1, :lengths[i]]))
    assert set(TEST_Y[0::2]) == {1} and set(TEST_Y[1::2]) == {0}


@pytest.mark.parametrize("cell_type", ["basic_rnn", "gru"])
def test_each_cell_learns_the_order_of_steps(cell_type):
    model = RNNClassifier([fc.numeric_column("x")], num_units=[8], cell_type=cell_type)  # Adagrad, learning rate 0.05
    model.fit(TRAIN, TRAIN_Y, steps=200, batch_size=64)
    assert accuracy(model, TEST, TEST_Y) > 0.9


def test_lstm_learns_the_order_of_steps(lstm):
    assert accuracy(lstm, TEST, TEST_Y) > 0.9
    probabilities = lstm.predict_proba(TEST)
    assert probabilities.shape == (len(TEST_Y), 2)
    np.testing.assert_allclose(probabilities.sum(1), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(probabilities.argmax(1), lstm.predict(TEST))


@pytest.mark.parametrize("cell_type", ["lstm", "gru"])
def test_stacked_cells_learn_the_parity_of_positive_steps(cell_type):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((1280, 8, 1)).astype(np.float32)
    lengths = rng.integers(2, 9, 1280)
    y = np.sum((x[..., 0] > 0) & (np.arange(8) < lengths[:, None]), 1) % 2
    features = {"x": x, "sequence_length": lengths}
    model = RNNClassifier([fc.numeric_column("x")], num_units=[16, 8], cell_type=cell_type, optimizer=tfc.keras.optimizers.Adam(0.02))
    model.fit({k: v[:1024] for k, v in features.items()}, y[:1024], steps=400, batch_size=64)
    assert accuracy(model, {k: v[1024:] for k, v in features.items()}, y[1024:]) > 0.9


@pytest.mark.parametrize("cell_type", ["basic_rnn", "lstm", "gru"])
def test_forward_pass_and_one_adagrad_step_equal_tensorflows(cell_type):
    """Two stacked masked cells (context joined to each step) and the logits: TensorFlow's keras on the same weights."""
    ref = {key.split("__", 1)[1].replace(".", "/"): REFERENCE[key] for key in REFERENCE.files if key.startswith(cell_type + "__")}
    params = {key[len("start/"):]: value for key, value in ref.items() if key.startswith("start/")}
    n_classes = int(ref["n_classes"])
    optimizer = tfc.keras.optimizers.Adagrad(0.05)
    network = rnn_programs.Network((KERAS_CELLS[cell_type](4), KERAS_CELLS[cell_type](3)), 1 if n_classes == 2 else n_classes, optimizer)
    inputs = (ref["sequence"], ref["context"], ref["lengths"])
    logits, _, _ = rnn_programs.predictions(params, *inputs, network=network)
    np.testing.assert_allclose(logits, ref["logits"], rtol=1e-5, atol=1e-6)
    slots = {name: optimizer.slots(value) for name, value in params.items()}
    weights = np.ones(len(ref["labels"]), np.float32)
    trained, _, iterations, loss = rnn_programs.train_step(params, slots, np.zeros((), np.int64), *inputs, ref["labels"], weights,
                                                           np.float32(0.05), network=network)
    assert float(loss) == pytest.approx(float(ref["loss"]), rel=1e-5) and int(iterations) == 1
    for name, value in trained.items():
        np.testing.assert_allclose(value, ref["trained/" + name], rtol=1e-4, atol=1e-6, err_msg=name)


def test_padded_steps_change_nothing(lstm):
    lengths = TEST["sequence_length"]
    longer = np.zeros((len(TEST_Y), TIME + 4, 1), np.float32)
    longer[:, :TIME] = TEST["x"]
    longer[np.arange(TIME + 4)[None, :] >= lengths[:, None]] = -7.0  # other padding, and more of it
    expected = lstm.predict_proba(TEST)
    np.testing.assert_allclose(lstm.predict_proba({"x": longer, "sequence_length": lengths}), expected, rtol=1e-5, atol=1e-6)
    shorter = TEST["x"][:, :lengths.max()]
    np.testing.assert_allclose(lstm.predict_proba({"x": shorter, "sequence_length": lengths}), expected, rtol=1e-5, atol=1e-6)


def test_a_training_step_is_one_program_compiled_once():
    before = rnn_programs.train_step.trace_count
    model = RNNClassifier([fc.numeric_column("x")], num_units=[5], cell_type="gru", optimizer="SGD")
    model.fit(TRAIN, TRAIN_Y, steps=20, batch_size=32)
    assert rnn_programs.train_step.trace_count == before + 1  # 20 steps, one trace
    RNNClassifier([fc.numeric_column("x")], num_units=[5], cell_type="gru", optimizer="SGD", random_seed=9).fit(
        TRAIN, TRAIN_Y, steps=5, batch_size=32)
    assert rnn_programs.train_step.trace_count == before + 1  # an equal network reuses it
    model.optimizer.learning_rate = 0.5  # an argument of the step, not part of the program
    changed = model.fit(TRAIN, TRAIN_Y, steps=5, batch_size=32).get_variable_value("rnn/cell_0/kernel")
    assert rnn_programs.train_step.trace_count == before + 1
    assert not np.array_equal(changed, RNNClassifier([fc.numeric_column("x")], num_units=[5], cell_type="gru", optimizer="SGD").fit(
        TRAIN, TRAIN_Y, steps=5, batch_size=32).get_variable_value("rnn/cell_0/kernel"))


def test_fixed_seed_is_deterministic_and_seeds_differ():
    def weights(seed):
        model = RNNClassifier([fc.numeric_column("x")], num_units=[5], cell_type="gru", optimizer="SGD", random_seed=seed)
        return model.fit(TRAIN, TRAIN_Y, steps=5, batch_size=32).get_variable_value("rnn/cell_0/kernel")

    np.testing.assert_array_equal(weights(4), weights(4))
    assert not np.array_equal(weights(4), weights(5))


def test_an_array_without_columns():
    model = RNNClassifier(num_units=[8], cell_type="gru", optimizer="Adam")
    model.fit(TRAIN["x"], TRAIN_Y, steps=150, batch_size=64)  # every step is real: the padding noise is part of the sequence
    assert model.predict(TRAIN["x"]).shape == TRAIN_Y.shape
    with pytest.raises(ValueError, match=r"\[batch, time, width\]"):
        model.predict(TRAIN["x"][:, :, 0])


def test_context_features_label_vocabulary_and_three_classes():
    """Label 'flat' whenever the context flag is set, else the direction of the steps."""
    flag = np.random.default_rng(4).integers(0, 2, len(TRAIN_Y)).astype(np.float32)
    names = np.array(["down", "up", "flat"])
    labels = names[np.where(flag == 1, 2, TRAIN_Y)]
    model = RNNClassifier([fc.numeric_column("x")], context_feature_columns=[fc.numeric_column("flag")], num_units=[8],
                          cell_type="gru", n_classes=3, label_vocabulary=["down", "up", "flat"], optimizer="Adam")
    features = {**TRAIN, "flag": flag}
    model.fit(features, labels, steps=200, batch_size=64)
    batch = next(model.predict(lambda: features, yield_single_examples=False))
    assert batch["logits"].shape == (len(labels), 3) and batch["probabilities"].shape == (len(labels), 3)
    assert np.mean(batch["classes"].reshape(-1) == np.char.encode(labels.astype(str))) > 0.9


def test_estimator_interface(tmp_path):
    def input_fn():
        return Dataset.from_tensor_slices((TRAIN, TRAIN_Y)).shuffle(384, seed=0).batch(64, drop_remainder=True).repeat()

    model = RNNClassifier([fc.numeric_column("x")], num_units=[8], cell_type="gru", model_dir=str(tmp_path))
    model.train(input_fn, steps=150)
    results = model.evaluate(lambda: (TEST, TEST_Y))
    assert results["global_step"] == 150 and results["accuracy"] > 0.9
    assert set(results) == {"accuracy", "average_loss", "loss", "global_step"}
    assert results["loss"] == pytest.approx(results["average_loss"], rel=1e-5)  # weight 1: the same mean
    first = next(model.predict(lambda: TEST))
    assert set(first) == {"class_ids", "classes", "logistic", "logits", "probabilities"}
    assert first["class_ids"].shape == (1,) and first["logits"].shape == (1,) and first["probabilities"].shape == (2,)
    restored = RNNClassifier([fc.numeric_column("x")], num_units=[8], cell_type="gru", model_dir=str(tmp_path))
    np.testing.assert_array_equal(restored.predict(TEST), model.predict(TEST))
    assert "rnn/cell_0/kernel/optimizer/accumulator" in restored.get_variable_names()


def test_weight_column_weights_accuracy(lstm):
    weights = np.where(TEST_Y == 1, 1.0, 0.0).astype(np.float32)
    weighted = RNNClassifier([fc.numeric_column("x")], num_units=[8], cell_type="lstm", weight_column="w")
    weighted.fit({**TRAIN, "w": np.ones(len(TRAIN_Y))}, TRAIN_Y, steps=200, batch_size=64)  # weights 1: the fixture's training
    np.testing.assert_array_equal(weighted.predict(TEST), lstm.predict(TEST))
    results = weighted.evaluate(lambda: ({**TEST, "w": weights}, TEST_Y))
    assert results["accuracy"] == pytest.approx(np.mean(lstm.predict(TEST)[TEST_Y == 1] == 1))


@pytest.mark.parametrize("arguments, message", [
    ({"num_units": [4], "cell_type": "lstmx"}, "cell_type must be one of"),
    ({"num_units": None}, "num_units must be a non-empty list"),
    ({"num_units": [0]}, "num_units entries must be positive"),
    ({"num_units": [4], "optimizer": "Momentum"}, "optimizer must be one of"),
    ({"num_units": [4], "loss_reduction": "mean"}, "Invalid loss_reduction"),
    ({"num_units": [4], "n_classes": 1}, "n_classes must be > 1"),
    ({"num_units": [4], "rnn_cell_fn": lambda mode: tfc.keras.layers.LSTM(4)}, "must not be specified"),
])
def test_bad_arguments(arguments, message):
    with pytest.raises(ValueError, match=message):
        RNNClassifier([fc.numeric_column("x")], **arguments)


def test_bad_input(lstm):
    with pytest.raises(ValueError, match=r"sequence feature 'x' must be \[batch, time, width\]"):
        lstm.predict({"x": np.zeros((4,))})
    with pytest.raises(ValueError, match="1 values per step"):
        lstm.predict({"x": np.zeros((4, 5, 2))})
    with pytest.raises(ValueError, match=r"Labels must be in \[0, n_classes\)"):
        lstm.evaluate(lambda: (TEST, np.full(len(TEST_Y), 2)))
    with pytest.raises(ValueError, match=r"sequence_length values must be in \[0, 10\]"):
        lstm.predict({"x": TEST["x"], "sequence_length": TEST["sequence_length"] + 5})
    with pytest.raises(ValueError, match="'x' is not in the features"):
        lstm.predict({"y": TEST["x"]})
    with pytest.raises(ValueError, match="3 labels for 384 examples"):
        RNNClassifier([fc.numeric_column("x")], num_units=[4]).fit(TRAIN, TRAIN_Y[:3])
    with pytest.raises(RuntimeError, match="not fitted yet"):
        RNNClassifier([fc.numeric_column("x")], num_units=[4]).predict(TEST)


def test_rnn_cell_fn_gives_the_cells():
    model = RNNClassifier([fc.numeric_column("x")], rnn_cell_fn=lambda mode: [tfc.keras.layers.GRU(6), tfc.keras.layers.SimpleRNN(3)],
                          optimizer=tfc.keras.optimizers.Adam(0.02))
    model.fit(TRAIN, TRAIN_Y, steps=3, batch_size=16)
    assert model.get_variable_value("rnn/cell_0/bias").shape == (2, 18)  # the GRU's reset_after biases
    assert model.get_variable_value("rnn/cell_1/recurrent_kernel").shape == (3, 3)
    with pytest.raises(TypeError, match="rnn_cell_fn must return"):
        RNNClassifier([fc.numeric_column("x")], rnn_cell_fn=lambda mode: tfc.keras.layers.Dense(3))
