"""Write the convnet graphs benchmarks/convnets.py times beside the corpus convnets (run by hand, with
TensorFlow installed; neither tfc nor its tests import TensorFlow).

- ``benchmarks/data/resnet20_cifar.pb``: a Keras ResNet-20 (CIFAR: 3 stages of 3 basic blocks, 16/32/64
  filters, Conv2D + BatchNormalization + ReLU, residual Add, 1x1 projection shortcuts, global average
  pooling, Dense softmax), random weights and randomized BN statistics, traced for ``[8, 32, 32, 3]``
  and frozen; ``resnet20_cifar.json`` names its feed, fetch and input shape (about 1 MB).

    /tmp/benchenv/bin/python scripts/generate_convnet_graphs.py
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import tensorflow as tf
from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

OUT = Path(__file__).resolve().parent.parent / "benchmarks" / "data"
BATCH = 8


def basic_block(keras, x, filters: int, stride: int):
    shortcut = x
    y = keras.layers.Conv2D(filters, 3, strides=stride, padding="same", use_bias=False)(x)
    y = keras.layers.ReLU()(keras.layers.BatchNormalization()(y))
    y = keras.layers.BatchNormalization()(keras.layers.Conv2D(filters, 3, padding="same", use_bias=False)(y))
    if stride != 1 or x.shape[-1] != filters:
        shortcut = keras.layers.Conv2D(filters, 1, strides=stride, use_bias=False)(x)
        shortcut = keras.layers.BatchNormalization()(shortcut)
    return keras.layers.ReLU()(keras.layers.Add()([y, shortcut]))


def resnet20() -> tuple:
    import keras

    keras.utils.set_random_seed(0)
    image = keras.Input((32, 32, 3), name="x")
    x = keras.layers.ReLU()(keras.layers.BatchNormalization()(keras.layers.Conv2D(16, 3, padding="same", use_bias=False)(image)))
    for stage, filters in enumerate((16, 32, 64)):
        for block in range(3):
            x = basic_block(keras, x, filters, 2 if stage and not block else 1)
    x = keras.layers.GlobalAveragePooling2D()(x)
    model = keras.Model(image, keras.layers.Dense(10, activation="softmax")(x))
    rng = np.random.default_rng(0)
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            depth = layer.moving_mean.shape[0]
            layer.moving_mean.assign(rng.normal(0, 0.1, depth).astype(np.float32))
            layer.moving_variance.assign(rng.uniform(0.5, 1.5, depth).astype(np.float32))
    concrete = tf.function(lambda t: model(t, training=False)).get_concrete_function(tf.TensorSpec([BATCH, 32, 32, 3], tf.float32, name="x"))
    frozen = convert_variables_to_constants_v2(concrete)
    info = {"feeds": ["x:0"], "fetches": [t.name for t in frozen.outputs], "input_shapes": [[BATCH, 32, 32, 3]],
            "description": "Keras ResNet-20 (CIFAR), random weights and BN statistics, frozen for [8, 32, 32, 3]"}
    return frozen.graph.as_graph_def(), info


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    graph, info = resnet20()
    (OUT / "resnet20_cifar.pb").write_bytes(graph.SerializeToString())
    (OUT / "resnet20_cifar.json").write_text(json.dumps(info, indent=1) + "\n")
    print(f"resnet20_cifar: {len(graph.node)} nodes, {(OUT / 'resnet20_cifar.pb').stat().st_size} bytes")


if __name__ == "__main__":
    main()
