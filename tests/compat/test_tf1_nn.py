"""``tf.nn`` in ``tfc.compat.v1``: TensorFlow 1's convolutions, pooling, normalization, activations and
losses give TensorFlow's numbers and static shapes, with TF1's argument names. The calls are the
generator's own functions (scripts/generate_tf1_api_nn_reference.py), run here with tfc."""

import inspect

import numpy as np
import pytest

import tfc.compat.v1 as tf
from tfc.types import DType

from .tf1_reference import generator, inputs, recorded

reference = generator("nn")


def run_group(group: str, rtol: float, atol: float) -> None:
    """Build the generator's ``group`` with tfc, run it in one Session and compare every fetch."""
    ref = recorded("nn")
    data = inputs(ref)
    tf.reset_default_graph()
    fetches, feeds = reference.built(reference.CASES[group](tf, data))
    expected = {k.split(":", 1)[1] for k in ref if k.startswith(f"{group}:")}
    assert set(fetches) == expected
    for name, tensor in fetches.items():
        assert [-1 if n is None else n for n in tensor.shape.as_list()] == ref[f"shape:{group}:{name}"].tolist(), name
    with tf.Session() as sess:
        values = sess.run(fetches, feeds)
    for name, value in values.items():
        want = ref[f"{group}:{name}"]
        assert np.asarray(value).dtype == want.dtype, name
        if want.dtype.kind in "iub":
            np.testing.assert_array_equal(value, want, err_msg=name)
        else:
            np.testing.assert_allclose(value, want, rtol=rtol, atol=atol, err_msg=name)


def test_convolutions_match_tensorflow():
    run_group("conv", 1e-5, 1e-5)


def test_pooling_matches_tensorflow():
    run_group("pool", 1e-6, 1e-6)


def test_normalization_moments_and_activations_match_tensorflow():
    run_group("norm", 1e-5, 1e-5)


def test_losses_match_tensorflow():
    run_group("loss", 1e-5, 1e-6)


def test_activations_moments_and_cross_entropies_match_tensorflow():
    run_group("basic", 1e-5, 1e-6)


def test_block_moves_and_top_k_match_tensorflow():
    run_group("layout", 0, 0)


def test_sharded_embedding_lookup_and_max_norm_match_tensorflow():
    run_group("embed", 1e-6, 1e-6)


def test_gradients_through_the_new_convolutions_match_tensorflow():
    run_group("grad", 1e-4, 1e-4)


def test_fused_batch_norm_inference_needs_mean_and_variance():
    tf.reset_default_graph()
    x = tf.placeholder(tf.float32, [2, 3, 3, 4])
    with pytest.raises(ValueError, match="`mean` and `variance`"):
        tf.nn.fused_batch_norm(x, np.ones(4, np.float32), np.zeros(4, np.float32), is_training=False)


@pytest.mark.parametrize("call, message", [
    (lambda x: tf.nn.conv1d(x, np.ones((3, 3, 2), np.float32), 1, "SAME"), "'value' must have rank 3"),
    (lambda x: tf.nn.conv3d(x, np.ones((1, 1, 1, 3, 2), np.float32), [1] * 5, "SAME"), "'input' must have rank 5"),
    (lambda x: tf.nn.max_pool3d(x, 2, 2, "SAME"), "'input' must have rank 5"),
    (lambda x: tf.nn.max_pool(x, [2, 2, 2], 2, "SAME"), "ksize should be of length 1, 2 or 4"),
    (lambda x: tf.nn.conv2d_transpose(x, np.ones((3, 3, 2, 3), np.float32), [2, 8, 8, 2], strides=[1, 2, 2]), "strides should be of length"),
    (lambda x: tf.nn.pool(x, [2, 2], "MAX", "SAME", dilation_rate=[2, 2]), "'SAME' padding is not implemented"),
    (lambda x: tf.nn.pool(x, [2, 2], "MIN", "VALID"), "pooling_type"),
    (lambda x: tf.nn.convolution(x, np.ones((3, 3), np.float32), "SAME"), "'filter' must have rank 3, 4 or 5"),
    (lambda x: tf.nn.separable_conv2d(x, np.ones((3, 3, 3, 1), np.float32), np.ones((2, 1, 3, 4), np.float32), [1] * 4, "SAME"),
     "'pointwise_filter'"),
    (lambda x: tf.nn.log_poisson_loss(np.ones((2, 5), np.float32), x), "must have the same shape"),
    (lambda x: tf.nn.compute_average_loss(tf.reduce_sum(x)), "at least rank 1"),
    (lambda x: tf.nn.l2_normalize(x, axis=0, dim=0), "deprecated name 'dim'"),
    (lambda x: tf.nn.embedding_lookup([], [0]), "Need at least one param"),
    (lambda x: tf.nn.embedding_lookup([x, x], [0], partition_strategy="block"), "Unrecognized partition strategy"),
])
def test_bad_arguments_raise_naming_the_argument(call, message):
    tf.reset_default_graph()
    x = tf.placeholder(tf.float32, [2, 6, 6, 3])
    with pytest.raises(ValueError, match=message):
        call(x)


def test_softmax_cross_entropy_v1_stops_the_gradient_into_labels_and_v2_does_not():
    tf.reset_default_graph()
    labels, logits = tf.placeholder(tf.float32, [2, 2]), tf.placeholder(tf.float32, [2, 2])
    assert tf.gradients(tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits), labels) == [None]
    grad = tf.gradients(tf.nn.softmax_cross_entropy_with_logits_v2(labels, logits), labels)[0]
    logits_value = np.array([[1.0, -1.0], [0.3, 0.1]], np.float32)
    with tf.Session() as sess:
        value = sess.run(grad, {labels: [[0.2, 0.8], [0.5, 0.5]], logits: logits_value})
    log_softmax = logits_value - np.log(np.exp(logits_value).sum(1, keepdims=True))
    np.testing.assert_allclose(value, -log_softmax, rtol=1e-5)


def test_dilation_over_dynamic_spatial_sizes_pads_at_run_time():
    """Space-to-batch padding computed from the fed shape equals the static construction (TensorFlow's numbers)."""
    ref = recorded("nn")
    tf.reset_default_graph()
    x = tf.placeholder(tf.float32, [None, None, None, 3])
    wd, wp = ref["in:wd"], ref["in:wp"]
    fetches = {"depthwise_rate_same": tf.nn.depthwise_conv2d(x, wd, [1, 1, 1, 1], "SAME", rate=[2, 2]),
               "separable_rate": tf.nn.separable_conv2d(x, wd, wp, [1, 1, 1, 1], "VALID", rate=[2, 2]),
               "pool_avg_dilated": tf.nn.pool(x, [2, 2], "AVG", "VALID", dilation_rate=[2, 2])}
    assert fetches["depthwise_rate_same"].shape.ndims == 4  # TensorFlow also knows the channels (6): tfc's SpaceToBatchND shape loses them
    with tf.Session() as sess:
        values = sess.run(fetches, {x: ref["in:x2"]})
    for name, value in values.items():
        group = "pool" if name.startswith("pool") else "conv"
        np.testing.assert_allclose(value, ref[f"{group}:{name}"], rtol=1e-5, atol=1e-5, err_msg=name)


def test_placeholder_batch_keeps_static_shapes():
    tf.reset_default_graph()
    x = tf.placeholder(tf.float32, [None, 7, 8, 3])
    assert tf.nn.depthwise_conv2d(x, np.ones((3, 3, 3, 2), np.float32), [1, 1, 1, 1], "SAME", rate=[2, 2]).shape.as_list() == [None, 7, 8, 6]
    assert tf.nn.max_pool_v2(x, 2, 2, "VALID").shape.as_list() == [None, 3, 4, 3]
    assert tf.nn.conv1d(tf.placeholder(tf.float32, [None, 9, 3]), np.ones((3, 3, 4), np.float32), 2, "SAME").shape.as_list() == [None, 5, 4]


def parameter(p: inspect.Parameter) -> str:
    """``name=default`` as the generator writes TensorFlow's (tuples as lists, dtypes as ``tf.int32``)."""
    if p.default is p.empty:
        return p.name
    default = p.default
    if isinstance(default, DType):
        return f"{p.name}=tf.{np.dtype(default.numpy).name}"
    return f"{p.name}={list(default) if isinstance(default, tuple) else default!r}"


def test_every_function_has_tensorflows_parameters_and_defaults():
    ref = recorded("nn")
    for name in tf.nn.__all__:
        if isinstance(getattr(tf.nn, name), type(tf.nn)):
            continue
        assert f"sig:{name}" in ref, f"tf.nn.{name} is not in TensorFlow 2.15's tf.compat.v1.nn"
        got = [parameter(p) for p in inspect.signature(getattr(tf.nn, name)).parameters.values()]
        assert got == ref[f"sig:{name}"].tolist(), name
    missing = {key[len("sig:"):] for key in ref if key.startswith("sig:")} - set(tf.nn.__all__)
    assert missing == LEFT_OUT


# TensorFlow 1's tf.nn functions tfc leaves out: candidate samplers, CTC, fractional, approximate top-k and
# quantized ops are not among tfc's ops; the sparse lookups need tf.SparseTensor; the RNN functions are tf.nn.rnn_cell's room.
LEFT_OUT = {"all_candidate_sampler", "fixed_unigram_candidate_sampler", "learned_unigram_candidate_sampler", "log_uniform_candidate_sampler",
            "uniform_candidate_sampler", "compute_accidental_hits", "nce_loss", "sampled_softmax_loss",
            "collapse_repeated", "ctc_beam_search_decoder", "ctc_beam_search_decoder_v2", "ctc_greedy_decoder", "ctc_loss", "ctc_loss_v2",
            "ctc_unique_labels", "fractional_avg_pool", "fractional_max_pool", "approx_max_k", "approx_min_k",
            "quantized_avg_pool", "quantized_conv2d", "quantized_max_pool", "quantized_relu_x",
            "embedding_lookup_sparse", "safe_embedding_lookup_sparse",
            "bidirectional_dynamic_rnn", "dynamic_rnn", "raw_rnn", "static_bidirectional_rnn", "static_rnn", "static_state_saving_rnn"}


def test_channels_first_formats_equal_channels_last_transposed():
    """TensorFlow's CPU kernels lack most channels-first formats, so these check tfc against itself: NCHW results are the NHWC ones transposed."""
    d = inputs(recorded("nn"))
    tf.reset_default_graph()
    nn, first, first3 = tf.nn, (0, 3, 1, 2), (0, 4, 1, 2, 3)
    x1c, x2c, x3c, dyc = d["x1"].transpose(0, 2, 1), d["x2"].transpose(first), d["x3"].transpose(first3), d["dy2"].transpose(first)
    pairs = {
        "conv1d": (nn.conv1d(d["x1"], d["w1"], 2, "SAME"), nn.conv1d(x1c, d["w1"], 2, "SAME", data_format="NCW"), (0, 2, 1)),
        "conv2d_transpose": (nn.conv2d_transpose(d["dy2"], d["w2"], [2, 7, 8, 3], 2),
                             nn.conv2d_transpose(dyc, d["w2"], [2, 3, 7, 8], 2, data_format="NCHW"), first),
        "depthwise_rate": (nn.depthwise_conv2d(d["x2"], d["wd"], [1, 1, 1, 1], "SAME", rate=[2, 2]),
                           nn.depthwise_conv2d(x2c, d["wd"], [1, 1, 1, 1], "SAME", rate=[2, 2], data_format="NCHW"), first),
        "max_pool": (nn.max_pool(d["x2"], 2, 2, "SAME"), nn.max_pool(x2c, 2, 2, "SAME", data_format="NCHW"), first),
        "avg_pool1d": (nn.avg_pool1d(d["x1"], 3, 2, "VALID"), nn.avg_pool1d(x1c, 3, 2, "VALID", data_format="NCW"), (0, 2, 1)),
        "conv3d": (nn.conv3d(d["x3"], d["w3"], [1, 2, 1, 1, 1], "SAME"), nn.conv3d(x3c, d["w3"], [1, 1, 2, 1, 1], "SAME", data_format="NCDHW"),
                   first3),
        "avg_pool3d": (nn.avg_pool3d(d["x3"], 2, 1, "VALID"), nn.avg_pool3d(x3c, 2, 1, "VALID", data_format="NCDHW"), first3),
        "pool_dilated": (nn.pool(d["x2"], [2, 2], "MAX", "VALID", dilation_rate=[2, 1]),
                         nn.pool(x2c, [2, 2], "MAX", "VALID", dilation_rate=[2, 1], data_format="NCHW"), first),
    }
    with tf.Session() as sess:
        values = sess.run({name: (last, chan) for name, (last, chan, _) in pairs.items()})
    for name, (last, chan) in values.items():
        np.testing.assert_allclose(chan, last.transpose(pairs[name][2]), rtol=1e-5, atol=1e-5, err_msg=name)
