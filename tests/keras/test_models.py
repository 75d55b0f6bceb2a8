"""tfc.keras models: functional and subclassed models, the training loop's options, callbacks,
Dropout's masks, the one-program training step, and errors that name the layer or argument."""

from __future__ import annotations

import csv

import numpy as np
import pytest

import tfc

keras = tfc.keras
RNG = np.random.default_rng(3)


def data(n=96, features=10, classes=3):
    x = RNG.normal(size=(n, features)).astype(np.float32)
    return x, (x[:, :classes].argmax(1)).astype(np.int32)


def test_functional_model_with_two_inputs_and_a_merge_trains():
    a, b = keras.Input((10,), name="a"), keras.Input((4,), name="b")
    merged = keras.layers.Concatenate()([keras.layers.Dense(8, activation="relu")(a), keras.layers.Dense(8, activation="relu")(b)])
    model = keras.Model([a, b], keras.layers.Dense(3, activation="softmax")(merged))
    x, y = data()
    extra = RNG.normal(size=(len(x), 4)).astype(np.float32)
    out = model([x, extra])
    assert np.asarray(out).shape == (96, 3) and model.layers[-1].output_shape == (None, 3)
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    before = model.evaluate([x, extra], y, verbose=0)[0]
    model.fit([x, extra], y, epochs=15, batch_size=16, verbose=0)
    assert model.evaluate([x, extra], y, verbose=0)[0] < before


def test_subclassed_model_tracks_its_layers():
    class TwoLayers(keras.Model):
        def __init__(self):
            super().__init__()
            self.hidden, self.out = keras.layers.Dense(12, activation="relu"), keras.layers.Dense(1)

        def call(self, inputs, training=None):
            return self.out(self.hidden(inputs))

    model = TwoLayers()
    x = RNG.normal(size=(64, 5)).astype(np.float32)
    y = x @ np.arange(1, 6, dtype=np.float32)[:, None]
    model.compile(keras.optimizers.SGD(0.01), "mse")
    history = model.fit(x, y, epochs=20, batch_size=16, verbose=0)
    assert [layer.name for layer in model.layers] == [model.hidden.name, model.out.name]
    assert len(model.get_weights()) == 4 and history.history["loss"][-1] < history.history["loss"][0] / 2


def test_one_training_step_is_one_program():
    model = keras.Sequential([keras.layers.Dense(4, activation="relu", input_shape=(10,)), keras.layers.Dense(3, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    x, y = data(8)
    text = model.train_step_ir(x, y)
    assert text.count('"func.func"') == 1 and "tfc.dot_general" in text


def test_validation_split_class_weight_and_history():
    model = keras.Sequential([keras.layers.Dense(3, activation="softmax", input_shape=(10,))])
    model.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy", metrics=["accuracy"])
    x, y = data()
    history = model.fit(x, y, epochs=3, batch_size=32, validation_split=0.25, class_weight={0: 1.0, 1: 2.0, 2: 1.0}, verbose=0)
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"} and history.epoch == [0, 1, 2]
    assert all(len(v) == 3 for v in history.history.values())


def test_progress_bar_prints_keras_lines(capsys):
    model = keras.Sequential([keras.layers.Dense(3, activation="softmax", input_shape=(10,))])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(*data(64), epochs=2, batch_size=32, verbose=2)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2"
    assert lines[1].startswith("2/2 - ") and " - loss: " in lines[1] and " - accuracy: " in lines[1]


def test_callbacks_stop_log_and_see_each_epoch(tmp_path):
    model = keras.Sequential([keras.layers.Dense(3, activation="softmax", input_shape=(10,))])
    model.compile(keras.optimizers.SGD(0.0), "sparse_categorical_crossentropy")  # no progress: loss never improves
    seen = []
    log = tmp_path / "log.csv"
    history = model.fit(*data(), epochs=10, verbose=0, shuffle=False, callbacks=[
        keras.callbacks.EarlyStopping(monitor="loss", patience=2), keras.callbacks.CSVLogger(str(log)),
        keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(epoch))])
    assert history.epoch == [0, 1, 2] and seen == [0, 1, 2]
    rows = list(csv.DictReader(log.open()))
    assert [r["epoch"] for r in rows] == ["0", "1", "2"] and "loss" in rows[0]


def test_dropout_masks_in_training_only_and_repeat_with_the_seed():
    x = np.ones((200, 50), np.float32)

    def masks(seed):
        layer = keras.layers.Dropout(0.3, seed=seed)
        step = tfc.compile(lambda t: layer(t, training=True))
        return np.asarray(step(x)), np.asarray(step(x)), np.asarray(tfc.compile(lambda t: layer(t, training=False))(x))

    first, second, inference = masks(5)
    assert set(np.unique(first)) == {0.0, np.float32(1 / 0.7)}
    assert 0.25 < (first == 0).mean() < 0.35 and not np.array_equal(first, second)  # a new mask each call
    np.testing.assert_array_equal(inference, x)
    again, _, _ = masks(5)
    np.testing.assert_array_equal(first, again)


def test_predict_evaluate_and_weights_round_trip():
    model = keras.Sequential([keras.layers.Dense(5, activation="relu", input_shape=(10,)), keras.layers.Dense(2)])
    model.compile("rmsprop", "mse", metrics=["mae"])
    x = RNG.normal(size=(50, 10)).astype(np.float32)
    weights = model.get_weights()
    other = keras.Sequential([keras.layers.Dense(5, activation="relu", input_shape=(10,)), keras.layers.Dense(2)])
    other.set_weights(weights)
    np.testing.assert_allclose(model.predict(x, batch_size=16), other.predict(x), rtol=1e-6)
    loss, mae = model.evaluate(x, np.zeros((50, 2), np.float32), verbose=0)
    np.testing.assert_allclose(loss, np.mean(model.predict(x) ** 2), rtol=1e-5)
    assert mae > 0


def test_summary_lists_layers_shapes_and_params():
    lines = []
    model = keras.Sequential([keras.layers.Conv2D(4, 3, input_shape=(8, 8, 1)), keras.layers.Flatten(), keras.layers.Dense(2)])
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "(None, 6, 6, 4)" in text and "(None, 144)" in text and "Total params: 330" in text


@pytest.mark.parametrize("build, message", [
    (lambda: keras.Sequential([keras.layers.Dense(3, input_shape=(4,)), keras.layers.Conv2D(2, 3)]), "Conv2D 'conv2d"),
    (lambda: keras.layers.Dense(0), "units must be a positive int"),
    (lambda: keras.layers.Dense(3, kernel_initializer="no_such_init"), None),
    (lambda: keras.layers.Conv2D(2, 3, padding="full"), "padding must be 'valid' or 'same'"),
    (lambda: keras.layers.Dense(3, units_typo=1), "unexpected keyword argument"),
])
def test_bad_layers_name_the_layer_or_argument(build, message):
    if message is None:
        layer = build()
        with pytest.raises(ValueError, match="unknown initializer 'no_such_init'"):
            layer(np.ones((1, 2), np.float32))
        return
    with pytest.raises((ValueError, TypeError), match=message):
        build()


def test_bad_compile_and_fit_arguments_are_clear():
    model = keras.Sequential([keras.layers.Dense(3, activation="softmax", input_shape=(10,))])
    with pytest.raises(ValueError, match="unknown loss 'sparse_crossentropy'"):
        model.compile("adam", "sparse_crossentropy")
    with pytest.raises(ValueError, match="unknown optimizer 'adamw2'"):
        model.compile("adamw2", "mse")
    model.compile("adam", "sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match="do not fit predictions"):
        model.fit(RNG.normal(size=(8, 10)).astype(np.float32), np.zeros((8, 3, 2), np.int32), verbose=0)
    with pytest.raises(RuntimeError, match="must be compiled"):
        keras.Sequential([keras.layers.Dense(1, input_shape=(2,))]).fit(np.ones((2, 2)), np.ones((2, 1)), verbose=0)


def test_labels_of_shape_batch_meet_predictions_of_shape_batch_by_1():
    y, p = np.array([1, 0, 1], np.float32), np.array([[0.9], [0.2], [0.4]], np.float32)
    per_example = np.asarray(tfc.compile(keras.losses.binary_crossentropy)(y, p))
    np.testing.assert_allclose(per_example, -np.log([0.9, 0.8, 0.4]), rtol=1e-5)
    np.testing.assert_allclose(np.asarray(tfc.compile(keras.losses.mse)(y, p)), [0.01, 0.04, 0.36], rtol=1e-5)
    np.testing.assert_allclose(np.asarray(tfc.compile(keras.metrics.binary_accuracy)(y, p)), [1, 1, 0])
