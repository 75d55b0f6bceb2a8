"""model.fit / evaluate / predict over tfc.data Datasets: the same training as over arrays, steps
per epoch over an infinite dataset, and clear errors for what a Dataset cannot be given with."""

from __future__ import annotations

import numpy as np
import pytest

import tfc

keras = tfc.keras
Dataset = tfc.data.Dataset


def model_and_data(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(64, 6)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int32)
    model = keras.Sequential([keras.layers.Dense(8, activation="relu", input_shape=(6,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model, x, y


def test_fit_on_a_dataset_trains_exactly_as_on_arrays():
    by_arrays, x, y = model_and_data()
    by_dataset, _, _ = model_and_data()
    by_dataset.set_weights(by_arrays.get_weights())
    history_arrays = by_arrays.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    history_dataset = by_dataset.fit(Dataset.from_tensor_slices((x, y)).batch(16), epochs=2, verbose=0)
    for a, b in zip(by_arrays.get_weights(), by_dataset.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert history_arrays.history == history_dataset.history
    assert by_dataset.evaluate(Dataset.from_tensor_slices((x, y)).batch(16), verbose=0) == by_arrays.evaluate(x, y, batch_size=16, verbose=0)
    np.testing.assert_array_equal(by_dataset.predict(Dataset.from_tensor_slices(x).batch(10), verbose=0), by_arrays.predict(x, verbose=0))


def test_a_mapped_shuffled_prefetched_pipeline_with_validation_data():
    model, x, y = model_and_data(1)
    train = (Dataset.from_tensor_slices((x * 255, y)).shuffle(64, seed=0).batch(16)
             .map(lambda images, labels: (tfc.cast(images, tfc.float32) / 255.0, labels)).prefetch(tfc.data.AUTOTUNE))
    history = model.fit(train, epochs=3, validation_data=Dataset.from_tensor_slices((x, y)).batch(32), verbose=0)
    assert sorted(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"] and len(history.history["loss"]) == 3
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_steps_per_epoch_reads_on_across_epochs_and_infinite_datasets_need_it(capsys):
    model, x, y = model_and_data()
    seen = []
    forever = Dataset.from_tensor_slices((x, y)).batch(16).map(lambda a, b: (seen.append(1) or a, b)).repeat()
    history = model.fit(forever, epochs=3, steps_per_epoch=5, verbose=0)
    assert len(history.history["loss"]) == 3 and len(seen) == 15
    with pytest.raises(ValueError, match="infinite.*steps_per_epoch"):
        model.fit(forever, epochs=1, verbose=0)
    short = Dataset.from_tensor_slices((x, y)).batch(16)  # 4 batches: runs out in the second epoch
    history = model.fit(short, epochs=3, steps_per_epoch=3, verbose=0)
    assert len(history.history["loss"]) == 2 and "ran out of data" in capsys.readouterr().out


def test_progress_bar_of_a_dataset_of_unknown_length(capsys):
    model, x, y = model_and_data()
    unknown = Dataset.from_tensor_slices((x, y)).filter(lambda a, b: True).batch(16)
    model.fit(unknown, epochs=2, verbose=1)
    first, second = capsys.readouterr().out.split("Epoch 2/2")
    assert "4/4 [==============================]" in first and "4/4 [==============================]" in second
    assert "Unknown" not in second  # the length is known after one pass


def test_what_a_dataset_cannot_be_given_with():
    model, x, y = model_and_data()
    ds = Dataset.from_tensor_slices((x, y)).batch(16)
    with pytest.raises(ValueError, match="y must not be given when x is a Dataset"):
        model.fit(ds, y, verbose=0)
    with pytest.raises(ValueError, match="batch_size must not be given"):
        model.fit(ds, batch_size=8, verbose=0)
    with pytest.raises(ValueError, match="validation_split is not supported when x is a Dataset"):
        model.fit(ds, validation_split=0.2, verbose=0)
    with pytest.raises(ValueError, match=r"must be \(x, y\) or \(x, y, sample_weight\)"):
        model.fit(Dataset.from_tensor_slices(x).batch(16), verbose=0)
    with pytest.raises(ValueError, match="steps_per_epoch is supported for Datasets only"):
        model.fit(x, y, steps_per_epoch=2, verbose=0)


def test_sample_weights_and_class_weights_from_a_dataset():
    weighted, x, y = model_and_data()
    reference, _, _ = model_and_data()
    reference.set_weights(weighted.get_weights())
    w = np.linspace(0.5, 1.5, len(x)).astype(np.float32)
    weighted.fit(Dataset.from_tensor_slices((x, y, w)).batch(16), epochs=1, verbose=0, class_weight={0: 2.0})
    reference.fit(x, y, sample_weight=w, class_weight={0: 2.0}, batch_size=16, shuffle=False, epochs=1, verbose=0)
    for a, b in zip(weighted.get_weights(), reference.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
