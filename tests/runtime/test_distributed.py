"""``tfc.distributed``: one process alone, the launcher's environment, TensorFlow's ``TF_CONFIG`` and its errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import tfc
from tfc import backends
from tfc.runtime import distributed
from tfc.runtime.distributed import DistributedError, cluster_from_environment, parse_tf_config, tf_config

CLUSTER = {"chief": ["127.0.0.1:5000"], "worker": ["127.0.0.1:5001", "127.0.0.1:5002"], "ps": ["127.0.0.1:5003"]}


@pytest.fixture
def env(monkeypatch):
    """A clean environment (no role inherited from a launcher running these tests) and no joined cluster."""
    for name in (*distributed.ROLE_VARIABLES, distributed.TIMEOUT_VARIABLE):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(distributed, "_initialized", [])
    return monkeypatch


@pytest.fixture
def joined(env):
    """backends.initialize_distributed replaced by a recorder (the real one starts a jax coordinator)."""
    calls = []
    env.setattr(backends, "initialize_distributed", lambda *args, timeout_s: calls.append((*args, timeout_s)), raising=False)
    return calls


def config(task_type: str, index: int, cluster=None) -> str:
    return json.dumps({"cluster": CLUSTER if cluster is None else cluster, "task": {"type": task_type, "index": index}})


def test_tfc_distributed_is_the_module():
    assert tfc.distributed is distributed
    assert "distributed" in dir(tfc)
    assert tfc.compile.__module__ == "tfc.frontend.compile"  # a module named like a top-level name stays out of the way


def test_a_single_process_is_rank_0_of_1_and_initialize_does_nothing(joined):
    distributed.initialize()
    assert joined == []
    assert (distributed.rank(), distributed.size(), distributed.is_chief(), distributed.role(), distributed.task_index()) == (0, 1, True, "worker", 0)
    assert distributed.cluster_spec() == {}


@pytest.mark.parametrize("text", ["", "  ", "{}", '{"cluster": {}, "task": {}}'])
def test_an_empty_tf_config_is_a_single_process(text):
    assert cluster_from_environment({"TF_CONFIG": text}) is None


@pytest.mark.parametrize(("task_type", "index", "rank", "chief"), [("chief", 0, 0, True), ("worker", 0, 1, False), ("worker", 1, 2, False)])
def test_tf_config_alone_gives_rank_size_and_chief(env, task_type, index, rank, chief):
    env.setenv("TF_CONFIG", config(task_type, index))
    cluster = cluster_from_environment()
    assert (distributed.rank(), distributed.size(), distributed.is_chief()) == (rank, 3, chief)
    assert (cluster.rank, cluster.num_workers, cluster.task_type, cluster.task_index) == (rank, 3, task_type, index)
    assert cluster.coordinator == "127.0.0.1:5000"  # the chief serves it when no TFC_COORDINATOR says otherwise


def test_initialize_joins_the_workers_through_the_backends(env, joined):
    env.setenv("TF_CONFIG", config("worker", 1))
    env.setenv("TFC_COORDINATOR", "127.0.0.1:4999")
    env.setenv("TFC_DISTRIBUTED_TIMEOUT", "12")
    distributed.initialize()
    distributed.initialize()  # a second call does nothing
    assert joined == [("127.0.0.1:4999", 3, 2, 12.0)]
    assert (distributed.rank(), distributed.size(), distributed.is_chief()) == (2, 3, False)
    assert distributed.cluster_spec() == CLUSTER


def test_a_ps_task_does_not_join_and_has_no_rank(env, joined):
    env.setenv("TF_CONFIG", config("ps", 0))
    distributed.initialize()
    assert joined == []
    assert (distributed.role(), distributed.task_index(), distributed.size(), distributed.is_chief()) == ("ps", 0, 3, False)
    with pytest.raises(DistributedError, match="a ps task has no rank among the workers"):
        distributed.rank()


def test_initialize_without_the_backend_function_is_a_clear_error(env):
    env.delattr(backends, "initialize_distributed", raising=False)
    env.setenv("TF_CONFIG", config("worker", 0))
    with pytest.raises(DistributedError, match="cannot run one job over several processes"):
        distributed.initialize()


def test_the_launchers_variables_without_tf_config(env):
    variables = {"TFC_ROLE": "worker", "TFC_TASK_INDEX": "1", "TFC_NUM_WORKERS": "2", "TFC_NUM_PS": "1", "TFC_COORDINATOR": "127.0.0.1:7000",
                 "TFC_WORKER_HOSTS": "127.0.0.1:7001,127.0.0.1:7002", "TFC_PS_HOSTS": "127.0.0.1:7003"}
    cluster = cluster_from_environment(variables)
    assert (cluster.rank, cluster.num_workers, cluster.coordinator) == (1, 2, "127.0.0.1:7000")
    assert cluster.jobs == {"worker": ["127.0.0.1:7001", "127.0.0.1:7002"], "ps": ["127.0.0.1:7003"]}
    counts_only = cluster_from_environment({"TFC_ROLE": "worker", "TFC_TASK_INDEX": "3", "TFC_NUM_WORKERS": "4", "TFC_COORDINATOR": "h:1"})
    assert (counts_only.rank, counts_only.num_workers) == (3, 4)


def test_the_launchers_role_must_agree_with_tf_config():
    with pytest.raises(DistributedError, match="TFC_ROLE=worker TFC_TASK_INDEX=0 disagree with TF_CONFIG's task worker:1"):
        cluster_from_environment({"TFC_ROLE": "worker", "TFC_TASK_INDEX": "0", "TF_CONFIG": config("worker", 1)})


def test_tf_config_round_trips():
    text = tf_config({"worker": ["127.0.0.1:1", "127.0.0.1:2"], "ps": []}, "worker", 1)
    assert json.loads(text) == {"cluster": {"worker": ["127.0.0.1:1", "127.0.0.1:2"]}, "task": {"type": "worker", "index": 1}}
    assert parse_tf_config(text).rank == 1
    assert parse_tf_config(config("worker", 0, {"worker": ["[::1]:80", "localhost:80"]})).jobs["worker"] == ["[::1]:80", "localhost:80"]


@pytest.mark.parametrize(("text", "message"), [
    ('{"cluster": {"worker": ["a:1"]', "TF_CONFIG is not valid JSON: Expecting ',' delimiter at line 1 column 31"),
    ("[1, 2]", "TF_CONFIG must be a JSON object with 'cluster' and 'task', got list"),
    ('{"task": {"type": "worker", "index": 0}}', "TF_CONFIG has a 'task' but no 'cluster'"),
    ('{"cluster": {"worker": ["a:1"]}}', "TF_CONFIG has a 'cluster' but no 'task' saying which of its tasks this process is"),
    ('{"cluster": ["a:1"], "task": {"type": "worker"}}', "TF_CONFIG: 'cluster' must be an object of job name -> list of host:port"),
    ('{"cluster": {"workers": ["a:1"]}, "task": {"type": "worker"}}', "TF_CONFIG: unknown job 'workers' in the cluster"),
    ('{"cluster": {"worker": "a:1"}, "task": {"type": "worker"}}', "TF_CONFIG: cluster job 'worker' must be a list of host:port"),
    ('{"cluster": {"worker": ["a:1"]}, "task": "worker"}', "TF_CONFIG: 'task' must be an object like"),
    ('{"cluster": {"worker": ["a:1"]}, "task": {"index": 0}}', "TF_CONFIG: the task has no 'type'"),
    ('{"cluster": {"worker": ["a:1"]}, "task": {"type": "master"}}', 'TF_CONFIG: unknown task type "master"'),
    ('{"cluster": {"worker": ["a:1"]}, "task": {"type": "ps"}}', "TF_CONFIG: task type 'ps' is not a job of the cluster (worker)"),
    ('{"cluster": {"worker": ["a:1"]}, "task": {"type": "worker", "index": 1}}',
     "TF_CONFIG: task index 1 is out of range: job 'worker' has 1 task(s)"),
    ('{"cluster": {"worker": ["a:1"]}, "task": {"type": "worker", "index": -1}}', "TF_CONFIG: task index -1 is out of range"),
    ('{"cluster": {"worker": ["a:1"]}, "task": {"type": "worker", "index": "0"}}', 'TF_CONFIG: task index must be an integer, got "0"'),
    ('{"cluster": {"worker": ["a"]}, "task": {"type": "worker"}}', "TF_CONFIG: worker:0: 'a' is not host:port"),
    ('{"cluster": {"worker": ["a:1", ":2"]}, "task": {"type": "worker"}}', "TF_CONFIG: worker:1: ':2' is not host:port"),
    ('{"cluster": {"worker": ["a:0"]}, "task": {"type": "worker"}}', "TF_CONFIG: worker:0: 'a:0' is not host:port (a port is 1-65535)"),
    ('{"cluster": {"worker": ["a:x"]}, "task": {"type": "worker"}}', "TF_CONFIG: worker:0: 'a:x' is not host:port"),
    ('{"cluster": {"worker": [7]}, "task": {"type": "worker"}}', "TF_CONFIG: worker:0: 7 is not host:port"),
    ('{"cluster": {"worker": ["a:1", "a:1"]}, "task": {"type": "worker"}}', "TF_CONFIG: two tasks claim the same address a:1: worker:0 and worker:1"),
    ('{"cluster": {"worker": ["a:1"], "ps": ["a:1"]}, "task": {"type": "ps"}}', "TF_CONFIG: two tasks claim the same address a:1: worker:0 and ps:0"),
    ('{"cluster": {"chief": ["a:1", "a:2"]}, "task": {"type": "chief"}}', "TF_CONFIG: a cluster has at most one chief, got 2"),
    ('{"cluster": {"ps": ["a:1"]}, "task": {"type": "ps"}}', "TF_CONFIG: the cluster has no chief and no worker"),
])
def test_a_malformed_tf_config_is_a_clear_error(text, message):
    with pytest.raises(DistributedError) as err:
        parse_tf_config(text)
    assert str(err.value).startswith(message), str(err.value)
    assert isinstance(err.value, tfc.TfcError) and "\n" not in str(err.value)


@pytest.mark.parametrize(("variables", "message"), [
    ({"TFC_ROLE": "worker", "TFC_TASK_INDEX": "x"}, "TFC_TASK_INDEX must be a non-negative integer, got 'x'"),
    ({"TFC_ROLE": "worker", "TFC_TASK_INDEX": "2", "TFC_NUM_WORKERS": "2"}, "TFC_ROLE/TFC_TASK_INDEX: task index 2 is out of range"),
    ({"TFC_ROLE": "boss", "TFC_NUM_WORKERS": "2"}, 'TFC_ROLE/TFC_TASK_INDEX: unknown task type "boss"'),
    ({"TF_CONFIG": config("worker", 0), "TFC_COORDINATOR": "nowhere"}, "TFC_COORDINATOR: 'nowhere' is not host:port"),
])
def test_bad_launcher_variables_are_clear_errors(variables, message):
    with pytest.raises(DistributedError, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        cluster_from_environment(variables)


def test_a_script_sees_a_malformed_tf_config_as_one_error(env, tmp_path):
    """What a user sees: the error names TF_CONFIG and what is wrong with it."""
    script = "import tfc\ntry:\n    tfc.distributed.initialize()\nexcept tfc.TfcError as err:\n    print(type(err).__name__, err)\n"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=30,
                            env={"TF_CONFIG": '{"cluster": {"worker": ["127.0.0.1:1", "127.0.0.1:1"]}, "task": {"type": "worker"}}',
                                 "PATH": "/usr/bin:/bin"})
    assert result.stdout == "DistributedError TF_CONFIG: two tasks claim the same address 127.0.0.1:1: worker:0 and worker:1\n", result.stderr


def test_two_launched_workers_join_one_job(tmp_path):
    """End to end: tfc launch, then tfc.distributed.initialize() in each worker over the real backend."""
    script = tmp_path / "join.py"
    script.write_text("import tfc\ntfc.distributed.initialize()\nprint('joined', tfc.distributed.rank(), tfc.distributed.size())\n")
    launch = [sys.executable, "-c", "from tfc.tools.cli import main; main()", "launch", "-n", "2", "--timeout", "60"]
    result = subprocess.run([*launch, "--", sys.executable, str(script)], capture_output=True, text=True, timeout=90)
    assert result.returncode == 0, result.stderr
    assert sorted(line for line in result.stdout.splitlines() if "joined" in line) == ["[worker:0] joined 0 2", "[worker:1] joined 1 2"]
