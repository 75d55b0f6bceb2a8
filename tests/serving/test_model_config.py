"""``tfc serve --model_config_file``: TF Serving's ModelServerConfig parsed (and its errors with file and line),
version policies and labels in process, and a real server with two models whose config is reloaded."""

from __future__ import annotations

import os
import re
import subprocess
import time

import httpx
import numpy as np
import pytest
from google.protobuf import text_format
from starlette.testclient import TestClient

import tfc
import tfc.saved_model as saved_model
from tfc.serving import ConfiguredModel, ModelConfigError, ModelServerConfig, ServedModels, VersionPolicy, create_app, parse_model_config
from tfc.serving.model_config import ModelConfigFile, ServableVersionPolicy, read_model_config

from .serve_process import SERVE, rest_server

X = np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]], np.float32)
W = np.arange(6, dtype=np.float32).reshape(3, 2) / 4


def _linear(w, name):
    v = tfc.Variable(w, name=name)  # eager names are process-wide: ones no other test uses

    @tfc.compile(input_signature=[tfc.TensorSpec([None, 3], tfc.float32)])
    def linear(x):
        return {"y": tfc.matmul(x, v)}
    return linear


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    """(root, {(model, version): expected predictions of X}): linear versions 1-3 (weights W * version) and mlp version 1."""
    root = tmp_path_factory.mktemp("model_config")
    expected = {}
    for version in (1, 2, 3):
        saved_model.save(_linear(W * version, f"model_config_test_linear_{version}"), root / "linear" / str(version))
        expected["linear", version] = X @ (W * version)
    hidden = tfc.Variable(W.T.copy(), name="model_config_test_mlp")

    @tfc.compile(input_signature=[tfc.TensorSpec([None, 3], tfc.float32)])
    def mlp(x):
        return {"y": tfc.nn.relu(tfc.matmul(tfc.matmul(x, tfc.constant(W)), hidden))}
    saved_model.save(mlp, root / "mlp" / "1")
    expected["mlp", 1] = np.maximum(X @ W @ W.T, 0)
    return root, expected


CONFIG = """# two models
model_config_list {
  config { name: "linear" base_path: "linear" model_platform: "tensorflow"
           model_version_policy { specific { versions: 1 versions: 2 } }
           version_labels { key: "stable" value: 1 } version_labels { key: "canary" value: 2 } }
  config: {
    name: "mlp"
    base_path: "%s"
  }
}
"""


def test_parse_config_policies_labels_and_tf_serving_field_numbers(exports):
    root, _ = exports
    (root / "models.config").write_text(CONFIG % (root / "mlp"))
    linear, mlp = read_model_config(root / "models.config")
    assert (linear.name, linear.base_path, linear.version_policy) == ("linear", root / "linear", VersionPolicy("specific", versions=(1, 2)))
    assert linear.version_labels == {"stable": 1, "canary": 2} and linear.origin == f"{root / 'models.config'}:3"
    assert (mlp.name, mlp.base_path, mlp.version_policy, mlp.origin) == ("mlp", root / "mlp", VersionPolicy("latest", 1), f"{root / 'models.config'}:6")
    policies = {'latest { num_versions: 2 }': VersionPolicy("latest", 2), "latest {}": VersionPolicy("latest", 1), "all {}": VersionPolicy("all")}
    for text, policy in policies.items():
        config = f'model_config_list {{ config {{ name: "m" base_path: "linear" model_version_policy {{ {text} }} }} }}'
        assert parse_model_config(config, root / "x.config")[0].version_policy == policy
    # the messages are TF Serving's: its package and field numbers (model_server_config.proto, file_system_storage_path_source.proto)
    fields = {f.name: f.number for f in ModelServerConfig.DESCRIPTOR.fields_by_name["model_config_list"].message_type.fields[0].message_type.fields}
    assert fields == {"name": 1, "base_path": 2, "model_type": 3, "model_platform": 4, "model_version_policy": 7, "version_labels": 8, "logging_config": 6}
    assert {f.name: f.number for f in ServableVersionPolicy.DESCRIPTOR.fields} == {"latest": 100, "all": 101, "specific": 102}
    assert ModelServerConfig.DESCRIPTOR.full_name == "tensorflow.serving.ModelServerConfig"
    built = ModelServerConfig()
    model = built.model_config_list.config.add(name="linear", base_path=str(root / "linear"), model_platform="tensorflow")
    model.model_version_policy.all.SetInParent()
    model.version_labels["stable"] = 3
    again = parse_model_config(text_format.MessageToString(built), root / "y.config")[0]
    assert again.version_policy == VersionPolicy("all") and again.version_labels == {"stable": 3}
    assert built.SerializeToString()[0] == 0x0A  # model_config_list: field 1, length-delimited, as TF Serving writes it


BAD = [
    ('model_config_list {\n  config { nam: "m" }\n}', r":2:12: .*has no field named \"nam\""),
    ('model_config_list { config { name: "m" base_path: "linear"\n model_version_policy { specific { versions: "two" } } } }',
     r":2:46: .*Couldn't parse integer: \"two\""),
    ('model_config_list { config { name: "m" base_path: "linear"\n model_version_policy { latest {} all {} } } }', r":2:.*oneof \"policy_choice\""),
    ('model_config_list { config { name: "m" base_path: "linear" }', r":1:.*Expected \"}\""),
    ("# nothing\n", r":1: expected model_config_list .* found no model_config_list"),
    ('custom_model_config { }', r":1: custom_model_config is not supported"),
    ('model_config_list {\n config { name: "m" base_path: "linear" }\n config { name: "m" base_path: "mlp" } }',
     r":3: Illegal to list model m multiple times in config list \(first at .*:2\)"),
    ('model_config_list {\n config { name: "m" base_path: "linear" }\n\n config { name: "n" base_path: "missing" } }',
     r":4: model 'n': base_path .*missing is not a directory"),
    ('model_config_list { config { name: "m" } }', r":1: model 'm': base_path: expected the folder of its numbered versions"),
    ('model_config_list { config { base_path: "linear" } }', r":1: name: expected a non-empty model name"),
    ('model_config_list { config { name: "m" base_path: "linear" model_platform: "pytorch" } }', r":1: model 'm': model_platform: expected \"tensorflow\".*'pytorch'"),
    ('model_config_list { config { name: "m" base_path: "linear" model_version_policy { specific { } } } }',
     r":1: model 'm': model_version_policy specific: expected at least one version number"),
    ('model_config_list { config { name: "m" base_path: "linear" version_labels { key: "a/b" value: 1 } } }', r":1: model 'm': version_labels: .*'a/b'"),
    ('model_config_list { config { name: "m" base_path: "linear" logging_config { } } }', r":1: model 'm': logging_config: request logging is not supported"),
]


@pytest.mark.parametrize("text,message", BAD, ids=[f"bad{i}" for i in range(len(BAD))])
def test_bad_config_names_file_and_line(exports, text, message):
    root, _ = exports
    with pytest.raises(ModelConfigError, match=f"^{re.escape(str(root / 'bad.config'))}{message}"):
        parse_model_config(text, root / "bad.config")


def test_unreadable_config_file(tmp_path):
    with pytest.raises(ModelConfigError, match=r"model_config_file .*missing.config: cannot be read"):
        read_model_config(tmp_path / "missing.config")
    (tmp_path / "latin.config").write_bytes(b'model_config_list { config { name: "\xe9" } }')
    with pytest.raises(ModelConfigError, match=r"expected UTF-8 text, found byte 0xe9 at offset 36"):
        read_model_config(tmp_path / "latin.config")


def _predict(client, path):
    response = client.post(path, json={"instances": X.tolist()})
    assert response.status_code == 200, response.text
    return np.asarray(response.json()["predictions"])


def test_policies_labels_and_reconfiguration_in_process(exports):
    root, expected = exports
    models = ServedModels(poll_wait_seconds=0)
    models.configure([ConfiguredModel("linear", root / "linear", VersionPolicy("all"), {"stable": 1, "newest": 3}),
                      ConfiguredModel("two", root / "linear", VersionPolicy("latest", 2)), ConfiguredModel("mlp", root / "mlp")])
    assert models.manager("linear").available() == [1, 2, 3] and models.manager("two").available() == [2, 3]
    with TestClient(create_app(models)) as client:
        np.testing.assert_allclose(_predict(client, "/v1/models/linear/labels/stable:predict"), expected["linear", 1], rtol=1e-6)
        np.testing.assert_allclose(_predict(client, "/v1/models/linear:predict"), expected["linear", 3], rtol=1e-6)
        np.testing.assert_allclose(_predict(client, "/v1/models/two/versions/2:predict"), expected["linear", 2], rtol=1e-6)
        np.testing.assert_allclose(_predict(client, "/v1/models/mlp:predict"), expected["mlp", 1], rtol=1e-5)
        assert client.get("/v1/models/linear/labels/newest/metadata").json()["model_spec"]["version"] == "3"
        assert [s["version"] for s in client.get("/v1/models/linear/labels/stable").json()["model_version_status"]] == ["1"]
        assert client.post("/v1/models/two/versions/1:predict", json={"instances": X.tolist()}).json() == {
            "error": "Servable not found for request: Specific(two, 1)"}

        # a reload (strict=False): the policy narrows, a label naming an unloaded version keeps its old version, "two" goes away
        models.configure([ConfiguredModel("linear", root / "linear", VersionPolicy("specific", versions=(1,)), {"stable": 1, "newest": 3})],
                         strict=False)
        assert models.names() == ["linear"] and models.manager("linear").available() == [1]
        assert models.labels("linear") == {"stable": 1, "newest": 3}
        assert client.post("/v1/models/linear/labels/newest:predict", json={"instances": X.tolist()}).json() == {
            "error": "Servable not found for request: Specific(linear, 3)"}
        states = {s["version"]: s["state"] for s in client.get("/v1/models/linear").json()["model_version_status"]}
        assert states == {"3": "END", "2": "END", "1": "AVAILABLE"}
        gone = client.get("/v1/models/two")
        assert (gone.status_code, gone.json()) == (404, {"error": "Could not find any versions of model two"})
        label = client.post("/v1/models/linear/labels/nope:predict", json={"instances": X.tolist()})
        assert (label.status_code, label.json()) == (400, {"error": "Unrecognized servable version label: nope"})

    with pytest.raises(ValueError, match=r"^cfg:7: Request to assign label to version 2 of model m, which is not currently available for inference$"):
        ServedModels(0).configure([ConfiguredModel("m", root / "linear", VersionPolicy(), {"old": 2}, origin="cfg:7")])
    lenient = ServedModels(0, allow_version_labels_for_unavailable_models=True)
    lenient.configure([ConfiguredModel("m", root / "linear", VersionPolicy(), {"old": 2})])
    assert lenient.label_version("m", "old") == 2
    with pytest.raises(ValueError, match=r"cfg:2: model_base_path .* has no loadable version of model 'm' \(versions \[7\] of model_version_policy"):
        ServedModels(0).configure([ConfiguredModel("m", root / "linear", VersionPolicy("specific", versions=(7,)), origin="cfg:2")])


def _server(*flags, ready="/v1/models/linear"):
    return rest_server([*flags, "--file_system_poll_wait_seconds", "0.2"], ready)


def _write(path, text):
    """Replace the config whole (a temp file, then rename), as a deployment would."""
    temp = path.with_name(path.name + ".tmp")
    temp.write_text(text)
    os.replace(temp, path)


def _wait(client, path, status, timeout=60.0):
    deadline = time.monotonic() + timeout
    while client.get(path).status_code != status:
        assert time.monotonic() < deadline, f"GET {path} did not answer {status} in time"
        time.sleep(0.2)


def test_serve_two_models_from_config_and_reload(exports):
    root, expected = exports
    config = root / "served.config"  # next to the exports: its relative base paths resolve there
    _write(config, CONFIG % (root / "mlp"))
    with _server("--model_config_file", str(config), "--model_config_file_poll_wait_seconds", "0.2") as url, httpx.Client(base_url=url, timeout=30) as client:
        status = client.get("/v1/models/linear").json()["model_version_status"]
        assert [(s["version"], s["state"]) for s in status] == [("2", "AVAILABLE"), ("1", "AVAILABLE")]  # specific {1, 2}: 3 is not loaded
        np.testing.assert_allclose(_predict(client, "/v1/models/linear:predict"), expected["linear", 2], rtol=1e-6)
        np.testing.assert_allclose(_predict(client, "/v1/models/linear/versions/1:predict"), expected["linear", 1], rtol=1e-6)
        np.testing.assert_allclose(_predict(client, "/v1/models/linear/labels/stable:predict"), expected["linear", 1], rtol=1e-6)
        np.testing.assert_allclose(_predict(client, "/v1/models/linear/labels/canary:predict"), expected["linear", 2], rtol=1e-6)
        np.testing.assert_allclose(_predict(client, "/v1/models/mlp:predict"), expected["mlp", 1], rtol=1e-5)
        errors = {"/v1/models/nope:predict": (404, "Servable not found for request: Latest(nope)"),
                  "/v1/models/linear/versions/3:predict": (404, "Servable not found for request: Specific(linear, 3)"),
                  "/v1/models/linear/labels/beta:predict": (400, "Unrecognized servable version label: beta")}
        for path, (code, message) in errors.items():
            response = client.post(path, json={"instances": X.tolist()})
            assert (response.status_code, response.json()) == (code, {"error": message})
        assert client.get("/v1/models/linear/versions/3").json() == {"error": "Could not find version 3 of model linear"}

        # the config changes: mlp goes, "every" (all versions of linear) comes, and a broken config in between changes nothing
        _write(config, 'model_config_list { config { name: "linear" base_path: "nowhere" ')
        time.sleep(0.6)
        assert client.get("/v1/models/mlp").status_code == 200
        _write(config, 'model_config_list {\n config { name: "linear" base_path: "linear" }\n'
                       ' config { name: "every" base_path: "linear" model_version_policy { all {} } } }')
        _wait(client, "/v1/models/every", 200)
        _wait(client, "/v1/models/mlp", 404)
        assert [s["version"] for s in client.get("/v1/models/every").json()["model_version_status"]] == ["3", "2", "1"]
        np.testing.assert_allclose(_predict(client, "/v1/models/every/versions/1:predict"), expected["linear", 1], rtol=1e-6)
        states = {s["version"]: s["state"] for s in client.get("/v1/models/linear").json()["model_version_status"]}
        assert states == {"3": "AVAILABLE", "2": "END", "1": "END"}  # linear now has the default policy, latest 1
        np.testing.assert_allclose(_predict(client, "/v1/models/linear:predict"), expected["linear", 3], rtol=1e-6)
        assert client.post("/v1/models/mlp:predict", json={"instances": X.tolist()}).json() == {"error": "Servable not found for request: Latest(mlp)"}


def test_cli_model_flags_and_config_errors(exports, tmp_path):
    root, _ = exports

    def serve(*args):
        done = subprocess.run([*SERVE, *args], capture_output=True, text=True, timeout=60)
        return done.returncode, done.stderr.strip()
    code, err = serve("--model_config_file", str(tmp_path / "m.config"), "--model_name", "m", "--model_base_path", str(root / "linear"))
    assert code == 2 and err == "Error: --model_config_file cannot be combined with --model_name/--model_base_path (the config file names every model)"
    code, err = serve("--model_name", "m")
    assert code == 2 and err == "Error: expected --model_name NAME and --model_base_path DIR, or --model_config_file FILE"
    config = tmp_path / "m.config"
    config.write_text('model_config_list {\n  config { name: "m" base_path: "missing" }\n}\n')
    code, err = serve("--model_config_file", str(config))
    assert code == 1 and err == f"tfc: error: {config}:2: model 'm': base_path {tmp_path / 'missing'} is not a directory"
    config.write_text(f'model_config_list {{\n  config {{ name: "m" base_path: "{root / "linear"}" version_labels {{ key: "old" value: 1 }} }}\n}}\n')
    code, err = serve("--model_config_file", str(config))
    assert code == 1 and len(err.splitlines()) == 1
    assert err.endswith(f"{config}:2: Request to assign label to version 1 of model m, which is not currently available for inference")


def test_model_config_file_rereads_only_changes(tmp_path, exports):
    root, _ = exports
    path = tmp_path / "c.config"
    path.write_text(f'model_config_list {{ config {{ name: "m" base_path: "{root / "mlp"}" }} }}')
    watched = ModelConfigFile(path)
    assert [m.name for m in watched.read()] == ["m"] and watched.changed() is None
    path.write_text("model_config_list { config { bad")
    with pytest.raises(ModelConfigError, match=r"c.config:1:"):
        watched.changed()
    assert watched.changed() is None  # a bad config is reported once, not every poll
