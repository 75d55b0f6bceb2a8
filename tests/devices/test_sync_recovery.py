"""Synchronous training across processes when one is lost (examples/distributed_mlp.py, two
processes of two host devices on 127.0.0.1).

With ``tfc launch --max-restarts`` the job restarts whole and resumes from the chief's last
checkpoint, ending with the parameters of an uninterrupted run. Without the launcher's restarts the
survivor does not hang: it ends within ``TFC_DISTRIBUTED_TIMEOUT`` naming the lost process.
Every process a test starts carries a marker in its environment and is killed by pid at the end.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import numpy as np
import pytest

from tfc.runtime import checkpoint
from tfc.runtime.distributed import DEFAULT_TIMEOUT_S, DistributedError, distributed_timeout

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "distributed_mlp.py"
TFC = [sys.executable, "-c", "from tfc.tools.cli import main; main()"]
MARKER = "TFC_TEST_SYNC_RECOVERY"
# What the launcher reports: worker 1's death, or the chief's failure when that follows within one of its polls.
LOST_ONE = r"(worker:1 was killed by SIGKILL|worker:0 exited with status 1)"


def environment(marker: str, **variables: str) -> dict[str, str]:
    """This environment with no role of its own and no TFC_CPU_DEVICES (the example asks for two per process)."""
    env = {k: v for k, v in os.environ.items() if k != "TFC_CPU_DEVICES" and not k.startswith("TFC_") and k != "TF_CONFIG"}
    return dict(env, PYTHONUNBUFFERED="1", **{MARKER: marker}, **variables)


def kill_marked(marker: str) -> None:
    """SIGKILL every process whose environment carries ``marker`` (what a test started, the launcher's children too)."""
    needle = f"{MARKER}={marker}".encode()
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == os.getpid():
            continue
        try:
            if needle in Path(f"/proc/{name}/environ").read_bytes():
                os.kill(int(name), signal.SIGKILL)
        except OSError:  # gone, or not ours
            pass


def run(command: list, marker: str, timeout: float, **variables: str) -> subprocess.CompletedProcess:
    """``command`` to the end (killed after ``timeout`` s); whatever it started is killed afterwards."""
    process = subprocess.Popen(list(map(str, command)), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                               env=environment(marker, **variables), process_group=0)
    try:
        out, err = process.communicate(timeout=timeout)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        kill_marked(marker)
    return subprocess.CompletedProcess(command, process.returncode, out, err)


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def test_a_job_that_loses_a_worker_restarts_from_the_last_checkpoint_and_ends_like_an_uninterrupted_run(tmp_path):
    """12 steps, a checkpoint every 5: worker 1 is killed before step 8, the launcher restarts both
    workers, they resume after step 5 (steps 6 and 7 again, from the checkpoint) and end at step 12."""
    marker = uuid.uuid4().hex
    launched = run([*TFC, "launch", "-n", "2", "--max-restarts", "1", "--timeout", "100", "--", sys.executable, EXAMPLE,
                    "--steps", "12", "--checkpoint-dir", tmp_path / "ckpt", "--save-checkpoint-steps", "5", "--die-at-step", "8",
                    "--save", tmp_path / "two"], marker, timeout=120)
    assert launched.returncode == 0, launched.stdout[-3000:] + launched.stderr[-3000:]
    assert re.search(LOST_ONE + r"; restarting the job \(restart 1 of 1\)", launched.stderr), launched.stderr[-3000:]
    assert f"[worker:0] resumed from the checkpoint of step 5 in {tmp_path / 'ckpt'}" in launched.stdout
    assert "[worker:0] 2 process(es), 2 device(s) each: loss " in launched.stdout
    assert int(checkpoint.load(tmp_path / "ckpt" / "distributed_mlp.npz")["step"]) == 12
    alone = run([sys.executable, EXAMPLE, "--steps", "12", "--save", tmp_path / "one"], marker, timeout=60)
    assert alone.returncode == 0, alone.stderr[-3000:]
    one, first, second = (np.load(tmp_path / name) for name in ("one.0.npz", "two.0.npz", "two.1.npz"))
    for key in one.files:
        np.testing.assert_array_equal(first[key], second[key])  # the processes agree exactly
        np.testing.assert_allclose(first[key], one[key], rtol=1e-5, atol=1e-6)


def test_a_launched_job_without_restarts_stops_naming_the_lost_worker(tmp_path):
    marker = uuid.uuid4().hex
    launched = run([*TFC, "launch", "-n", "2", "--timeout", "60", "--", sys.executable, EXAMPLE, "--steps", "1000",
                    "--die-at-step", "4"], marker, timeout=80)
    assert launched.returncode != 0
    assert re.search(f"tfc: error: {LOST_ONE}; stopped the job", launched.stderr), launched.stderr[-3000:]
    if "worker:1 was killed" not in launched.stderr:  # the chief failed first, naming the lost worker itself
        assert "[worker:0] tfc: error: process 1 of 2 was lost" in launched.stderr, launched.stderr[-3000:]


def test_a_lost_process_ends_the_survivor_within_the_timeout_naming_it(tmp_path):
    """Two processes started by hand (no launcher to stop the job): worker 1 dies before step 4.
    The chief's step fails at once naming it, or at the latest jax's heartbeat timeout ends it."""
    marker, timeout_s = uuid.uuid4().hex, 10
    coordinator, *workers = free_ports(3)
    roles = dict(TFC_ROLE="worker", TFC_NUM_WORKERS="2", TFC_NUM_PS="0", TFC_COORDINATOR=f"127.0.0.1:{coordinator}",
                 TFC_WORKER_HOSTS=",".join(f"127.0.0.1:{p}" for p in workers), TFC_RESTART="0", TFC_DISTRIBUTED_TIMEOUT=str(timeout_s))
    command = [sys.executable, str(EXAMPLE), "--steps", "100000", "--die-at-step", "4"]
    procs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path,
                              env=environment(marker, **roles, TFC_TASK_INDEX=str(rank))) for rank in range(2)]
    try:
        lost_out = procs[1].communicate(timeout=60)[0]
        lost_at = time.monotonic()
        chief_out = procs[0].communicate(timeout=timeout_s + 30)[0]
        took = time.monotonic() - lost_at
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
        kill_marked(marker)
    assert procs[1].returncode == -signal.SIGKILL, lost_out[-3000:]
    assert procs[0].returncode != 0 and took < timeout_s + 15, (took, chief_out[-3000:])
    assert "tfc: error: process 1 of 2 was lost (it exited or was killed); process 0 cannot go on with the job" in chief_out, chief_out[-3000:]
    # then either its step fails naming it, or jax's heartbeat ends it (its message names task 1 too)
    assert ("process 1 of 2 was lost during a synchronous step (@train_step)" in chief_out
            or "The following tasks are unhealthy (stopped sending heartbeats):\n1\n" in chief_out), chief_out[-3000:]


def test_the_timeout_comes_from_TFC_DISTRIBUTED_TIMEOUT():
    assert distributed_timeout({}) == DEFAULT_TIMEOUT_S == 60
    assert distributed_timeout({"TFC_DISTRIBUTED_TIMEOUT": " 7.5 "}) == 7.5
    for bad in ("0", "-3", "soon", "inf", "nan"):
        with pytest.raises(DistributedError, match=f"TFC_DISTRIBUTED_TIMEOUT must be a positive number of seconds, got '{bad}'"):
            distributed_timeout({"TFC_DISTRIBUTED_TIMEOUT": bad})
