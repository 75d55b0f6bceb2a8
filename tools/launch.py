"""``tfc launch``: run one command as the N workers (and K parameter servers) of a job on this machine.

    tfc launch -n 2 -- python train.py --steps 100
    tfc launch -n 4 --ps 1 --max-restarts 2 --timeout 600 -- python train_async.py

Every process gets its role in the environment (:data:`tfc.runtime.distributed.ROLE_VARIABLES`,
TensorFlow's ``TF_CONFIG`` among them) and every address is on ``--host`` (127.0.0.1): one port per
task and one for the coordinator that worker 0 serves, never one port twice (the launcher reserves
them while it picks them; the tasks bind them). Output lines are prefixed with their task
(``[worker:1] ...``). Ctrl-C and SIGTERM reach every process; the job succeeds when every worker
exits 0, and parameter servers are stopped then. With ``--max-restarts``, a failed task of an
asynchronous job (one with parameter servers, or a single worker) is started again alone; in a
synchronous job (several workers, no ps) every worker is, since their processes are joined in one
system that cannot take one back. Whenever the launcher exits, it stops what it started (it cannot
when it is killed with SIGKILL).
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field

import click

from tfc.diagnostics import TfcError
from tfc.runtime.distributed import ROLE_VARIABLES, join_address, tf_config

from .cli_support import error_line, fail

GRACE_SECONDS = 5.0  # after SIGTERM/SIGINT, how long a process may take to exit before SIGKILL
POLL_SECONDS = 0.05
RAY_OBJECT_STORE_BYTES = 200 * 2**20  # what moves through it is one step's parameters and gradients
RAY_LOOPBACK_VARIABLE = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"  # "0": Ray takes the loopback address as the node's


class LaunchError(TfcError):
    """A job that cannot start or that failed: names the option or the task."""


@dataclass
class Task:
    """One process of the job: its role and index, what it runs in, and how often it restarted."""

    role: str
    index: int
    env: dict[str, str]
    command: list[str] | None = None
    """What it runs, when not the job's command (the Ray head)."""
    log: str | None = None
    """Where its output goes, when not to the launcher's (prefixed)."""
    stop_signal: int | None = None
    """The signal that stops it, when not the one the job is stopped with."""
    process: subprocess.Popen | None = None
    restarts: int = 0
    readers: list[threading.Thread] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.role}:{self.index}"


# ---- ports and environments ---------------------------------------------------------------------
def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def pick_ports(host: str, count: int, base: int | None) -> list[int]:
    """``count`` distinct ports on ``host`` that are free now: ``base``, ``base+1``, ... or ones the system picks."""
    if base is not None and not 0 < base <= 65536 - count:
        raise LaunchError(f"--port {base}: the job needs ports {base}-{base + count - 1}, and a port is 1-65535")
    held: list[socket.socket] = []
    try:
        for i in range(count):  # all held at once, so the system never hands out one port twice
            port = 0 if base is None else base + i
            try:
                held.append(_bind(host, port))
            except OSError as err:
                what = f"port {port} on {host} is in use" if port else f"cannot bind a port on --host {host}"
                raise LaunchError(f"--port {base}: {what} ({err.strerror or err})" if base is not None else f"{what}: {err.strerror or err}") from None
        ports = [sock.getsockname()[1] for sock in held]
    finally:
        for sock in held:
            sock.close()
    if len(set(ports)) != len(ports):
        raise LaunchError(f"the system gave one port twice: {ports}")
    return ports


RAY_AUTH_VARIABLE = "RAY_AUTH_MODE"


def task_environments(workers: int, ps: int, host: str, ports: list[int]) -> list[tuple[str, int, dict[str, str]]]:
    """(role, index, environment variables) of every task: the coordinator on ``ports[0]``, then
    workers, then ps, then (with ps tasks) the job's Ray cluster."""
    jobs = {"worker": [join_address(host, p) for p in ports[1:1 + workers]],
            "ps": [join_address(host, p) for p in ports[1 + workers:1 + workers + ps]]}
    shared = {"TFC_NUM_WORKERS": str(workers), "TFC_NUM_PS": str(ps), "TFC_COORDINATOR": join_address(host, ports[0]),
              "TFC_WORKER_HOSTS": ",".join(jobs["worker"]), "TFC_PS_HOSTS": ",".join(jobs["ps"])}
    if ps:
        shared.update(TFC_RAY_ADDRESS=join_address(host, ports[1 + workers + ps]), TFC_RAY_NAMESPACE=f"tfc-job-{os.getpid()}-{ports[0]}")
        # Ray turns token authentication on for a cluster when a token file (~/.ray/auth_token, which any local
        # ray.init() writes) exists, but not for every client: the job's cluster and its tasks agree explicitly.
        shared[RAY_AUTH_VARIABLE] = os.environ.get(RAY_AUTH_VARIABLE, "disabled")
        if ipaddress.ip_address(socket.gethostbyname(host) if ":" not in host else host).is_loopback:
            shared[RAY_LOOPBACK_VARIABLE] = "0"  # Ray's node address is then the loopback one, so it listens there only
    tasks = []
    for role, count in (("worker", workers), ("ps", ps)):
        for index in range(count):
            env = dict(shared, TFC_ROLE=role, TFC_TASK_INDEX=str(index), TF_CONFIG=tf_config(jobs, role, index))
            tasks.append((role, index, env))
    return tasks


def ray_head(host: str, port: int, client_port: int, ps: int, env: dict[str, str]) -> Task:
    """The task running the job's Ray cluster (its head on ``host:port``), where parameter servers
    keep their variables (:mod:`tfc.runtime.parameter_servers`); SIGINT stops it and its processes.
    Its output and session files go to a temporary folder, removed when the job succeeds (the
    launcher names its log when the Ray cluster fails)."""
    directory = tempfile.mkdtemp(prefix="tfc-launch-")
    command = [sys.executable, "-m", "ray.scripts.scripts", "start", "--head", "--block", f"--node-ip-address={host}", f"--port={port}",
               f"--temp-dir={directory}",
               f"--ray-client-server-port={client_port}", f"--num-cpus={ps}", "--include-dashboard=false", "--disable-usage-stats",
               f"--object-store-memory={RAY_OBJECT_STORE_BYTES}"]
    return Task("ray", 0, env, command=command, log=os.path.join(directory, "ray.log"), stop_signal=signal.SIGINT)


def child_environment(variables: dict[str, str], restarts: int) -> dict[str, str]:
    """This process's environment without any role it inherited, plus ``variables``; Python writes each line at once."""
    env = {k: v for k, v in os.environ.items() if k not in ROLE_VARIABLES}
    env.setdefault("PYTHONUNBUFFERED", "1")  # lines reach the prefixing reader as they are printed
    env.update(variables, TFC_RESTART=str(restarts))
    return env


# ---- processes ----------------------------------------------------------------------------------
_output_lock = threading.Lock()


def _forward(pipe, prefix: bytes, stream) -> None:
    """Copy ``pipe`` to ``stream`` line by line, each line prefixed (one writer at a time, so lines never mix)."""
    with pipe:
        for line in iter(pipe.readline, b""):
            with _output_lock:
                stream.write(prefix + (line if line.endswith(b"\n") else line + b"\n"))
                stream.flush()


def start(task: Task, command: list[str]) -> None:
    """Start ``task``'s process in its own process group (a terminal's Ctrl-C reaches only the launcher, which forwards it)."""
    try:
        with open(task.log, "wb") if task.log else contextlib.nullcontext() as log:  # the child keeps its own descriptor
            task.process = subprocess.Popen(task.command or command, env=child_environment(task.env, task.restarts), stdin=subprocess.DEVNULL,
                                            stdout=log or subprocess.PIPE, stderr=subprocess.STDOUT if log else subprocess.PIPE,
                                            process_group=0)
    except OSError as err:
        raise LaunchError(f"cannot start {(task.command or command)[0]!r} for {task.name}: {err.strerror or err}") from None
    prefix = f"[{task.name}] ".encode()
    pipes = ((task.process.stdout, click.get_binary_stream("stdout")), (task.process.stderr, click.get_binary_stream("stderr")))
    task.readers = [threading.Thread(target=_forward, args=(pipe, prefix, stream), daemon=True) for pipe, stream in pipes if pipe is not None]
    for reader in task.readers:
        reader.start()


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    try:
        os.killpg(process.pid, signum)
    except (ProcessLookupError, PermissionError):  # the group is gone already
        pass


def signal_all(tasks: list[Task], signum: int) -> None:
    """Send ``signum`` (or the task's own stop signal) to every running task's process group."""
    for task in tasks:
        if task.process is not None and task.process.poll() is None:
            _signal_group(task.process, signum if task.stop_signal is None or signum == signal.SIGKILL else task.stop_signal)


def stop(tasks: list[Task], signum: int = signal.SIGTERM, grace: float = GRACE_SECONDS) -> None:
    """Stop every task: ``signum`` to each process group, SIGKILL to whatever still runs after ``grace`` seconds."""
    signal_all(tasks, signum)
    deadline = time.monotonic() + grace
    for task in tasks:
        if task.process is None:
            continue
        try:
            task.process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
        _signal_group(task.process, signal.SIGKILL)  # also whatever it started in its group
        task.process.wait()
    for task in tasks:
        for reader in task.readers:
            reader.join(timeout=1.0)


def describe_exit(status: int) -> str:
    """``exited with status 3`` or ``was killed by SIGKILL``."""
    if status < 0:
        try:
            return f"was killed by {signal.Signals(-status).name}"
        except ValueError:
            return f"was killed by signal {-status}"
    return f"exited with status {status}"



# ---- the job ------------------------------------------------------------------------------------
@dataclass
class Job:
    """The tasks of one launch, what they run, and the signals the launcher received."""

    tasks: list[Task]
    command: list[str]
    max_restarts: int = 0
    timeout: float | None = None
    restarts: int = 0
    received: list[int] = field(default_factory=list)
    ray_failed: bool = False

    @property
    def synchronous(self) -> bool:
        """Several workers and no parameter servers: the workers train in lockstep."""
        return not any(task.role == "ps" for task in self.tasks) and sum(task.role == "worker" for task in self.tasks) > 1

    def on_signal(self, signum, frame) -> None:
        """Record a Ctrl-C or SIGTERM for the supervisor to forward; a second one kills every process at once."""
        self.received.append(signum)
        if len(self.received) > 1:
            signal_all(self.tasks, signal.SIGKILL)


class Interrupted(Exception):
    """The launcher received SIGINT or SIGTERM (the job's processes have been sent it)."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def restart(job: Job, task: Task, status: int) -> None:
    """Start ``task`` again (same role, index and ports; ``TFC_RESTART`` counts its restarts)."""
    job.restarts += 1
    task.restarts += 1
    _signal_group(task.process, signal.SIGKILL)  # whatever it left behind in its group
    for reader in task.readers:
        reader.join(timeout=1.0)
    with _output_lock:
        click.echo(f"tfc: {task.name} {describe_exit(status)}; restarting it (restart {job.restarts} of {job.max_restarts})", err=True)
    start(task, job.command)


def restart_job(job: Job, failed: Task, status: int) -> None:
    """Start every worker again: in a synchronous job (workers only) the processes are joined in one
    system (jax.distributed), which cannot take one of them back; the job resumes from its checkpoint."""
    job.restarts += 1
    with _output_lock:
        click.echo(f"tfc: {failed.name} {describe_exit(status)}; restarting the job (restart {job.restarts} of {job.max_restarts})",
                   err=True)
    stop(job.tasks)
    for task in job.tasks:
        task.restarts += 1
        start(task, job.command)


def supervise(job: Job) -> None:
    """Wait until every worker has exited 0 (LaunchError when one fails beyond the restarts, or on --timeout)."""
    deadline = None if job.timeout is None else time.monotonic() + job.timeout
    finished: set[str] = set()
    while True:
        if job.received:
            raise Interrupted(job.received[0])
        for task in job.tasks:
            status = task.process.poll()
            if status is None or task.name in finished:
                continue
            if status == 0 and task.role != "ray":  # a worker done, or a ps that ended by itself
                finished.add(task.name)
            elif task.role == "ray":
                job.ray_failed = True
                raise LaunchError(f"the job's Ray cluster {describe_exit(status)} (its output: {task.log}); stopped the job")
            elif job.restarts < job.max_restarts and job.synchronous:
                restart_job(job, task, status)
                finished.clear()
                break
            elif job.restarts < job.max_restarts:
                restart(job, task, status)
            else:
                more = f" (after {job.restarts} restart(s))" if job.max_restarts else ""
                raise LaunchError(f"{task.name} {describe_exit(status)}{more}; stopped the job")
        if all(task.name in finished for task in job.tasks if task.role == "worker"):
            return
        if deadline is not None and time.monotonic() > deadline:
            raise LaunchError(f"the job ran longer than --timeout {job.timeout:g} s; stopped it")
        time.sleep(POLL_SECONDS)


def run_job(job: Job) -> int:
    """Start every task, supervise the job, stop whatever still runs on every path; the launcher's exit status."""
    handlers = {signum: signal.signal(signum, job.on_signal) for signum in (signal.SIGINT, signal.SIGTERM)}
    interrupted = None
    try:
        for task in job.tasks:
            start(task, job.command)
        supervise(job)
    except Interrupted as err:
        interrupted = err.signum
    except LaunchError as err:
        fail(err)  # the finally below stops every task first
    finally:
        stop(job.tasks, interrupted or signal.SIGTERM)  # the parameter servers after a success; everything otherwise
        for signum, handler in handlers.items():
            signal.signal(signum, handler)
        for task in job.tasks:  # Ray's log and session files, unless the error names the log (Ray failed)
            if task.log and not job.ray_failed:
                shutil.rmtree(os.path.dirname(task.log), ignore_errors=True)
    if interrupted is not None:
        name = signal.Signals(interrupted).name
        click.echo(error_line(LaunchError(f"interrupted by {name}: stopped {len(job.tasks)} process(es)")), err=True)
        return 128 + interrupted
    return 0


@click.command(context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@click.option("-n", "--workers", type=int, required=True, metavar="N", help="Worker processes to start.")
@click.option("--ps", type=int, default=0, show_default=True, metavar="K", help="Parameter-server tasks (for asynchronous jobs).")
@click.option("--max-restarts", type=int, default=0, show_default=True, metavar="R",
              help="Restart a failed task, at most R times over the job, before failing it.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address every task and the coordinator listen on.")
@click.option("--port", type=int, metavar="PORT",
              help="First of N+K+1 consecutive ports (the coordinator's; two more for Ray with --ps; default: free ports).")
@click.option("--timeout", type=float, metavar="SECONDS", help="Stop the job and fail if it runs longer.")
@click.argument("command", nargs=-1, type=click.UNPROCESSED)
def launch(workers, ps, max_restarts, host, port, timeout, command):
    """Run COMMAND as the N workers (and K parameter servers) of one job: tfc launch -n 2 -- python train.py."""
    try:
        if workers < 1:
            raise LaunchError(f"-n {workers}: a job needs at least one worker")
        if ps < 0 or max_restarts < 0:
            raise LaunchError(f"--ps and --max-restarts cannot be negative (got {ps}, {max_restarts})")
        if timeout is not None and timeout <= 0:
            raise LaunchError(f"--timeout {timeout:g}: must be positive")
        if not command:
            raise LaunchError("no command to run: tfc launch -n N -- python train.py ARGS")
        ports = pick_ports(host, workers + ps + 1 + 2 * (ps > 0), port)
        environments = task_environments(workers, ps, host, ports)
        tasks = ([ray_head(host, ports[-2], ports[-1], ps, environments[0][2])] if ps else []) + [Task(*spec) for spec in environments]
    except TfcError as err:
        fail(err)
    sys.exit(run_job(Job(tasks, list(command), max_restarts, timeout)))

__all__ = ["GRACE_SECONDS", "Interrupted", "Job", "LaunchError", "Task", "child_environment", "describe_exit", "pick_ports", "ray_head",
           "signal_all", "start", "stop", "launch", "restart", "run_job", "supervise", "task_environments"]
