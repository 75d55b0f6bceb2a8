"""Write tests/data/compat_v1/api_nn.npz: TensorFlow 2.15's ``tf.compat.v1.nn`` (convolutions, pooling,
normalization, activations, losses, moments and the gradients of the new convolutions) on fixed inputs.

The calls are the ``*_cases(tf, data)`` functions below; tests/compat/test_tf1_nn.py runs the same
functions with ``tfc.compat.v1`` (so both sides build the same lines). Run it with TF 2.15 from
outside the repository (its keras/ would shadow Keras):
``cd /tmp && /tmp/tf215env/bin/python -P /work/main/scripts/generate_tf1_api_nn_reference.py``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "compat_v1" / "api_nn.npz"


def inputs() -> dict:
    """The fixed inputs (saved with the results, so the test reads the same numbers)."""
    rng = np.random.default_rng(7)

    def normal(*shape):
        return rng.normal(size=shape).astype(np.float32)

    return {"x1": normal(2, 9, 3), "w1": normal(3, 3, 4), "x2": normal(2, 7, 8, 3), "w2": normal(3, 3, 3, 4), "dy2": normal(2, 4, 4, 4),
            "wd": normal(3, 3, 3, 2), "wp": normal(1, 1, 6, 5), "x3": normal(2, 5, 6, 4, 2), "w3": normal(2, 3, 2, 2, 3),
            "dy3": normal(2, 3, 3, 2, 3), "scale": normal(3) + 1.5, "offset": normal(3),
            "mean": normal(3), "var": np.abs(normal(3)) + 0.5, "logits": normal(4, 5), "labels": rng.uniform(size=(4, 5)).astype(np.float32),
            "targets": np.array([[0.0, 0.5, 1.0, 2.0, 3.5]] * 4, np.float32), "weights": rng.uniform(0.1, 2.0, size=(4, 5)).astype(np.float32),
            "zeros": np.array([[0.0, 1.0, 0.0], [2.0, 0.0, -1.0]], np.float32), "fc_w": normal(5, 3), "fc_b": normal(3),
            "w1t": normal(3, 4, 3), "ker": np.abs(normal(2, 2, 3)) * 0.3, "table": normal(10, 3),
            "ids": np.array([[0, 9, 4, 4], [7, 3, 1, 8]], np.int32)}


def conv_cases(tf, d: dict) -> dict:
    """Convolutions: 1-D, 2-D transposes and gradients-of, 3-D, depthwise, separable, atrous, N-D, morphology."""
    nn = tf.nn
    c = {"conv1d": nn.conv1d(d["x1"], d["w1"], 2, "SAME"),
         "conv1d_kw": nn.conv1d(value=d["x1"], filters=d["w1"], stride=1, padding="VALID", dilations=2),
         "conv1d_input": nn.conv1d(input=d["x1"], filters=d["w1"], stride=[1], padding="SAME"),
         "conv1d_transpose": nn.conv1d_transpose(d["x1"], d["w1t"], [2, 18, 4], 2, "SAME"),
         "conv2d_transpose": nn.conv2d_transpose(d["dy2"], d["w2"], [2, 7, 8, 3], [1, 2, 2, 1], padding="SAME"),
         "conv2d_transpose_kw": nn.conv2d_transpose(value=d["dy2"], filter=d["w2"], output_shape=[2, 9, 9, 3], strides=[1, 2, 2, 1],
                                                    padding="VALID"),
         "conv2d_transpose_v2names": nn.conv2d_transpose(input=d["dy2"], filters=d["w2"], output_shape=[2, 7, 8, 3], strides=2),
         "conv2d_transpose_dilated": nn.conv2d_transpose(d["x2"][:, :, :, :], d["w2"][..., :3], [2, 7, 8, 3], 1, dilations=2),
         "conv_transpose": nn.conv_transpose(d["dy2"], d["w2"], [2, 8, 8, 3], 2),
         "conv2d_backprop_input": nn.conv2d_backprop_input([2, 7, 8, 3], d["w2"], d["dy2"], [1, 2, 2, 1], "SAME"),
         "conv2d_backprop_filter": nn.conv2d_backprop_filter(d["x2"], [3, 3, 3, 4], d["dy2"], [1, 2, 2, 1], "SAME"),
         "conv3d": nn.conv3d(d["x3"], d["w3"], [1, 2, 2, 1, 1], "SAME"),
         "conv3d_valid": nn.conv3d(input=d["x3"], filters=d["w3"], strides=[1, 1, 1, 1, 1], padding="VALID", dilations=[1, 2, 1, 1, 1]),
         "conv3d_transpose": nn.conv3d_transpose(d["dy3"], d["w3"], [2, 5, 6, 4, 2], [1, 2, 2, 2, 1], "SAME"),
         "conv3d_backprop_filter_v2": nn.conv3d_backprop_filter_v2(d["x3"], [2, 3, 2, 2, 3], d["dy3"], [1, 2, 2, 2, 1], "SAME"),
         "depthwise_native": nn.depthwise_conv2d_native(d["x2"], d["wd"], [1, 1, 2, 1], "SAME"),
         "depthwise_native_dilated": nn.depthwise_conv2d_native(d["x2"], d["wd"], [1, 1, 1, 1], "VALID", dilations=[1, 2, 1, 1]),
         "depthwise": nn.depthwise_conv2d(d["x2"], d["wd"], [1, 2, 2, 1], "VALID"),
         "depthwise_rate_same": nn.depthwise_conv2d(d["x2"], d["wd"], [1, 1, 1, 1], "SAME", rate=[2, 2]),
         "depthwise_rate_valid": nn.depthwise_conv2d(input=d["x2"], filter=d["wd"], strides=[1, 1, 1, 1], padding="VALID", dilations=[2, 1]),
         "separable": nn.separable_conv2d(d["x2"], d["wd"], d["wp"], [1, 1, 1, 1], "SAME"),
         "separable_rate": nn.separable_conv2d(d["x2"], d["wd"], d["wp"], [1, 1, 1, 1], "VALID", rate=[2, 2]),
         "atrous": nn.atrous_conv2d(d["x2"], d["w2"], 2, "SAME"),
         "atrous_valid": nn.atrous_conv2d(value=d["x2"], filters=d["w2"], rate=2, padding="VALID"),
         "atrous_transpose": nn.atrous_conv2d_transpose(d["x2"][..., :3], d["w2"][..., :3], [2, 7, 8, 3], 2, "SAME"),
         "convolution_1d": nn.convolution(d["x1"], d["w1"], "SAME", strides=[2]),
         "convolution_2d_dilated": nn.convolution(d["x2"], d["w2"], "SAME", dilation_rate=[2, 2]),
         "convolution_2d": nn.convolution(input=d["x2"], filter=d["w2"], padding="VALID", strides=[2, 1]),
         "convolution_3d": nn.convolution(d["x3"], d["w3"], "VALID", dilations=[2, 1, 1]),
         "dilation2d": nn.dilation2d(d["x2"], d["ker"], [1, 1, 1, 1], [1, 1, 1, 1], "SAME"),
         "erosion2d": nn.erosion2d(d["x2"], d["ker"], [1, 2, 1, 1], [1, 1, 1, 1], "VALID")}
    return c


def pool_cases(tf, d: dict) -> dict:
    """Pooling: 1-, 2-, 3-D, by rank, with argmax, N-D (dilated)."""
    nn = tf.nn
    argmax, indices = nn.max_pool_with_argmax(d["x2"], [1, 2, 2, 1], [1, 2, 2, 1], "SAME")
    argmax_b, indices_b = nn.max_pool_with_argmax(d["x2"], [1, 3, 3, 1], [1, 2, 2, 1], "VALID", Targmax=tf.int32, include_batch_in_index=True)
    return {"max_pool_int_ksize": nn.max_pool(d["x2"], 2, 2, "SAME"),
            "avg_pool_pairs": nn.avg_pool(value=d["x2"], ksize=[3, 2], strides=[1, 2], padding="VALID"),
            "max_pool2d": nn.max_pool2d(d["x2"], [1, 3, 3, 1], [1, 2, 2, 1], "SAME"), "avg_pool2d": nn.avg_pool2d(d["x2"], 2, 1, "VALID"),
            "max_pool1d": nn.max_pool1d(d["x1"], 2, 2, "SAME"), "avg_pool1d": nn.avg_pool1d(d["x1"], 3, 1, "VALID"),
            "max_pool3d": nn.max_pool3d(d["x3"], [1, 2, 2, 2, 1], [1, 2, 2, 2, 1], "SAME"),
            "avg_pool3d": nn.avg_pool3d(input=d["x3"], ksize=[1, 2, 3, 2, 1], strides=[1, 1, 2, 1, 1], padding="VALID"),
            "max_pool_v2_1d": nn.max_pool_v2(d["x1"], 2, 1, "VALID"), "avg_pool_v2_2d": nn.avg_pool_v2(d["x2"], [2, 3], 2, "SAME"),
            "max_pool_v2_3d": nn.max_pool_v2(d["x3"], 2, 2, "VALID"), "avg_pool_v2_3d": nn.avg_pool_v2(d["x3"], 2, 1, "SAME"),
            "argmax_values": argmax, "argmax_indices": indices, "argmax_values_b": argmax_b, "argmax_indices_b": indices_b,
            "pool_max_2d": nn.pool(d["x2"], [2, 2], "MAX", "SAME", strides=[2, 2]),
            "pool_avg_dilated": nn.pool(d["x2"], [2, 2], "AVG", "VALID", dilation_rate=[2, 2]),
            "pool_max_1d": nn.pool(d["x1"], [3], "MAX", "VALID", dilations=[2]),
            "pool_avg_3d": nn.pool(d["x3"], [2, 2, 2], "AVG", "SAME", strides=[1, 2, 2])}


def norm_cases(tf, d: dict) -> dict:
    """Normalization, moments and activations."""
    nn = tf.nn
    y, m, v = nn.fused_batch_norm(d["x2"], d["scale"], d["offset"])
    yi, mi, vi = nn.fused_batch_norm(d["x2"], d["scale"], d["offset"], mean=d["mean"], variance=d["var"], epsilon=0.01, is_training=False)
    ye, me, ve = nn.fused_batch_norm(d["x2"], d["scale"], d["offset"], d["mean"], d["var"], exponential_avg_factor=0.25)
    counts, m_ss, v_ss, _ = nn.sufficient_statistics(d["x2"], [0, 1, 2])
    counts_s, m_ss_s, v_ss_s, shift = nn.sufficient_statistics(d["x2"], [0, 2], shift=0.5, keep_dims=True)
    mean, var = nn.normalize_moments(counts, m_ss, v_ss, None)
    mean_s, var_s = nn.normalize_moments(counts_s, m_ss_s, v_ss_s, shift)
    wmean, wvar = nn.weighted_moments(d["logits"], [1], d["weights"])
    wmean_k, wvar_k = nn.weighted_moments(d["logits"], axes=[0], frequency_weights=d["weights"][:1], keep_dims=True)
    return {"fbn_y": y, "fbn_mean": m, "fbn_var": v, "fbn_inf_y": yi, "fbn_inf_mean": mi, "fbn_inf_var": vi, "fbn_exp_y": ye,
            "fbn_exp_mean": me, "fbn_exp_var": ve, "counts": counts, "m_ss": m_ss, "v_ss": v_ss, "counts_s": counts_s, "m_ss_s": m_ss_s,
            "v_ss_s": v_ss_s, "mean": mean, "var": var, "mean_s": mean_s, "var_s": var_s, "wmean": wmean, "wvar": wvar, "wmean_k": wmean_k,
            "wvar_k": wvar_k,
            "lrn": nn.lrn(d["x2"]), "lrn_kw": nn.local_response_normalization(d["x2"], depth_radius=1, bias=2.0, alpha=0.5, beta=0.75),
            "l2n": nn.l2_normalize(d["logits"], 1), "l2n_dim": nn.l2_normalize(d["logits"], dim=0, epsilon=1e-3),
            "l2n_all": nn.l2_normalize(d["zeros"]),
            "bn_global": nn.batch_norm_with_global_normalization(d["x2"], d["mean"], d["var"], d["offset"], d["scale"], 0.01, True),
            "bn_global_kw": nn.batch_norm_with_global_normalization(input=d["x2"], mean=d["mean"], variance=d["var"], beta=d["offset"],
                                                                    gamma=d["scale"], variance_epsilon=0.01, scale_after_normalization=False),
            "softmax_axis0": nn.softmax(d["logits"], axis=0), "log_softmax_dim": nn.log_softmax(d["x2"], dim=1),
            "softmax_last": nn.softmax(d["x2"], -1),
            "crelu": nn.crelu(d["logits"]), "crelu_axis0": nn.crelu(d["logits"], axis=0), "swish": nn.swish(d["logits"]),
            "silu_beta": nn.silu(d["logits"], beta=0.5), "relu_layer": nn.relu_layer(d["logits"], d["fc_w"], d["fc_b"]),
            "zero_fraction": nn.zero_fraction(d["zeros"]), "zero_fraction_int": nn.zero_fraction(tf.constant([[0, 1, 0, 0]]))}


def loss_cases(tf, d: dict) -> dict:
    """Losses."""
    nn = tf.nn
    return {"log_poisson": nn.log_poisson_loss(d["targets"], d["logits"]),
            "log_poisson_full": nn.log_poisson_loss(targets=d["targets"], log_input=d["logits"], compute_full_loss=True),
            "wce": nn.weighted_cross_entropy_with_logits(labels=d["labels"], logits=d["logits"], pos_weight=2.5),
            "wce_targets": nn.weighted_cross_entropy_with_logits(targets=d["labels"], logits=d["logits"], pos_weight=d["weights"]),
            "sce_v2": nn.softmax_cross_entropy_with_logits_v2(d["labels"], d["logits"]),
            "sce_v2_kw": nn.softmax_cross_entropy_with_logits_v2(labels=d["labels"], logits=d["logits"], dim=-1),
            "avg_loss": nn.compute_average_loss(d["logits"][:, 0]),
            "avg_loss_w": nn.compute_average_loss(d["logits"][:, 0], sample_weight=d["weights"][:, 0], global_batch_size=8),
            "avg_loss_w_column": nn.compute_average_loss(d["logits"][:, 0], sample_weight=d["weights"][:, :1]),
            "avg_loss_loss_column": nn.compute_average_loss(d["logits"][:, :1], sample_weight=d["weights"][:, 0]),
            "avg_loss_matrix": nn.compute_average_loss(d["logits"], sample_weight=0.5, global_batch_size=tf.constant(3)),
            "scale_reg": nn.scale_regularization_loss(d["logits"])}


def basic_cases(tf, d: dict) -> dict:
    """The functions tfc had before (activations, moments, batch_normalization, cross entropies...), on the same inputs."""
    nn, x, logits = tf.nn, d["x2"], d["logits"]
    mean, var = nn.moments(x, [0, 1, 2])
    mean_k, var_k = nn.moments(logits, axes=[1], keep_dims=True)
    out = {name: getattr(nn, name)(logits) for name in ("relu", "relu6", "elu", "selu", "softplus", "softsign", "sigmoid", "tanh")}
    return out | {"leaky_relu": nn.leaky_relu(logits, alpha=0.3), "mean": mean, "var": var, "mean_k": mean_k, "var_k": var_k,
                  "batch_normalization": nn.batch_normalization(x, mean, var, d["offset"], d["scale"], 1e-3),
                  "batch_normalization_bare": nn.batch_normalization(x, mean, var, None, None, variance_epsilon=1e-3),
                  "bias_add": nn.bias_add(x, d["offset"]), "xw_plus_b": nn.xw_plus_b(logits, d["fc_w"], d["fc_b"]),
                  "sigmoid_xent": nn.sigmoid_cross_entropy_with_logits(labels=d["labels"], logits=logits),
                  "softmax_xent": nn.softmax_cross_entropy_with_logits(labels=d["labels"], logits=logits),
                  "sparse_xent": nn.sparse_softmax_cross_entropy_with_logits(labels=d["ids"][0] % 5, logits=logits),
                  "l2_loss": nn.l2_loss(x), "in_top_k": nn.in_top_k(logits, d["ids"][1] % 5, 2),
                  "softmax": nn.softmax(logits), "log_softmax": nn.log_softmax(logits, axis=-1)}


def layout_cases(tf, d: dict) -> dict:
    """Block moves and top_k."""
    nn = tf.nn
    values, indices = nn.top_k(d["logits"], k=2, index_type=tf.int64)
    return {"depth_to_space": nn.depth_to_space(d["dy2"], 2),
            "space_to_depth": nn.space_to_depth(input=d["x2"][:, :6], block_size=2),
            "space_to_batch": nn.space_to_batch(d["x2"], [[1, 0], [0, 0]], block_size=2),
            "space_to_batch_shape": nn.space_to_batch(d["x2"][:, :6, :6], paddings=[[0, 0], [1, 2]], block_shape=3),
            "top_k_values": values, "top_k_indices": indices}


def embedding_cases(tf, d: dict) -> tuple[dict, dict]:
    """embedding_lookup over one table and over shards ("mod", "div", uneven), with max_norm; gradients into the shards."""
    nn = tf.nn
    shards = [tf.placeholder(tf.float32, [None, 3]) for _ in range(3)]
    table = d["table"]
    feeds = {shards[0]: table[0:4], shards[1]: table[4:7], shards[2]: table[7:10]}
    ids = d["ids"]
    out = {"one": nn.embedding_lookup(table, ids), "one_max_norm": nn.embedding_lookup([table], ids, max_norm=2.0),
           "mod": nn.embedding_lookup(shards, ids), "div": nn.embedding_lookup(shards, ids, partition_strategy="div"),
           "div_max_norm": nn.embedding_lookup(params=shards, ids=ids[0], partition_strategy="div", name="emb", max_norm=1.5)}
    loss = tf.reduce_sum(tf.square(out["mod"])) + tf.reduce_sum(out["div"] * 0.5)
    for i, grad in enumerate(tf.gradients(loss, shards)):
        out[f"grad{i}"] = tf.reshape(grad, [-1, 3])  # TensorFlow's IndexedSlices as a dense tensor
    return out, feeds


def gradient_cases(tf, d: dict) -> tuple[dict, dict]:
    """tf.gradients of the sum of squares of each new convolution w.r.t. its input and filter (placeholders, fed)."""
    nn = tf.nn
    out, feeds = {}, {}
    convs = {"conv1d": (d["x1"], d["w1"], lambda x, w: nn.conv1d(x, w, 2, "SAME")),
             "conv2d_transpose": (d["dy2"], d["w2"], lambda x, w: nn.conv2d_transpose(x, w, [2, 7, 8, 3], [1, 2, 2, 1])),
             "depthwise": (d["x2"], d["wd"], lambda x, w: nn.depthwise_conv2d(x, w, [1, 2, 2, 1], "SAME")),
             "depthwise_rate": (d["x2"], d["wd"], lambda x, w: nn.depthwise_conv2d(x, w, [1, 1, 1, 1], "SAME", rate=[2, 2])),
             "conv3d": (d["x3"], d["w3"], lambda x, w: nn.conv3d(x, w, [1, 2, 1, 2, 1], "SAME")),
             "conv3d_transpose": (d["dy3"], d["w3"], lambda x, w: nn.conv3d_transpose(x, w, [2, 5, 6, 4, 2], [1, 2, 2, 2, 1])),
             "separable": (d["x2"], d["wd"], lambda x, w: nn.separable_conv2d(x, w, d["wp"], [1, 1, 1, 1], "VALID")),
             "conv1d_transpose": (d["x1"], d["w1t"], lambda x, w: nn.conv1d_transpose(x, w, [2, 18, 4], 2)),
             "fused_batch_norm": (d["x2"], d["scale"], lambda x, w: nn.fused_batch_norm(x, w, d["offset"])[0] * d["x2"]),
             "lrn_pool3d": (d["x3"], d["w3"][0, 0, 0, :, :2], lambda x, w: nn.max_pool3d(x * w[0], 2, 2, "SAME") + nn.avg_pool3d(x * w[1], 2, 2, "SAME")),
             "lrn": (d["x2"], d["scale"], lambda x, w: nn.lrn(x * w, depth_radius=1)),
             "argmax_pool": (d["x2"], d["scale"], lambda x, w: nn.max_pool_with_argmax(x * w, [1, 2, 2, 1], [1, 2, 2, 1], "SAME")[0]),
             "pool_dilated": (d["x2"], d["scale"], lambda x, w: nn.pool(x * w, [2, 2], "AVG", "VALID", dilation_rate=[2, 2]))}
    for name, (x, w, conv) in convs.items():
        x_value, w_value = x, w
        x, w = tf.placeholder(tf.float32, x.shape), tf.placeholder(tf.float32, w.shape)
        feeds[x], feeds[w] = x_value, w_value
        y = conv(x, w)
        loss = tf.reduce_sum(y * y)
        gx, gw = tf.gradients(loss, [x, w])
        out[f"{name}/dx"], out[f"{name}/dw"] = gx, gw
    return out, feeds


def built(result) -> tuple[dict, dict]:
    """A case function's (fetches, feeds)."""
    return result if isinstance(result, tuple) else (result, {})


CASES = {"conv": conv_cases, "pool": pool_cases, "norm": norm_cases, "loss": loss_cases, "layout": layout_cases, "embed": embedding_cases, "basic": basic_cases,
         "grad": gradient_cases}


def signatures(v1) -> dict:
    """Each tf.compat.v1.nn function's parameters as ``name=default`` strings (``name`` when required)."""
    import inspect

    saved = {}
    for name in dir(v1.nn):
        fn = getattr(v1.nn, name)
        if name.startswith("_") or inspect.isclass(fn) or not callable(fn):
            continue
        params = inspect.signature(fn).parameters.values()
        saved[f"sig:{name}"] = np.array([p.name if p.default is p.empty else f"{p.name}={p.default!r}" for p in params], dtype=str)
    return saved


def main() -> None:
    import tensorflow as tf

    v1 = tf.compat.v1
    config = v1.ConfigProto()  # Grappler rewrites an inference FusedBatchNormV3 into one output, breaking fetches of the others
    config.graph_options.rewrite_options.disable_meta_optimizer = True
    data = inputs()
    saved = {f"in:{k}": v for k, v in data.items()} | signatures(v1)
    for group, build in CASES.items():
        with tf.Graph().as_default():
            fetches, feeds = built(build(v1, data))
            with v1.Session(config=config) as sess:
                values = sess.run(fetches, feeds)
        for name, value in values.items():
            saved[f"{group}:{name}"] = np.asarray(value)
            saved[f"shape:{group}:{name}"] = np.array([-1 if n is None else n for n in fetches[name].shape.as_list()], np.int64)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez(OUT, **saved)
    print(f"wrote {OUT} ({len(saved)} arrays)")


if __name__ == "__main__":
    main()
