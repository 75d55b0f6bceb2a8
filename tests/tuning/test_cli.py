"""``tfc tune CONFIG``: a run from a TOML or JSON file, and one-line errors naming the key."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tfc.tools.cli import cli

TRAIN = '''
def train(hparams, report):
    for step in range(3):
        report(step, (hparams["x"] - 0.5) ** 2 + 1.0 / (step + 1))
    return (hparams["x"] - 0.5) ** 2 + hparams["units"] / 1000
'''

CONFIG = '''
train = "{module}:train"
objective = "loss"
method = "grid"
parallel = 1
logdir = "runs"
[space]
x = {{type = "uniform", low = 0.0, high = 1.0}}
units = [32, 64]
'''


def _config(tmp_path, module, text=None, name="tune.toml"):
    (tmp_path / f"{module}.py").write_text(TRAIN)
    path = tmp_path / name
    path.write_text(CONFIG.format(module=module) if text is None else text)
    return str(path)


def test_tune_a_toml_config(tmp_path):
    result = CliRunner().invoke(cli, ["tune", _config(tmp_path, "tune_cli_train_a")])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 7 and all(line.startswith(f"trial {i}: COMPLETE loss=") for i, line in enumerate(lines[:6]))
    assert lines[-1] == "best: trial 2 loss=0.032 x=0.5 units=32"
    assert (tmp_path / "runs" / "study.journal").exists() and (tmp_path / "runs" / "trial_5").is_dir()
    again = CliRunner().invoke(cli, ["tune", str(tmp_path / "tune.toml")])  # resumed: nothing left to run
    assert again.output.splitlines() == [lines[-1]]


def test_tune_a_json_config_in_a_subprocess_with_two_workers(tmp_path):
    spec = {"train": "tune_cli_train_b:train", "method": "random", "max_trials": 2, "parallel": 2, "logdir": "runs",
            "space": {"x": {"type": "uniform", "low": 0, "high": 1}, "units": [8]}}
    path = _config(tmp_path, "tune_cli_train_b", json.dumps(spec), "tune.json")
    done = subprocess.run([str(Path(sys.executable).parent / "tfc"), "tune", path], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert sorted(line.split(":")[0] for line in done.stdout.splitlines()) == ["best", "trial 0", "trial 1"]


@pytest.mark.parametrize(("text", "message"), [
    ('objective = "loss"\n[space]\nx = [1]\n', "missing key 'train'"),
    ('train = "m:f"\nparallel = "two"\n[space]\nx = [1]\n', "key 'parallel': expected an integer"),
    ('train = "m:f"\nworkers = 2\n[space]\nx = [1]\n', "unknown key 'workers'"),
    ('train = "m:f"\n[space]\nx = {type = "normal", low = 0, high = 1}\n', "key 'space.x': expected a list or a table"),
    ('train = "m:f"\n[space]\nx = {type = "uniform", low = 1, high = 0}\n', "key 'space.x': Uniform: low must be below high"),
    ('train = "m:f"\n[space]\nx = {type = "int", low = 1}\n', "key 'space.x': a int takes"),
    ('train = "m"\n[space]\nx = [1]\n', "key 'train': expected 'module:function'"),
    ('train = "tune_cli_train_c:train"\nmethod = "bayes"\n[space]\nx = [1]\n', "method must be one of"),
    ('train = "no_such_module_here:train"\n[space]\nx = [1]\n', "train: cannot import 'no_such_module_here'"),
    ('train = = 1\n', "not valid TOML"),
])
def test_bad_config_is_one_line_naming_the_key(tmp_path, text, message):
    path = _config(tmp_path, "tune_cli_train_c", text)
    result = CliRunner().invoke(cli, ["tune", path])
    assert result.exit_code == 1
    assert len(result.stderr.splitlines()) == 1 and message in result.stderr and result.stderr.startswith(path)


def test_missing_config_file(tmp_path):
    result = CliRunner().invoke(cli, ["tune", str(tmp_path / "none.toml")])
    assert result.exit_code == 1 and "cannot read" in result.stderr and len(result.stderr.splitlines()) == 1
