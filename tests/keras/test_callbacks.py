"""ModelCheckpoint, ReduceLROnPlateau (the compiled step reads the new learning rate) and TensorBoard
(event files read back with TensorBoard's own reader)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.plugins.graph.keras_util import keras_model_to_graph_def
from tensorboard.util.tensor_util import make_ndarray

import tfc

keras = tfc.keras
RNG = np.random.default_rng(11)


def classifier(optimizer=None):
    model = keras.Sequential([keras.layers.Dense(8, activation="relu", input_shape=(6,)), keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer or keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy", metrics=["accuracy"])
    x = RNG.normal(size=(60, 6)).astype(np.float32)
    return model, x, x[:, :3].argmax(1)


# ---- ModelCheckpoint -----------------------------------------------------------------------------------
def test_model_checkpoint_formats_names_and_saves_each_epoch(tmp_path):
    model, x, y = classifier()
    pattern = str(tmp_path / "ckpt-{epoch:02d}-{val_loss:.3f}.keras")
    history = model.fit(x, y, epochs=3, batch_size=20, validation_split=0.25, verbose=0, shuffle=False,
                        callbacks=[keras.callbacks.ModelCheckpoint(pattern)])
    expected = [f"ckpt-{e + 1:02d}-{v:.3f}.keras" for e, v in enumerate(history.history["val_loss"])]
    assert sorted(p.name for p in tmp_path.iterdir()) == expected
    last = keras.models.load_model(tmp_path / expected[-1])
    assert all(a.tobytes() == b.tobytes() for a, b in zip(last.get_weights(), model.get_weights()))


def test_model_checkpoint_best_only_keeps_the_best_weights(tmp_path, capsys):
    model, x, y = classifier()
    seen = []
    remember = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append((logs["loss"], model.get_weights())))
    checkpoint = keras.callbacks.ModelCheckpoint(tmp_path / "best.weights.npz", monitor="loss", save_best_only=True,
                                                 save_weights_only=True, verbose=1)
    model.fit(x, y, epochs=4, batch_size=60, verbose=0, shuffle=False, callbacks=[remember, checkpoint])
    model.compile(keras.optimizers.SGD(0.0), "sparse_categorical_crossentropy")  # no progress: nothing better to save
    model.fit(x, y, epochs=2, batch_size=60, verbose=0, shuffle=False, callbacks=[remember, checkpoint])
    best_loss, best_weights = min(seen, key=lambda item: item[0])
    restored = classifier()[0]
    restored.load_weights(tmp_path / "best.weights.npz")
    assert all(a.tobytes() == b.tobytes() for a, b in zip(restored.get_weights(), best_weights))
    out = capsys.readouterr().out
    assert "Epoch 1: loss improved from inf to" in out and "did not improve from" in out and checkpoint.best == best_loss


def test_model_checkpoint_every_n_batches_and_argument_errors(tmp_path):
    model, x, y = classifier()
    model.fit(x, y, epochs=2, batch_size=10, verbose=0, callbacks=[keras.callbacks.ModelCheckpoint(tmp_path / "e{epoch}-b{batch}.keras",
                                                                                                  save_freq=4)])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e1-b4.keras", "e2-b2.keras", "e2-b6.keras"]  # 6 batches an epoch
    with pytest.raises(ValueError, match=r"must end in '.weights.npz'"):
        keras.callbacks.ModelCheckpoint(tmp_path / "w.keras", save_weights_only=True)
    with pytest.raises(ValueError, match="save_freq must be 'epoch' or a positive number"):
        keras.callbacks.ModelCheckpoint(tmp_path / "m.keras", save_freq="batch")
    with pytest.raises(KeyError, match="cannot format the filepath"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[keras.callbacks.ModelCheckpoint(tmp_path / "{val_acc}.keras")])


# ---- ReduceLROnPlateau --------------------------------------------------------------------------------
def test_learning_rate_is_a_variable_the_compiled_step_reads():
    model = keras.Sequential([keras.layers.Dense(1, use_bias=False, input_shape=(3,))])
    model.compile(keras.optimizers.SGD(0.1, name="plain_sgd"), "mse")
    x, y = RNG.normal(size=(8, 3)).astype(np.float32), RNG.normal(size=(8, 1)).astype(np.float32)
    assert "plain_sgd/learning_rate" in model.train_step_ir(x, y)
    for rate in (0.1, 0.25, 0.0):
        model.optimizer.learning_rate = rate
        w = model.get_weights()[0].astype(np.float64)
        model.train_on_batch(x, y)
        gradient = 2 / len(x) * x.T.astype(np.float64) @ (x @ w - y)
        np.testing.assert_allclose(model.get_weights()[0], w - np.float32(rate) * gradient, rtol=1e-5, atol=1e-7)
    assert model.optimizer.learning_rate.numpy() == np.float32(0.0) and int(model.optimizer.iterations.numpy()) == 3


def test_reduce_lr_on_plateau_lowers_the_rate_that_training_then_uses():
    model = keras.Sequential([keras.layers.Dense(1, use_bias=False, input_shape=(3,))])
    model.compile(keras.optimizers.SGD(0.1), "mse")
    x, y = RNG.normal(size=(16, 3)).astype(np.float32), RNG.normal(size=(16, 1)).astype(np.float32)
    starts, rates = [], []
    watch = keras.callbacks.LambdaCallback(on_epoch_begin=lambda epoch, logs: (starts.append(model.get_weights()[0].astype(np.float64)),
                                                                               rates.append(float(model.optimizer.learning_rate.numpy()))))
    plateau = keras.callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1, min_delta=1e9, min_lr=0.02)  # never "improves"
    model.fit(x, y, epochs=5, batch_size=16, verbose=0, shuffle=False, callbacks=[watch, plateau])
    assert rates == pytest.approx([0.1, 0.1, 0.05, 0.025, 0.02])  # the first epoch sets the best; then each one lowers it
    end = model.get_weights()[0]
    gradient = 2 / len(x) * x.T.astype(np.float64) @ (x @ starts[-1] - y)
    np.testing.assert_allclose(end, starts[-1] - 0.02 * gradient, rtol=1e-5, atol=1e-7)
    assert not np.allclose(end, starts[-1] - 0.1 * gradient, rtol=1e-5, atol=1e-7)


def test_reduce_lr_on_plateau_waits_patience_then_cooldown():
    model, x, y = classifier(keras.optimizers.SGD(0.8))
    plateau = keras.callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=2, cooldown=1, min_delta=1e9)  # never "improves"
    lrs = []
    history = model.fit(x, y, epochs=7, batch_size=60, verbose=0, callbacks=[plateau, keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: lrs.append(logs["lr"]))])
    # epoch 0 sets the best; waits at 1 and 2, lowered after 2; the cooldown ends at 3, which waits again (as in tf.keras), so
    # lowered after 4; then after 6. The logged lr is the one the epoch trained with.
    assert lrs == pytest.approx([0.8, 0.8, 0.8, 0.4, 0.4, 0.2, 0.2])
    assert history.history["lr"] == lrs
    assert float(model.optimizer.learning_rate.numpy()) == pytest.approx(0.1)


def test_reduce_lr_on_plateau_needs_a_keras_optimizer():
    model = keras.Sequential([keras.layers.Dense(1, input_shape=(3,))])
    model.compile(tfc.frontend.optimizers.SGD(0.1), "mse")
    with pytest.raises(ValueError, match="must be compiled with a tfc.keras optimizer"):
        model.fit(np.ones((4, 3), np.float32), np.ones((4, 1), np.float32), verbose=0, callbacks=[keras.callbacks.ReduceLROnPlateau()])
    with pytest.raises(ValueError, match="factor must be below 1"):
        keras.callbacks.ReduceLROnPlateau(factor=1.5)


# ---- TensorBoard ---------------------------------------------------------------------------------------
def events(folder):
    accumulator = EventAccumulator(str(folder), size_guidance={"tensors": 0})
    accumulator.Reload()
    return accumulator


def values(accumulator, tag):
    return [(e.step, make_ndarray(e.tensor_proto)) for e in accumulator.Tensors(tag)]


def test_tensorboard_writes_the_epoch_scalars_history_has(tmp_path):
    model, x, y = classifier()
    board = keras.callbacks.TensorBoard(tmp_path / "logs", histogram_freq=2, update_freq=3, write_steps_per_second=True)
    history = model.fit(x, y, epochs=3, batch_size=15, validation_split=0.25, verbose=0, callbacks=[board])
    train, validation = events(tmp_path / "logs" / "train"), events(tmp_path / "logs" / "validation")
    for name in ("loss", "accuracy"):
        written = values(train, f"epoch_{name}")
        assert [step for step, _ in written] == [0, 1, 2]
        assert [v.item() for _, v in written] == [np.float32(v) for v in history.history[name]]
        assert [v.item() for _, v in values(validation, f"epoch_{name}")] == [np.float32(v) for v in history.history[f"val_{name}"]]
    assert [step for step, _ in values(validation, "evaluation_loss_vs_iterations")] == [3, 6, 9]  # 3 batches an epoch
    assert [step for step, _ in values(train, "batch_loss")] == [3, 6, 9]
    assert len(values(train, "epoch_steps_per_second")) == 3
    kernel = f"{model.layers[0].name}/kernel_0/histogram"
    histograms = values(train, kernel)
    assert [step for step, _ in histograms] == [0, 2] and histograms[0][1].shape == (30, 3) and histograms[0][1][:, 2].sum() == 6 * 8
    assert "epoch_val_loss" not in train.Tags()["tensors"]


def test_tensorboard_graph_is_the_models_layer_graph(tmp_path):
    a, b = keras.Input((4,), name="left"), keras.Input((2,), name="right")
    out = keras.layers.Dense(1, name="out")(keras.layers.Concatenate(name="join")([keras.layers.Dense(3, name="hidden")(a), b]))
    model = keras.Model([a, b], out)
    model.compile("sgd", "mse")
    data = [np.ones((4, 4), np.float32), np.ones((4, 2), np.float32)]
    model.fit(data, np.ones((4, 1), np.float32), verbose=0, callbacks=[keras.callbacks.TensorBoard(tmp_path)])
    (event,) = events(tmp_path / "train").Tensors("keras")
    config = json.loads(event.tensor_proto.string_val[0])
    assert config["class_name"] == "Model" and config["config"] == model.get_config()
    graph = {node.name: list(node.input) for node in keras_model_to_graph_def(config).node}
    scoped = lambda *names: [f"{model.name}/{name}" for name in names]
    assert graph == dict(zip(scoped("left", "right", "hidden", "join", "out"), ([], [], scoped("left"), scoped("hidden", "right"), scoped("join"))))


def test_tensorboard_refuses_what_it_cannot_write(tmp_path):
    for option in ({"write_images": True}, {"profile_batch": 2}, {"embeddings_freq": 1}, {"embeddings_metadata": "m.tsv"}):
        with pytest.raises(ValueError, match=f"TensorBoard: {next(iter(option))} is not supported yet"):
            keras.callbacks.TensorBoard(tmp_path, **option)
    with pytest.raises(ValueError, match="update_freq must be"):
        keras.callbacks.TensorBoard(tmp_path, update_freq="step")


def test_lambda_callback_functions_get_keras_arguments():
    model, x, y = classifier()
    calls = []
    hooks = keras.callbacks.LambdaCallback(on_train_begin=lambda logs: calls.append(("begin", logs)),
                                           on_epoch_begin=lambda epoch, logs: calls.append(("epoch", epoch, logs)),
                                           on_train_batch_end=lambda batch, logs: calls.append(("batch", batch, sorted(logs))))
    model.fit(x, y, epochs=1, batch_size=30, verbose=0, callbacks=[hooks])
    assert calls == [("begin", {}), ("epoch", 0, {}), ("batch", 0, ["accuracy", "loss"]), ("batch", 1, ["accuracy", "loss"])]


def test_tensorboard_leaves_out_a_graph_it_cannot_describe(tmp_path):
    model = keras.Sequential([keras.layers.Dense(2, input_shape=(3,)), keras.layers.Lambda(lambda t: t)])
    model.compile("sgd", "mse")
    with pytest.warns(UserWarning, match="graph of model .* is not written: .*a lambda cannot"):
        model.fit(np.ones((4, 3), np.float32), np.ones((4, 2), np.float32), verbose=0, callbacks=[keras.callbacks.TensorBoard(tmp_path)])
    train = events(tmp_path / "train")
    assert "keras" not in train.Tags()["tensors"] and "epoch_loss" in train.Tags()["tensors"]
