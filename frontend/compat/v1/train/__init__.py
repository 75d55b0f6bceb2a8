"""``tf.train``: optimizers, the global step, the Saver, MonitoredTrainingSession and its hooks, the
cluster API (ClusterSpec, Server, replica_device_setter), and the ``tf.train.Example`` protos."""

from __future__ import annotations

from tfc.frontend.tf.example_proto import (
    BytesList,
    Example,
    Feature,
    FeatureList,
    FeatureLists,
    Features,
    FloatList,
    Int64List,
    SequenceExample,
)

from ..graph import get_default_graph
from ..variables import GLOBAL_STEP, GLOBAL_VARIABLES, Variable
from .checkpoint_utils import NewCheckpointReader, checkpoint_exists, init_from_checkpoint, list_variables, load_checkpoint, load_variable
from .cluster import ClusterSpec, GreedyLoadBalancingStrategy, byte_size_load_fn, replica_device_setter
from .monitored_session import (
    CheckpointSaverHook,
    MonitoredTrainingSession,
    Scaffold,
    SessionRunArgs,
    SessionRunContext,
    SessionRunHook,
    SessionRunValues,
    StopAtStepHook,
)
from .optimizers import (
    AdagradOptimizer,
    AdamOptimizer,
    FtrlOptimizer,
    GradientDescentOptimizer,
    MomentumOptimizer,
    Optimizer,
    RMSPropOptimizer,
)
from .saver import Saver, latest_checkpoint
from .schedules import exponential_decay, inverse_time_decay
from .server import Server
from .warm_starting import VocabInfo, warm_start


def get_global_step(graph=None):
    """The graph's global step variable, or None."""
    steps = (graph or get_default_graph()).get_collection(GLOBAL_STEP)
    return steps[0] if steps else None


def create_global_step(graph=None):
    """A new int64 ``global_step`` variable starting at 0 (ValueError if the graph has one)."""
    graph = graph or get_default_graph()
    if get_global_step(graph) is not None:
        raise ValueError("'global_step' already exists")
    with graph.as_default(), graph.name_scope(None):
        return Variable(0, trainable=False, name="global_step", dtype="int64", collections=[GLOBAL_VARIABLES, GLOBAL_STEP])


def get_or_create_global_step(graph=None):
    return get_global_step(graph) or create_global_step(graph)


__all__ = ["AdagradOptimizer", "AdamOptimizer", "FtrlOptimizer", "GradientDescentOptimizer", "MomentumOptimizer", "Optimizer", "RMSPropOptimizer",
           "CheckpointSaverHook", "ClusterSpec", "GreedyLoadBalancingStrategy", "MonitoredTrainingSession", "Scaffold", "SessionRunArgs",
           "SessionRunContext", "SessionRunHook", "SessionRunValues", "StopAtStepHook", "byte_size_load_fn", "replica_device_setter",
           "Saver", "Server", "create_global_step", "exponential_decay", "inverse_time_decay", "get_global_step", "get_or_create_global_step",
           "latest_checkpoint",
           "NewCheckpointReader", "VocabInfo", "checkpoint_exists", "init_from_checkpoint", "list_variables", "load_checkpoint", "load_variable",
           "warm_start",
           "BytesList", "Example", "Feature", "FeatureList", "FeatureLists", "Features", "FloatList", "Int64List", "SequenceExample"]
