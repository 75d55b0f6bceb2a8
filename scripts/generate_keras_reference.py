"""Write the Keras reference data tests/keras/ compares tfc.keras against (run by hand where Keras is
installed; neither tfc nor its tests import it):

- ``tests/data/keras/layers.json`` + ``layers.npz``: for each case, a layer built by its class name and
  keyword arguments (the same in tfc.keras), its input, its weights and Keras' output (inference mode,
  and training mode where it differs: BatchNormalization).
- ``tests/data/keras/fit.json`` + ``fit.npz``: small models (an MLP, a CNN) with fixed initial weights,
  one epoch of ``fit`` without shuffling (SGD, and Adam), Keras' per-epoch loss and final weights.

    /tmp/benchenv/bin/python scripts/generate_keras_reference.py
"""

from __future__ import annotations

import json
from pathlib import Path

import keras
import numpy as np

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "keras"
RNG = np.random.default_rng(1234)

LAYER_CASES = [  # (case name, class, kwargs, input shape)
    ("dense_relu", "Dense", {"units": 5, "activation": "relu"}, (4, 7)),
    ("dense_nobias_3d", "Dense", {"units": 3, "use_bias": False}, (2, 3, 4)),
    ("conv2d_same_stride2", "Conv2D", {"filters": 4, "kernel_size": 3, "strides": 2, "padding": "same"}, (2, 9, 9, 3)),
    ("conv2d_valid_dilated", "Conv2D", {"filters": 3, "kernel_size": (3, 2), "dilation_rate": (2, 1), "activation": "tanh"}, (2, 9, 8, 2)),
    ("conv2d_groups", "Conv2D", {"filters": 4, "kernel_size": 3, "groups": 2, "padding": "same"}, (1, 6, 6, 4)),
    ("conv1d_same", "Conv1D", {"filters": 4, "kernel_size": 3, "strides": 2, "padding": "same"}, (2, 11, 3)),
    ("conv3d_valid", "Conv3D", {"filters": 2, "kernel_size": 2}, (1, 4, 5, 6, 3)),
    ("conv2d_transpose_same", "Conv2DTranspose", {"filters": 3, "kernel_size": 3, "strides": 2, "padding": "same"}, (2, 4, 5, 2)),
    ("conv2d_transpose_valid", "Conv2DTranspose", {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "valid"}, (1, 3, 3, 2)),
    ("depthwise_conv2d", "DepthwiseConv2D", {"kernel_size": 3, "depth_multiplier": 2, "padding": "same"}, (2, 6, 6, 3)),
    ("separable_conv2d", "SeparableConv2D", {"filters": 4, "kernel_size": 3}, (2, 7, 7, 3)),
    ("max_pooling2d", "MaxPooling2D", {"pool_size": 3, "strides": 2, "padding": "same"}, (2, 9, 9, 3)),
    ("average_pooling2d_same", "AveragePooling2D", {"pool_size": 3, "strides": 2, "padding": "same"}, (2, 9, 9, 3)),
    ("average_pooling1d", "AveragePooling1D", {"pool_size": 2}, (2, 9, 3)),
    ("max_pooling3d", "MaxPooling3D", {"pool_size": 2}, (1, 4, 4, 4, 2)),
    ("global_average_pooling2d", "GlobalAveragePooling2D", {}, (2, 5, 5, 3)),
    ("global_max_pooling1d", "GlobalMaxPooling1D", {}, (2, 7, 3)),
    ("batch_normalization", "BatchNormalization", {"momentum": 0.9, "epsilon": 0.01}, (8, 4, 4, 3)),
    ("layer_normalization", "LayerNormalization", {}, (3, 6)),
    ("flatten", "Flatten", {}, (2, 3, 4, 5)),
    ("reshape", "Reshape", {"target_shape": (4, 15)}, (2, 3, 4, 5)),
    ("permute", "Permute", {"dims": (2, 1)}, (2, 3, 4)),
    ("simple_rnn_sequences", "SimpleRNN", {"units": 4, "return_sequences": True}, (2, 5, 3)),
    ("lstm_last", "LSTM", {"units": 5}, (3, 6, 4)),
    ("lstm_backwards_sequences", "LSTM", {"units": 3, "return_sequences": True, "go_backwards": True}, (2, 4, 3)),
    ("gru_last", "GRU", {"units": 4}, (3, 6, 2)),
    ("gru_sequences", "GRU", {"units": 3, "return_sequences": True}, (2, 5, 4)),
    ("bidirectional_lstm", "Bidirectional", {"layer": ["LSTM", {"units": 3}]}, (2, 5, 4)),
    ("bidirectional_gru_sequences_sum", "Bidirectional", {"layer": ["GRU", {"units": 3, "return_sequences": True}], "merge_mode": "sum"},
     (2, 5, 4)),
    ("embedding", "Embedding", {"input_dim": 20, "output_dim": 4}, ("int", 20, (3, 7))),
    ("masked_lstm", "Sequential", {"layers": [["Embedding", {"input_dim": 20, "output_dim": 4, "mask_zero": True}],
                                              ["LSTM", {"units": 3, "return_sequences": True}], ["GRU", {"units": 2}]]},
     ("int", 20, (3, 7))),
    *[(f"activation_{name}", "Activation", {"activation": name}, (3, 8)) for name in
      ("relu", "sigmoid", "tanh", "softmax", "elu", "selu", "softplus", "softsign", "swish", "gelu", "relu6", "exponential", "linear")],
]

RECURRENT_OPTION_CASES = [  # (case name, class, kwargs, input shape), as LAYER_CASES
    ("gru_reset_before", "GRU", {"units": 4, "reset_after": False}, (3, 6, 2)),
    ("gru_reset_before_backwards_sequences", "GRU", {"units": 3, "reset_after": False, "return_sequences": True, "go_backwards": True},
     (2, 5, 4)),
    ("gru_no_bias", "GRU", {"units": 3, "use_bias": False, "return_sequences": True}, (2, 4, 3)),
    ("gru_reset_before_no_bias", "GRU", {"units": 3, "reset_after": False, "use_bias": False}, (2, 4, 3)),
    ("simple_rnn_backwards_last", "SimpleRNN", {"units": 4, "go_backwards": True, "activation": "relu"}, (2, 5, 3)),
    ("lstm_no_unit_forget_bias", "LSTM", {"units": 3, "unit_forget_bias": False}, (2, 5, 4)),
    ("lstm_unroll_sequences", "LSTM", {"units": 3, "unroll": True, "return_sequences": True}, (2, 4, 3)),
    ("gru_unroll_backwards", "GRU", {"units": 2, "unroll": True, "go_backwards": True}, (2, 4, 3)),
    ("lstm_implementation_1", "LSTM", {"units": 3, "implementation": 1}, (2, 4, 3)),
    ("lstm_dropout_at_inference", "LSTM", {"units": 3, "dropout": 0.5, "recurrent_dropout": 0.3, "return_sequences": True}, (2, 4, 3)),
    ("gru_dropout_at_inference", "GRU", {"units": 3, "dropout": 0.4, "recurrent_dropout": 0.4, "reset_after": False}, (2, 4, 3)),
    ("simple_rnn_dropout_at_inference", "SimpleRNN", {"units": 3, "dropout": 0.5, "recurrent_dropout": 0.5}, (2, 4, 3)),
    ("lstm_return_state", "LSTM", {"units": 3, "return_state": True}, (2, 5, 4)),
    ("gru_return_state_sequences", "GRU", {"units": 3, "return_state": True, "return_sequences": True}, (2, 5, 4)),
    ("bidirectional_lstm_merge_none", "Bidirectional", {"layer": ["LSTM", {"units": 3, "return_sequences": True}], "merge_mode": None},
     (2, 5, 4)),
    ("bidirectional_gru_return_state", "Bidirectional", {"layer": ["GRU", {"units": 3, "return_state": True}], "merge_mode": "ave"},
     (2, 5, 4)),
    ("bidirectional_lstm_return_state_mul", "Bidirectional", {"layer": ["LSTM", {"units": 2, "return_state": True,
                                                                                 "return_sequences": True}], "merge_mode": "mul"},
     (2, 4, 3)),
    ("embedding_attention_gru", "EmbeddingAttentionGRU", {"length": 7, "input_dim": 20, "output_dim": 6, "num_heads": 2, "key_dim": 3,
                                                          "units": 4}, ("int", 20, (3, 7))),
]

ATTENTION_CASES = [  # (case name, kwargs, inputs {slot: shape or the slot it repeats}, call options)
    ("mha_self", {"num_heads": 2, "key_dim": 3}, {"query": (2, 5, 6), "value": "query"}, {}),
    ("mha_cross_key_value", {"num_heads": 3, "key_dim": 2, "value_dim": 4}, {"query": (2, 5, 6), "value": (2, 4, 3), "key": (2, 4, 7)},
     {"return_attention_scores": True}),
    ("mha_attention_mask", {"num_heads": 2, "key_dim": 3}, {"query": (2, 5, 6), "value": (2, 4, 3), "attention_mask": (2, 5, 4)},
     {"return_attention_scores": True}),
    ("mha_causal", {"num_heads": 2, "key_dim": 4}, {"query": (2, 6, 5), "value": "query"}, {"use_causal_mask": True}),
    ("mha_causal_scores_and_mask", {"num_heads": 1, "key_dim": 3}, {"query": (2, 4, 5), "value": "query", "attention_mask": (2, 4, 4)},
     {"use_causal_mask": True, "return_attention_scores": True}),
    ("mha_output_shape_no_bias", {"num_heads": 2, "key_dim": 3, "output_shape": (2, 3), "use_bias": False},
     {"query": (2, 5, 6), "value": (2, 3, 4)}, {}),
    ("mha_output_shape_int", {"num_heads": 2, "key_dim": 2, "value_dim": 3, "output_shape": 7}, {"query": (3, 4, 5), "value": "query"},
     {"return_attention_scores": True}),
    ("mha_rank4_all_axes", {"num_heads": 2, "key_dim": 3}, {"query": (2, 3, 4, 5), "value": "query"}, {"return_attention_scores": True}),
    ("mha_rank4_attention_axes", {"num_heads": 2, "key_dim": 3, "attention_axes": (2,)}, {"query": (2, 3, 4, 5), "value": (2, 3, 6, 2)},
     {"return_attention_scores": True}),
    ("mha_rank4_negative_axis", {"num_heads": 2, "key_dim": 2, "attention_axes": -3}, {"query": (2, 3, 4, 5), "value": "query"}, {}),
]


def build(cls: str, kwargs: dict):
    """The layer a case names; nested layers (Bidirectional's, a Sequential's) as [class, kwargs]."""
    if cls == "Sequential":
        return keras.Sequential([build(*spec) for spec in kwargs["layers"]])
    if cls == "Bidirectional":
        return keras.layers.Bidirectional(build(*kwargs["layer"]), **{k: v for k, v in kwargs.items() if k != "layer"})
    if cls == "EmbeddingAttentionGRU":
        return embedding_attention_gru(**kwargs)
    return getattr(keras.layers, cls)(**kwargs)


def embedding_attention_gru(length: int, input_dim: int, output_dim: int, num_heads: int, key_dim: int, units: int):
    """Token ids -> Embedding(mask_zero) -> self-attention -> GRU: the padding's mask reaches the attention
    implicitly (as the query's and the value's masks) and the GRU after it."""
    ids = keras.Input((length,), dtype="int32")
    x = keras.layers.Embedding(input_dim, output_dim, mask_zero=True)(ids)
    x = keras.layers.MultiHeadAttention(num_heads, key_dim)(x, x)
    return keras.Model(ids, keras.layers.GRU(units)(x))


def example(shape, rng=RNG) -> np.ndarray:
    """A float input of ``shape``, or ("int", vocabulary, shape): token ids with trailing zeros (padding)."""
    if shape[0] != "int":
        return rng.normal(size=shape).astype(np.float32)
    _, vocabulary, dims = shape
    ids = rng.integers(1, vocabulary, size=dims).astype(np.int32)
    for row, length in enumerate(rng.integers(2, dims[1] + 1, size=dims[0])):
        ids[row, length:] = 0
    return ids


def outputs(result) -> dict:
    """A layer's result as {"out": array}, or {"out0": ..., "out1": ...} for a layer of several outputs."""
    if isinstance(result, (list, tuple)):
        return {f"out{i}": np.asarray(r) for i, r in enumerate(result)}
    return {"out": np.asarray(result)}


def layer_cases(cases=LAYER_CASES, rng=RNG) -> tuple[list, dict]:
    index, arrays = [], {}
    for name, cls, kwargs, shape in cases:
        layer = build(cls, kwargs)
        x = example(shape, rng)
        layer(x)  # build
        weights = [rng.normal(size=w.shape).astype(np.float32) for w in layer.get_weights()]
        if cls == "BatchNormalization":
            weights[3] = np.abs(weights[3]) + 0.5  # a variance
        layer.set_weights(weights)
        arrays[f"{name}/x"] = x
        results = outputs(layer(x, training=False))
        arrays.update({f"{name}/{key}": value for key, value in results.items()})
        if cls == "BatchNormalization":
            arrays[f"{name}/train_out"] = np.asarray(layer(x, training=True))
            arrays[f"{name}/moved"] = np.stack([np.asarray(w) for w in layer.get_weights()[2:]])
        for i, w in enumerate(weights):
            arrays[f"{name}/w{i}"] = w
        entry = {"name": name, "class": cls, "kwargs": {k: list(v) if isinstance(v, tuple) else v for k, v in kwargs.items()},
                 "weights": len(weights)}
        index.append(entry if len(results) == 1 else {**entry, "outputs": len(results)})
    return index, arrays


def attention_cases(rng) -> tuple[list, dict]:
    """MultiHeadAttention called on named inputs ({slot: shape, or the slot whose array it reuses}) with
    call options; its weights random, its output (and scores) Keras'."""
    index, arrays = [], {}
    for name, kwargs, inputs, options in ATTENTION_CASES:
        layer = keras.layers.MultiHeadAttention(**kwargs)
        given = {}
        for slot, shape in inputs.items():
            given[slot] = given[shape] if isinstance(shape, str) else attention_input(slot, shape, rng)
        building = {k: v for k, v in options.items() if k != "return_attention_scores"}
        layer(**given, **building)  # build
        weights = [rng.normal(size=w.shape).astype(np.float32) for w in layer.get_weights()]
        layer.set_weights(weights)
        results = outputs(layer(**given, **options, training=False))
        arrays.update({f"{name}/{key}": value for key, value in results.items()})
        arrays.update({f"{name}/{slot}": given[slot] for slot, shape in inputs.items() if not isinstance(shape, str)})
        arrays.update({f"{name}/w{i}": w for i, w in enumerate(weights)})
        entry = {"name": name, "class": "MultiHeadAttention", "kwargs": {k: list(v) if isinstance(v, tuple) else v for k, v in kwargs.items()},
                 "inputs": inputs, "call": options, "weights": len(weights)}
        index.append(entry if len(results) == 1 else {**entry, "outputs": len(results)})
    return index, arrays


def attention_input(slot: str, shape, rng) -> np.ndarray:
    """Normal floats, or for an attention_mask booleans that keep each query's first position."""
    if slot != "attention_mask":
        return rng.normal(size=shape).astype(np.float32)
    mask = rng.random(size=shape) < 0.6
    mask[..., 0] = True
    return mask


def mlp():
    return keras.Sequential([keras.Input((12,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(3, activation="softmax")])


def cnn():
    return keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(4, 3, activation="relu"), keras.layers.MaxPooling2D(),
                             keras.layers.Flatten(), keras.layers.Dense(3, activation="softmax")])


FIT_CASES = [  # (case name, model builder, optimizer config, input shape)
    ("mlp_sgd", mlp, {"class": "SGD", "learning_rate": 0.1}, (64, 12)),
    ("mlp_sgd_momentum", mlp, {"class": "SGD", "learning_rate": 0.05, "momentum": 0.9}, (64, 12)),
    ("mlp_adam", mlp, {"class": "Adam", "learning_rate": 0.01}, (64, 12)),
    ("cnn_sgd", cnn, {"class": "SGD", "learning_rate": 0.1}, (48, 8, 8, 1)),
]


def fit_cases() -> tuple[list, dict]:
    index, arrays = [], {}
    for name, build, optimizer, shape in FIT_CASES:
        keras.utils.set_random_seed(0)
        model = build()
        x = RNG.normal(size=shape).astype(np.float32)
        y = RNG.integers(0, 3, size=shape[0]).astype(np.int32)
        initial = [w.copy() for w in model.get_weights()]
        options = {k: v for k, v in optimizer.items() if k != "class"}
        model.compile(getattr(keras.optimizers, optimizer["class"])(**options), "sparse_categorical_crossentropy", metrics=["accuracy"])
        history = model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
        arrays[f"{name}/x"], arrays[f"{name}/y"] = x, y
        for i, (w0, w1) in enumerate(zip(initial, model.get_weights())):
            arrays[f"{name}/initial{i}"], arrays[f"{name}/final{i}"] = w0, w1
        index.append({"name": name, "model": build.__name__, "optimizer": optimizer, "weights": len(initial),
                      "loss": history.history["loss"], "accuracy": history.history["accuracy"]})
    return index, arrays


def all_layer_cases() -> tuple[list, dict]:
    """The first cases from RNG, as when they were written; the later ones each from a stream of their
    own, so adding cases leaves the earlier data (and fit's) as it was."""
    index, arrays = layer_cases()
    for more in (lambda: layer_cases(RECURRENT_OPTION_CASES, np.random.default_rng(2024)),
                 lambda: attention_cases(np.random.default_rng(2025))):
        cases, data = more()
        index, arrays = index + cases, {**arrays, **data}
    return index, arrays


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for stem, (index, arrays) in (("layers", all_layer_cases()), ("fit", fit_cases())):
        (OUT / f"{stem}.json").write_text(json.dumps({"keras": keras.__version__, "cases": index}, indent=1) + "\n")
        np.savez_compressed(OUT / f"{stem}.npz", **arrays)
        print(f"{stem}: {len(index)} cases")


if __name__ == "__main__":
    main()
