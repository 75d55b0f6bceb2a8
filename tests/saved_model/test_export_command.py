"""``tfc export MODEL_DIR``: functions, keras models and GraphDefs exported as numbered versions
that load (and serve) back with the source's results; every bad input is one error line and leaves
nothing behind."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from click.testing import CliRunner
from google.protobuf import text_format
from starlette.testclient import TestClient

import tfc.compat.v1 as tf
import tfc.saved_model as saved_model
from tfc.frontend.tf.importer import GraphImporter
from tfc.runtime.graph_session import GraphSession
from tfc.serving import ModelManager, create_app
from tfc.tools.cli import cli

CORPUS = os.path.join(os.path.dirname(__file__), "..", "data", "corpus")
MLP = os.path.join(CORPUS, "mlp_dense")
W = np.arange(6, dtype=np.float32).reshape(3, 2) / 4
X = np.linspace(-1, 1, 15, dtype=np.float32).reshape(5, 3)

MODEL_PY = """
import numpy as np
import tfc
from tfc import keras

W = np.arange(6, dtype=np.float32).reshape(3, 2) / 4
w = tfc.Variable(W)

@tfc.compile(input_signature=[tfc.TensorSpec([None, 3], tfc.float32)])
def predict(x):
    return {"y": tfc.matmul(x, w) + 1.0}

@tfc.compile(input_signature=[tfc.TensorSpec([None, 3], tfc.float32, name="values")])
def double(x):
    return x * 2.0

@tfc.compile(input_signature=[tfc.TensorSpec([None, 3], tfc.float32)])
def shifted(x):
    return tfc.matmul(x, w) - 1.0

def build():
    return predict

def build_keras():
    model = keras.Sequential([keras.layers.Dense(2, activation="relu", input_shape=(3,))])
    model.layers[0].set_weights([W, np.array([0.5, -0.5], np.float32)])
    return model

def plain(x):
    return x

@tfc.compile
def unsigned(x):
    return x

number = 3

def returns_number():
    return 3

def fails():
    raise RuntimeError("no weights here")
"""


def _export(*args):
    result = CliRunner().invoke(cli, ["export", *map(str, args)])
    return result.exit_code, result.output.strip()


@pytest.fixture
def model_py(tmp_path):
    path = tmp_path / "model.py"
    path.write_text(MODEL_PY)
    return path


def _serve(path, **inputs):
    return saved_model.load(path).signatures["serving_default"](**inputs)


def test_function_exports_as_version_1_then_2(model_py, tmp_path):
    base = tmp_path / "models"
    for version in (1, 2):
        code, out = _export(base, "--function", f"{model_py}:predict")
        assert (code, out) == (0, str(base / str(version)))
        np.testing.assert_allclose(_serve(out, x=X)["y"], X @ W + 1.0, rtol=1e-6)
    assert sorted(os.listdir(base)) == ["1", "2"]  # no temporary directory left
    code, out = _export(base, "--function", f"{model_py}:predict", "--version", "7")
    assert (code, out) == (0, str(base / "7"))


def test_factory_extra_signature_and_executables(model_py, tmp_path):
    code, out = _export(tmp_path / "m", "--function", f"{model_py}:build", "--signature", f"twice={model_py}:double",
                        "--signature", f"shifted={model_py}:shifted", "--executables", "--executable-batch-sizes", "1,5")
    assert code == 0, out
    metadata = saved_model.read_metadata(out)
    assert sorted(metadata["signatures"]) == ["serving_default", "shifted", "twice"]
    variables = metadata["signatures"]["serving_default"]["variables"]  # the script ran once: one w for both signatures
    assert len(variables) == 1 and metadata["signatures"]["shifted"]["variables"] == variables
    assert [e["shapes"] for e in metadata["executables"]["signatures"]["twice"]] == [[[1, 3]], [[5, 3]]]
    model = saved_model.load(out)
    np.testing.assert_array_equal(model.signatures["twice"](values=X)["output_0"], X * 2)
    np.testing.assert_allclose(model.signatures["serving_default"](x=X)["y"], X @ W + 1.0, rtol=1e-6)
    np.testing.assert_allclose(model.signatures["shifted"](x=X)["output_0"], X @ W - 1.0, rtol=1e-6)


def test_module_reference(model_py, tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(model_py.parent))
    code, out = _export(tmp_path / "m", "--function", "model:double")
    assert code == 0, out
    np.testing.assert_array_equal(_serve(out, values=X)["output_0"], X * 2)


def test_keras_model_export(model_py, tmp_path):
    code, out = _export(tmp_path / "k", "--function", f"{model_py}:build_keras")
    assert code == 0, out
    (key, info), = saved_model.read_metadata(out)["signatures"]["serving_default"]["inputs"].items()
    assert info["shape"] == [None, 3]
    (result,) = _serve(out, **{key: X}).values()
    np.testing.assert_allclose(result, np.maximum(X @ W + np.array([0.5, -0.5], np.float32), 0), rtol=1e-6, atol=1e-7)


def test_frozen_tensorflow_graph_serves_what_tensorflow_computed(tmp_path):
    """The corpus's frozen Keras MLP (TensorFlow wrote graph.pb and expected.npz), served over TF Serving's REST API."""
    case = json.load(open(os.path.join(MLP, "case.json")))
    code, out = _export(tmp_path / "mlp", "--graph", os.path.join(MLP, "graph.pb"), "--inputs", "x:0",
                        "--outputs", "logits=Identity:0,probs=Identity_1:0")
    assert code == 0, out
    signature = saved_model.read_metadata(out)["signatures"]["serving_default"]
    assert signature["inputs"] == {"x": {"name": "x:0", "dtype": "float32", "shape": [4, 32]}}
    assert signature["stablehlo"] == "serving_default.stablehlo.mlir"  # every shape known: lowered once
    x = np.load(os.path.join(MLP, "inputs.npz"))["x"]
    expected = np.load(os.path.join(MLP, "expected.npz"))
    with TestClient(create_app(ModelManager("mlp", tmp_path / "mlp", 0))) as client:
        response = client.post("/v1/models/mlp:predict", json={"inputs": {"x": x.tolist()}})
    assert response.status_code == 200, response.text
    outputs = response.json()["outputs"]
    np.testing.assert_allclose(outputs["logits"], expected["Identity__0"], rtol=case["rtol"], atol=case["atol"])
    np.testing.assert_allclose(outputs["probs"], expected["Identity_1__0"], rtol=case["rtol"], atol=case["atol"])


@pytest.fixture
def pbtxt(tmp_path):
    """A TF1 graph with an unknown batch dim, written as text: (path, the same graph's GraphSession)."""
    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(tf.float32, [None, 3], name="x")
        tf.identity(tf.nn.relu(tf.matmul(x, tf.constant(W)) - 0.25), name="y")
    path = tmp_path / "graph.pbtxt"
    path.write_text(text_format.MessageToString(graph.as_graph_def()))
    return path, GraphSession(GraphImporter(graph.as_graph_def()))


def test_graph_text_with_unknown_batch_equals_its_session(pbtxt, tmp_path):
    path, session = pbtxt
    code, out = _export(tmp_path / "g", "--graph", path, "--inputs", "x:0", "--outputs", "y:0")
    assert code == 0, out
    signature = saved_model.read_metadata(out)["signatures"]["serving_default"]
    assert signature["outputs"] == {"y": {"name": "y:0", "dtype": "float32", "shape": [None, 2]}} and signature["stablehlo"] is None
    for rows in (X, X[:1]):
        np.testing.assert_array_equal(_serve(out, x=rows)["y"], session.run(["y:0"], {"x:0": rows})[0])
    code, out = _export(tmp_path / "g", "--graph", path, "--inputs", "x", "--outputs", "y:0", "--input-shape", "x=5,3")
    assert (code, out) == (0, str(tmp_path / "g" / "2"))
    assert saved_model.read_metadata(out)["signatures"]["serving_default"]["inputs"]["x"]["shape"] == [5, 3]
    np.testing.assert_array_equal(_serve(out, x=X)["y"], session.run(["y:0"], {"x:0": X})[0])


LINREG = os.path.join(CORPUS, "linreg_sgd_train")


@pytest.fixture
def trained(tmp_path):
    """A tfc checkpoint of the weights TensorFlow trained in the linreg corpus case, and a wrong one."""
    from tfc.runtime import checkpoint

    expected = np.load(os.path.join(LINREG, "expected.npz"))
    good = checkpoint.save(tmp_path / "trained.npz", {"w": expected["w__0"], "b": expected["b__0"]})
    wrong = checkpoint.save(tmp_path / "wrong.npz", {"w": expected["w__0"][:2], "b": expected["b__0"]})
    return good, wrong, expected


def test_graph_with_variables_from_a_checkpoint(trained, tmp_path):
    good, _, expected = trained
    code, out = _export(tmp_path / "lr", "--graph", os.path.join(LINREG, "graph.pb"), "--checkpoint", good, "--inputs", "x:0",
                        "--outputs", "pred:0")
    assert code == 0, out
    assert saved_model.read_metadata(out)["signatures"]["serving_default"]["variables"] == ["w", "b"]
    x = np.load(os.path.join(LINREG, "inputs.npz"))["x"]
    np.testing.assert_allclose(_serve(out, x=x)["pred"], x @ expected["w__0"] + expected["b__0"], rtol=1e-6)


BAD = {
    "missing file": (["--function", "{tmp}/nope.py:predict"], "nope.py: no such file"),
    "missing name": (["--function", "{model}:predicts"], "has no 'predicts' (it defines"),
    "no input_signature": (["--function", "{model}:unsigned"], "has no input_signature"),
    "plain function": (["--function", "{model}:plain"], "is a plain function of ['x']; decorate it with @tfc.compile"),
    "not a model": (["--function", "{model}:number"], "is of type int, not a @tfc.compile function"),
    "factory of a number": (["--function", "{model}:returns_number"], "returned an object of type int, not a @tfc.compile function"),
    "factory raises": (["--function", "{model}:fails"], "RuntimeError: no weights here"),
    "bad reference": (["--function", "{model}"], "expected FILE.py:NAME or package.module:NAME"),
    "unimportable module": (["--function", "no_such_module_xyz:f"], "cannot import no_such_module_xyz"),
    "two sources": (["--function", "{model}:predict", "--graph", "{pbtxt}"], "give exactly one of --function"),
    "no source": ([], "give exactly one of --function"),
    "graph without outputs": (["--graph", "{pbtxt}", "--inputs", "x:0"], "--graph needs --inputs and --outputs"),
    "missing graph": (["--graph", "{tmp}/none.pb", "--inputs", "x:0", "--outputs", "y:0"], "none.pb: no such file"),
    "unknown output": (["--graph", "{pbtxt}", "--inputs", "x:0", "--outputs", "z:0"], "output 'z:0' names a node that does not exist"),
    "input not a placeholder": (["--graph", "{pbtxt}", "--inputs", "y:0", "--outputs", "y:0"], "input 'y:0' is not a Placeholder"),
    "shape that does not fit": (["--graph", "{pbtxt}", "--inputs", "x:0", "--outputs", "y:0", "--input-shape", "x=5,4"], "does not fit placeholder"),
    "graph with variables": (["--graph", os.path.join(CORPUS, "linreg_sgd_train", "graph.pb"), "--inputs", "x:0,y:0", "--outputs", "loss:0"],
                             "have no value; freeze the graph"),
    "checkpoint that does not fit": (["--graph", os.path.join(LINREG, "graph.pb"), "--checkpoint", "{wrong}", "--inputs", "x:0",
                                      "--outputs", "pred:0"], "variable 'w' is declared tensor<3x1xf32> but its value is float32[2, 1]"),
    "checkpoint of a function": (["--function", "{model}:predict", "--checkpoint", "{wrong}"], "--checkpoint go with --graph"),
    "executables of a graph": (["--graph", "{pbtxt}", "--inputs", "x:0", "--outputs", "y:0", "--executables"], "--executables goes with --function"),
    "bad batch sizes": (["--function", "{model}:predict", "--executables", "--executable-batch-sizes", "0,2"], "non-empty sequence of positive ints"),
    "existing version": (["--function", "{model}:predict", "--version", "1"], "version 1 already exists"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_is_one_line_and_leaves_nothing(case, model_py, pbtxt, trained, tmp_path):
    args, message = BAD[case]
    base = tmp_path / "models"
    if case == "existing version":
        (base / "1").mkdir(parents=True)
    before = sorted(p.name for p in base.iterdir()) if base.exists() else None
    filled = [a.format(tmp=tmp_path, model=model_py, pbtxt=pbtxt[0], wrong=trained[1]) for a in args]
    code, out = _export(base, *filled)
    assert code == 1 and ": error:" in out, out
    assert message in out and len(out.splitlines()) == 1 and "Traceback" not in out
    assert (sorted(p.name for p in base.iterdir()) if base.exists() else None) == before


def test_model_dir_that_is_a_file(model_py, tmp_path):
    (tmp_path / "file").write_text("")
    code, out = _export(tmp_path / "file", "--function", f"{model_py}:predict")
    assert code == 1 and out == f"tfc: error: {tmp_path / 'file'}: not a directory (expected a model base path holding version directories)"


def test_bad_flag_is_one_line(tmp_path):
    code, out = _export(tmp_path / "m", "--function", "x.py:f", "--version", "0")
    assert code == 2 and len(out.splitlines()) == 1 and out.startswith("Error: Invalid value for '--version'")
    assert not (tmp_path / "m").exists()


def test_installed_command_prints_one_line(model_py, tmp_path):
    """The real ``tfc`` process: the version path on stdout; a bad input one stderr line, exit status 1."""
    command = [sys.executable, "-c", "import sys; from tfc.tools.cli import main; sys.exit(main())", "export", str(tmp_path / "m")]
    done = subprocess.run([*command, "--function", f"{model_py}:double"], capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stdout) == (0, f"{tmp_path / 'm' / '1'}\n"), done.stderr
    failed = subprocess.run([*command, "--function", f"{model_py}:plain"], capture_output=True, text=True, timeout=120)
    assert failed.returncode == 1 and failed.stdout == ""
    assert failed.stderr == textwrap.dedent(f"""\
        tfc: error: --function: {model_py}:plain is a plain function of ['x']; decorate it with \
@tfc.compile(input_signature=[tfc.TensorSpec(...), ...]) or give a function of no arguments returning one
        """)
