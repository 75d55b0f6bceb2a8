"""``tf.train.MonitoredTrainingSession`` and its hooks: the TF1 training loop with initialization,
recovery from the latest checkpoint, periodic checkpoints and stop conditions.

    with tf.train.MonitoredTrainingSession(checkpoint_dir=d, hooks=[tf.train.StopAtStepHook(last_step=100)]) as sess:
        while not sess.should_stop():
            sess.run(train_op)

A chief restores the latest checkpoint in ``checkpoint_dir`` when there is one (so a restarted job
goes on from there) and otherwise runs the initializers; it saves a checkpoint every
``save_checkpoint_steps`` steps (or ``save_checkpoint_secs``, 600 by default, TensorFlow's default)
and at the end. Hooks see every run (``before_run`` may add fetches; ``after_run`` sees their
values) as in TensorFlow. Summaries are not written: the summary arguments are accepted and unused.
"""

from __future__ import annotations

import collections
import functools
import logging
import os
import time

from tensorboard.compat.proto.config_pb2 import RunMetadata, RunOptions

from tfc.runtime.errors import SessionError
from tfc.runtime.parameter_servers import ParameterServerLost

from ..graph import get_default_graph
from ..session import Session
from ..variables import global_variables, global_variables_initializer, local_variables_initializer
from .saver import Saver, latest_checkpoint

USE_DEFAULT = object()
WAIT_SECONDS = 0.5  # how often a worker checks whether the chief has initialized the variables
MAX_RECOVERIES = 3
log = logging.getLogger("tfc")

SessionRunArgs = collections.namedtuple("SessionRunArgs", ["fetches", "feed_dict", "options"], defaults=(None, None))
SessionRunValues = collections.namedtuple("SessionRunValues", ["results", "options", "run_metadata"])


class SessionRunContext:
    """What a hook's ``before_run``/``after_run`` sees: the run's arguments and the session; a hook
    asks the loop to stop with ``request_stop()``."""

    def __init__(self, original_args: SessionRunArgs, session):
        self.original_args, self.session = original_args, session
        self.stop_requested = False

    def request_stop(self) -> None:
        self.stop_requested = True


class SessionRunHook:
    """A hook into the training loop; every method may be overridden (the defaults do nothing)."""

    def begin(self):
        pass

    def after_create_session(self, session, coord):
        pass

    def before_run(self, run_context):
        return None

    def after_run(self, run_context, run_values):
        pass

    def end(self, session):
        pass


class StopAtStepHook(SessionRunHook):
    """Asks to stop once the global step reaches ``last_step`` (or ``num_steps`` after the start)."""

    def __init__(self, num_steps=None, last_step=None):
        if (num_steps is None) == (last_step is None):
            raise ValueError("StopAtStepHook: give exactly one of num_steps and last_step")
        self._num_steps, self._last_step = num_steps, last_step

    def begin(self):
        from . import get_global_step

        self._global_step = get_global_step()
        if self._global_step is None:
            raise RuntimeError("Global step should be created to use StopAtStepHook.")

    def after_create_session(self, session, coord):
        if self._last_step is None:
            self._last_step = int(session.run(self._global_step)) + self._num_steps

    def before_run(self, run_context):
        return SessionRunArgs(self._global_step)

    def after_run(self, run_context, run_values):
        if int(run_values.results) + 1 >= self._last_step and int(run_context.session.run(self._global_step)) >= self._last_step:
            run_context.request_stop()


class CheckpointSaverHook(SessionRunHook):
    """Saves a checkpoint at the start, every ``save_steps`` steps or ``save_secs`` seconds, and at the
    end. ``listeners`` (TensorFlow's CheckpointSaverListeners) are not called: not supported yet."""

    def __init__(self, checkpoint_dir, save_secs=None, save_steps=None, saver=None, checkpoint_basename="model.ckpt",
                 scaffold=None, listeners=None):
        if (save_secs is None) == (save_steps is None):
            raise ValueError("CheckpointSaverHook: give exactly one of save_secs and save_steps")
        self._path = os.path.join(checkpoint_dir, checkpoint_basename)
        self._secs, self._steps = save_secs, save_steps
        self._saver, self._scaffold = saver, scaffold

    def begin(self):
        from . import get_global_step

        self._global_step = get_global_step()
        if self._global_step is None:
            raise RuntimeError("Global step should be created to use CheckpointSaverHook.")

    def after_create_session(self, session, coord):
        self._last_step, self._last_time = None, time.monotonic()
        self._save(session, int(session.run(self._global_step)))

    def before_run(self, run_context):
        return SessionRunArgs(self._global_step)

    def after_run(self, run_context, run_values):
        step = int(run_values.results) + 1  # the step this run made (read for real only when a save is due)
        due = step - self._last_step >= self._steps if self._steps else time.monotonic() - self._last_time >= self._secs
        if due:
            self._save(run_context.session, int(run_context.session.run(self._global_step)))

    def end(self, session):
        step = int(session.run(self._global_step))
        if step != self._last_step:
            self._save(session, step)

    def _save(self, session, step: int) -> None:
        saver = self._saver or (self._scaffold.saver if self._scaffold is not None else None) or Saver()
        self._saver = saver
        saver.save(session, self._path, global_step=step)
        self._last_step, self._last_time = step, time.monotonic()


class Scaffold:
    """What a monitored session needs to start: the init ops and the saver (defaults made by ``finalize``)."""

    def __init__(self, init_op=None, init_feed_dict=None, init_fn=None, ready_op=None, ready_for_local_init_op=None,
                 local_init_op=None, summary_op=None, saver=None, copy_from_scaffold=None):
        self.init_op, self.init_feed_dict, self.init_fn = init_op, init_feed_dict, init_fn
        self.local_init_op, self.saver = local_init_op, saver

    def finalize(self) -> None:
        if self.init_op is None:
            self.init_op = global_variables_initializer()
        if self.local_init_op is None:
            self.local_init_op = local_variables_initializer()
        if self.saver is None:
            self.saver = Saver(allow_empty=True)
        get_default_graph().finalize()


class _MonitoredSession:
    """The session MonitoredTrainingSession returns: ``run`` with hooks, ``should_stop``, a context manager."""

    def __init__(self, session: Session, hooks: list, scaffold: Scaffold, prepare=None):
        self._session, self._hooks, self._scaffold = session, hooks, scaffold
        self._prepare = prepare  # makes the variables ready again after a parameter server was lost
        self._stop = False

    @property
    def graph(self):
        return self._session.graph

    def run(self, fetches, feed_dict=None, options=None, run_metadata=None):
        """``fetches``' values, after each hook's ``before_run`` and before its ``after_run``. When a
        parameter server was lost (in the run or in a hook's), its variables are made ready again
        (the chief restores the last checkpoint, the others wait for it) and the whole run, hooks
        included, is tried again, as TensorFlow's recoverable session does, at most
        ``MAX_RECOVERIES`` times in a row."""
        attempts = 0
        while True:
            try:
                return self._run_once(fetches, feed_dict, options, run_metadata)
            except ParameterServerLost as err:
                attempts += 1
                if self._prepare is None or attempts > MAX_RECOVERIES:
                    raise
                log.warning("MonitoredTrainingSession: %s; recovering", err)
                self._recover()

    def _run_once(self, fetches, feed_dict, options, run_metadata):
        context = SessionRunContext(SessionRunArgs(fetches, feed_dict, options), self._session)
        extra = [hook.before_run(context) for hook in self._hooks]
        feeds = dict(feed_dict or {})
        for args in extra:
            if args is not None and args.feed_dict:
                feeds.update(args.feed_dict)
        options = merged_run_options(options, [args.options for args in extra if args is not None])
        if options is not None and run_metadata is None:
            run_metadata = RunMetadata()  # hooks that asked for a trace read it in after_run, as in TensorFlow
        results = self._session.run([fetches, [a.fetches if a is not None and a.fetches is not None else [] for a in extra]], feeds or None,
                                    options=options, run_metadata=run_metadata)
        for hook, value in zip(self._hooks, results[1]):
            hook.after_run(context, SessionRunValues(value, options, run_metadata))
        self._stop = self._stop or context.stop_requested
        return results[0]

    def _recover(self) -> None:
        for attempt in range(MAX_RECOVERIES + 1):
            try:
                log.warning("MonitoredTrainingSession: recovered: %s", self._prepare())
                return
            except ParameterServerLost as err:  # another task found lost while recovering the first
                if attempt == MAX_RECOVERIES:
                    raise
                log.warning("MonitoredTrainingSession: %s; recovering", err)

    def should_stop(self) -> bool:
        return self._stop

    def close(self) -> None:
        if self._session is not None:
            try:
                for hook in self._hooks:
                    hook.end(self._session)
            finally:
                self._session.close()
                self._session = None

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.close()
        elif self._session is not None:  # an error: no end-of-run hooks (no final checkpoint of a broken step)
            self._session.close()
            self._session = None


def MonitoredTrainingSession(master="", is_chief=True, checkpoint_dir=None, scaffold=None, hooks=None, chief_only_hooks=None,
                             save_checkpoint_secs=USE_DEFAULT, save_summaries_steps=USE_DEFAULT, save_summaries_secs=USE_DEFAULT,
                             config=None, stop_grace_period_secs=120, log_step_count_steps=100, max_wait_secs=7200,
                             save_checkpoint_steps=USE_DEFAULT, summary_dir=None, save_graph_def=True):
    """A session that initializes (or restores the latest checkpoint in ``checkpoint_dir``), runs
    ``hooks`` around every run, and as chief saves checkpoints (TensorFlow's names and defaults)."""
    scaffold = scaffold or Scaffold()
    hooks = list(hooks or []) + (list(chief_only_hooks or []) if is_chief else [])
    if is_chief and checkpoint_dir:
        if save_checkpoint_steps is USE_DEFAULT and save_checkpoint_secs is USE_DEFAULT:
            save_checkpoint_secs = 600  # TensorFlow's default; None for both turns saving off
        steps = None if save_checkpoint_steps is USE_DEFAULT else save_checkpoint_steps
        secs = None if save_checkpoint_secs is USE_DEFAULT else save_checkpoint_secs
        if steps is not None or secs is not None:
            hooks.append(CheckpointSaverHook(checkpoint_dir, save_secs=secs if steps is None else None, save_steps=steps,
                                             scaffold=scaffold))
    for hook in hooks:
        hook.begin()
    scaffold.finalize()
    session = Session(master, config=config)
    prepare = functools.partial(_initialize_or_restore, session, scaffold, checkpoint_dir, is_chief, max_wait_secs)
    prepare()
    for hook in hooks:
        hook.after_create_session(session, None)
    return _MonitoredSession(session, hooks, scaffold, prepare)


def _initialize_or_restore(session: Session, scaffold: Scaffold, checkpoint_dir, is_chief: bool, max_wait_secs: float) -> str:
    """Make the global variables ready, TensorFlow's SessionManager way: a chief finds them ready
    (on parameter servers that outlived it: a restarted chief goes on from their values), or
    restores the latest checkpoint of ``checkpoint_dir``, or runs the initializers; another worker
    waits up to ``max_wait_secs`` for the chief to do so. Then the local initializers. Returns what it did."""
    variables = global_variables()
    done = "found the variables ready"
    if is_chief and session.uninitialized_variables(variables):
        latest = latest_checkpoint(checkpoint_dir) if checkpoint_dir else None
        if latest is not None:
            scaffold.saver.restore(session, latest)
            done = f"restored {latest}"
        else:
            session.run(scaffold.init_op, feed_dict=scaffold.init_feed_dict)
            if scaffold.init_fn is not None:
                scaffold.init_fn(scaffold, session)
            done = "initialized the variables"
    elif not is_chief:
        _wait_until_ready(session, variables, max_wait_secs)
    session.run(scaffold.local_init_op)
    log.info("MonitoredTrainingSession: %s", done)
    return done


def _wait_until_ready(session: Session, variables, max_wait_secs: float) -> None:
    deadline = time.monotonic() + max_wait_secs
    while missing := session.uninitialized_variables(variables):
        if time.monotonic() > deadline:
            raise SessionError(f"MonitoredTrainingSession: waited {max_wait_secs:g} s for the chief to initialize the variables; "
                               f"still uninitialized: {', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''}")
        time.sleep(WAIT_SECONDS)


def merged_run_options(options, hook_options: list):
    """The run's ``RunOptions``: the caller's, with the highest ``trace_level`` any hook's
    ``SessionRunArgs.options`` asks for (TensorFlow's merge); None when nobody gave any."""
    given = [o for o in [options, *hook_options] if o is not None]
    if not given:
        return None
    for item in given:
        if not isinstance(item, RunOptions):
            raise TypeError(f"MonitoredSession.run: options must be a RunOptions (tf.RunOptions()), got {type(item).__name__}")
    merged = RunOptions()
    merged.CopyFrom(options if options is not None else given[0])
    merged.trace_level = max(item.trace_level for item in given)
    return merged


__all__ = ["CheckpointSaverHook", "MonitoredTrainingSession", "Scaffold", "SessionRunArgs", "SessionRunContext", "SessionRunHook",
           "SessionRunValues", "StopAtStepHook"]
