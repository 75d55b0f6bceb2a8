"""``tf.estimator.RunConfig``: where an Estimator writes and how often it checkpoints, logs and
writes summaries (TensorFlow's names and defaults). Distribution settings are not supported."""

from __future__ import annotations

USE_DEFAULT = object()  # save_checkpoints_secs' default: 600, or None when save_checkpoints_steps is given
DEFAULT_CHECKPOINT_SECS = 600
UNSUPPORTED = ("train_distribute", "device_fn", "protocol", "eval_distribute", "experimental_distribute",
               "experimental_max_worker_delay_secs")


class RunConfig:
    """Settings an Estimator reads: ``model_dir``, ``tf_random_seed`` (the graph seed of every graph it
    builds), checkpoint cadence (``save_checkpoints_steps`` or ``save_checkpoints_secs``, not both),
    ``keep_checkpoint_max``, ``save_summary_steps`` and ``log_step_count_steps``.

        config = RunConfig(model_dir="/tmp/m", save_checkpoints_steps=100)
    """

    def __init__(self, model_dir=None, tf_random_seed=None, save_summary_steps=100, save_checkpoints_steps=None,
                 save_checkpoints_secs=USE_DEFAULT, session_config=None, keep_checkpoint_max=5,
                 keep_checkpoint_every_n_hours=10000, log_step_count_steps=100, train_distribute=None, device_fn=None,
                 protocol=None, eval_distribute=None, experimental_distribute=None, experimental_max_worker_delay_secs=None,
                 session_creation_timeout_secs=7200, checkpoint_save_graph_def=True):
        given = dict(train_distribute=train_distribute, device_fn=device_fn, protocol=protocol, eval_distribute=eval_distribute,
                     experimental_distribute=experimental_distribute,
                     experimental_max_worker_delay_secs=experimental_max_worker_delay_secs)
        unsupported = [name for name in UNSUPPORTED if given[name] is not None]
        if unsupported:
            raise ValueError(f"RunConfig: {', '.join(unsupported)} not supported: tfc's Estimator trains in this process")
        if save_checkpoints_secs is USE_DEFAULT:
            save_checkpoints_secs = None if save_checkpoints_steps is not None else DEFAULT_CHECKPOINT_SECS
        if save_checkpoints_steps is not None and save_checkpoints_secs is not None:
            raise ValueError("RunConfig: can not provide both save_checkpoints_secs and save_checkpoints_steps")
        for name, value in (("save_summary_steps", save_summary_steps), ("log_step_count_steps", log_step_count_steps),
                            ("save_checkpoints_steps", save_checkpoints_steps), ("keep_checkpoint_max", keep_checkpoint_max)):
            if value is not None and (not isinstance(value, int) or value < 0):
                raise ValueError(f"RunConfig: {name} must be a non-negative int or None, got {value!r}")
        self.model_dir = None if model_dir is None else str(model_dir)
        self.tf_random_seed, self.session_config = tf_random_seed, session_config
        self.save_summary_steps, self.log_step_count_steps = save_summary_steps, log_step_count_steps
        self.save_checkpoints_steps, self.save_checkpoints_secs = save_checkpoints_steps, save_checkpoints_secs
        self.keep_checkpoint_max, self.keep_checkpoint_every_n_hours = keep_checkpoint_max, keep_checkpoint_every_n_hours
        self.session_creation_timeout_secs, self.checkpoint_save_graph_def = session_creation_timeout_secs, checkpoint_save_graph_def

    def replace(self, **kwargs) -> RunConfig:
        """A copy with ``kwargs`` changed (``save_checkpoints_secs`` is re-derived unless given)."""
        settings = {name: getattr(self, name) for name in (
            "model_dir", "tf_random_seed", "save_summary_steps", "save_checkpoints_steps", "save_checkpoints_secs",
            "session_config", "keep_checkpoint_max", "keep_checkpoint_every_n_hours", "log_step_count_steps",
            "session_creation_timeout_secs", "checkpoint_save_graph_def")}
        if "save_checkpoints_steps" in kwargs and "save_checkpoints_secs" not in kwargs:
            settings["save_checkpoints_secs"] = USE_DEFAULT
        unknown = sorted(set(kwargs) - set(settings))
        if unknown:
            raise ValueError(f"RunConfig.replace: unknown or unsupported properties {', '.join(unknown)}")
        settings.update(kwargs)
        return RunConfig(**settings)

    @property
    def is_chief(self) -> bool:
        return True

    @property
    def num_worker_replicas(self) -> int:
        return 1


__all__ = ["RunConfig"]
