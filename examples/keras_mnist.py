"""An MNIST-shaped MLP and CNN in tfc.keras, trained with ``fit`` on synthetic digits: each class is a
fixed random 28x28 pattern plus noise, so a model that learns reaches high accuracy in a few seconds.
The code is tf.keras code with ``import tfc`` in place of ``import tensorflow as tf``.

    python examples/keras_mnist.py
"""

from __future__ import annotations

import numpy as np

import tfc

keras = tfc.keras


def synthetic_digits(count: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``count`` 28x28x1 images in [0, 1] and their labels 0-9."""
    patterns = np.random.default_rng(1234).uniform(size=(10, 28, 28, 1)).astype(np.float32)  # the same digits in every set
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, count).astype(np.int32)
    images = np.clip(patterns[labels] + rng.normal(0, 0.35, (count, 28, 28, 1)), 0, 1).astype(np.float32)
    return images, labels


def mlp():
    return keras.Sequential([
        keras.layers.Flatten(input_shape=(28, 28, 1)),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dropout(0.2),
        keras.layers.Dense(10, activation="softmax"),
    ], name="mlp")


def cnn():
    inputs = keras.Input((28, 28, 1))
    x = keras.layers.Conv2D(16, 3, activation="relu")(inputs)
    x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.Conv2D(32, 3, activation="relu")(x)
    x = keras.layers.BatchNormalization(momentum=0.9)(x)  # 0.99's moving averages need more steps than 3 short epochs
    x = keras.layers.Flatten()(keras.layers.MaxPooling2D()(x))
    return keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(x), name="cnn")


def main(epochs: int = 3, verbose: int = 1) -> dict:
    keras.utils.set_random_seed(0)
    x, y = synthetic_digits(4096)
    x_test, y_test = synthetic_digits(1024, seed=1)
    results = {}
    for build in (mlp, cnn):
        model = build()
        if verbose:
            model.summary()
        model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        model.fit(x, y, batch_size=64, epochs=epochs, validation_split=0.1, verbose=verbose)
        loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
        print(f"{model.name}: test loss {loss:.4f}, test accuracy {accuracy:.4f}")
        results[model.name] = (loss, accuracy)
    return results


if __name__ == "__main__":
    main()
