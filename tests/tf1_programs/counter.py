"""TensorFlow 1's "Basic Usage" counter, as written: a Variable made from a Python number before
any other op, a constant, tf.add and tf.assign, and a loop of Session runs."""

import tfc as tf

RESULTS = {"state": []}

# Create a Variable, that will be initialized to the scalar value 0.
state = tf.Variable(0, name="counter")

# Create an Op to add one to `state`.
one = tf.constant(1)
new_value = tf.add(state, one)
update = tf.assign(state, new_value)

# Variables must be initialized by running an `init` Op after having
# launched the graph.  We first have to add the `init` Op to the graph.
init_op = tf.global_variables_initializer()

# Launch the graph and run the ops.
with tf.Session() as sess:
    # Run the 'init' op
    sess.run(init_op)
    # Print the initial value of 'state'
    RESULTS["state"].append(sess.run(state))
    # Run the op that updates 'state' and print 'state'.
    for _ in range(3):
        sess.run(update)
        RESULTS["state"].append(sess.run(state))
    RESULTS["eval"] = state.eval()
