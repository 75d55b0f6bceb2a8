"""Parameter servers on Ray: the variables of a between-graph replicated job live in one Ray actor
per parameter-server task, and workers run the parts of their steps placed there by calling it.

A ps task (``tf.train.Server(cluster, job_name="ps", task_index=k)``) joins the job's Ray cluster
(``tfc launch --ps K`` starts one on the loopback interface and says where in ``TFC_RAY_ADDRESS``;
``RAY_ADDRESS`` names one started otherwise) and makes the actor ``/job:ps/task:k`` in the job's
namespace. The actor lives as long as the task's process: Ray ends an actor whose owner died. It
holds a :class:`~tfc.runtime.variable_store.VariableStore` and the segments workers gave it
(:class:`TaskState`); a segment is compiled once per text, whichever worker sent it.

**Atomic updates.** A segment holds the locks of the variables it touches while it runs (the store's
rule), so two workers' updates of one variable never interleave and none is lost, while updates of
other variables, and reads, run beside them on the actor's other threads: no barrier between workers.

**Failures.** Every call has a deadline (``TFC_PS_TIMEOUT`` seconds, 60 by default). A call to a ps task
that died is a :class:`ParameterServerLost` naming it (the next call finds its new actor, which has
none of the old values, once the launcher restarted it); ``MonitoredTrainingSession`` recovers from
it (the chief restores the last checkpoint).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

import numpy as np

from tfc.diagnostics import TfcError
from tfc.parser import parse_module

from .distributed import DistributedError, ray_address
from .errors import SessionError
from .step import build_step
from .variable_store import VariableStore

NAMESPACE_VARIABLE = "TFC_RAY_NAMESPACE"
TIMEOUT_VARIABLE = "TFC_PS_TIMEOUT"
CONNECT_SECONDS = 60.0
ACTOR_THREADS = 8
_MISSING = "missing"


class ParameterServerLost(SessionError):
    """A parameter-server task died or restarted: its variables are gone until restored."""

    def __init__(self, task: str, why: str):
        super().__init__(f"parameter server {task} {why}; its variables must be restored (the chief restores the last checkpoint)")
        self.task = task


def call_timeout() -> float:
    text = os.environ.get(TIMEOUT_VARIABLE, "60")
    try:
        return float(text)
    except ValueError:
        raise DistributedError(f"{TIMEOUT_VARIABLE}={text!r}: expected a number of seconds") from None


_connected: list[str] = []
_connect_lock = threading.Lock()


def connect():
    """Join the job's Ray cluster once per process (retrying while the launcher's Ray starts); the ray module."""
    import ray

    address = ray_address()
    if address is None:
        raise DistributedError("parameter servers run on Ray: start the job with 'tfc launch --ps K', or set RAY_ADDRESS "
                               "to a running Ray cluster")
    with _connect_lock:
        if _connected:
            return ray
        deadline = time.monotonic() + CONNECT_SECONDS
        while True:
            try:
                ray.init(address=address, namespace=os.environ.get(NAMESPACE_VARIABLE, "tfc"), logging_level="ERROR",
                         log_to_driver=False, configure_logging=False)
                break
            except ConnectionError as err:
                if time.monotonic() > deadline:
                    raise DistributedError(f"cannot reach the job's Ray cluster at {address} in {CONNECT_SECONDS:g} s: {err}") from None
                time.sleep(0.25)
        _connected.append(address)
    return ray


class TaskState:
    """What a parameter-server actor holds: variables and the compiled segments that use them."""

    def __init__(self, task: str):
        self.task = task
        self.store = VariableStore()
        self.segments: dict[str, object] = {}
        self.compiling = threading.Lock()

    def hello(self) -> str:
        """Answers once the actor is up (and while it lives)."""
        return self.task

    def prepare(self, key: str, text: str, cleanup: str, needed_by: str) -> None:
        """Compile segment ``text`` (IR, variables not lifted) under ``key`` unless it is already."""
        with self.compiling:
            if key not in self.segments:
                module = parse_module(text, f"<segment {key[:12]} for {self.task}>")
                step = build_step(module, self.store, backend="xla", device="cpu", cleanup=cleanup, needed_by=needed_by)
                self.segments[key] = step

    def run(self, key: str, inputs: list) -> list | str:
        """Segment ``key``'s outputs for ``inputs``; ``"missing"`` when it was never prepared here."""
        step = self.segments.get(key)
        if step is None:
            return _MISSING
        return [np.asarray(v) for v in step.run(inputs)[step.offset:]]

    def values(self, names: list[str]) -> dict[str, np.ndarray]:
        """The current values of those of ``names`` that have one."""
        with self.store.holding(names):
            return {name: np.asarray(self.store[name]) for name in names if name in self.store}

    def assign(self, values: dict[str, np.ndarray]) -> None:
        """Set variables (a restore): all of them at once, under their locks."""
        with self.store.holding(list(values)):
            self.store.update({name: np.array(value) for name, value in values.items()})

    def uninitialized(self, names: list[str]) -> list[str]:
        return [name for name in names if name not in self.store]


_served: list = []  # this process's actor handles, kept while it lives (Ray may end an actor no handle refers to)


def serve(task: str):
    """Make this process's parameter-server actor for ``task`` (``/job:ps/task:0``) and return it;
    DistributedError when another process serves that task already."""
    ray = connect()
    actor_class = ray.remote(num_cpus=0, max_concurrency=ACTOR_THREADS)(TaskState)
    try:
        actor = actor_class.options(name=task, lifetime=None).remote(task)
    except ValueError:
        raise DistributedError(f"two processes claim {task}: another one serves it already (a task index given twice?)") from None
    ray.get(actor.hello.remote(), timeout=call_timeout() + CONNECT_SECONDS)  # ready: its process is up
    _served.append(actor)
    return actor


def wait_while_serving(actor) -> None:
    """Block while ``actor`` answers (``server.join()``); DistributedError when it died. SIGTERM (the
    launcher ending the job) exits the process quietly, which ends the actor."""
    ray = connect()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    while True:
        try:
            ray.get(actor.hello.remote(), timeout=call_timeout())
        except (ray.exceptions.RayActorError, ray.exceptions.GetTimeoutError) as err:
            raise DistributedError(f"this task's parameter-server actor stopped answering: {type(err).__name__}") from None
        time.sleep(1.0)


class TaskClient:
    """A worker's connection to one ps task: runs segments there, reads and sets its variables."""

    def __init__(self, task: str):
        self.task = task
        self.ray = connect()
        self.actor = None
        self.lock = threading.Lock()

    def _call(self, method: str, *args):
        """``method(*args)`` on the actor within the deadline; ParameterServerLost when it died (the
        next call finds the task's new actor, if it restarted)."""
        ray = self.ray
        with self.lock:
            if self.actor is None:
                self.actor = self._find()
            actor = self.actor
        try:
            return ray.get(getattr(actor, method).remote(*args), timeout=call_timeout())
        except ray.exceptions.RayActorError:
            with self.lock:
                self.actor = None
            raise ParameterServerLost(self.task, "died") from None
        except ray.exceptions.GetTimeoutError:
            raise DistributedError(f"parameter server {self.task} did not answer {method} in {call_timeout():g} s") from None
        except ray.exceptions.RayTaskError as err:
            cause = err.cause
            if isinstance(cause, SessionError):
                raise SessionError(f"on {self.task}: {cause}") from None
            if isinstance(cause, TfcError):
                raise cause from None
            raise DistributedError(f"on {self.task}: {method} failed: {err}") from None

    def _find(self):
        """The task's actor by name, waiting for it to appear (the task may be starting or restarting)."""
        deadline = time.monotonic() + call_timeout()
        while True:
            try:
                actor = self.ray.get_actor(self.task)
                self.ray.get(actor.hello.remote(), timeout=call_timeout())
                return actor
            except (ValueError, self.ray.exceptions.RayActorError):
                if time.monotonic() > deadline:
                    raise DistributedError(f"no process serves {self.task}: none started in {call_timeout():g} s "
                                           "(does the job have that ps task, and does it make a tf.train.Server?)") from None
                time.sleep(0.25)

    def run(self, key: str, text: str, cleanup: str, needed_by: str, inputs: list) -> list:
        """Run segment ``text`` (compiled there once, under ``key``) on ``inputs``."""
        outputs = self._call("run", key, inputs)
        if isinstance(outputs, str):  # not compiled there yet (a new step, or a restarted task)
            self._call("prepare", key, text, cleanup, needed_by)
            outputs = self._call("run", key, inputs)
        return outputs

    def values(self, names: list[str]) -> dict[str, np.ndarray]:
        return self._call("values", list(names))

    def assign(self, values: dict[str, np.ndarray]) -> None:
        self._call("assign", {name: np.asarray(value) for name, value in values.items()})

    def uninitialized(self, names: list[str]) -> list[str]:
        return self._call("uninitialized", list(names))


_clients: dict[str, TaskClient] = {}


def client(task: str) -> TaskClient:
    """This process's connection to ``task`` (one per task, shared by every session)."""
    with _connect_lock:
        found = _clients.get(task)
    if found is None:
        found = _clients.setdefault(task, TaskClient(task))
    return found


__all__ = ["ParameterServerLost", "TaskClient", "TaskState", "call_timeout", "client", "connect", "serve",
           "wait_while_serving"]
