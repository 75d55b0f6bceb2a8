"""Parameter servers and asynchronous training, TensorFlow 1's between-graph replication.

In-process tests run the ps task's side (:class:`TaskState`) in this process in place of a Ray actor;
the launcher tests start real jobs (a Ray cluster, 1 ps task, 2 workers) on 127.0.0.1 with
``tfc launch``, with timeouts, and kill by process id whatever of a job is left when the test ends.
"""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import tfc as tf
from tfc.diagnostics import VerifyError
from tfc.runtime import parameter_servers
from tfc.runtime.distributed import RAY_ADDRESS_VARIABLES, DistributedError
from tfc.runtime.errors import SessionError

pytestmark = pytest.mark.xdist_group("ray")  # Ray clusters on one machine: these run one at a time, on one worker

ROOT = Path(__file__).resolve().parents[2]
JOB = Path(__file__).with_name("ps_job.py")
CLUSTER = {"ps": ["127.0.0.1:2222"], "worker": ["127.0.0.1:2224", "127.0.0.1:2225"]}


# ---- in process: the ps task's side in this process ----------------------------------------------
class LocalTask:
    """A TaskClient whose actor is a TaskState in this process (what the actor runs, without Ray)."""

    states: dict = {}

    def __init__(self, task):
        self.state = LocalTask.states.setdefault(task, parameter_servers.TaskState(task))

    def run(self, key, text, cleanup, needed_by, inputs):
        outputs = self.state.run(key, inputs)
        if isinstance(outputs, str):
            self.state.prepare(key, text, cleanup, needed_by)
            outputs = self.state.run(key, inputs)
        return outputs

    def values(self, names):
        return self.state.values(names)

    def assign(self, values):
        self.state.assign(values)

    def uninitialized(self, names):
        return self.state.uninitialized(names)


@pytest.fixture
def worker_one(monkeypatch):
    """This process as /job:worker/task:1 of CLUSTER, its ps task in process."""
    LocalTask.states = {}
    monkeypatch.setattr(parameter_servers, "client", LocalTask)
    monkeypatch.setenv("TFC_RAY_ADDRESS", "127.0.0.1:1")  # never dialled: client() is LocalTask
    monkeypatch.setenv("TF_CONFIG", json.dumps({"cluster": CLUSTER, "task": {"type": "worker", "index": 1}}))
    with tf.Graph().as_default():
        yield LocalTask.states


def linear_model(cluster, index=1):
    with tf.device(tf.train.replica_device_setter(cluster=cluster, worker_device=f"/job:worker/task:{index}")):
        x = tf.placeholder(tf.float32, [8, 4])
        y = tf.placeholder(tf.float32, [8, 1])
        w = tf.Variable(tf.ones([4, 1]), name="w")
        loss = tf.reduce_mean(tf.square(tf.matmul(x, w) - y))
        step = tf.train.get_or_create_global_step()
        train = tf.train.GradientDescentOptimizer(0.05).minimize(loss, global_step=step)
    return x, y, w, loss, step, train


def test_variables_and_their_updates_run_on_the_ps_task(worker_one):
    tf.disable_v2_behavior()
    x, y, w, loss, step, train = linear_model(tf.train.ClusterSpec(CLUSTER))
    feeds = {x: np.ones((8, 4), np.float32), y: np.zeros((8, 1), np.float32)}
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        losses = [float(sess.run([loss, train], feeds)[0]) for _ in range(3)]
        assert int(sess.run(step)) == 3
        assert sess.variables == {}  # nothing lives in the worker's session
        np.testing.assert_allclose(sess.run(w), np.full((4, 1), 1 - 0.4 - 0.24 - 0.144), rtol=1e-6)
    ps = worker_one["/job:ps/task:0"]
    assert sorted(ps.store) == ["global_step", "w"]
    np.testing.assert_allclose(losses, [16.0, 5.76, 2.0736], rtol=1e-5)  # w: 1 -> 0.6 -> 0.36 (gradient 8w per weight)


def test_a_saver_reads_and_restores_the_ps_variables(worker_one, tmp_path):
    tf.disable_v2_behavior()
    x, y, w, loss, step, train = linear_model(tf.train.ClusterSpec(CLUSTER))
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train, {x: np.ones((8, 4), np.float32), y: np.zeros((8, 1), np.float32)})
        path = saver.save(sess, str(tmp_path / "model.ckpt"), global_step=step)
        assert path.endswith("model.ckpt-1")
        worker_one["/job:ps/task:0"].store.clear()  # the ps task lost its values
        assert sess.uninitialized_variables(tf.global_variables()) == ["w", "global_step"]
        saver.restore(sess, path)
        assert int(sess.run(step)) == 1
        np.testing.assert_allclose(sess.run(w), np.full((4, 1), 0.6), rtol=1e-6)


def test_updates_from_concurrent_workers_are_never_lost(worker_one):
    """Eight threads (workers sharing one ps task) apply 25 steps each, of SGD with a gradient of 1
    and of an assign_add: each update reads and writes its variable in one piece on the ps task
    (the arithmetic goes with the variable), so all 201 land, not just the global step's."""
    tf.disable_v2_behavior()
    with tf.device(tf.train.replica_device_setter(cluster=tf.train.ClusterSpec(CLUSTER), worker_device="/job:worker/task:1")):
        w = tf.Variable(tf.zeros([3]), name="w")
        counter = tf.Variable(tf.zeros([], tf.int32), name="counter", trainable=False)
        step = tf.train.get_or_create_global_step()
        train = tf.train.GradientDescentOptimizer(1.0).minimize(tf.reduce_sum(w), global_step=step)
        count = tf.assign_add(counter, 1)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run([train, count])  # compiled once before the threads start
        threads = [threading.Thread(target=lambda: [sess.run([train, count]) for _ in range(25)]) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert int(sess.run(step)) == 201
        assert int(sess.run(counter)) == 201
        np.testing.assert_array_equal(sess.run(w), np.full(3, -201.0, np.float32))


def test_a_device_of_a_job_the_cluster_lacks_is_an_error_naming_the_op(worker_one):
    tf.disable_v2_behavior()
    with tf.device("/job:evaluator/task:0"):
        v = tf.Variable(1.0, name="lonely")
    with tf.Session() as sess, pytest.raises(VerifyError, match=r"'lonely/initial_value'.*asks for device '/job:evaluator/task:0', but the cluster has no "
                                                                 r"job 'evaluator' \(jobs: ps \(1 task\), worker \(2 tasks\)\)"):
        sess.run(v.initializer)


def test_without_a_ray_cluster_other_tasks_devices_are_refused(monkeypatch):
    for name in RAY_ADDRESS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("TF_CONFIG", raising=False)
    with tf.Graph().as_default():
        tf.disable_v2_behavior()
        with tf.device("/job:ps/task:0"):
            v = tf.Variable(1.0, name="v")
        with tf.Session() as sess, pytest.raises(VerifyError, match="devices of other processes run on parameter servers, started by "
                                                                    "'tfc launch --ps K'"):
            sess.run(v.initializer)
        with pytest.raises(DistributedError, match="parameter servers run on Ray: start the job with 'tfc launch --ps K'"):
            tf.train.Server(tf.train.ClusterSpec(CLUSTER), job_name="ps", task_index=0)


def test_server_arguments_are_checked():
    cluster = tf.train.ClusterSpec(CLUSTER)
    with pytest.raises(ValueError, match="give job_name: the cluster has jobs ps, worker"):
        tf.train.Server(cluster)
    with pytest.raises(ValueError, match="no job named 'chief'"):
        tf.train.Server(cluster, job_name="chief", task_index=0)
    with pytest.raises(ValueError, match="no task 5 in job 'worker'"):
        tf.train.Server(cluster, job_name="worker", task_index=5)
    server = tf.train.Server(cluster, job_name="worker", task_index=1)  # a worker's server serves nothing
    assert server.target == "grpc://127.0.0.1:2225"
    with pytest.raises(SessionError, match="target 'http://elsewhere:1' is not supported"):
        tf.Session("http://elsewhere:1")


# ---- real jobs: tfc launch with a Ray cluster, 1 ps task and 2 workers ------------------------------
def launch(*arguments: str, timeout: float = 150) -> subprocess.CompletedProcess:
    """Run ``tfc launch ARGUMENTS`` to the end; then kill by pid any process of its job still alive
    (they carry the job's Ray namespace, ``tfc-job-<launcher pid>-...``, in their environment)."""
    env = {k: v for k, v in os.environ.items() if k != "TFC_CPU_DEVICES"}
    command = [sys.executable, "-c", "from tfc.tools.cli import main; main()", "launch", "--timeout", str(timeout - 20), *arguments]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT,
                               process_group=0)
    try:
        out, err = process.communicate(timeout=timeout)
    finally:
        os.killpg(process.pid, signal.SIGKILL) if process.poll() is None else None
        process.wait()
        _kill_leftovers(f"TFC_RAY_NAMESPACE=tfc-job-{process.pid}-".encode())
    return subprocess.CompletedProcess(command, process.returncode, out, err)


def _kill_leftovers(marker: bytes, grace: float = 10.0) -> None:
    """Wait up to ``grace`` seconds for the job's processes to end by themselves, then SIGKILL them."""
    deadline = time.monotonic() + grace
    while True:
        alive = [pid for pid in _pids() if marker in _environment(pid)]
        if not alive:
            return
        if time.monotonic() > deadline:
            for pid in alive:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            return
        time.sleep(0.2)


def _pids() -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit() and int(name) != os.getpid()]


def _environment(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:  # gone, or not ours
        return b""


def lines(result: subprocess.CompletedProcess, prefix: str) -> list[str]:
    return [line for line in result.stdout.splitlines() if line.startswith(prefix)]


def test_async_workers_apply_every_update_and_a_killed_worker_rejoins():
    """2 workers x 30 updates, worker 1 killed (SIGKILL) after 10 of them and restarted: global_step
    is exactly 60, the restarted worker starts from the ps task's trained values, and a second
    process claiming ps task 0 is refused."""
    result = launch("-n", "2", "--ps", "1", "--max-restarts", "1", "--", sys.executable, str(JOB), "count",
                    "--steps-per-worker", "30", "--die-at", "10")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "tfc: worker:1 was killed by SIGKILL; restarting it (restart 1 of 1)" in result.stderr
    assert lines(result, "[worker:0] worker 0: final global_step") == ["[worker:0] worker 0: final global_step 60"]
    assert lines(result, "[worker:1] worker 1: final global_step") == ["[worker:1] worker 1: final global_step 60"]
    (rejoined,) = [line for line in lines(result, "[worker:1] worker 1: first loss") if line.endswith("(restarted: True)")]
    assert float(rejoined.split("first loss ")[1].split()[0]) < 1.0  # from the trained values: from zeros it is ~30
    assert ("[worker:0] second ps:0: DistributedError: two processes claim /job:ps/task:0: another one serves it already"
            in result.stdout)


def test_a_killed_parameter_server_is_restored_from_the_last_checkpoint(tmp_path):
    result = launch("-n", "2", "--ps", "1", "--max-restarts", "1", "--", sys.executable, str(JOB), "kill-ps", "--steps", "60",
                    "--checkpoint-dir", str(tmp_path))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "tfc: ps:0 was killed by SIGKILL; restarting it (restart 1 of 1)" in result.stderr
    assert "parameter server /job:ps/task:0 died" in result.stderr
    assert f"[worker:0] MonitoredTrainingSession: recovered: restored {tmp_path}/model.ckpt-" in result.stderr
    for index in (0, 1):
        (line,) = lines(result, f"[worker:{index}] worker {index}: reached global_step")
        assert int(line.split("global_step ")[1].split(",")[0]) >= 60
        assert float(line.split("loss ")[1]) < 0.5  # trained on, from the restored values


@pytest.mark.parametrize("example, steps", [("async_linear.py", 100), ("async_cnn.py", 60)])
def test_async_examples_train(example, steps):
    result = launch("-n", "2", "--ps", "1", "--", sys.executable, str(ROOT / "examples" / example), "--steps", str(steps))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    finals = lines(result, "[worker:")
    assert len([line for line in finals if "final loss" in line]) == 2
    assert all(float(line.split("final loss ")[1].split(",")[0]) < 0.5 for line in finals if "final loss" in line)
