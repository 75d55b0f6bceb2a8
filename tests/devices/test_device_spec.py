"""Device strings: tfc's short form and TensorFlow's full and partial forms, nested scopes, and
clear errors; CPU device counts from TFC_CPU_DEVICES or tfc.set_cpu_devices (in fresh interpreters:
XLA fixes the count when its CPU backend starts)."""

import os
import subprocess
import sys

import pytest

import tfc
from tfc.device_spec import DeviceError, DeviceSpec, canonical_device


@pytest.mark.parametrize("text,name,full", [
    ("cpu:1", "cpu:1", "/device:CPU:1"),
    ("CPU:2", "cpu:2", "/device:CPU:2"),
    ("gpu", "gpu:0", "/device:GPU:*"),
    ("host", "host", "/device:HOST"),
    ("/cpu:0", "cpu:0", "/device:CPU:0"),
    ("/device:GPU:1", "gpu:1", "/device:GPU:1"),
    ("/job:localhost/replica:0/task:0/device:CPU:1", "cpu:1", "/job:localhost/replica:0/task:0/device:CPU:1"),
    ("/job:ps", None, "/job:ps"),
    ("/job:worker/task:3", None, "/job:worker/task:3"),
    ("", None, ""),
])
def test_device_strings_parse(text, name, full):
    spec = DeviceSpec.parse(text)
    assert (spec.name, spec.full, canonical_device(text)) == (name, full, name)


def test_nested_scopes_merge_as_tensorflow_merges_them():
    outer = DeviceSpec.parse("/job:worker/task:1/device:CPU:2")
    assert DeviceSpec.parse("gpu").merged(outer).full == "/job:worker/task:1/device:GPU:*"
    assert DeviceSpec.parse("/task:0").merged(outer).full == "/job:worker/task:0/device:CPU:2"
    assert DeviceSpec.parse("").merged(outer) == outer


@pytest.mark.parametrize("text,message", [
    ("cpu:x", "bad device string 'cpu:x': expected 'cpu:1', 'gpu:0', 'host'"),
    ("npu:1", "unknown device type 'npu'"),
    ("/task:a", "task must be a number, got 'a'"),
    ("/job:/task:1", "bad device string '/job:/task:1'"),
    ("cpu:1:2", "bad device string 'cpu:1:2'"),
    (3, "a device must be a string"),
])
def test_bad_device_strings_say_what_was_expected(text, message):
    with pytest.raises(DeviceError, match=message.replace("(", r"\(")):
        DeviceSpec.parse(text)


def fresh(code: str, **env) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in ("TFC_CPU_DEVICES", "XLA_FLAGS")} | env
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=environment)


def test_cpu_devices_from_the_environment_and_from_python():
    by_env = fresh("import tfc; print(tfc.devices())", TFC_CPU_DEVICES="3")
    assert by_env.stdout.strip() == "['cpu:0', 'cpu:1', 'cpu:2']", by_env.stderr
    by_call = fresh("import tfc; tfc.set_cpu_devices(4); print(tfc.devices()); tfc.set_cpu_devices(4)")
    assert by_call.stdout.strip() == "['cpu:0', 'cpu:1', 'cpu:2', 'cpu:3']", by_call.stderr


def test_cpu_device_count_errors():
    late = fresh("import tfc, numpy as np\ntfc.add(np.ones(2), 1.0)\ntry:\n    tfc.set_cpu_devices(2)\n"
                 "except tfc.TfcError as err:\n    print(err)")
    assert "has already started with 1; call tfc.set_cpu_devices(2)" in late.stdout, late.stderr
    bad_env = fresh("import tfc\ntry:\n    tfc.devices()\nexcept tfc.TfcError as err:\n    print(err)", TFC_CPU_DEVICES="two")
    assert "TFC_CPU_DEVICES='two': expected a positive number of CPU devices" in bad_env.stdout, bad_env.stderr
    with pytest.raises(tfc.TfcError, match="must be a positive integer, got 0"):
        tfc.set_cpu_devices(0)
