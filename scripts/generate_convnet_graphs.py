"""Write the convnet graphs benchmarks/convnets.py times beside the corpus convnets (run by hand, with
TensorFlow installed; neither tfc nor its tests import TensorFlow).

- ``benchmarks/data/resnet20_cifar.pb``: a Keras ResNet-20 (CIFAR: 3 stages of 3 basic blocks, 16/32/64
  filters, Conv2D + BatchNormalization + ReLU, residual Add, 1x1 projection shortcuts, global average
  pooling, Dense softmax), random weights and randomized BN statistics, traced for ``[8, 32, 32, 3]``
  and frozen; ``resnet20_cifar.json`` names its feed, fetch and input shape (about 1 MB).
- ``benchmarks/data/efficientnet_b0_w050.pb``: Keras's EfficientNet-B0 architecture (all 16 MBConv
  blocks: 3x3 and 5x5 depthwise convolutions, squeeze-and-excitation, swish, BatchNormalization) at
  half its width (``width_coefficient=0.5``, so about 5 MB instead of 21), random weights and BN
  statistics, 10 classes, frozen for ``[2, 96, 96, 3]``.
- ``benchmarks/data/densenet_block.pb``: one DenseNet-121 dense block (6 layers of BN-ReLU-1x1 conv
  (128)-BN-ReLU-3x3 conv (32), each concatenated to its input) and its transition (BN-ReLU-1x1
  conv-2x2 average pooling), on a ``[4, 32, 32, 64]`` feature map.

    /tmp/benchenv/bin/python scripts/generate_convnet_graphs.py [NAME ...]   (default: all of them)
"""

from __future__ import annotations

import json
import sys
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
    return frozen_inference_graph(keras, model, [BATCH, 32, 32, 3],
                                  "Keras ResNet-20 (CIFAR), random weights and BN statistics, frozen for [8, 32, 32, 3]")


def efficientnet_b0_half_width() -> tuple:
    import keras
    from keras.src.applications.efficientnet import EfficientNet

    keras.utils.set_random_seed(0)
    model = EfficientNet(0.5, 1.0, 96, 0.2, name="efficientnet_b0_w050", weights=None, input_shape=(96, 96, 3),
                         classes=10)
    return frozen_inference_graph(keras, model, [2, 96, 96, 3],
                                  "Keras EfficientNet-B0 blocks at width_coefficient 0.5, random weights and BN statistics, "
                                  "10 classes, frozen for [2, 96, 96, 3]")


def densenet_block() -> tuple:
    import keras

    keras.utils.set_random_seed(0)
    features = keras.Input((32, 32, 64), name="x")
    x = features
    for _ in range(6):
        y = keras.layers.Conv2D(128, 1, use_bias=False)(keras.layers.ReLU()(keras.layers.BatchNormalization()(x)))
        y = keras.layers.Conv2D(32, 3, padding="same", use_bias=False)(keras.layers.ReLU()(keras.layers.BatchNormalization()(y)))
        x = keras.layers.Concatenate()([x, y])
    x = keras.layers.Conv2D(x.shape[-1] // 2, 1, use_bias=False)(keras.layers.ReLU()(keras.layers.BatchNormalization()(x)))
    model = keras.Model(features, keras.layers.AveragePooling2D(2)(x))
    return frozen_inference_graph(keras, model, [4, 32, 32, 64],
                                  "a DenseNet-121 dense block (6 layers, growth 32) and its transition, random weights and "
                                  "BN statistics, frozen for a [4, 32, 32, 64] feature map")


def frozen_inference_graph(keras, model, shape: list[int], description: str) -> tuple:
    """``model`` in inference mode with randomized BN statistics, frozen for feed ``x:0`` of ``shape``."""
    rng = np.random.default_rng(0)
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            depth = layer.moving_mean.shape[0]
            layer.moving_mean.assign(rng.normal(0, 0.1, depth).astype(np.float32))
            layer.moving_variance.assign(rng.uniform(0.5, 1.5, depth).astype(np.float32))
    concrete = tf.function(lambda t: model(t, training=False)).get_concrete_function(tf.TensorSpec(shape, tf.float32, name="x"))
    frozen = convert_variables_to_constants_v2(concrete)
    info = {"feeds": ["x:0"], "fetches": [t.name for t in frozen.outputs], "input_shapes": [shape], "description": description}
    return frozen.graph.as_graph_def(), info


GRAPHS = {"resnet20_cifar": resnet20, "efficientnet_b0_w050": efficientnet_b0_half_width, "densenet_block": densenet_block}


def main(names: list[str]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name in names or GRAPHS:
        build = GRAPHS[name]
        graph, info = build()
        (OUT / f"{name}.pb").write_bytes(graph.SerializeToString())
        (OUT / f"{name}.json").write_text(json.dumps(info, indent=1) + "\n")
        print(f"{name}: {len(graph.node)} nodes, {(OUT / f'{name}.pb').stat().st_size} bytes")


if __name__ == "__main__":
    main(sys.argv[1:])
