"""A text classifier in tfc.keras: Embedding (mask_zero) + LSTM + Dense, trained with ``fit`` on a
tfc.data pipeline of synthetic sentences of variable length (a generator, shuffled, padded with 0 to
batches, prefetched): a positive sentence holds one to three "good" words (ids 1-49), a negative one
as many "bad" words (ids 50-99), among neutral filler (ids 100-999), anywhere in the sentence.

    python examples/keras_text.py
"""

from __future__ import annotations

import numpy as np

import tfc

keras = tfc.keras
VOCABULARY, LENGTH = 1000, 30


def sentences(count: int, seed: int):
    """(token ids of a sentence of 8 to 30 words, its label), ``count`` times."""
    rng = np.random.default_rng(seed)
    for _ in range(count):
        length, marked, positive = rng.integers(8, LENGTH + 1), rng.integers(1, 4), rng.integers(0, 2)
        words = np.concatenate([rng.integers(1, 50, marked) if positive else rng.integers(50, 100, marked),
                                rng.integers(100, VOCABULARY, length - marked)])
        yield rng.permutation(words).astype(np.int32), np.int32(positive)


def dataset(count: int, seed: int, batch_size: int = 64, shuffle: bool = False):
    """Batches of sentences padded with 0 to LENGTH words, and their labels."""
    signature = (tfc.TensorSpec([None], tfc.int32), tfc.TensorSpec([], tfc.int32))
    sentences_ = tfc.data.Dataset.from_generator(sentences, output_signature=signature, args=(count, seed)).cache()
    if shuffle:
        sentences_ = sentences_.shuffle(1000, seed=seed)
    return sentences_.padded_batch(batch_size, padded_shapes=([LENGTH], [])).prefetch(tfc.data.AUTOTUNE)


def model():
    return keras.Sequential([
        keras.Input((LENGTH,), dtype="int32"),
        keras.layers.Embedding(VOCABULARY, 16, mask_zero=True),
        keras.layers.LSTM(32),
        keras.layers.Dense(1, activation="sigmoid"),
    ], name="text_classifier")


def main(epochs: int = 6, verbose: int = 1) -> tuple[float, float]:
    keras.utils.set_random_seed(0)
    classifier = model()
    classifier.compile(optimizer=keras.optimizers.Adam(5e-3), loss="binary_crossentropy", metrics=["accuracy"])
    classifier.fit(dataset(2700, seed=0, shuffle=True), epochs=epochs, validation_data=dataset(300, seed=2), verbose=verbose)
    loss, accuracy = classifier.evaluate(dataset(500, seed=1), verbose=0)
    print(f"{classifier.name}: test loss {loss:.4f}, test accuracy {accuracy:.4f}")
    return loss, accuracy


if __name__ == "__main__":
    main()
