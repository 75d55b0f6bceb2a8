"""Write tests/data/tf1_training/<case>/: TF1 training graphs whose gradients TensorFlow built itself.

A small conv + batch-norm + relu + max-pool network, a depthwise block with elu and average pooling, and
a dense softmax head, with ``tf.compat.v1.gradients`` of its loss with respect to the input and every
parameter. The parameters are placeholders (fed, not variables) so the graph is stateless and each
gradient is a fetch. The gradient subgraph holds the kernels TensorFlow's registered gradient functions
emit (Conv2DBackpropInput/Filter, FusedBatchNormGradV3, ReluGrad, MaxPoolGrad, AvgPoolGrad,
DepthwiseConv2dNativeBackprop*, EluGrad, BiasAddGrad, BroadcastGradientArgs, ConcatOffset,
StridedSliceGrad, MirrorPadGrad...). Case ``unknown_batch`` leaves the batch unknown, as training graphs
do (its shapes are computed at run time: BroadcastGradientArgs); case ``gradient_penalty`` also
differentiates the gradient kernels in turn (MaxPoolGradGrad, the gradients of ReluGrad, EluGrad,
TanhGrad, FusedBatchNormGradV3...). tests/tf/test_nn_grad_training.py runs them on tfc's backends.

Run with the TensorFlow environment: ``/tmp/tfenv/bin/python scripts/make_tf1_training_graph.py``.
"""

import json
import os
from pathlib import Path

os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
import numpy as np
import tensorflow as tf

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "tf1_training"
PARAMETERS = {  # name: shape
    "conv_filter": (3, 3, 3, 8),
    "conv_bias": (8,),
    "bn_scale": (8,),
    "bn_offset": (8,),
    "depthwise_filter": (3, 3, 8, 2),
    "dense_weights": (2 * 2 * 8, 5),
    "dense_bias": (5,),
}


def network(v1, x, labels, p):
    """The forward pass: returns the scalar loss."""
    nn = v1.nn
    y = nn.conv2d(x, p["conv_filter"], strides=[1, 1, 1, 1], padding="SAME")
    y = nn.bias_add(y, p["conv_bias"])
    y, _, _ = nn.fused_batch_norm(y, p["bn_scale"], p["bn_offset"], is_training=True)
    y = nn.relu(y)
    y = nn.max_pool(y, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="VALID")  # 8x8 -> 4x4
    y = tf.pad(y, [[0, 0], [1, 1], [1, 1], [0, 0]], mode="REFLECT")  # 6x6
    y = nn.depthwise_conv2d(y, p["depthwise_filter"], strides=[1, 1, 1, 1], padding="VALID")  # 4x4x16
    y = nn.elu(y)
    y = nn.avg_pool(y, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="SAME")  # 2x2x16
    halves = tf.concat([y[:, :, :, ::2], tf.tanh(y[:, :, :, 1::2])], axis=3)  # strided slices + concat
    flat = tf.reshape(halves[:, :, :, 4:12], [-1, 2 * 2 * 8])
    logits = tf.matmul(flat, p["dense_weights"]) + p["dense_bias"]
    loss = nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    return tf.reduce_mean(loss * tf.sigmoid(logits[:, 0]), name="loss")


def build(v1, batch):
    """The graph, its loss and gradients; with a static ``batch``, also a gradient penalty (as WGAN-GP trains
    with), the sum of squares of the input gradient, and its gradients: differentiating the gradient kernels."""
    graph = tf.Graph()
    with graph.as_default():
        x = v1.placeholder(tf.float32, (batch, 8, 8, 3), name="x")
        labels = v1.placeholder(tf.int32, (batch,), name="labels")
        p = {name: v1.placeholder(tf.float32, shape, name=name) for name, shape in PARAMETERS.items()}
        loss = network(v1, x, labels, p)
        wrt = [x, *p.values()]
        gradients = [tf.identity(g, name=f"grad_{t.op.name}") for t, g in zip(wrt, v1.gradients(loss, wrt))]
        fetches = [loss, *gradients]
        if batch is not None:  # (with the batch unknown, TensorFlow would differentiate batch norm's gradient with DynamicStitch)
            penalty = tf.reduce_sum(tf.square(gradients[0]), name="penalty")
            fetches += [penalty, *(tf.identity(g, name=f"penalty_grad_{t.op.name}") for t, g in zip(p.values(), v1.gradients(penalty, list(p.values()))))]
    return graph, [t.name for t in fetches]


def write_case(name: str, batch):
    v1 = tf.compat.v1
    rng = np.random.default_rng(0)
    graph, fetches = build(v1, batch)
    feeds = {"x:0": rng.standard_normal((4, 8, 8, 3)).astype(np.float32), "labels:0": rng.integers(0, 5, 4).astype(np.int32)}
    feeds.update({f"{n}:0": (rng.standard_normal(s) * 0.5).astype(np.float32) for n, s in PARAMETERS.items()})
    with v1.Session(graph=graph, config=v1.ConfigProto(intra_op_parallelism_threads=1, inter_op_parallelism_threads=1)) as session:
        values = session.run(fetches, {graph.get_tensor_by_name(k): v for k, v in feeds.items()})
    out = OUT / name
    out.mkdir(parents=True, exist_ok=True)
    (out / "graph.pb").write_bytes(graph.as_graph_def().SerializeToString(deterministic=True))
    np.savez(out / "inputs.npz", **{k.split(":")[0]: v for k, v in feeds.items()})
    np.savez(out / "expected.npz", **{k.split(":")[0]: v for k, v in zip(fetches, values)})
    ops = sorted({node.op for node in graph.as_graph_def().node})
    info = dict(feeds=list(feeds), fetches=fetches, parameters=["x:0", *(f"{n}:0" for n in PARAMETERS)], ops=ops, tf_version=tf.__version__)
    (out / "case.json").write_text(json.dumps(info, indent=1) + "\n")
    print(f"{out}: {len(graph.as_graph_def().node)} nodes, ops {ops}")


def main():
    tf.compat.v1.disable_eager_execution()
    write_case("unknown_batch", None)  # as training graphs are built: shapes computed at run time (BroadcastGradientArgs...)
    write_case("gradient_penalty", 4)


if __name__ == "__main__":
    main()
