"""Write tests/data/toolkit/rnn_classifier.npz: TensorFlow 2.21's keras SimpleRNN, LSTM and GRU (two
stacked layers, masked by each example's sequence length, context values joined to every step)
and a dense logits layer, on fixed weights: the logits, the mean cross entropy, and the weights
after one Adagrad step (learning rate 0.05, TensorFlow's canned default) — to check
``tfc.toolkit.RNNClassifier``'s compiled forward pass and training step against.

Two classes use one logit and a sigmoid, three a softmax, as TensorFlow's heads. Keys are
``<cell>__<name>`` with the classifier's state names ('/' written as '.'). Run with TensorFlow
installed: ``python scripts/generate_rnn_classifier_reference.py``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import tensorflow as tf

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "toolkit" / "rnn_classifier.npz"
BATCH, TIME, SEQUENCE_WIDTH, CONTEXT_WIDTH, UNITS = 6, 5, 2, 1, (4, 3)
CASES = {"basic_rnn": (tf.keras.layers.SimpleRNN, 2), "lstm": (tf.keras.layers.LSTM, 2), "gru": (tf.keras.layers.GRU, 3)}


def build(layer_class, n_classes: int, rng: np.random.Generator):
    """The two recurrent layers and the logits layer, built and given random weights."""
    lower = layer_class(UNITS[0], return_sequences=True)
    upper = layer_class(UNITS[1])
    dense = tf.keras.layers.Dense(1 if n_classes == 2 else n_classes)
    lower.build((None, TIME, SEQUENCE_WIDTH + CONTEXT_WIDTH))
    upper.build((None, TIME, UNITS[0]))
    dense.build((None, UNITS[1]))
    for layer in (lower, upper, dense):
        layer.set_weights([rng.uniform(-0.6, 0.6, w.shape).astype(np.float32) for w in layer.get_weights()])
    return lower, upper, dense


def state_names(layers) -> list[str]:
    names = [f"rnn/cell_{i}/{part}" for i in range(2) for part in ("kernel", "recurrent_kernel", "bias")]
    return names + ["logits/kernel", "logits/bias"]


def loss_of(layers, inputs, mask, labels, n_classes: int):
    lower, upper, dense = layers
    logits = dense(upper(lower(inputs, mask=mask), mask=mask))
    if n_classes == 2:
        losses = tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.cast(labels[:, None], tf.float32), logits=logits)
    else:
        losses = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    return logits, tf.reduce_mean(losses)


def case(name: str, layer_class, n_classes: int, rng: np.random.Generator) -> dict:
    layers = build(layer_class, n_classes, rng)
    sequence = rng.standard_normal((BATCH, TIME, SEQUENCE_WIDTH)).astype(np.float32)
    context = rng.standard_normal((BATCH, CONTEXT_WIDTH)).astype(np.float32)
    lengths = np.array([5, 1, 3, 4, 2, 5], np.int32)
    labels = rng.integers(0, n_classes, BATCH).astype(np.int32)
    inputs = np.concatenate([sequence, np.repeat(context[:, None], TIME, 1)], axis=2)
    mask = tf.sequence_mask(lengths, TIME)
    variables = [v for layer in layers for v in layer.trainable_variables]
    out = {"sequence": sequence, "context": context, "lengths": lengths, "labels": labels, "n_classes": np.int32(n_classes)}
    out.update({f"start.{key}": v.numpy() for key, v in zip(state_names(layers), variables)})
    with tf.GradientTape() as tape:
        logits, loss = loss_of(layers, inputs, mask, labels, n_classes)
    out["logits"], out["loss"] = logits.numpy(), loss.numpy()
    optimizer = tf.keras.optimizers.Adagrad(learning_rate=0.05)
    optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
    out.update({f"trained.{key}": v.numpy() for key, v in zip(state_names(layers), variables)})
    return {f"{name}__{key.replace('/', '.')}": value for key, value in out.items()}


def main() -> None:
    rng = np.random.default_rng(21)
    arrays = {}
    for name, (layer_class, n_classes) in CASES.items():
        arrays.update(case(name, layer_class, n_classes, rng))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez(OUT, **arrays)
    print(f"wrote {OUT} ({len(arrays)} arrays)")


if __name__ == "__main__":
    main()
