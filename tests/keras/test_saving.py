"""tfc.keras saving: every built-in layer's config round-trips; models saved and loaded predict and
train on bit for bit as the originals (optimizer state included); weights files; subclassed models;
and the errors a wrong, damaged or foreign file gives."""

from __future__ import annotations

import inspect
import json
import zipfile

import numpy as np
import pytest

import tfc
from tfc.keras.layers.serialization import builtin_classes

keras = tfc.keras
L = keras.layers
RNG = np.random.default_rng(7)


def doubled(x, scale=2.0):
    """A named function for Lambda layers (found again through its module or custom_objects)."""
    return tfc.multiply(x, scale)


# ---- every layer's config ----------------------------------------------------------------------------
LAYER_CASES = [
    (L.Dense, dict(units=5, activation="relu", use_bias=False, kernel_initializer=keras.initializers.RandomNormal(0.1, 0.2, seed=1),
                   kernel_regularizer=keras.regularizers.L2(1e-3), kernel_constraint=keras.constraints.MaxNorm(2.0, axis=1)), (3, 4)),
    (L.Activation, dict(activation="tanh"), (3, 4)),
    (L.Flatten, dict(data_format="channels_first"), (2, 3, 4)),
    (L.Reshape, dict(target_shape=(2, 6)), (3, 12)),
    (L.Permute, dict(dims=(2, 1)), (3, 4, 5)),
    (L.Dropout, dict(rate=0.3, noise_shape=(None, 1), seed=3), (3, 4)),
    (L.Lambda, dict(function=doubled, arguments={"scale": 3.0}), (3, 4)),
    (L.InputLayer, dict(input_shape=(4,), batch_size=None, dtype="float32"), (3, 4)),
    (L.Conv1D, dict(filters=4, kernel_size=3, strides=2, padding="same", dilation_rate=1, activation="elu",
                    bias_initializer=keras.initializers.Constant(0.5), bias_regularizer="l1"), (2, 9, 3)),
    (L.Conv2D, dict(filters=4, kernel_size=(3, 2), groups=2, kernel_initializer="he_normal", bias_constraint="non_neg"), (2, 6, 6, 4)),
    (L.Conv3D, dict(filters=2, kernel_size=2, data_format="channels_last"), (1, 4, 4, 4, 1)),
    (L.Conv2DTranspose, dict(filters=3, kernel_size=3, strides=2, padding="valid"), (2, 4, 4, 2)),
    (L.DepthwiseConv2D, dict(kernel_size=3, depth_multiplier=2, depthwise_initializer="lecun_uniform", depthwise_regularizer="l2",
                             depthwise_constraint=keras.constraints.UnitNorm()), (2, 5, 5, 3)),
    (L.SeparableConv2D, dict(filters=4, kernel_size=3, depth_multiplier=2, pointwise_initializer="orthogonal",
                             pointwise_regularizer=keras.regularizers.L1L2(1e-3, 1e-4), pointwise_constraint="max_norm"), (2, 5, 5, 3)),
    (L.MaxPooling1D, dict(pool_size=3, strides=1, padding="same"), (2, 7, 3)),
    (L.MaxPooling2D, dict(pool_size=(2, 3)), (2, 6, 6, 3)),
    (L.MaxPooling3D, dict(pool_size=2, strides=1), (1, 4, 4, 4, 2)),
    (L.AveragePooling1D, dict(pool_size=2), (2, 6, 3)),
    (L.AveragePooling2D, dict(pool_size=2, padding="same"), (2, 5, 5, 3)),
    (L.AveragePooling3D, dict(pool_size=2), (1, 4, 4, 4, 2)),
    (L.GlobalMaxPooling1D, dict(keepdims=True), (2, 6, 3)),
    (L.GlobalMaxPooling2D, dict(), (2, 5, 5, 3)),
    (L.GlobalMaxPooling3D, dict(), (1, 4, 4, 4, 2)),
    (L.GlobalAveragePooling1D, dict(), (2, 6, 3)),
    (L.GlobalAveragePooling2D, dict(keepdims=True), (2, 5, 5, 3)),
    (L.GlobalAveragePooling3D, dict(), (1, 4, 4, 4, 2)),
    (L.BatchNormalization, dict(momentum=0.9, epsilon=1e-2, center=False, gamma_initializer="random_uniform",
                                moving_variance_initializer=keras.initializers.Constant(2.0), gamma_regularizer="l2"), (4, 3)),
    (L.LayerNormalization, dict(axis=[1, 2], epsilon=1e-4, beta_initializer="ones", beta_constraint="non_neg"), (2, 3, 4)),
    (L.Add, dict(), [(3, 4), (3, 4)]),
    (L.Subtract, dict(), [(3, 4), (3, 4)]),
    (L.Multiply, dict(), [(3, 4), (3, 4)]),
    (L.Average, dict(), [(3, 4), (3, 4), (3, 4)]),
    (L.Maximum, dict(), [(3, 4), (3, 4)]),
    (L.Minimum, dict(), [(3, 4), (3, 4)]),
    (L.Concatenate, dict(axis=1), [(3, 4), (3, 2)]),
]
OWN_MODULES = {f"tfc.keras.layers.{m}" for m in ("core", "convolutional", "pooling", "normalization", "merging")}


def arrays(shapes):
    if isinstance(shapes, list):
        return [RNG.normal(size=s).astype(np.float32) for s in shapes]
    return RNG.normal(size=shapes).astype(np.float32)


def test_every_layer_class_of_these_modules_has_a_case():
    covered = {cls for cls, _, _ in LAYER_CASES}
    public = {cls for name, cls in builtin_classes().items() if cls.__module__ in OWN_MODULES and name in L.__all__}
    assert public - covered == set()


@pytest.mark.parametrize("cls,kwargs,shapes", LAYER_CASES, ids=[c[0].__name__ for c in LAYER_CASES])
def test_layer_config_round_trips_through_json(cls, kwargs, shapes):
    layer = cls(**kwargs)
    x = arrays(shapes)
    expected = layer(x, training=False)
    config = json.loads(json.dumps(layer.get_config()))
    clone = cls.from_config(config)
    assert clone.get_config() == config and clone.name == layer.name
    clone(x, training=False)
    clone.set_weights(layer.get_weights())
    np.testing.assert_array_equal(np.asarray(clone(x, training=False)), np.asarray(expected))


@pytest.mark.parametrize("cls,kwargs,shapes", LAYER_CASES, ids=[c[0].__name__ for c in LAYER_CASES])
def test_layer_config_holds_every_constructor_argument(cls, kwargs, shapes):
    config = cls(**kwargs).get_config()
    parameters = inspect.signature(cls.__init__).parameters
    own = {n for n, p in parameters.items() if n != "self" and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)}
    if cls is L.InputLayer:
        own -= {"input_shape", "batch_size"}  # both are in its batch_input_shape
    assert own - set(config) == set()


def test_initializers_regularizers_constraints_serialize_as_keras_does():
    init = keras.initializers.get({"class_name": "VarianceScaling", "config": {"scale": 2.0, "mode": "fan_out", "distribution": "uniform", "seed": 4}})
    assert keras.initializers.serialize(init) == {"class_name": "VarianceScaling",
                                                  "config": {"scale": 2.0, "mode": "fan_out", "distribution": "uniform", "seed": 4}}
    assert keras.initializers.serialize(keras.initializers.get("glorot_uniform")) == {"class_name": "GlorotUniform", "config": {"seed": None}}
    np.testing.assert_array_equal(init((3, 2)), keras.initializers.deserialize(keras.initializers.serialize(init))((3, 2)))
    assert keras.regularizers.serialize(keras.regularizers.get("l2")) == {"class_name": "L2", "config": {"l2": 0.01}}
    assert keras.regularizers.get({"class_name": "L1L2", "config": {"l1": 0.1, "l2": 0.2}}).get_config() == {"l1": 0.1, "l2": 0.2}
    assert keras.constraints.serialize(keras.constraints.get("max_norm")) == {"class_name": "MaxNorm", "config": {"max_value": 2, "axis": 0}}
    assert keras.activations.serialize(keras.activations.get("gelu")) == "gelu"


def test_custom_objects_by_registration_scope_or_argument():
    class Halves(keras.initializers.Initializer):
        def __call__(self, shape, dtype="float32"):
            return np.full(shape, 0.5, dtype)

    config = {"class_name": "Halves", "config": {}}
    with pytest.raises(ValueError, match="unknown initializer 'Halves': pass it in custom_objects"):
        keras.initializers.get(config)
    assert isinstance(keras.initializers.deserialize(config, custom_objects={"Halves": Halves}), Halves)
    with keras.saving.custom_object_scope({"Halves": Halves}):
        assert isinstance(keras.initializers.get(config), Halves)
    keras.saving.register_keras_serializable("tests")(Halves)
    assert keras.initializers.serialize(Halves()) == {"class_name": "tests>Halves", "config": {}}
    assert isinstance(keras.initializers.get({"class_name": "tests>Halves", "config": {}}), Halves)


def test_a_custom_layer_with_arguments_must_say_how_to_save_them():
    class Scale(L.Layer):
        def __init__(self, factor, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

    with pytest.raises(NotImplementedError, match=r"Scale '.*': its __init__ takes factor, so it must override get_config\(\)"):
        Scale(2.0).get_config()


def test_a_lambda_expression_cannot_be_saved_but_a_named_function_can():
    with pytest.raises(ValueError, match="a lambda cannot"):
        L.Lambda(lambda x: x).get_config()
    config = json.loads(json.dumps(L.Lambda(doubled).get_config()))
    assert config["function"] == "doubled" and L.Lambda.from_config(config).function is doubled


# ---- whole models --------------------------------------------------------------------------------------
def mlp():
    x = RNG.normal(size=(64, 12)).astype(np.float32)
    model = keras.Sequential([keras.Input((12,)), L.Dense(16, activation="relu"), L.Dropout(0.25), L.Dense(3, activation="softmax")])
    model.compile(keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model, x, x[:, :3].argmax(1)


def cnn_with_batch_norm():
    x = RNG.normal(size=(32, 8, 8, 1)).astype(np.float32)
    inputs = keras.Input((8, 8, 1))
    h = L.Conv2D(4, 3, padding="same")(inputs)
    h = L.Activation("relu")(L.BatchNormalization()(h))
    outputs = L.Dense(2, activation="softmax")(L.Flatten()(L.MaxPooling2D()(h)))
    model = keras.Model(inputs, outputs)
    model.compile(keras.optimizers.SGD(0.05, momentum=0.9), "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model, x, (x.mean((1, 2, 3)) > 0).astype(np.int32)


def two_inputs_merged():
    x = [RNG.normal(size=(48, 10)).astype(np.float32), RNG.normal(size=(48, 4)).astype(np.float32)]
    a, b = keras.Input((10,), name="left"), keras.Input((4,), name="right")
    merged = L.Concatenate()([L.Dense(8, activation="relu")(a), L.Dense(8, activation="relu")(b)])
    model = keras.Model([a, b], L.Dense(1)(L.Add()([merged, L.Dense(16)(merged)])))
    model.compile(keras.optimizers.RMSprop(0.01, momentum=0.5), "mse", metrics=["mae"])
    return model, x, (x[0][:, :1] - x[1][:, 1:2]).astype(np.float32)


def embedding_lstm():
    x = RNG.integers(1, 20, size=(32, 7)).astype(np.int32)
    x[:, :2] = 0
    model = keras.Sequential([keras.Input((7,), dtype="int32"), L.Embedding(20, 6, mask_zero=True), L.LSTM(5), L.Dense(1, activation="sigmoid")])
    model.compile(keras.optimizers.Adagrad(0.1), "binary_crossentropy", metrics=["accuracy"])
    return model, x, (x[:, -1] > 10).astype(np.float32)


MODELS = [mlp, cnn_with_batch_norm, two_inputs_merged, embedding_lstm]


def assert_same_weights(a, b):
    got, expected = a.get_weights(), b.get_weights()
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert g.dtype == e.dtype and g.tobytes() == e.tobytes()


@pytest.mark.parametrize("make", MODELS, ids=[m.__name__ for m in MODELS])
def test_saved_model_predicts_and_trains_on_bit_for_bit(make, tmp_path):
    model, x, y = make()
    model.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    model.save(tmp_path / "model.keras")
    loaded = keras.models.load_model(tmp_path / "model.keras")
    assert type(loaded) is type(model) and [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]
    assert_same_weights(loaded, model)
    assert loaded.predict(x, verbose=0).tobytes() == model.predict(x, verbose=0).tobytes()
    assert int(loaded.optimizer.iterations.numpy()) == int(model.optimizer.iterations.numpy()) > 0
    assert loaded.metrics_names == model.metrics_names
    model.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    loaded.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    assert_same_weights(loaded, model)


def test_a_layer_call_option_survives_saving(tmp_path):
    """MultiHeadAttention's use_causal_mask is an option of its call: the saved layer graph keeps it."""
    def attention_model(causal: bool):
        tokens = keras.Input((6,), dtype="int32")
        embedded = keras.layers.Embedding(50, 8)(tokens)
        attended = keras.layers.MultiHeadAttention(2, 4)(embedded, embedded, use_causal_mask=causal)
        return keras.Model(tokens, keras.layers.Dense(3)(keras.layers.GlobalAveragePooling1D()(attended)))

    causal, plain = attention_model(True), attention_model(False)
    plain.set_weights(causal.get_weights())
    x = RNG.integers(1, 50, (4, 6)).astype(np.int32)
    causal.save(tmp_path / "causal.keras")
    loaded = keras.models.load_model(tmp_path / "causal.keras")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), causal.predict(x, verbose=0))
    assert not np.array_equal(plain.predict(x, verbose=0), causal.predict(x, verbose=0))


def test_batch_normalization_moving_statistics_survive(tmp_path):
    model, x, y = cnn_with_batch_norm()
    model.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    model.save(tmp_path / "bn.keras")
    bn = next(layer for layer in keras.models.load_model(tmp_path / "bn.keras").layers if isinstance(layer, L.BatchNormalization))
    moving_mean = bn.moving_mean.numpy()
    assert np.any(moving_mean != 0) and moving_mean.tobytes() == model.get_layer(bn.name).moving_mean.numpy().tobytes()


def test_without_the_optimizer_state_training_would_not_resume_identically(tmp_path):
    model, x, y = mlp()
    model.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    model.save(tmp_path / "m.keras")
    fresh = keras.models.load_model(tmp_path / "m.keras", compile=False)
    assert fresh.optimizer is None
    fresh.compile(keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy")
    model.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    fresh.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    assert any(a.tobytes() != b.tobytes() for a, b in zip(fresh.get_weights(), model.get_weights()))


def test_an_uncompiled_model_and_a_changed_learning_rate_round_trip(tmp_path):
    model = keras.Sequential([L.Dense(3, input_shape=(5,))])
    model.save(tmp_path / "plain.keras")
    loaded = keras.models.load_model(tmp_path / "plain.keras")
    assert loaded.optimizer is None and loaded.layers[0].batch_input_shape == (None, 5)
    assert_same_weights(loaded, model)
    model.compile(keras.optimizers.SGD(0.5), "mse")
    model.optimizer.learning_rate = 0.125
    model.save(tmp_path / "plain.keras")
    assert float(keras.models.load_model(tmp_path / "plain.keras").optimizer.learning_rate.numpy()) == 0.125


def test_saving_twice_gives_the_same_bytes(tmp_path):
    model, x, y = mlp()
    model.save(tmp_path / "a.keras")
    model.save(tmp_path / "b.keras")
    assert (tmp_path / "a.keras").read_bytes() == (tmp_path / "b.keras").read_bytes()
    with zipfile.ZipFile(tmp_path / "a.keras") as archive:
        assert archive.namelist() == ["metadata.json", "config.json", "model.weights.npz"]
        assert json.loads(archive.read("metadata.json"))["format"] == "tfc.keras"


def test_a_failed_save_leaves_the_previous_file(tmp_path, monkeypatch):
    model, x, y = mlp()
    model.save(tmp_path / "m.keras")
    before = (tmp_path / "m.keras").read_bytes()

    def fail(self, info, data, *args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(zipfile.ZipFile, "writestr", fail)
    with pytest.raises(OSError, match="disk full"):
        model.save(tmp_path / "m.keras")
    assert (tmp_path / "m.keras").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.keras"]


# ---- weights files -----------------------------------------------------------------------------------
def test_weights_load_into_a_new_model_of_the_same_architecture(tmp_path):
    model, x, y = mlp()
    model.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    model.save_weights(tmp_path / "w.weights.npz")
    other = mlp()[0]
    assert other.layers[0].name != model.layers[0].name  # matched by position, not by name
    other.load_weights(tmp_path / "w.weights.npz")
    assert_same_weights(other, model)
    with np.load(tmp_path / "w.weights.npz") as data:
        assert [k for k in data.files if k != "__metadata__"] == [f"layers/{model.layers[i].name}/vars/{j}" for i in (0, 2) for j in (0, 1)]
    again = mlp()[0]
    model.save(tmp_path / "whole.keras")
    again.load_weights(tmp_path / "whole.keras")  # a model file's weights load too
    assert_same_weights(again, model)


def test_load_weights_by_name_skips_what_does_not_match(tmp_path):
    first = keras.Sequential([L.Dense(4, input_shape=(3,), name="shared"), L.Dense(2, name="head")])
    first.save_weights(tmp_path / "w.weights.npz")
    second = keras.Sequential([L.Dense(4, input_shape=(3,), name="shared"), L.Dense(5, name="head")])
    with pytest.raises(ValueError, match="'head' weight 'kernel' has shape"):
        second.load_weights(tmp_path / "w.weights.npz", by_name=True)
    with pytest.warns(UserWarning, match="skipping layer 'head'"):
        second.load_weights(tmp_path / "w.weights.npz", by_name=True, skip_mismatch=True)
    np.testing.assert_array_equal(second.get_layer("shared").get_weights()[0], first.get_layer("shared").get_weights()[0])


def test_loading_into_another_architecture_names_the_layer_and_both_shapes(tmp_path):
    keras.Sequential([L.Dense(4, input_shape=(3,), name="hidden"), L.Dense(2, name="out")]).save_weights(tmp_path / "w.weights.npz")
    wider = keras.Sequential([L.Dense(5, input_shape=(3,), name="hidden"), L.Dense(2, name="out")])
    before = wider.get_weights()
    with pytest.raises(ValueError, match=r"layer 'hidden' weight 'kernel' has shape \(3, 5\), but the file holds shape \(3, 4\)"):
        wider.load_weights(tmp_path / "w.weights.npz")
    assert all(a.tobytes() == b.tobytes() for a, b in zip(wider.get_weights(), before))  # nothing assigned
    deeper = keras.Sequential([L.Dense(4, input_shape=(3,), name="hidden"), L.Dense(2, name="mid"), L.Dense(2, name="out")])
    with pytest.raises(ValueError, match=r"has 3 layers with weights \(hidden, mid, out\) but the file holds weights for 2 \(hidden, out\)"):
        deeper.load_weights(tmp_path / "w.weights.npz")
    no_bias = keras.Sequential([L.Dense(4, input_shape=(3,), name="hidden"), L.Dense(2, use_bias=False, name="out")])
    with pytest.raises(ValueError, match=r"layer 'out' has 1 weights \(kernel\) but the file holds 2"):
        no_bias.load_weights(tmp_path / "w.weights.npz")


# ---- subclassed models -------------------------------------------------------------------------------
class Residual(keras.Model):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.hidden, self.out = L.Dense(units, activation="relu"), L.Dense(1)

    def call(self, inputs, training=None):
        return self.out(tfc.add(self.hidden(inputs), inputs))

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def test_a_subclassed_model_is_rebuilt_from_its_config_and_custom_objects(tmp_path):
    model = Residual(6)
    x = RNG.normal(size=(32, 6)).astype(np.float32)
    model.compile(keras.optimizers.Adam(0.01), "mse")
    model.fit(x, x[:, :1], batch_size=8, epochs=1, shuffle=False, verbose=0)
    model.save(tmp_path / "sub.keras")
    with pytest.raises(ValueError, match=r"unknown layer 'Residual': pass it in custom_objects=\{'Residual': \.\.\.\}"):
        keras.models.load_model(tmp_path / "sub.keras")
    loaded = keras.models.load_model(tmp_path / "sub.keras", custom_objects={"Residual": Residual})
    assert isinstance(loaded, Residual) and loaded.units == 6 and loaded.name == model.name
    assert_same_weights(loaded, model)
    assert loaded.predict(x, verbose=0).tobytes() == model.predict(x, verbose=0).tobytes()
    model.fit(x, x[:, :1], batch_size=8, epochs=1, shuffle=False, verbose=0)
    loaded.fit(x, x[:, :1], batch_size=8, epochs=1, shuffle=False, verbose=0)
    assert_same_weights(loaded, model)


def test_a_subclassed_model_without_get_config_says_what_to_do(tmp_path):
    class Unsaveable(keras.Model):
        def __init__(self, units):
            super().__init__()
            self.dense = L.Dense(units)

        def call(self, inputs, training=None):
            return self.dense(inputs)

    model = Unsaveable(3)
    model(np.ones((2, 4), np.float32))
    with pytest.raises(ValueError, match=r"cannot be saved: .*takes units, so it must override get_config\(\).*save_weights\(\)"):
        model.save(tmp_path / "u.keras")
    model.save_weights(tmp_path / "u.weights.npz")
    other = Unsaveable(3)
    other(np.zeros((1, 4), np.float32))
    other.load_weights(tmp_path / "u.weights.npz")
    assert_same_weights(other, model)


# ---- bad files and names -------------------------------------------------------------------------------
def test_file_names_say_which_format(tmp_path):
    model = keras.Sequential([L.Dense(2, input_shape=(3,))])
    with pytest.raises(ValueError, match="HDF5 files need h5py"):
        model.save(tmp_path / "m.h5")
    with pytest.raises(ValueError, match="must end in '.keras'"):
        model.save(tmp_path / "m")
    with pytest.raises(ValueError, match="must end in '.weights.npz'"):
        model.save_weights(tmp_path / "w.npz")
    with pytest.raises(ValueError, match="signatures is not supported"):
        model.save(tmp_path / "m.keras", signatures={})
    model.save(tmp_path / "m.keras")
    with pytest.raises(FileExistsError):
        model.save(tmp_path / "m.keras", overwrite=False)


def test_missing_foreign_and_damaged_files_give_clear_errors(tmp_path):
    model, x, y = mlp()
    with pytest.raises(ValueError, match="no such file"):
        keras.models.load_model(tmp_path / "absent.keras")
    with pytest.raises(ValueError, match="is a folder"):
        keras.models.load_model(tmp_path)
    (tmp_path / "text.keras").write_text("hello")
    with pytest.raises(ValueError, match=r"not a .keras file written by tfc.keras .*starts with b'hell'"):
        keras.models.load_model(tmp_path / "text.keras")
    (tmp_path / "old.keras").write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(100))
    with pytest.raises(ValueError, match="an HDF5 file"):
        keras.models.load_model(tmp_path / "old.keras")
    with zipfile.ZipFile(tmp_path / "other.keras", "w") as archive:
        archive.writestr("config.json", "{}")
        archive.writestr("metadata.json", '{"keras_version": "3.8.0"}')
        archive.writestr("model.weights.h5", b"")
    with pytest.raises(ValueError, match="written by Keras itself"):
        keras.models.load_model(tmp_path / "other.keras")
    with zipfile.ZipFile(tmp_path / "bare.keras", "w") as archive:
        archive.writestr("config.json", "{}")
    with pytest.raises(ValueError, match="not a model file written by tfc.keras' model.save .it has no metadata.json"):
        keras.models.load_model(tmp_path / "bare.keras")
    model.save(tmp_path / "m.keras")
    data = (tmp_path / "m.keras").read_bytes()
    (tmp_path / "cut.keras").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="truncated or corrupt"):
        keras.models.load_model(tmp_path / "cut.keras")
    flipped = bytearray(data)
    flipped[data.index(b"PK\x01\x02") - 40] ^= 0xFF  # a byte of the last weight's data: the CRC check fails
    (tmp_path / "flipped.keras").write_bytes(bytes(flipped))
    with pytest.raises(ValueError, match="model.weights.npz is truncated or corrupt"):
        keras.models.load_model(tmp_path / "flipped.keras")
    np.savez(tmp_path / "plain.weights.npz", w=np.zeros(3))
    with pytest.raises(ValueError, match="not a weights file written by tfc.keras"):
        model.load_weights(tmp_path / "plain.weights.npz")


def test_a_model_compiled_with_a_traced_optimizer_saves_without_it(tmp_path):
    model = keras.Sequential([L.Dense(2, input_shape=(3,))])
    model.compile(tfc.frontend.optimizers.SGD(0.1), "mse")
    with pytest.raises(ValueError, match="not a tfc.keras optimizer; save with include_optimizer=False"):
        model.save(tmp_path / "m.keras")
    model.save(tmp_path / "m.keras", include_optimizer=False)
    assert keras.saving.load_model(tmp_path / "m.keras").optimizer is None
