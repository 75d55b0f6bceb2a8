"""Synchronous data parallelism: ``@tfc.compile(devices=N, batch_argnums=...)`` splits the batch over
N host devices, the ``shard-batch`` pass inserts (and buckets) the all-reduces, and a step equals the
same step on one device with the whole batch. The suite runs with four host devices (tests/conftest.py).
"""

from __future__ import annotations

import numpy as np
import pytest

import tfc
from tests.ops.harness import check_op, one_op_module
from tfc.backends.loader import load_replicated
from tfc.diagnostics import TraceError
from tfc.frontend.tensor import emit
from tfc.passes.shard_batch import ShardBatch, ShardError
from tfc.passmanager import PassFailedError, PassManager

DEVICES = 4


@pytest.fixture(autouse=True)
def four_devices():
    have = len([d for d in tfc.devices() if d.startswith("cpu:")])
    assert have >= DEVICES, f"needs {DEVICES} host devices (tests/conftest.py sets TFC_CPU_DEVICES={DEVICES}), have {have}"


def loss_fn(params, x, y):
    w1, b1, w2, b2 = params
    h = tfc.tanh(x @ w1 + b1)
    return tfc.mean((h @ w2 + b2 - y) ** 2)


def train_step(params, x, y):
    loss, grads = tfc.value_and_grad(loss_fn)(params, x, y)
    return loss, [p - 0.1 * g for p, g in zip(params, grads)]


def mlp_data(batch=12, seed=0):
    rng = np.random.default_rng(seed)
    params = [rng.normal(size=s).astype(np.float32) for s in [(8, 16), (16,), (16, 4), (4,)]]
    return params, rng.normal(size=(batch, 8)).astype(np.float32), rng.normal(size=(batch, 4)).astype(np.float32)


def assert_same_step(got, want):
    """Equal within float tolerance: the replicas' partial sums are added in another order."""
    np.testing.assert_allclose(np.asarray(got[0]), np.asarray(want[0]), rtol=1e-5, atol=1e-6)
    for a, b in zip(got[1], want[1]):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("devices", [1, 2, 4, ["cpu:0", "cpu:2"]])
def test_mlp_step_on_n_devices_equals_one_device_with_the_whole_batch(devices):
    params, x, y = mlp_data()
    want = tfc.compile(train_step)(params, x, y)
    step = tfc.compile(train_step, devices=devices, batch_argnums=(1, 2))
    assert_same_step(step(params, x, y), want)
    assert_same_step(step(params, x, y), want)  # the cached executable again


def test_ir_shows_the_split_batch_and_one_bucket_of_all_reduces():
    params, x, y = mlp_data()
    text = tfc.compile(train_step, devices=DEVICES, batch_argnums=(1, 2)).lower(params, x, y).as_text()
    assert "%x: tensor<3x8xf32>, %y: tensor<3x4xf32>" in text  # 12 rows / 4 replicas
    reduces = [line for line in text.splitlines() if '"tfc.all_reduce"' in line]
    # the loss's sum and the four gradients travel together: 4 bytes + 4 x (weights' sizes)
    assert len(reduces) == 1 and reduces[0].count("tensor<") == 10, reduces
    assert 'reduction = "sum", replicas = 4' in reduces[0]
    assert "tfc.split_results = array<i64: -1, -1, -1, -1, -1>" in text


def test_small_buckets_split_the_all_reduces_in_program_order():
    params, x, y = mlp_data()
    module = tfc.compile(train_step).lower(params, x, y).module
    PassManager("shard-batch{replicas=4,batch_args=4,5,bucket_bytes=256}", verify_each=True).run(module)
    reduces = [op for op in module.walk() if op.name == "tfc.all_reduce"]
    sizes = [[int(np.prod(v.type.shape)) * 4 for v in op.operands] for op in reduces]
    # program order (the backward pass: b2, w2, b1, w1); a bucket closes once it holds 256 bytes
    assert sizes == [[4, 16, 256], [64, 512]], sizes


def test_results_still_split_are_concatenated_and_ops_without_a_rule_get_whole_operands():
    def predict(w, x):
        logits = x @ w
        return logits, tfc.cumsum(logits, axis=0), tfc.sum(logits)

    w = np.arange(12, dtype=np.float32).reshape(3, 4) / 10
    x = np.arange(24, dtype=np.float32).reshape(8, 3) / 7
    step = tfc.compile(predict, devices=DEVICES, batch_argnums=1)
    text = step.lower(w, x).as_text()
    assert '"tfc.all_gather"' in text  # cumsum runs along the split axis: no rule, so whole operands
    assert "tfc.split_results = array<i64: 0, -1, -1>" in text
    for got, want in zip(step(w, x), tfc.compile(predict)(w, x)):
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-5, atol=1e-5)


def test_variables_are_replicated_and_stay_in_sync():
    def make():
        params, _, _ = mlp_data()
        return [tfc.Variable(p) for p in params]

    def sgd(variables):
        def step(x, y):
            loss, grads = tfc.value_and_grad(loss_fn)([v.read_value() for v in variables], x, y)
            for v, g in zip(variables, grads):
                v.assign_sub(0.1 * g)
            return loss
        return step

    one, many = make(), make()
    step_one, step_many = tfc.compile(sgd(one)), tfc.compile(sgd(many), devices=DEVICES, batch_argnums=(0, 1))
    for seed in range(3):
        _, x, y = mlp_data(seed=seed + 1)
        np.testing.assert_allclose(float(step_many(x, y)), float(step_one(x, y)), rtol=1e-5)
        for a, b in zip(many, one):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)
    assert many[0].numpy().shape == (8, 16)


NHWC_CONV = {
    "window_strides": (1, 1), "padding": (1, 1, 1, 1), "lhs_dilation": (1, 1), "rhs_dilation": (1, 1),
    "feature_group_count": 1, "batch_group_count": 1,
    "input_batch_dimension": 0, "input_feature_dimension": 3, "input_spatial_dimensions": (1, 2),
    "kernel_input_feature_dimension": 2, "kernel_output_feature_dimension": 3, "kernel_spatial_dimensions": (0, 1),
    "output_batch_dimension": 0, "output_feature_dimension": 3, "output_spatial_dimensions": (1, 2),
}
POOL = {"window_dimensions": (1, 2, 2, 1), "window_strides": (1, 2, 2, 1), "padding": (0,) * 8}


@pytest.mark.parametrize("pool", ["sum", "max"])
def test_convnet_step_splits_the_batch_through_convolution_and_pooling(pool):
    def conv_loss(params, images, labels):
        kernel, dense = params
        h = tfc.relu(emit("tfc.convolution", [images, kernel], NHWC_CONV))
        pooled = emit("tfc.reduce_window", [h], POOL | {"kind": pool})
        logits = tfc.reshape(pooled, (pooled.shape[0], -1)) @ dense
        return tfc.mean(tfc.sum((tfc.softmax(logits) - labels) ** 2, axis=1))

    def step(params, images, labels):
        loss, grads = tfc.value_and_grad(conv_loss)(params, images, labels)
        return loss, [p - 0.5 * g for p, g in zip(params, grads)]

    rng = np.random.default_rng(3)
    params = [rng.normal(size=(3, 3, 2, 4)).astype(np.float32) * 0.3, rng.normal(size=(64, 5)).astype(np.float32) * 0.1]
    images = rng.normal(size=(8, 8, 8, 2)).astype(np.float32)
    labels = np.eye(5, dtype=np.float32)[rng.integers(0, 5, size=8)]
    sharded = tfc.compile(step, devices=DEVICES, batch_argnums=(1, 2))
    text = sharded.lower(params, images, labels).as_text()
    assert text.count('"tfc.all_reduce"') == 1
    # both pooling gradients are per-example ops (max: slices, compares and pads over the window
    # offsets; sum: a reduce_window again), so each replica keeps its shard: nothing is gathered
    assert '"tfc.all_gather"' not in text and '"tfc.replica_id"' not in text
    assert_same_step(sharded(params, images, labels), tfc.compile(step)(params, images, labels))


def test_a_batch_not_divisible_by_the_device_count_is_an_error_naming_the_argument():
    params, x, y = mlp_data(batch=10)
    step = tfc.compile(train_step, devices=DEVICES, batch_argnums=(1, 2))
    with pytest.raises(TraceError, match="argument 'x' is in batch_argnums, but has batch size 10: .* multiple of 4"):
        step(params, x, y)
    with pytest.raises(TraceError, match="give devices= too"):
        tfc.compile(train_step, batch_argnums=(1,))
    with pytest.raises(TraceError, match="distinct device names"):
        tfc.compile(train_step, devices=["cpu:0", "cpu:0"])


def test_shard_batch_pass_errors():
    params, x, y = mlp_data(batch=10)
    module = tfc.compile(train_step).lower(params, x, y).module
    with pytest.raises(PassFailedError, match="argument x of @train_step has batch size 10, which 4 replicas cannot share evenly"):
        PassManager("shard-batch{replicas=4,batch_args=4}").run(module)
    with pytest.raises(ShardError, match="batch_args are argument indices below 6"):
        ShardBatch(replicas=2, batch_args="9").run(module)


# ---- the collectives themselves (differential: the interpreter's one replica, XLA's N) -----------
def test_collectives_on_one_replica_are_the_value_itself():
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    check_op("tfc.all_reduce", [x, x + 1], {"reduction": "sum", "replicas": 1}, expected=[x, x + 1])
    check_op("tfc.all_reduce", [x], {"reduction": "max"}, expected=[x])
    check_op("tfc.all_gather", [x], {"dimension": 1, "replicas": 1}, expected=[x])
    check_op("tfc.replica_id", [], expected=[np.array(0, np.int32)])


@pytest.mark.parametrize("reduction,combine", [("sum", np.sum), ("max", np.max), ("min", np.min), ("prod", np.prod)])
def test_all_reduce_on_four_replicas(reduction, combine):
    slices = np.arange(1, 25, dtype=np.float32).reshape(DEVICES, 2, 3) / 8
    module = one_op_module("tfc.all_reduce", [slices[0], slices[0, 0]], {"reduction": reduction, "replicas": DEVICES})
    whole = np.concatenate(slices)
    run = load_replicated(module, devices=[f"cpu:{i}" for i in range(DEVICES)], split_args=[0, 0], split_results=[0, 0]).call
    got, got_rows = run(whole, slices[:, 0].reshape(DEVICES * 3))
    np.testing.assert_allclose(got, np.tile(combine(slices, axis=0), (DEVICES, 1)), rtol=1e-6)
    np.testing.assert_allclose(got_rows, np.tile(combine(slices[:, 0], axis=0), DEVICES), rtol=1e-6)


def test_all_gather_and_replica_id_on_four_replicas():
    x = np.arange(8, dtype=np.int32).reshape(DEVICES, 2)
    devices = [f"cpu:{i}" for i in range(DEVICES)]
    gather = load_replicated(one_op_module("tfc.all_gather", [x[:1]], {"dimension": 0, "replicas": DEVICES}),
                             devices=devices, split_args=[0], split_results=[None]).call
    np.testing.assert_array_equal(gather(x)[0], x)
    ids = load_replicated(one_op_module("tfc.replica_id", []), devices=devices, split_args=[], split_results=[None]).call
    assert int(np.asarray(ids()[0])) == 0  # replica 0's
    with pytest.raises(tfc.TfcError, match="combines 4 replicas; the interpreter runs one"):
        tfc.backends.load(one_op_module("tfc.all_gather", [x[:1]], {"dimension": 0, "replicas": DEVICES}), backend="interp").call(x[:1])
