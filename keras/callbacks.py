"""``tfc.keras.callbacks``: History (what ``fit`` returns), EarlyStopping, LambdaCallback, CSVLogger,
ModelCheckpoint, ReduceLROnPlateau and TensorBoard, with the hooks the training loop calls where
Keras calls them."""

from __future__ import annotations

import csv
import json
import math
import os
import time
import warnings

import numpy as np
from tensorboard.compat.proto import event_pb2, summary_pb2, tensor_pb2, types_pb2
from tensorboard.plugins.histogram.summary_v2 import histogram_pb
from tensorboard.plugins.scalar.summary_v2 import scalar_pb

from tfc.data.event_file import EventFileWriter


class Callback:
    """Base: override the hooks you need; ``self.model`` is the model being fit."""

    def set_model(self, model) -> None:
        self.model = model

    def on_train_begin(self, logs=None): ...
    def on_train_end(self, logs=None): ...
    def on_epoch_begin(self, epoch, logs=None): ...
    def on_epoch_end(self, epoch, logs=None): ...
    def on_train_batch_begin(self, batch, logs=None): ...
    def on_train_batch_end(self, batch, logs=None): ...

    def implements_train_batch_hooks(self) -> bool:
        """Whether ``on_train_batch_end`` wants each batch's logs (tf.keras' ``_implements_train_batch_hooks``):
        reading them waits for the step, so fit asks only callbacks that use them."""
        return getattr(self.on_train_batch_end, "__func__", None) is not Callback.on_train_batch_end


class History(Callback):
    """``history.history``: each logged value per epoch (``{"loss": [...], "val_loss": [...]}``)."""

    def on_train_begin(self, logs=None):
        self.epoch, self.history = [], {}

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs."""

    def __init__(self, monitor: str = "val_loss", min_delta: float = 0, patience: int = 0, verbose: int = 0, mode: str = "auto",
                 baseline=None, restore_best_weights: bool = False, start_from_epoch: int = 0):
        self.monitor, self.min_delta, self.patience, self.baseline = monitor, abs(min_delta), patience, baseline
        self.restore_best_weights, self.start_from_epoch = restore_best_weights, start_from_epoch
        self.sign = -1 if mode == "max" or (mode == "auto" and "acc" in monitor) else 1

    def on_train_begin(self, logs=None):
        self.wait, self.stopped_epoch, self.best_weights = 0, 0, None
        self.best = math.inf if self.baseline is None else self.sign * self.baseline

    def on_epoch_end(self, epoch, logs=None):
        value = (logs or {}).get(self.monitor)
        if value is None or epoch < self.start_from_epoch:
            return
        if self.sign * value < self.best - self.min_delta:
            self.best, self.wait = self.sign * value, 0
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch, self.model.stop_training = epoch, True
            if self.best_weights is not None:
                self.model.set_weights(self.best_weights)


class LambdaCallback(Callback):
    """Hooks from functions, called as Keras calls them: ``on_epoch_*(epoch, logs)``,
    ``on_train_batch_*(batch, logs)``, ``on_train_*(logs)`` (``logs`` a dict, empty when the loop has none)."""

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None, on_train_end=None, on_train_batch_begin=None,
                 on_train_batch_end=None, **kwargs):
        for name, fn in {"on_epoch_begin": on_epoch_begin, "on_epoch_end": on_epoch_end, "on_train_begin": on_train_begin,
                         "on_train_end": on_train_end, "on_train_batch_begin": on_train_batch_begin,
                         "on_train_batch_end": on_train_batch_end, **kwargs}.items():
            if fn is not None:
                setattr(self, name, _with_logs(fn, counted="epoch" in name or "batch" in name))


def _with_logs(fn, counted: bool):
    """``fn`` called with the epoch or batch number (when ``counted``) and a logs dict, always."""
    if counted:
        return lambda index, logs=None: fn(index, {} if logs is None else logs)
    return lambda logs=None: fn({} if logs is None else logs)


class CSVLogger(Callback):
    """One row per epoch (epoch and every logged value) to ``filename``."""

    def __init__(self, filename: str, separator: str = ",", append: bool = False):
        self.filename, self.separator, self.append = filename, separator, append

    def on_train_begin(self, logs=None):
        self.file = open(self.filename, "a" if self.append else "w", newline="")
        self.writer = None

    def on_epoch_end(self, epoch, logs=None):
        logs = dict(logs or {})
        if self.writer is None:
            self.writer = csv.DictWriter(self.file, ["epoch", *logs], delimiter=self.separator)
            if not self.append:
                self.writer.writeheader()
        self.writer.writerow({"epoch": epoch, **{k: float(np.asarray(v)) for k, v in logs.items()}})
        self.file.flush()

    def on_train_end(self, logs=None):
        self.file.close()


def _monitor_sign(mode: str, monitor: str, callback: str) -> int:
    """1 when smaller ``monitor`` values are better, -1 when larger ones are (``mode="auto"``: accuracies)."""
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"{callback}: mode must be 'auto', 'min' or 'max', got {mode!r}")
    return -1 if mode == "max" or (mode == "auto" and ("acc" in monitor or monitor.startswith("fmeasure"))) else 1


class ModelCheckpoint(Callback):
    """Save the model (``save_weights_only``: its weights) at the end of every epoch, or every
    ``save_freq`` batches, to ``filepath`` formatted with the epoch (from 1), the batch and the logs:
    ``"ckpt-{epoch:02d}-{val_loss:.2f}.keras"``. ``save_best_only`` saves only when ``monitor``
    improves on the best so far (``initial_value_threshold`` to start from). Model files end in
    ``.keras``, weights files in ``.weights.npz`` (:mod:`tfc.keras.saving`)."""

    def __init__(self, filepath, monitor: str = "val_loss", verbose: int = 0, save_best_only: bool = False, save_weights_only: bool = False,
                 mode: str = "auto", save_freq="epoch", options=None, initial_value_threshold=None):
        if options is not None:
            raise ValueError(f"ModelCheckpoint: options is not supported (it belongs to TensorFlow's SavedModel format), got {options!r}")
        if save_freq != "epoch" and not (isinstance(save_freq, int) and save_freq > 0):
            raise ValueError(f"ModelCheckpoint: save_freq must be 'epoch' or a positive number of batches, got {save_freq!r}")
        self.filepath, self.monitor, self.verbose = os.fspath(filepath), monitor, verbose
        suffix = ".weights.npz" if save_weights_only else ".keras"
        if not self.filepath.endswith(suffix):
            raise ValueError(f"ModelCheckpoint: with save_weights_only={save_weights_only} the filepath must end in '{suffix}', got {self.filepath!r}")
        self.save_best_only, self.save_weights_only, self.save_freq = save_best_only, save_weights_only, save_freq
        self.sign = _monitor_sign(mode, monitor, "ModelCheckpoint")
        self.best = math.inf * self.sign if initial_value_threshold is None else float(initial_value_threshold)
        self._epoch, self._batches = 0, 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def implements_train_batch_hooks(self) -> bool:
        return self.save_freq != "epoch"

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        self._batches += 1
        if self._batches >= self.save_freq:
            self._batches = 0
            self._save(self._epoch, batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save(epoch, None, logs)

    def _save(self, epoch: int, batch, logs) -> None:
        logs = dict(logs or {})
        path = self._path(epoch, batch, logs)
        if self.save_best_only:
            current = logs.get(self.monitor)
            if current is None:
                warnings.warn(f"ModelCheckpoint: can save the best model only with {self.monitor} available, skipping", stacklevel=2)
                return
            if not self.sign * current < self.sign * self.best:
                self._say(f"Epoch {epoch + 1}: {self.monitor} did not improve from {self.best:.5f}")
                return
            self._say(f"Epoch {epoch + 1}: {self.monitor} improved from {self.best:.5f} to {current:.5f}, saving model to {path}")
            self.best = current
        else:
            self._say(f"Epoch {epoch + 1}: saving model to {path}")
        (self.model.save_weights if self.save_weights_only else self.model.save)(path, overwrite=True)

    def _path(self, epoch: int, batch, logs: dict) -> str:
        fields = {**logs, "epoch": epoch + 1, **({} if batch is None else {"batch": batch + 1})}
        try:
            return self.filepath.format(**fields)
        except (KeyError, IndexError, ValueError) as err:
            raise KeyError(f"ModelCheckpoint: cannot format the filepath {self.filepath!r} with the logs ({', '.join(fields)}): {err!r}") from None

    def _say(self, message: str) -> None:
        if self.verbose > 0:
            print(f"\n{message}")


class ReduceLROnPlateau(Callback):
    """Multiply the learning rate by ``factor`` when ``monitor`` has not improved by ``min_delta`` for
    ``patience`` epochs, then wait ``cooldown`` epochs; never below ``min_lr``. It assigns the
    optimizer's learning rate variable, which the compiled training step reads: the next step
    uses the new rate. The current rate is added to the logs as ``lr``."""

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1, patience: int = 10, verbose: int = 0, mode: str = "auto",
                 min_delta: float = 1e-4, cooldown: int = 0, min_lr: float = 0):
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau: factor must be below 1, got {factor!r}")
        self.monitor, self.factor, self.patience, self.verbose = monitor, float(factor), patience, verbose
        self.min_delta, self.cooldown, self.min_lr = min_delta, cooldown, float(min_lr)
        self.sign = _monitor_sign(mode, monitor, "ReduceLROnPlateau")

    def on_train_begin(self, logs=None):
        rate = getattr(self.model.optimizer, "learning_rate", None)
        if not hasattr(rate, "assign"):
            raise ValueError(f"ReduceLROnPlateau: model '{self.model.name}' must be compiled with a tfc.keras optimizer (whose learning rate "
                             f"is a variable the training step reads); it has {self.model.optimizer!r}")
        self.best, self.wait, self.cooldown_counter = math.inf, 0, 0

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        rate = self.model.optimizer.learning_rate
        logs["lr"] = float(rate.numpy())
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"ReduceLROnPlateau: the learning rate depends on {self.monitor}, which is not available "
                          f"(available: {', '.join(logs)})", stacklevel=2)
            return
        if self.cooldown_counter > 0:
            self.cooldown_counter, self.wait = self.cooldown_counter - 1, 0
        if self.sign * current < self.best - self.min_delta:
            self.best, self.wait = self.sign * current, 0
        elif self.cooldown_counter <= 0:
            self.wait += 1
            if self.wait >= self.patience and logs["lr"] > np.float32(self.min_lr):
                new = max(logs["lr"] * self.factor, self.min_lr)
                rate.assign(np.float32(new))
                if self.verbose > 0:
                    print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new}.")
                self.cooldown_counter, self.wait = self.cooldown, 0


class TensorBoard(Callback):
    """TensorBoard event files as tf.keras writes them: per-epoch scalars ``epoch_<name>`` (loss,
    metrics, ``lr`` when a callback before it logs one) under ``log_dir/train`` and, for the
    validation logs, under ``log_dir/validation`` (also ``evaluation_<name>_vs_iterations``);
    ``update_freq="batch"`` or N adds ``batch_<name>`` every N batches; ``histogram_freq`` N writes
    each weight's histogram every N epochs; ``write_graph`` writes the model's layer graph (its
    config, TensorBoard's "conceptual graph"; tfc has no TensorFlow op graph to show);
    ``write_steps_per_second`` adds ``epoch_steps_per_second``. Not supported (ValueError):
    ``write_images``, ``profile_batch``, ``embeddings_freq``, ``embeddings_metadata``."""

    def __init__(self, log_dir="logs", histogram_freq: int = 0, write_graph: bool = True, write_images: bool = False,
                 write_steps_per_second: bool = False, update_freq="epoch", profile_batch=0, embeddings_freq: int = 0,
                 embeddings_metadata=None):
        for name, value, default in (("write_images", write_images, False), ("profile_batch", profile_batch, 0),
                                     ("embeddings_freq", embeddings_freq, 0), ("embeddings_metadata", embeddings_metadata, None)):
            if value != default:
                raise ValueError(f"TensorBoard: {name} is not supported yet (got {value!r})")
        if update_freq not in ("epoch", "batch") and not (isinstance(update_freq, int) and update_freq > 0):
            raise ValueError(f"TensorBoard: update_freq must be 'epoch', 'batch' or a positive number of batches, got {update_freq!r}")
        self.log_dir, self.histogram_freq, self.write_graph = os.fspath(log_dir), int(histogram_freq), write_graph
        self.write_steps_per_second, self.update_freq = write_steps_per_second, 1 if update_freq == "batch" else update_freq
        self._writers: dict = {}

    def _writer(self, kind: str):
        if kind not in self._writers:
            self._writers[kind] = EventFileWriter(os.path.join(self.log_dir, kind))
        return self._writers[kind]

    def _write(self, kind: str, summary, step: int) -> None:
        self._writer(kind).add_event(event_pb2.Event(wall_time=time.time(), step=int(step), summary=summary))

    def on_train_begin(self, logs=None):
        self._steps = 0
        if self.write_graph:
            self._write_model_config()

    def _write_model_config(self) -> None:
        """The model's config as TensorBoard's "keras" summary; a model that cannot describe itself
        (subclassed without get_config, as tf.keras leaves out; a Lambda of a lambda expression) is left out."""
        try:
            text = json.dumps({"class_name": type(self.model).__name__, "config": self.model.get_config()})
        except NotImplementedError:
            return
        except (TypeError, ValueError) as err:
            warnings.warn(f"TensorBoard: the graph of model '{self.model.name}' is not written: {err}", stacklevel=2)
            return
        metadata = summary_pb2.SummaryMetadata(plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="graph_keras_model", content=b"1"))
        tensor = tensor_pb2.TensorProto(dtype=types_pb2.DT_STRING, string_val=[text.encode()])
        self._write("train", summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag="keras", metadata=metadata, tensor=tensor)]), 0)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start, self._epoch_steps = time.perf_counter(), 0

    def implements_train_batch_hooks(self) -> bool:
        return self.update_freq != "epoch"

    def on_train_batch_begin(self, batch, logs=None):
        self._steps += 1
        self._epoch_steps += 1

    def on_train_batch_end(self, batch, logs=None):
        if self.update_freq != "epoch" and self._steps % self.update_freq == 0:
            for name, value in (logs or {}).items():
                self._write("train", scalar_pb(f"batch_{name}", value), self._steps)

    def on_epoch_end(self, epoch, logs=None):
        logs = dict(logs or {})
        if self.write_steps_per_second:
            logs["steps_per_second"] = self._epoch_steps / max(time.perf_counter() - self._epoch_start, 1e-9)
        for name, value in logs.items():
            if not name.startswith("val_"):
                self._write("train", scalar_pb(f"epoch_{name}", value), epoch)
        iterations = int(self.model.optimizer.iterations.numpy()) if hasattr(self.model.optimizer, "iterations") else self._steps
        for name, value in logs.items():
            if name.startswith("val_"):
                self._write("validation", scalar_pb(f"epoch_{name[4:]}", value), epoch)
                self._write("validation", scalar_pb(f"evaluation_{name[4:]}_vs_iterations", value), iterations)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            for layer in self.model.layers:
                for weight in layer.weights:
                    self._write("train", histogram_pb(f"{weight.name.replace(':', '_')}/histogram", weight.numpy()), epoch)
        for writer in self._writers.values():
            writer.flush()

    def on_train_end(self, logs=None):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}
