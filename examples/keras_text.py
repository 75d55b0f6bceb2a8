"""A text classifier in tfc.keras: Embedding (mask_zero) + LSTM + Dense, trained with ``fit`` on
synthetic sentences of variable length (padded with 0): a positive sentence holds one to three
"good" words (ids 1-49), a negative one as many "bad" words (ids 50-99), among neutral filler (ids
100-999), anywhere in the sentence.

    python examples/keras_text.py
"""

from __future__ import annotations

import numpy as np

import tfc

keras = tfc.keras
VOCABULARY, LENGTH = 1000, 30


def sentences(count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    tokens = np.zeros((count, LENGTH), np.int32)
    labels = np.zeros(count, np.int32)
    for row in range(count):
        length, marked, positive = rng.integers(8, LENGTH + 1), rng.integers(1, 4), rng.integers(0, 2)
        words = np.concatenate([rng.integers(1, 50, marked) if positive else rng.integers(50, 100, marked),
                                rng.integers(100, VOCABULARY, length - marked)])
        tokens[row, :length] = rng.permutation(words)
        labels[row] = positive
    return tokens, labels


def model():
    return keras.Sequential([
        keras.Input((LENGTH,), dtype="int32"),
        keras.layers.Embedding(VOCABULARY, 16, mask_zero=True),
        keras.layers.LSTM(32),
        keras.layers.Dense(1, activation="sigmoid"),
    ], name="text_classifier")


def main(epochs: int = 6, verbose: int = 1) -> tuple[float, float]:
    keras.utils.set_random_seed(0)
    x, y = sentences(3000, seed=0)
    x_test, y_test = sentences(500, seed=1)
    classifier = model()
    classifier.compile(optimizer=keras.optimizers.Adam(5e-3), loss="binary_crossentropy", metrics=["accuracy"])
    classifier.fit(x, y, batch_size=64, epochs=epochs, validation_split=0.1, verbose=verbose)
    loss, accuracy = classifier.evaluate(x_test, y_test, verbose=0)
    print(f"{classifier.name}: test loss {loss:.4f}, test accuracy {accuracy:.4f}")
    return loss, accuracy


if __name__ == "__main__":
    main()
