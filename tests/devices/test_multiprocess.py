"""Synchronous data parallelism across processes: ``@tfc.compile(devices="all", batch_argnums=...)`` over
two real processes of two host devices each (jax.distributed on 127.0.0.1, gloo's CPU collectives).
Each process passes its half of a fixed global batch and starts from its own parameters; the first
call takes process 0's, and after several SGD steps both hold what one process computes from the
whole batch. The workers are this file run as a script (``python test_multiprocess.py RANK ...``).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

WORKER_TIMEOUT_S = 120  # the whole two-process run, on a loaded 2-core machine
STEPS = 5
BATCH = 16
PROCESSES = 2


def loss_fn(params, x, y):
    import tfc

    w1, b1, w2, b2 = params
    h = tfc.tanh(x @ w1 + b1)
    return tfc.mean((h @ w2 + b2 - y) ** 2)


def train_step(params, x, y):
    """One SGD step; also each row's prediction (a result still split along the batch)."""
    import tfc

    loss, grads = tfc.value_and_grad(loss_fn)(params, x, y)
    w1, b1, w2, b2 = params
    return loss, [p - 0.1 * g for p, g in zip(params, grads)], tfc.tanh(x @ w1 + b1) @ w2 + b2


def initial_params(seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.normal(size=s).astype(np.float32) for s in [(8, 16), (16,), (16, 4), (4,)]]


def global_batch() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(100)
    return rng.normal(size=(BATCH, 8)).astype(np.float32), rng.normal(size=(BATCH, 4)).astype(np.float32)


def variable_step(variables):
    """SGD on eager tfc.Variables (read and updated inside the compiled step)."""
    import tfc

    def step(x, y):
        loss, grads = tfc.value_and_grad(loss_fn)([v.read_value() for v in variables], x, y)
        for v, g in zip(variables, grads):
            v.assign_sub(0.1 * g)
        return loss

    return step


# ---- the worker (this file as a script) ------------------------------------------------------------
def worker(rank: int, count: int, port: int, out: str, timeout_s: float) -> None:
    import tfc
    import tfc.backends

    tfc.backends.initialize_distributed(f"127.0.0.1:{port}", count, rank, timeout_s=timeout_s)
    x, y = global_batch()
    rows = slice(rank * BATCH // count, (rank + 1) * BATCH // count)
    params = initial_params(seed=rank)  # every process starts elsewhere: the first call takes process 0's
    step = tfc.compile(train_step, devices="all", batch_argnums=(1, 2))
    for _ in range(STEPS):
        loss, params, predictions = step(params, x[rows], y[rows])
    variables = [tfc.Variable(p) for p in initial_params(seed=10 + rank)]
    on_variables = tfc.compile(variable_step(variables), devices="all", batch_argnums=(0, 1))
    for _ in range(STEPS):
        variable_loss = on_variables(x[rows], y[rows])
    np.savez(out, *[np.asarray(p) for p in params], loss=np.asarray(loss), predictions=np.asarray(predictions),
             variables=np.concatenate([v.numpy().ravel() for v in variables]), variable_loss=np.asarray(variable_loss),
             devices=np.array(tfc.backends.global_devices()), local=np.array(tfc.backends.devices()),
             index=tfc.backends.process_index(), count=tfc.backends.process_count())


# ---- the harness ------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(rank: int, count: int, port: int, out: Path, timeout_s: float) -> subprocess.Popen:
    env = dict(os.environ, TFC_CPU_DEVICES="2", PYTHONUNBUFFERED="1")
    return subprocess.Popen([sys.executable, __file__, str(rank), str(count), str(port), str(out), str(timeout_s)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def run_all(procs: list[subprocess.Popen], timeout_s: float) -> list[str]:
    """Every process's output once all exit (within ``timeout_s`` in all); every one is killed at the end."""
    deadline = time.monotonic() + timeout_s
    try:
        return [proc.communicate(timeout=max(1.0, deadline - time.monotonic()))[0] for proc in procs]
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.kill(proc.pid, 9)
                proc.wait()


def one_process_reference():
    import tfc

    x, y = global_batch()
    params = initial_params(seed=0)
    step = tfc.compile(train_step)
    for _ in range(STEPS):
        loss, params, predictions = step(params, x, y)
    variables = [tfc.Variable(p) for p in initial_params(seed=10)]
    on_variables = tfc.compile(variable_step(variables))
    for _ in range(STEPS):
        variable_loss = on_variables(x, y)
    return loss, params, np.asarray(predictions), np.concatenate([v.numpy().ravel() for v in variables]), variable_loss


def close(a, b) -> None:
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-6)


def test_two_processes_train_to_the_parameters_of_one_process_with_the_whole_batch(tmp_path):
    port = free_port()
    outs = [tmp_path / f"process{rank}.npz" for rank in range(PROCESSES)]
    procs = [start(rank, PROCESSES, port, out, 60) for rank, out in enumerate(outs)]
    logs = run_all(procs, WORKER_TIMEOUT_S)
    for rank, (proc, log) in enumerate(zip(procs, logs)):
        assert proc.returncode == 0, f"process {rank} failed:\n{log[-4000:]}"
    got = [np.load(out) for out in outs]
    loss, params, predictions, variables, variable_loss = one_process_reference()
    rows = BATCH // PROCESSES
    for rank, result in enumerate(got):
        assert list(result["devices"]) == ["/task:0/device:CPU:0", "/task:0/device:CPU:1", "/task:1/device:CPU:0", "/task:1/device:CPU:1"]
        assert list(result["local"]) == ["cpu:0", "cpu:1"] and result["index"] == rank and result["count"] == PROCESSES
        close(result["loss"], loss)
        for i, want in enumerate(params):
            close(result[f"arr_{i}"], want)
        close(result["predictions"], predictions[rank * rows:(rank + 1) * rows])  # each process gets its rows
        close(result["variables"], variables)
        close(result["variable_loss"], variable_loss)
    for i in range(len(params)):  # the replicas agree exactly: the same all-reduced sums
        np.testing.assert_array_equal(got[0][f"arr_{i}"], got[1][f"arr_{i}"])


def test_a_process_that_never_joins_is_a_timeout_naming_it(tmp_path):
    chief_port, worker_port = free_port(), free_port()
    started = time.monotonic()
    chief = start(0, 2, chief_port, tmp_path / "chief.npz", 3)  # process 1 never comes
    lonely = start(1, 2, worker_port, tmp_path / "worker.npz", 3)  # process 0 never comes
    chief_log, lonely_log = run_all([chief, lonely], 30)
    assert time.monotonic() - started < 15
    assert chief.returncode != 0 and lonely.returncode != 0
    assert f"BackendError: error: process 1 of 2 did not join the coordinator at 127.0.0.1:{chief_port} within 3 s" in chief_log, chief_log[-3000:]
    assert f"process 0 of 2 (the chief) did not start the coordinator at 127.0.0.1:{worker_port} within 3 s" in lonely_log, lonely_log[-3000:]


def test_two_processes_claiming_one_task_is_an_error_naming_it(tmp_path):
    port = free_port()
    chief = start(0, 3, port, tmp_path / "chief.npz", 5)
    first, second = start(1, 3, port, tmp_path / "a.npz", 5), start(1, 3, port, tmp_path / "b.npz", 5)
    logs = run_all([chief, first, second], 40)
    assert chief.returncode != 0 and "process 2 of 3 did not join" in logs[0], logs[0][-3000:]
    refused = [log for log in logs[1:] if "process id 1 is out of range 1..2 or taken twice" in log]
    assert len(refused) == 1, logs[1][-2000:] + logs[2][-2000:]


def test_all_devices_in_one_process_are_its_own(tmp_path):
    import tfc
    import tfc.backends

    params, (x, y) = initial_params(seed=0), global_batch()
    want = tfc.compile(train_step)(params, x, y)
    step = tfc.compile(train_step, devices="all", batch_argnums=(1, 2))
    got = step(params, x, y)
    assert step.lower(params, x, y).replicas[0] == tuple(tfc.backends.global_devices()) == tuple(tfc.backends.devices())
    close(got[0], want[0])
    for a, b in zip(got[1], want[1]):
        close(a, b)
    close(got[2], want[2])


def test_a_list_naming_devices_of_processes_is_refused():
    import tfc
    from tfc.diagnostics import TraceError

    params, (x, y) = initial_params(seed=0), global_batch()
    step = tfc.compile(train_step, devices=["/task:0/device:CPU:0", "/task:1/device:CPU:0"], batch_argnums=(1, 2))
    with pytest.raises(TraceError, match='spans processes with devices="all"'):
        step(params, x, y)


if __name__ == "__main__":
    worker(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], float(sys.argv[5]))
