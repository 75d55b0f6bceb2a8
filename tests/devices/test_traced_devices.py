"""``with tfc.device(...)`` inside ``@tfc.compile``: the function is placed, partitioned and run on
its devices with the one-device results, gradients and eager Variables included; bad devices are
clear errors. The suite has four host devices (tests/conftest.py)."""

import numpy as np
import pytest

import tfc
from tfc.diagnostics import TraceError

rng = np.random.default_rng(7)
X = rng.normal(size=(16, 8)).astype(np.float32)
WEIGHTS = [(rng.normal(size=(8, 8)) / 3).astype(np.float32) for _ in range(4)]


def layers(x, ws, devices):
    h = x
    for i, w in enumerate(ws):
        with tfc.device(devices[i % len(devices)]):
            h = tfc.tanh(h @ w)
    return tfc.mean(h * h)


@pytest.mark.parametrize("backend", ["xla", "interp"])
def test_a_layer_per_device_function_and_its_gradient_match_one_device(backend):
    one = tfc.compile(tfc.value_and_grad(lambda x, ws: layers(x, ws, ["cpu:0"]), argnums=1), backend=backend)
    four = tfc.compile(tfc.value_and_grad(lambda x, ws: layers(x, ws, ["cpu:0", "cpu:1", "cpu:2", "cpu:3"]), argnums=1),
                       backend=backend)
    (loss1, grads1), (loss4, grads4) = one(X, WEIGHTS), four(X, WEIGHTS)
    np.testing.assert_allclose(loss4, loss1, rtol=1e-6)
    for g4, g1 in zip(grads4, grads1):
        np.testing.assert_allclose(g4, g1, rtol=1e-5, atol=1e-7)
    text = four.lower(X, WEIGHTS).as_text()
    assert all(f'tfc.device = "cpu:{i}"' in text for i in range(4)) and '"tfc.send"' in text


def test_variables_train_on_their_devices_as_on_one():
    def trainer(devices):
        ws = [tfc.Variable(w.copy()) for w in WEIGHTS]

        @tfc.compile
        def step(x):
            loss, grads = tfc.value_and_grad(lambda *values: layers(x, values, devices), argnums=(0, 1, 2, 3))(*ws)
            for w, g in zip(ws, grads):
                w.assign_sub(0.5 * g)
            return loss

        return [float(step(X)) for _ in range(5)], ws

    (losses1, ws1), (losses2, ws2) = trainer(["cpu:0"]), trainer(["cpu:0", "cpu:1"])
    assert losses1[-1] < losses1[0]
    np.testing.assert_allclose(losses2, losses1, rtol=1e-5)
    for a, b in zip(ws2, ws1):
        np.testing.assert_allclose(np.asarray(a.numpy()), np.asarray(b.numpy()), rtol=1e-5, atol=1e-7)


def test_a_device_that_does_not_exist_names_the_function_and_the_op():
    @tfc.compile
    def far(x):
        with tfc.device("cpu:9"):
            return tfc.exp(x)

    with pytest.raises(TraceError, match=r"far\(\): .*'tfc.exp' op asks for device 'cpu:9', which does not exist"):
        far(X)


def test_a_bad_device_string_is_an_error_at_the_users_line():
    @tfc.compile
    def bad(x):
        with tfc.device("npu:1"):
            return tfc.exp(x)

    with pytest.raises(TraceError, match=r"test_traced_devices.py:\d+:\d+: error: bad device string 'npu:1'"):
        bad(X)


def test_device_scopes_inside_a_data_parallel_function_are_an_error():
    @tfc.compile(devices=2, batch_argnums=(0,))
    def mixed(x):
        with tfc.device("cpu:1"):
            return tfc.sum(tfc.exp(x))

    with pytest.raises(TraceError, match=r"mixed\(\): 'tfc.exp' is in a tfc.device scope, but with devices= the function runs"):
        mixed(X)
