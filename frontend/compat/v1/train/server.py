"""``tf.train.Server``: a task of a cluster, as TensorFlow 1's between-graph replication makes one.

    server = tf.train.Server(cluster, job_name="ps", task_index=0)
    server.join()                                 # a parameter server serves until the job ends

A task of a job that holds state (every job but ``worker``, ``chief``, ``evaluator``: in practice
``ps``) serves its variables from a Ray actor (:mod:`tfc.runtime.parameter_servers`) while its
process lives; ``join()`` blocks until the process is ended (``tfc launch`` ends the ps tasks when
every worker is done). A worker's server serves nothing: its graph runs in its own process, and the
parts placed on ps tasks run there. ``target`` is what ``tf.Session`` and ``MonitoredTrainingSession``
take as ``master``.
"""

from __future__ import annotations

import time

from tfc.runtime import parameter_servers

from .cluster import ClusterSpec

COMPUTE_JOBS = ("worker", "chief", "evaluator", "localhost")
"""Jobs whose tasks run graphs rather than hold variables for others."""


class Server:
    """``tf.train.Server(server_or_cluster_def, job_name=None, task_index=None, protocol=None, config=None, start=True)``."""

    def __init__(self, server_or_cluster_def, job_name=None, task_index=None, protocol=None, config=None, start=True):
        cluster = ClusterSpec(server_or_cluster_def)
        if job_name is None:
            if len(cluster.jobs) != 1:
                raise ValueError(f"tf.train.Server: give job_name: the cluster has jobs {', '.join(cluster.jobs)}")
            job_name = cluster.jobs[0]
        if job_name not in cluster.jobs:
            raise ValueError(f"tf.train.Server: no job named '{job_name}' in the cluster (jobs: {', '.join(cluster.jobs)})")
        if task_index is None:
            indices = cluster.task_indices(job_name)
            if len(indices) != 1:
                raise ValueError(f"tf.train.Server: give task_index: job '{job_name}' has {len(indices)} tasks")
            task_index = indices[0]
        if protocol not in (None, "grpc"):
            raise ValueError(f"tf.train.Server: protocol {protocol!r} is not supported (tfc's tasks talk through Ray)")
        self._cluster, self._job, self._task = cluster, job_name, int(task_index)
        self.target = f"grpc://{cluster.task_address(job_name, self._task)}"
        self._actor = None
        if start:
            self.start()

    @property
    def server_def(self):
        return self._cluster.as_cluster_def()

    def start(self) -> None:
        """Serve this task's variables (a ps task); nothing for a worker, or when started already."""
        if self._job not in COMPUTE_JOBS and self._actor is None:
            self._actor = parameter_servers.serve(f"/job:{self._job}/task:{self._task}")

    def join(self) -> None:
        """Block while this task serves (until its process is ended); a DistributedError when its actor died."""
        if self._actor is not None:
            parameter_servers.wait_while_serving(self._actor)
        while True:  # a worker's server: TensorFlow's join() never returns either
            time.sleep(3600)

    @staticmethod
    def create_local_server(config=None, start=True):
        """A one-task cluster in this process."""
        return Server({"localhost": ["localhost:0"]}, job_name="localhost", task_index=0, config=config, start=start)


__all__ = ["COMPUTE_JOBS", "Server"]
