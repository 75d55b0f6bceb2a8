"""TF1's between-graph replication API and training loop: ClusterSpec (and its clear errors),
replica_device_setter as a tf.device function (round robin, by bytes, inner devices win),
tf.colocate_with, MonitoredTrainingSession with hooks, checkpoints and recovery. TensorFlow's own
device assignments and losses are checked in tests/tf1_programs/monitored_training.py."""

import numpy as np
import pytest

import tfc as tf

CLUSTER = {"ps": ["127.0.0.1:2222", "127.0.0.1:2223"], "worker": ["127.0.0.1:2224", "127.0.0.1:2225"]}


def test_cluster_spec_reads_tensorflows_forms():
    spec = tf.train.ClusterSpec(CLUSTER)
    assert spec.jobs == ["ps", "worker"] and spec.num_tasks("worker") == 2
    assert spec.task_address("ps", 1) == "127.0.0.1:2223" and spec.job_tasks("ps") == CLUSTER["ps"]
    assert tf.train.ClusterSpec(spec.as_cluster_def()) == spec == tf.train.ClusterSpec(spec)
    sparse = tf.train.ClusterSpec({"worker": {1: "127.0.0.1:3000"}})
    assert sparse.task_indices("worker") == [1] and sparse.job_tasks("worker") == [None, "127.0.0.1:3000"]


@pytest.mark.parametrize("cluster,message", [
    ({"worker": "127.0.0.1:1"}, "the tasks of job 'worker' must be a list or a dict"),
    ({"worker": ["localhost"]}, "task 0 of job 'worker' has address 'localhost'; expected 'host:port'"),
    ({"worker": {-1: "a:1"}}, "job 'worker' has task index -1"),
    ({"1job": ["a:1"]}, "bad job name '1job'"),
    ({"ps": ["a:1"], "worker": ["a:1"]}, "/job:ps/task:0 and /job:worker/task:0 both claim a:1|/job:worker/task:0 and /job:ps/task:0"),
    ("worker", "ClusterSpec needs a dict"),
])
def test_a_malformed_cluster_spec_is_a_clear_error(cluster, message):
    with pytest.raises((ValueError, TypeError), match=message.replace("(", r"\(").replace(")", r"\)")):
        tf.train.ClusterSpec(cluster)


def test_replica_device_setter_places_variables_on_ps_tasks_and_the_rest_on_the_worker():
    graph = tf.Graph()
    with graph.as_default(), tf.device(tf.train.replica_device_setter(cluster=CLUSTER, worker_device="/job:worker/task:1")):
        a = tf.Variable(tf.zeros([2]), name="a")
        b = tf.Variable(tf.zeros([2]), name="b")
        c = tf.Variable(tf.zeros([2]), name="c")
        with tf.device("/job:ps/task:1"):
            pinned = tf.Variable(tf.zeros([2]), name="pinned")  # an inner device wins
        total = a + b
    assert [v.device for v in (a, b, c, pinned)] == ["/job:ps/task:0", "/job:ps/task:1", "/job:ps/task:0", "/job:ps/task:1"]
    assert total.device == "/job:worker/task:1"
    assert tf.train.replica_device_setter(cluster={"worker": ["a:1"]}) is None  # no ps tasks: nothing to set


def test_greedy_load_balancing_spreads_variables_by_bytes():
    graph = tf.Graph()
    strategy = tf.train.GreedyLoadBalancingStrategy(2)
    with graph.as_default(), tf.device(tf.train.replica_device_setter(ps_tasks=2, ps_strategy=strategy)):
        big = tf.Variable(tf.zeros([1000]), name="big")
        small = [tf.Variable(tf.zeros([10]), name=f"small{i}") for i in range(3)]
    assert big.device == "/job:ps/task:0" and {v.device for v in small} == {"/job:ps/task:1"}


def test_colocate_with_gives_the_device_and_the_group():
    graph = tf.Graph()
    with graph.as_default():
        with tf.device("/cpu:1"):
            v = tf.Variable(1.0, name="v")
        with tf.device("/cpu:0"), tf.colocate_with(v):
            doubled = v * 2.0
    node = doubled.op.node_def
    assert doubled.device == "/device:CPU:1" and list(node.attr["_class"].list.s) == [b"loc:@v"]


def test_colocate_with_a_variable_made_before_any_graph_op():
    tf.reset_default_graph()
    counter = tf.Variable(0, trainable=False, name="counter")  # eager until a graph uses it
    with tf.colocate_with(counter):
        one = tf.constant(1)
    (group,) = one.op.node_def.attr["_class"].list.s
    assert group.startswith(b"loc:@counter")  # the stand-in variable (eager names are unique per process)


def test_monitored_training_session_stops_checkpoints_and_recovers(tmp_path):
    def train(last_step=None, num_steps=None):
        tf.reset_default_graph()
        x = tf.placeholder(tf.float32, [None, 1])
        w = tf.Variable(tf.zeros([1, 1]))
        loss = tf.reduce_mean(tf.square(tf.matmul(x, w) - 2.0 * x))
        step = tf.train.get_or_create_global_step()
        train_op = tf.train.GradientDescentOptimizer(0.1).minimize(loss, global_step=step)
        hooks = [tf.train.StopAtStepHook(last_step=last_step, num_steps=num_steps)]
        runs = 0
        with tf.train.MonitoredTrainingSession(checkpoint_dir=str(tmp_path), save_checkpoint_steps=3, hooks=hooks) as sess:
            while not sess.should_stop():
                sess.run(train_op, {x: np.ones((4, 1), np.float32)})
                runs += 1
        return runs

    assert train(last_step=7) == 7
    assert tf.train.latest_checkpoint(str(tmp_path)).endswith("model.ckpt-7")
    assert train(last_step=10) == 3  # resumed at step 7
    assert train(num_steps=2) == 2 and tf.train.latest_checkpoint(str(tmp_path)).endswith("model.ckpt-12")


def test_stop_at_step_needs_a_global_step_and_one_bound():
    with pytest.raises(ValueError, match="exactly one of num_steps and last_step"):
        tf.train.StopAtStepHook()
    tf.reset_default_graph()
    tf.Variable(1.0)
    with pytest.raises(RuntimeError, match="Global step should be created to use StopAtStepHook"):
        tf.train.MonitoredTrainingSession(hooks=[tf.train.StopAtStepHook(last_step=1)])


def test_no_checkpoints_when_both_intervals_are_none(tmp_path):
    tf.reset_default_graph()
    step = tf.train.get_or_create_global_step()
    increment = tf.assign_add(step, 1)
    with tf.train.MonitoredTrainingSession(checkpoint_dir=str(tmp_path), save_checkpoint_secs=None, save_checkpoint_steps=None,
                                           hooks=[tf.train.StopAtStepHook(last_step=3)]) as sess:
        while not sess.should_stop():
            sess.run(increment)
    assert tf.train.latest_checkpoint(str(tmp_path)) is None


def test_a_device_of_another_process_is_an_error_naming_the_op_or_runs_here_under_soft_placement(caplog):
    import logging

    graph = tf.Graph()
    with graph.as_default():
        with tf.device("/job:ps/task:0"):
            w = tf.Variable(tf.ones([2]), name="w")
        y = w * 2.0
        init = tf.global_variables_initializer()
    with pytest.raises(tf.TfcError, match=r"error: 'tf\..*' op asks for device '/job:ps/task:0', which this process "
                                          r"\(/job:localhost/task:0\) does not run"):
        with tf.Session(graph=graph) as sess:
            sess.run(init)
    with caplog.at_level(logging.WARNING, logger="tfc"), tf.Session(graph=graph, config=tf.ConfigProto(allow_soft_placement=True)) as sess:
        sess.run(init)
        np.testing.assert_array_equal(sess.run(y), [2.0, 2.0])
    assert "running it here (allow_soft_placement)" in caplog.text
