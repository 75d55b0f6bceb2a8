"""``tf.compat.v1.train.warm_start``, ``VocabInfo`` and ``tf.estimator.WarmStartSettings``: start
a model from another model's checkpoint, choosing the variables, renaming them and remapping
vocabulary-indexed rows or columns, by replacing the chosen variables' initializers.

A vocabulary is a text file, one token per line. With a ``VocabInfo``, row ``i`` (``axis=0``) or
column ``i`` (``axis=1``) of the new variable is the old checkpoint's row/column of the same token
when the token is among the first ``old_vocab_size`` lines of the old vocabulary; the cells of the
other tokens are filled, in row-major order, from one call of the backup initializer, and the OOV
buckets from further calls, exactly as TensorFlow's ``LoadAndRemapMatrix`` does (zeros by default).
The checkpoint's values are read when ``warm_start`` is called (see :mod:`.checkpoint_utils`).
"""

from __future__ import annotations

import collections
import logging
from pathlib import Path

import numpy as np

from ..array_ops import concat, gather, reshape
from ..graph import get_default_graph
from ..ops import to_tensor
from ..variable_scope import zeros_initializer
from ..variables import GLOBAL_VARIABLES, TRAINABLE_VARIABLES, graph_variable
from .checkpoint_utils import checkpoint_filename, init_from_checkpoint, is_variable, load_checkpoint

log = logging.getLogger("tfc")


class VocabInfo(collections.namedtuple("VocabInfo", ["new_vocab", "new_vocab_size", "num_oov_buckets", "old_vocab", "old_vocab_size",
                                                      "backup_initializer", "axis"])):
    """How a variable's rows (``axis=0``) or columns (``axis=1``) follow a vocabulary that changed
    between the checkpoint and the new model."""

    def __new__(cls, new_vocab, new_vocab_size, num_oov_buckets, old_vocab, old_vocab_size=-1, backup_initializer=None, axis=0):
        if axis != 0 and axis != 1:
            raise ValueError(f"The only supported values for the axis argument are 0 and 1.  Provided axis: {axis}")
        return super().__new__(cls, new_vocab, new_vocab_size, num_oov_buckets, old_vocab, old_vocab_size, backup_initializer, axis)


class WarmStartSettings(collections.namedtuple("WarmStartSettings", ["ckpt_to_initialize_from", "vars_to_warm_start",
                                                                      "var_name_to_vocab_info", "var_name_to_prev_var_name"])):
    """What ``tf.estimator.Estimator(warm_start_from=...)`` warm-starts from; the fields are
    ``warm_start``'s arguments."""

    def __new__(cls, ckpt_to_initialize_from, vars_to_warm_start=".*", var_name_to_vocab_info=None, var_name_to_prev_var_name=None):
        if not ckpt_to_initialize_from:
            raise ValueError("`ckpt_to_initialize_from` MUST be set in WarmStartSettings")
        return super().__new__(cls, ckpt_to_initialize_from, vars_to_warm_start, var_name_to_vocab_info or {}, var_name_to_prev_var_name or {})


# ---- choosing the variables ----------------------------------------------------------------------
def matching(collection: str, pattern) -> list:
    """The collection's variables whose name (``w:0``) the regex matches at its start (TensorFlow's
    ``get_collection(key, scope)``; None matches all)."""
    return get_default_graph().get_collection(collection, pattern)


def grouped_variables(vars_to_warm_start) -> dict:
    """The variables ``vars_to_warm_start`` chooses, by name: a regex over TRAINABLE_VARIABLES (None:
    all of them), a list of regexes over GLOBAL_VARIABLES, or a list of variables."""
    if isinstance(vars_to_warm_start, str) or vars_to_warm_start is None:
        variables = matching(TRAINABLE_VARIABLES, vars_to_warm_start)
    elif isinstance(vars_to_warm_start, list):
        if all(isinstance(v, str) for v in vars_to_warm_start):
            variables = [v for pattern in vars_to_warm_start for v in matching(GLOBAL_VARIABLES, pattern)]
        elif all(is_variable(v) for v in vars_to_warm_start):
            variables = [graph_variable(v) for v in vars_to_warm_start]
        else:
            raise ValueError("If `vars_to_warm_start` is a list, it must be all `Variable` or all `str`.  Given types are "
                             f"{[type(v) for v in vars_to_warm_start]}")
    else:
        raise ValueError(f"`vars_to_warm_start must be a `list` or `str`.  Given type is {type(vars_to_warm_start)}")
    grouped: dict = {}
    for variable in variables:
        grouped.setdefault(variable.op.name, variable)
    return grouped


# ---- warm_start ----------------------------------------------------------------------------------
def warm_start(ckpt_to_initialize_from, vars_to_warm_start=".*", var_name_to_vocab_info=None, var_name_to_prev_var_name=None):
    """Make the chosen variables' initializers load ``ckpt_to_initialize_from`` (a checkpoint prefix
    or a folder's latest): under their own names or ``var_name_to_prev_var_name``'s, remapped by
    ``var_name_to_vocab_info``'s VocabInfo. ``vars_to_warm_start=None`` warm-starts only the
    VocabInfo ones. ValueError for a prev name or VocabInfo of a variable that was not chosen."""
    log.info("Warm-starting from: %s", ckpt_to_initialize_from)
    grouped = grouped_variables(vars_to_warm_start)
    vocab_infos = var_name_to_vocab_info or {}
    prev_names = var_name_to_prev_var_name or {}
    prev_used, vocab_used, vocabless = set(), set(), {}
    for name, variable in grouped.items():
        prev_name = prev_names.get(name)
        if prev_name:
            prev_used.add(name)
        vocab_info = vocab_infos.get(name)
        if vocab_info:
            vocab_used.add(name)
            warm_start_var_with_vocab(variable, vocab_info, ckpt_to_initialize_from, prev_name)
        elif vars_to_warm_start:
            tensor_name = prev_name or name
            if tensor_name in vocabless:  # an assignment map holds one variable per tensor: load the others first
                init_from_checkpoint(ckpt_to_initialize_from, vocabless)
                vocabless.clear()
            vocabless[tensor_name] = variable
    if vocabless:
        init_from_checkpoint(ckpt_to_initialize_from, vocabless)
    log.info("Warm-started %d variables.", len(vocab_used) + (len(grouped) - len(vocab_used) if vars_to_warm_start else 0))
    for unused, what in ((set(prev_names) - prev_used, "var_name_to_prev_var_name"), (set(vocab_infos) - vocab_used, "var_name_to_vocab_info")):
        if unused:
            raise ValueError(f"You provided the following variables in {what} that were not used: {unused}.  Perhaps you misspelled them?  "
                             f"Here is the list of viable variable names: {list(grouped)}")


def warm_start_var_with_vocab(variable, vocab_info: VocabInfo, ckpt, prev_tensor_name=None) -> None:
    """``variable``'s initializer becomes the checkpoint's matrix remapped along ``vocab_info.axis``."""
    if not (vocab_info.new_vocab and vocab_info.new_vocab_size and ckpt and vocab_info.old_vocab):
        raise ValueError("Invalid args: Must provide all of [current_vocab_path, current_vocab_size, prev_ckpt, prev_vocab_path}.")
    shape = variable.shape.as_list() if variable.shape.dims is not None else None
    if shape is None or len(shape) != 2 or None in shape:
        raise ValueError(f"Expected 2-dim shape, but received: {shape} (variable {variable.op.name}, warm-started with a VocabInfo)")
    if variable.dtype.numpy != np.float32:
        raise TypeError(f"Currently, only float32 is supported. Received dtype: {variable.dtype.numpy.name} (variable {variable.op.name})")
    filename = checkpoint_filename(ckpt)
    tensor_name = prev_tensor_name or variable.op.name
    reader = load_checkpoint(ckpt)
    if not reader.has_tensor(tensor_name):
        raise ValueError(f"Tensor {tensor_name} is not found in {ckpt} checkpoint (to initialize variable {variable.op.name})")
    old = reader.get_tensor(tensor_name)
    if old.ndim != 2 or old.dtype != np.float32:
        raise ValueError(f"Tensor {tensor_name} in {filename} is {old.dtype.name}{list(old.shape)}; remapping a vocabulary needs a float32 matrix")
    initializer = vocab_info.backup_initializer or zeros_initializer()
    if not callable(initializer):
        raise TypeError(f"initializer must be callable, instead of being {initializer} of type {type(initializer)}.")
    variable.initialize_from(remapped_matrix(old, shape, vocab_info, initializer, f"tensor {tensor_name} of {filename}"))


# ---- vocabulary remapping ------------------------------------------------------------------------
def read_vocab(path, size: int, what: str) -> list[str]:
    """The first ``size`` lines of a vocabulary file (all of them for -1), each a token."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as err:
        raise ValueError(f"cannot read the {what} vocabulary file {path}: {err.strerror or err}") from None
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    tokens = [line[:-1] if line.endswith("\r") else line for line in lines]
    if size != -1 and not 0 <= size <= len(tokens):
        raise ValueError(f"the {what} vocabulary file {path} has {len(tokens)} entries, fewer than the {size} to use")
    return tokens if size == -1 else tokens[:size]


def vocab_remapping(new_vocab, new_size: int, old_vocab, old_size: int) -> np.ndarray:
    """For each of the first ``new_size`` new tokens, its line in the old vocabulary (its first
    ``old_size`` lines), or -1 (TensorFlow's ``GenerateVocabRemapping``)."""
    old_tokens = read_vocab(old_vocab, old_size, "old")
    index: dict[str, int] = {}
    for line, token in enumerate(old_tokens):
        if index.setdefault(token, line) != line:
            raise ValueError(f"the old vocabulary file {old_vocab} has {token!r} twice (lines {index[token] + 1} and {line + 1})")
    return np.array([index.get(token, -1) for token in read_vocab(new_vocab, new_size, "new")], np.int64)


def remapped_matrix(old: np.ndarray, shape: list, info: VocabInfo, initializer, where: str):
    """The new ``shape`` matrix: the vocabulary-remapped part, then its OOV rows or columns."""
    rows, cols = shape
    if info.axis == 0:
        if rows > info.new_vocab_size + info.num_oov_buckets:
            raise ValueError(f"Trying to initialize {rows} additional rows after 0 rows have already been initialized, which would exceed "
                             f"expected total row count of new_row_vocab_size ({info.new_vocab_size}) + num_row_oov_buckets "
                             f"({info.num_oov_buckets}) = {info.new_vocab_size + info.num_oov_buckets}.")
        load_rows, load_cols, col_oov = min(rows, info.new_vocab_size), cols, 0
        row_map, col_map = vocab_remapping(info.new_vocab, load_rows, info.old_vocab, info.old_vocab_size), np.arange(cols)
        if old.shape[1] != cols:
            raise ValueError(f"{where} has {old.shape[1]} columns but the variable has {cols}")
    else:
        if cols != info.new_vocab_size + info.num_oov_buckets:
            raise ValueError(f"Expected 2nd dim of shape to be new_col_vocab_size ({info.new_vocab_size}) + num_col_oov_buckets "
                             f"({info.num_oov_buckets}) = {info.new_vocab_size + info.num_oov_buckets}, but received shape: {shape}")
        load_rows, load_cols, col_oov = rows, info.new_vocab_size, info.num_oov_buckets
        row_map, col_map = np.arange(rows), vocab_remapping(info.new_vocab, load_cols, info.old_vocab, -1)
    for axis, remap in ((0, row_map), (1, col_map)):
        if remap.size and remap.max() >= old.shape[axis]:
            raise ValueError(f"{where} has {old.shape[axis]} {('rows', 'columns')[axis]}, but the old vocabulary puts a token at {remap.max()}")
    matrix = loaded_matrix(old, row_map, col_map, initializer)
    if rows > load_rows:
        matrix = concat([matrix, initializer([rows - load_rows, load_cols])], 0)
    if col_oov:
        matrix = concat([matrix, initializer([rows, col_oov])], 1)
    return matrix


def loaded_matrix(old: np.ndarray, row_map: np.ndarray, col_map: np.ndarray, initializer):
    """``old[row_map][:, col_map]`` where both are present; the other cells, in row-major order,
    take one ``initializer([missing, 1])`` call's values (TensorFlow's ``LoadAndRemapMatrix``)."""
    present = (row_map >= 0)[:, None] & (col_map >= 0)[None, :]
    values = old[np.ix_(np.maximum(row_map, 0), np.maximum(col_map, 0))][present].astype(np.float32)
    shape = [len(row_map), len(col_map)]
    missing = int(present.size - present.sum())
    if missing == 0:
        return to_tensor(values.reshape(shape))
    filler = reshape(initializer([missing, 1]), [-1])
    if missing == present.size:
        return reshape(filler, shape)
    order = np.empty(present.size, np.int32)
    order[present.ravel()] = np.arange(values.size)
    order[~present.ravel()] = values.size + np.arange(missing)
    return reshape(gather(concat([to_tensor(values), filler], 0), to_tensor(order)), shape)


__all__ = ["VocabInfo", "WarmStartSettings", "warm_start"]
