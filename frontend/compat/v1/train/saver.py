"""``tf.train.Saver``: save and restore a session's variables, with TensorFlow's paths and
bookkeeping (``prefix-<step>``, the ``checkpoint`` state file, ``max_to_keep``,
``tf.train.latest_checkpoint``).

The files are tfc checkpoints (:mod:`tfc.runtime.checkpoint`: an ``.npz`` per save, written
atomically), not TensorFlow's tensor-bundle format.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from tfc.files import atomic_write
from tfc.runtime.checkpoint import CheckpointError, checkpoint_path, load, save

from ..variables import global_variables, graph_variable

STATE_FILE = "checkpoint"


class Saver:
    """Saves ``var_list`` (default: every global variable), keyed by variable name."""

    def __init__(self, var_list=None, reshape=False, sharded=False, max_to_keep=5, keep_checkpoint_every_n_hours=10000.0,
                 name=None, restore_sequentially=False, saver_def=None, builder=None, defer_build=False, allow_empty=False,
                 write_version=2, pad_step_number=False, save_relative_paths=False, filename=None):
        if isinstance(var_list, dict):
            self._variables = {name: graph_variable(v) for name, v in var_list.items()}
        else:
            variables = [graph_variable(v) for v in var_list] if var_list is not None else global_variables()
            self._variables = {v.op.name: v for v in variables}
        if not self._variables and not allow_empty:
            raise ValueError("no variables to save")
        self._max_to_keep = max_to_keep
        self._kept: list[str] = []

    def save(self, sess, save_path, global_step=None, latest_filename=None, meta_graph_suffix="meta", write_meta_graph=True,
             write_state=True, strip_default_attrs=False, save_debug_info=False) -> str:
        """Write the variables' values in ``sess``; returns the checkpoint prefix (``save_path-<step>``)."""
        if global_step is not None:
            step = global_step if isinstance(global_step, (int, np.integer)) else sess.run(global_step)
            save_path = f"{save_path}-{int(step)}"
        values = sess.variable_values(list(self._variables.values()))
        missing = [name for name, v in self._variables.items() if v.op.name not in values]
        if missing:
            raise ValueError(f"cannot save: variable '{missing[0]}' is not initialized in this session")
        save(checkpoint_path(save_path), {name: np.asarray(values[v.op.name]) for name, v in self._variables.items()})
        if write_state:
            self._record(save_path, latest_filename or STATE_FILE)
        return str(save_path)

    def restore(self, sess, save_path) -> None:
        """Set the variables in ``sess`` to the values saved at ``save_path`` (a prefix ``save`` returned)."""
        if save_path is None:
            raise ValueError("can't load save_path when it is None")
        values = load(checkpoint_path(save_path))
        restored = {}
        for name, variable in self._variables.items():
            if name not in values:
                raise CheckpointError(f"{save_path}: error: checkpoint has no variable '{name}'")
            value = values[name]
            if value.dtype != variable.dtype.numpy or list(value.shape) != variable.shape.as_list():
                raise CheckpointError(f"{save_path}: error: variable '{name}' is {value.dtype}{list(value.shape)} in the checkpoint "
                                      f"but {variable.dtype.name}{variable.shape.as_list()} in the graph")
            restored[variable] = value
        sess.load_variables(restored)

    def _record(self, prefix: str, state_name: str) -> None:
        """Update the ``checkpoint`` state file and drop checkpoints beyond ``max_to_keep``."""
        if prefix in self._kept:
            self._kept.remove(prefix)
        self._kept.append(prefix)
        if self._max_to_keep:
            while len(self._kept) > self._max_to_keep:
                checkpoint_path(self._kept.pop(0)).unlink(missing_ok=True)
        write_checkpoint_state(prefix, self._kept, state_name)

    @property
    def last_checkpoints(self) -> list[str]:
        return list(self._kept)


def write_checkpoint_state(prefix: str, all_prefixes, state_name: str = STATE_FILE) -> None:
    """Atomically point the state file beside ``prefix`` at it (``latest_checkpoint`` reads it),
    listing ``all_prefixes`` as the checkpoints kept."""
    lines = [f'model_checkpoint_path: "{Path(prefix).name}"'] + [f'all_model_checkpoint_paths: "{Path(p).name}"' for p in all_prefixes]
    with atomic_write(Path(prefix).parent / state_name) as f:
        f.write(("\n".join(lines) + "\n").encode())


def latest_checkpoint(checkpoint_dir, latest_filename=None) -> str | None:
    """The prefix of the newest checkpoint the state file in ``checkpoint_dir`` names (None if none)."""
    state = Path(checkpoint_dir) / (latest_filename or STATE_FILE)
    if not state.exists():
        return None
    found = re.search(r'^model_checkpoint_path: "(.*)"$', state.read_text(), re.MULTILINE)
    if found is None:
        return None
    prefix = Path(found.group(1))
    prefix = prefix if prefix.is_absolute() else Path(checkpoint_dir) / prefix
    return str(prefix) if checkpoint_path(prefix).exists() else None


__all__ = ["Saver", "latest_checkpoint", "write_checkpoint_state"]
