"""``tfc.distributed``: where this process stands in a multi-process job.

``tfc launch`` starts every process of a job with its role in the environment (``TFC_ROLE``,
``TFC_TASK_INDEX``, ``TFC_COORDINATOR``, ...) and with TensorFlow's ``TF_CONFIG``, so code written
for TensorFlow finds its cluster too. :func:`initialize` joins the workers into one XLA job (through
``tfc.backends.initialize_distributed``); with no such environment it does nothing, so the same
script runs alone. :func:`rank`, :func:`size` and :func:`is_chief` answer from the environment.

A malformed ``TF_CONFIG`` (bad JSON, an unknown task type, an index out of range, an address that is
not ``host:port``, two tasks on one address) is a :class:`DistributedError` saying which.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from tfc.diagnostics import TfcError

JOBS = ("chief", "worker", "ps", "evaluator")  # TensorFlow's task types; chief and worker run the model
TRAINERS = ("chief", "worker")
ROLE_VARIABLES = ("TFC_ROLE", "TFC_TASK_INDEX", "TFC_NUM_WORKERS", "TFC_NUM_PS", "TFC_COORDINATOR",
                  "TFC_WORKER_HOSTS", "TFC_PS_HOSTS", "TFC_RESTART", "TF_CONFIG", "TFC_RAY_ADDRESS", "TFC_RAY_NAMESPACE",
                  "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER")
TIMEOUT_VARIABLE = "TFC_DISTRIBUTED_TIMEOUT"
DEFAULT_TIMEOUT_S = 60.0


class DistributedError(TfcError):
    """A cluster description that cannot be used: says which field is wrong and why."""


@dataclass(frozen=True)
class Cluster:
    """The job's tasks (job name -> addresses), this process's task, and the coordinator's address."""

    jobs: dict[str, list[str]]
    task_type: str
    task_index: int
    coordinator: str | None = None
    source: str = field(default="TF_CONFIG", compare=False)  # where it was read, for messages

    @property
    def num_workers(self) -> int:
        """Processes that run the model: the chief (if any) and the workers."""
        return sum(len(self.jobs.get(job, ())) for job in TRAINERS)

    @property
    def rank(self) -> int | None:
        """This process's index among the workers (the chief first), None for ps and evaluator tasks."""
        if self.task_type == "chief":
            return self.task_index
        if self.task_type == "worker":
            return len(self.jobs.get("chief", ())) + self.task_index
        return None


def split_address(address, where: str) -> tuple[str, int]:
    """(host, port) of ``host:port`` (``[::1]:port`` for IPv6); DistributedError naming ``where`` otherwise."""
    host, sep, port = address.rpartition(":") if isinstance(address, str) else ("", "", "")
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise DistributedError(f"{where}: {address!r} is not host:port (a port is 1-65535)")
    return host, int(port)


def join_address(host: str, port: int) -> str:
    """``host:port``, with brackets around an IPv6 host."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _check_jobs(jobs, source: str) -> dict[str, list[str]]:
    """The cluster mapping, checked: known job names, lists of ``host:port``, no address used twice."""
    if not isinstance(jobs, dict) or not jobs:
        raise DistributedError(f"{source}: 'cluster' must be an object of job name -> list of host:port, got {json.dumps(jobs)}")
    owners: dict[tuple[str, int], str] = {}
    for job, addresses in jobs.items():
        if job not in JOBS:
            raise DistributedError(f"{source}: unknown job '{job}' in the cluster (expected one of {', '.join(JOBS)})")
        if not isinstance(addresses, list):
            raise DistributedError(f"{source}: cluster job '{job}' must be a list of host:port, got {json.dumps(addresses)}")
        for index, address in enumerate(addresses):
            key = split_address(address, f"{source}: {job}:{index}")
            if key in owners:
                raise DistributedError(f"{source}: two tasks claim the same address {address}: {owners[key]} and {job}:{index}")
            owners[key] = f"{job}:{index}"
    if len(jobs.get("chief", ())) > 1:
        raise DistributedError(f"{source}: a cluster has at most one chief, got {len(jobs['chief'])}")
    if not any(jobs.get(job) for job in TRAINERS):
        raise DistributedError(f"{source}: the cluster has no chief and no worker")
    return {job: list(addresses) for job, addresses in jobs.items()}


def _check_task(task, jobs: dict[str, list[str]], source: str) -> tuple[str, int]:
    """(type, index) of the ``task`` object, checked against the cluster."""
    if not isinstance(task, dict):
        raise DistributedError(f"{source}: 'task' must be an object like {{\"type\": \"worker\", \"index\": 0}}, got {json.dumps(task)}")
    task_type, index = task.get("type"), task.get("index", 0)
    if task_type is None:
        raise DistributedError(f"{source}: the task has no 'type' (one of {', '.join(JOBS)})")
    if task_type not in JOBS:
        raise DistributedError(f"{source}: unknown task type {json.dumps(task_type)} (expected one of {', '.join(JOBS)})")
    if task_type not in jobs:
        raise DistributedError(f"{source}: task type '{task_type}' is not a job of the cluster ({', '.join(jobs)})")
    if not isinstance(index, int) or isinstance(index, bool):
        raise DistributedError(f"{source}: task index must be an integer, got {json.dumps(index)}")
    if not 0 <= index < len(jobs[task_type]):
        raise DistributedError(f"{source}: task index {index} is out of range: job '{task_type}' has {len(jobs[task_type])} task(s)")
    return task_type, index


def parse_tf_config(text: str, source: str = "TF_CONFIG") -> Cluster | None:
    """The cluster TensorFlow's ``TF_CONFIG`` JSON describes; None for an empty one (one process, as in TensorFlow)."""
    try:
        config = json.loads(text) if text.strip() else {}
    except json.JSONDecodeError as err:
        raise DistributedError(f"{source} is not valid JSON: {err.msg} at line {err.lineno} column {err.colno}") from None
    if not isinstance(config, dict):
        raise DistributedError(f"{source} must be a JSON object with 'cluster' and 'task', got {type(config).__name__}")
    if not config.get("cluster") and not config.get("task"):
        return None
    if "cluster" not in config:
        raise DistributedError(f"{source} has a 'task' but no 'cluster'")
    if "task" not in config:
        raise DistributedError(f"{source} has a 'cluster' but no 'task' saying which of its tasks this process is")
    jobs = _check_jobs(config["cluster"], source)
    task_type, index = _check_task(config["task"], jobs, source)
    return Cluster(jobs, task_type, index, source=source)


def tf_config(jobs: Mapping[str, list[str]], task_type: str, index: int) -> str:
    """TensorFlow's ``TF_CONFIG`` for task ``task_type:index`` of ``jobs`` (checked as a reader would)."""
    text = json.dumps({"cluster": {job: list(addresses) for job, addresses in jobs.items() if addresses},
                       "task": {"type": task_type, "index": index}})
    parse_tf_config(text)
    return text


def _int_variable(env: Mapping[str, str], name: str, default: int | None = None) -> int:
    value = env.get(name)
    if value is None and default is not None:
        return default
    if value is None or not value.strip().isdigit():
        raise DistributedError(f"{name} must be a non-negative integer, got {value!r}")
    return int(value)


def _from_role_variables(env: Mapping[str, str]) -> Cluster:
    """The cluster from ``TFC_*`` variables alone (``TF_CONFIG`` was removed): addresses where given."""
    role, index = env["TFC_ROLE"], _int_variable(env, "TFC_TASK_INDEX", 0)
    jobs = {}
    for job, hosts, count in (("worker", "TFC_WORKER_HOSTS", "TFC_NUM_WORKERS"), ("ps", "TFC_PS_HOSTS", "TFC_NUM_PS")):
        addresses = [a for a in env.get(hosts, "").split(",") if a]
        if not addresses:  # no addresses: placeholders, so that counts and indices still check
            addresses = [join_address("unknown", 1 + i) for i in range(_int_variable(env, count, 1 if job == "worker" else 0))]
        if addresses:
            jobs[job] = addresses
    cluster = parse_tf_config(json.dumps({"cluster": jobs, "task": {"type": role, "index": index}}), "TFC_ROLE/TFC_TASK_INDEX")
    return cluster


def cluster_from_environment(env: Mapping[str, str] | None = None) -> Cluster | None:
    """This process's cluster from ``TF_CONFIG`` and the ``TFC_*`` variables; None when it runs alone."""
    env = os.environ if env is None else env
    cluster = parse_tf_config(env["TF_CONFIG"]) if env.get("TF_CONFIG", "").strip() else None
    if cluster is None and env.get("TFC_ROLE"):
        cluster = _from_role_variables(env)
    if cluster is None:
        return None
    if env.get("TFC_ROLE") and (env["TFC_ROLE"], _int_variable(env, "TFC_TASK_INDEX", 0)) != (cluster.task_type, cluster.task_index):
        raise DistributedError(f"TFC_ROLE={env['TFC_ROLE']} TFC_TASK_INDEX={env.get('TFC_TASK_INDEX', 0)} disagree with "
                               f"TF_CONFIG's task {cluster.task_type}:{cluster.task_index}")
    coordinator = env.get("TFC_COORDINATOR") or (cluster.jobs.get("chief") or cluster.jobs["worker"])[0]
    split_address(coordinator, "TFC_COORDINATOR")
    return Cluster(cluster.jobs, cluster.task_type, cluster.task_index, coordinator, cluster.source)


_initialized: list[Cluster] = []  # the cluster this process joined, once initialize() has joined one


def initialize() -> None:
    """Join this process to its job's workers (one XLA job over all of them); nothing when it runs alone.

    Call it before the first computation. Parameter-server and evaluator tasks do not join (they run
    no collective), so for them it only checks the environment. A second call does nothing. Every
    wait for another worker (joining, and jax's heartbeat once joined) is bounded by
    ``TFC_DISTRIBUTED_TIMEOUT`` seconds (:func:`distributed_timeout`).
    """
    if _initialized:
        return
    cluster = cluster_from_environment()
    if cluster is None or cluster.rank is None or cluster.num_workers == 1:
        return
    timeout_s = distributed_timeout()
    from tfc import backends

    join = getattr(backends, "initialize_distributed", None)
    if join is None:
        raise DistributedError("this tfc's backends cannot run one job over several processes (no initialize_distributed)")
    join(cluster.coordinator, cluster.num_workers, cluster.rank, timeout_s=timeout_s)
    _initialized.append(cluster)


def distributed_timeout(env: Mapping[str, str] | None = None) -> float:
    """``TFC_DISTRIBUTED_TIMEOUT`` (seconds, default :data:`DEFAULT_TIMEOUT_S`): how long a worker
    waits for the others to join, and how soon a silent one (killed, say) ends the job's others."""
    text = (os.environ if env is None else env).get(TIMEOUT_VARIABLE, "").strip()
    if not text:
        return DEFAULT_TIMEOUT_S
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not 0 < seconds < math.inf:
        raise DistributedError(f"{TIMEOUT_VARIABLE} must be a positive number of seconds, got {text!r}")
    return seconds


def _cluster() -> Cluster | None:
    return _initialized[0] if _initialized else cluster_from_environment()


def role() -> str:
    """This process's task type: ``worker`` (or ``chief``, ``ps``, ``evaluator``); ``worker`` when it runs alone."""
    cluster = _cluster()
    return "worker" if cluster is None else cluster.task_type


def task_index() -> int:
    """This process's index within its task type (0 when it runs alone)."""
    cluster = _cluster()
    return 0 if cluster is None else cluster.task_index


def rank() -> int:
    """This worker's index among the workers, the jax process id (0 when it runs alone)."""
    cluster = _cluster()
    if cluster is None:
        return 0
    if cluster.rank is None:
        raise DistributedError(f"a {cluster.task_type} task has no rank among the workers (task_index() is {cluster.task_index})")
    return cluster.rank


def size() -> int:
    """The number of workers in the job (1 when it runs alone); parameter servers are not counted."""
    cluster = _cluster()
    return 1 if cluster is None else cluster.num_workers


def is_chief() -> bool:
    """True for the worker that should write checkpoints and logs: rank 0 (and a process that runs alone)."""
    cluster = _cluster()
    return cluster is None or cluster.rank == 0


RAY_ADDRESS_VARIABLES = ("TFC_RAY_ADDRESS", "RAY_ADDRESS")
"""Where a job's Ray cluster is, for parameter servers: the launcher's, or one started otherwise."""


def ray_address() -> str | None:
    """The job's Ray cluster (None: this job has no parameter-server runtime)."""
    return next((os.environ[name] for name in RAY_ADDRESS_VARIABLES if os.environ.get(name)), None)


def cluster_spec() -> dict[str, list[str]]:
    """The job's tasks as ``{"worker": ["host:port", ...], "ps": [...]}``; ``{}`` when it runs alone."""
    cluster = _cluster()
    return {} if cluster is None else {job: list(addresses) for job, addresses in cluster.jobs.items()}


__all__ = ["DEFAULT_TIMEOUT_S", "JOBS", "ROLE_VARIABLES", "TIMEOUT_VARIABLE", "Cluster", "DistributedError", "cluster_from_environment",
           "cluster_spec", "distributed_timeout", "initialize",
           "is_chief", "join_address", "parse_tf_config", "rank", "RAY_ADDRESS_VARIABLES", "ray_address", "role", "size", "split_address",
           "task_index", "tf_config"]
