"""``Estimator.export_saved_model``: an Estimator's PREDICT graph as a tfc SavedModel.

The serving_input_receiver_fn builds the serving inputs (placeholders) in a fresh graph and the
features the model_fn reads; the model_fn builds the PREDICT-mode graph on them; the GraphDef is
pruned to what the predictions need and written with the checkpoint's values of its variables as
``<export_dir_base>/<timestamp>/`` (:mod:`tfc.saved_model.format`). The signature
``serving_default`` takes the receiver tensors and gives the predictions (a dict's keys, or
``output`` for one tensor), as TensorFlow's PredictOutput does.

    feature_spec = {"x": np.zeros((1, 3), np.float32)}
    path = estimator.export_saved_model("exports", build_raw_serving_input_receiver_fn(feature_spec))
    tfc.saved_model.load(path).signatures["serving_default"](x=x)   # {"predictions": ...}

A canned estimator over columns encoded on the host (vocabulary lists and files, hash buckets,
bucketized, crossed, embedding and indicator columns) exports its graph over the encoded arrays and
the columns as ``host_features.json`` (:func:`host_feature_export`): its signature takes the raw
features, strings included (``build_raw_serving_input_receiver_fn({"occupation": np.array(["x"]), ...})``).
"""

from __future__ import annotations

import inspect
import json
import os
import time
from pathlib import Path

import numpy as np
from google.protobuf import text_format

from tfc.backends import stablehlo_text
from tfc.compat.v1 import Graph, Tensor, name_scope, placeholder, set_random_seed
from tfc.compat.v1.train import get_or_create_global_step
from tfc.diagnostics import TfcError
from tfc.feature_column.config import UnsupportedColumn, column_config, column_from_config
from tfc.frontend.tf.importer import GraphImporter
from tfc.passes.lift_variables import lift_variables
from tfc.passmanager import PassManager
from tfc.printer import print_module
from tfc.runtime.checkpoint import checkpoint_path as checkpoint_file
from tfc.runtime.checkpoint import load as load_checkpoint
from tfc.runtime.graph_session import cleanup_for, pipeline_for
from tfc.saved_model.format import (
    DEFAULT_SIGNATURE,
    GRAPH_FILE,
    PREDICT_METHOD,
    new_metadata,
    tensor_info,
    write_export,
)
from tfc.saved_model.host_features import FORMAT_NAME, FORMAT_VERSION, HOST_FEATURES_FILE, register_host_step_reader
from tfc.saved_model.save import pruned_graph
from tfc.types import TensorType
from tfc.verifier import verify

from .mode_keys import ModeKeys
from .model_fn import EstimatorSpec

FEATURE_KEY, RECEIVER_KEY, OUTPUT_KEY = "feature", "input", "output"  # TensorFlow's names for a single tensor
VARIABLE_OPS = ("VariableV2", "Variable", "VarHandleOp")
MODEL_FN_ARGS = ("features", "labels", "mode", "params", "config")  # Estimator's; not imported, so estimator.py may import this module


class ServingInputReceiver:
    """``ServingInputReceiver(features, receiver_tensors, receiver_tensors_alternatives=None)``: what a
    serving_input_receiver_fn returns. ``receiver_tensors`` (placeholders) are what a request feeds,
    ``features`` what the model_fn reads (often the same); a single tensor becomes ``{"feature": t}``
    / ``{"input": t}``. Each alternative (name -> tensors) is one more signature."""

    def __init__(self, features, receiver_tensors, receiver_tensors_alternatives=None):
        self.features = _tensor_dict(features, FEATURE_KEY, "features")
        self.receiver_tensors = _tensor_dict(receiver_tensors, RECEIVER_KEY, "receiver_tensors")
        alternatives = receiver_tensors_alternatives or {}
        if not isinstance(alternatives, dict):
            raise TypeError(f"ServingInputReceiver: receiver_tensors_alternatives must be a dict of name -> tensors, got {type(alternatives).__name__}")
        self.receiver_tensors_alternatives = {str(name): _tensor_dict(value, RECEIVER_KEY, f"receiver_tensors_alternatives['{name}']")
                                              for name, value in alternatives.items()}


def _tensor_dict(value, default_key: str, what: str) -> dict:
    """``value`` as a dict of graph Tensors (a single Tensor under ``default_key``)."""
    if isinstance(value, Tensor):
        return {default_key: value}
    if not isinstance(value, dict) or not value:
        raise TypeError(f"ServingInputReceiver: {what} must be a graph Tensor or a non-empty dict of them, got {type(value).__name__}")
    for key, tensor in value.items():
        if not isinstance(key, str) or not isinstance(tensor, Tensor):
            raise TypeError(f"ServingInputReceiver: {what} must map strings to graph Tensors, got {key!r}: {type(tensor).__name__}")
    return dict(value)


def build_raw_serving_input_receiver_fn(features, default_batch_size=None):
    """A serving_input_receiver_fn feeding ``features`` directly: one placeholder per feature, named
    by its key, of the feature's dtype and shape with the batch dimension ``default_batch_size``
    (None: any). A feature is given as an example array, a ``tfc.TensorSpec`` or a graph Tensor;
    string features (``tfc.string``, str or bytes arrays) serve canned estimators over feature
    columns, whose export encodes them on the host (:mod:`tfc.saved_model.host_features`)."""
    if not isinstance(features, dict) or not features:
        raise TypeError(f"build_raw_serving_input_receiver_fn: features must be a non-empty dict of name -> array, TensorSpec or Tensor, "
                        f"got {type(features).__name__}")
    if default_batch_size is not None and (not isinstance(default_batch_size, int) or default_batch_size < 1):
        raise ValueError(f"build_raw_serving_input_receiver_fn: default_batch_size must be a positive int or None, got {default_batch_size!r}")
    specs = {key: _feature_spec(key, value) for key, value in features.items()}
    return RawServingInputReceiverFn({key: (dtype, [default_batch_size, *shape[1:]]) for key, (dtype, shape) in specs.items()})


class RawServingInputReceiverFn:
    """What build_raw_serving_input_receiver_fn returns: called in a graph, placeholders fed as the
    features; ``feature_specs`` (key -> (numpy dtype, dims)) are the raw features a host step takes."""

    def __init__(self, feature_specs: dict):
        self.feature_specs = feature_specs

    def __call__(self) -> ServingInputReceiver:
        strings = [key for key, (dtype, _) in self.feature_specs.items() if dtype == np.dtype(object)]
        if strings:
            raise TypeError(f"build_raw_serving_input_receiver_fn: string features {strings} cannot be graph placeholders; only a "
                            f"canned estimator over feature columns (which encodes them on the host) exports string features")
        receivers = {key: placeholder(dtype, shape, name=key) for key, (dtype, shape) in self.feature_specs.items()}
        return ServingInputReceiver(receivers, receivers)


def _feature_spec(key, value) -> tuple[np.dtype, list]:
    """(numpy dtype, shape with a batch dimension) of a feature given as an array, TensorSpec or Tensor;
    strings of any kind are ``object`` (DT_STRING)."""
    dtype, shape = getattr(value, "dtype", None), getattr(value, "shape", None)
    if not isinstance(key, str) or dtype is None or shape is None:
        raise TypeError(f"build_raw_serving_input_receiver_fn: feature {key!r} must be an array, a tfc.TensorSpec or a graph Tensor "
                        f"keyed by a string, got {type(value).__name__}")
    dims = shape.as_list() if hasattr(shape, "as_list") else list(shape)
    if not dims:
        raise ValueError(f"build_raw_serving_input_receiver_fn: feature '{key}' needs a batch dimension, got a scalar")
    dtype = np.dtype(getattr(dtype, "numpy", dtype))
    return (np.dtype(object) if dtype.kind in "OSU" else dtype), dims


def export_saved_model(estimator, export_dir_base, serving_input_receiver_fn, assets_extra=None, as_text=False,
                       checkpoint_path=None, experimental_mode=ModeKeys.PREDICT, host_encoder=None) -> bytes:
    """Export ``estimator``'s PREDICT graph with the latest checkpoint's variables (or
    ``checkpoint_path``'s) to ``export_dir_base/<timestamp>/``; returns that path as bytes, as
    TensorFlow does. ``assets_extra`` maps a path inside ``assets.extra/`` to a file to copy there;
    ``as_text`` also writes the GraphDef as text (``graph.pbtxt``). ``host_encoder`` (a canned
    estimator's FeatureEncoder) makes the export take raw features and encode them on the host
    (:func:`host_feature_export`)."""
    if experimental_mode not in (ModeKeys.PREDICT, "infer"):
        raise ValueError(f"export_saved_model: experimental_mode {experimental_mode!r} is not supported; tfc exports the "
                         f"PREDICT ('{ModeKeys.PREDICT}') graph only")
    if not callable(serving_input_receiver_fn):
        raise TypeError(f"export_saved_model: serving_input_receiver_fn must be callable, got {type(serving_input_receiver_fn).__name__}")
    prefix = _checkpoint_prefix(estimator, checkpoint_path)
    if host_encoder is not None:
        return host_feature_export(estimator, export_dir_base, serving_input_receiver_fn, host_encoder, prefix, assets_extra, as_text)
    graph = Graph()
    with graph.as_default():
        receiver, predictions = _predict_graph(estimator, serving_input_receiver_fn)
    signatures = {DEFAULT_SIGNATURE: receiver.receiver_tensors, **receiver.receiver_tensors_alternatives}
    graph_def = pruned_graph(graph.as_graph_def(), [t.name for t in predictions.values()])
    files = {GRAPH_FILE: graph_def.SerializeToString()}
    if as_text:
        files["graph.pbtxt"] = text_format.MessageToString(graph_def)
    values = _variable_values(graph_def, prefix)
    entries = {}
    for name, receivers in signatures.items():
        files[f"{name}.tfc"] = _program_text(graph_def, receivers, predictions, name)
        entries[name] = {**_signature_entry(name, receivers, predictions), "variables": list(values)}
        lowered = _stablehlo(graph_def, receivers, predictions)
        if lowered is not None:
            files[f"{name}.stablehlo.mlir"], variable_order = lowered
            entries[name].update(stablehlo=f"{name}.stablehlo.mlir", variables=variable_order)
    metadata = new_metadata("graph", entries, graph=True, variables=bool(values))
    base = Path(os.fspath(export_dir_base))
    written = write_export(_version_dir(base), metadata, files, values or None, _assets(assets_extra))
    return os.fsencode(str(written))


def _checkpoint_prefix(estimator, checkpoint_path) -> str:
    """``checkpoint_path`` or the estimator's latest; a clear error when there is none."""
    prefix = checkpoint_path if checkpoint_path is not None else estimator.latest_checkpoint()
    if prefix is None:
        raise ValueError(f"Couldn't find trained model at {estimator.model_dir}: train the estimator before exporting it")
    if not checkpoint_file(prefix).exists():
        raise ValueError(f"export_saved_model: checkpoint_path {prefix} does not exist")
    return str(prefix)


def _predict_graph(estimator, serving_input_receiver_fn):
    """In the default graph: the receiver and the model_fn's predictions (a dict of Tensors)."""
    _seed_and_step(estimator)
    receiver = _called_receiver_fn(serving_input_receiver_fn)
    features = receiver.features
    if set(features) == {FEATURE_KEY}:
        features = features[FEATURE_KEY]  # a single feature tensor reaches the model_fn as it was given
    return receiver, _model_predictions(estimator, features)


def _seed_and_step(estimator) -> None:
    if estimator.config.tf_random_seed is not None:
        set_random_seed(estimator.config.tf_random_seed)
    get_or_create_global_step()


def _called_receiver_fn(serving_input_receiver_fn) -> ServingInputReceiver:
    receiver = serving_input_receiver_fn()
    if not isinstance(receiver, ServingInputReceiver):
        raise TypeError(f"export_saved_model: serving_input_receiver_fn must return a ServingInputReceiver, got {type(receiver).__name__}")
    return receiver


def _model_predictions(estimator, features) -> dict:
    """The PREDICT-mode model_fn's predictions on ``features``, as a dict of graph Tensors."""
    config = estimator.config
    declared = inspect.signature(estimator.model_fn).parameters
    offered = {"features": features, "labels": None, "mode": ModeKeys.PREDICT, "params": estimator.params, "config": config}
    spec = estimator.model_fn(**{name: offered[name] for name in MODEL_FN_ARGS if name in declared})
    if not isinstance(spec, EstimatorSpec):
        raise TypeError(f"model_fn must return an EstimatorSpec, got {type(spec).__name__}")
    predictions = spec.predictions if isinstance(spec.predictions, dict) else {OUTPUT_KEY: spec.predictions}
    for key, tensor in predictions.items():
        if not isinstance(tensor, Tensor):
            raise TypeError(f"export_saved_model: prediction '{key}' must be a graph Tensor, got {type(tensor).__name__}")
    return predictions


def _program_text(graph_def, receivers: dict, predictions: dict, name: str) -> str:
    """The signature's program as tfc IR (tf-level ops, ``?`` for unknown dims), informational."""
    kept = {node.name for node in graph_def.node}
    for tensor in receivers.values():
        if tensor.op.name not in kept:
            raise ValueError(f"export_saved_model: receiver tensor '{tensor.name}' of signature '{name}' does not reach the predictions")
    try:
        imported = GraphImporter(graph_def).import_graph([t.name for t in predictions.values()],
                                                         feeds={t.name: _tensor_type(t) for t in receivers.values()})
    except TfcError as err:
        raise ValueError(f"export_saved_model: signature '{name}': the graph does not import: {str(err).splitlines()[0]}") from err
    return print_module(imported.module)


def _stablehlo(graph_def, receivers: dict, predictions: dict) -> tuple[str, list[str]] | None:
    """(StableHLO text, the variables after the inputs among its parameters) when every receiver's
    shape is known, lowered as a Session would for CPU; None otherwise (each call's shapes are
    compiled from graph.pb then)."""
    types = {t.name: _tensor_type(t) for t in receivers.values()}
    if not all(t.is_static for t in types.values()):
        return None
    module = GraphImporter(graph_def).import_graph([t.name for t in predictions.values()], feeds=types).module
    PassManager(pipeline_for()).run(module)
    lifted = lift_variables(module, module.function("main"))
    PassManager(cleanup_for("xla", "cpu")).run(module)
    verify(module)
    return stablehlo_text(module, "main"), list(lifted.names_in)


def _tensor_type(tensor: Tensor) -> TensorType:
    return TensorType(tensor.dtype, None if tensor.shape.ndims is None else tuple(tensor.shape.as_list()))


def _signature_entry(name: str, receivers: dict, predictions: dict) -> dict:
    return {"method_name": PREDICT_METHOD, "inputs": {key: _info(t) for key, t in receivers.items()},
            "outputs": {key: _info(t) for key, t in predictions.items()}, "program": f"{name}.tfc", "stablehlo": None,
            "entry": "main", "variables": []}


def _info(tensor: Tensor) -> dict:
    shape = None if tensor.shape.ndims is None else tensor.shape.as_list()
    return tensor_info(tensor.name, tensor.dtype.numpy, shape)


def _variable_values(graph_def, prefix: str) -> dict:
    """The checkpoint's values of the variables the pruned graph holds (ValueError naming a missing one)."""
    values = load_checkpoint(checkpoint_file(prefix))
    names = [node.name for node in graph_def.node if node.op in VARIABLE_OPS]
    missing = [name for name in names if name not in values]
    if missing:
        raise ValueError(f"export_saved_model: checkpoint {prefix} has no value for variables {missing} of the PREDICT graph "
                         f"(another model's checkpoint?)")
    return {name: values[name] for name in names}


def _version_dir(base: Path) -> Path:
    """``base/<timestamp>``, a later second if that one exists (two exports in one second)."""
    version = int(time.time())
    while (base / str(version)).exists():
        version += 1
    return base / str(version)


def _assets(assets_extra) -> dict:
    if assets_extra is None:
        return {}
    if not isinstance(assets_extra, dict):
        raise TypeError(f"export_saved_model: assets_extra must be a dict of destination path -> source file, got {type(assets_extra).__name__}")
    for destination, source in assets_extra.items():
        if os.path.isabs(destination) or ".." in Path(destination).parts:
            raise ValueError(f"export_saved_model: assets_extra destination {destination!r} must be a relative path inside assets.extra/")
        if not os.path.isfile(source):
            raise ValueError(f"export_saved_model: assets_extra source {source!r} is not a file")
    return assets_extra


# ---- canned estimators: features encoded on the host -------------------------------------------------
def host_feature_export(estimator, export_dir_base, serving_input_receiver_fn, encoder, prefix: str, assets_extra, as_text) -> bytes:
    """The export of a model whose features are encoded on the host (a canned estimator over
    vocabulary, hashed, bucketized, crossed or embedded columns): its graph reads the encoded arrays,
    its signature takes the raw features (strings as DT_STRING), and ``host_features.json`` (with
    vocabulary files in ``assets/``) tells a loader how to encode them (:mod:`tfc.saved_model.host_features`)."""
    raw = _raw_feature_specs(serving_input_receiver_fn)
    assets: dict = {}
    try:
        config = encoder_config(encoder, assets)
    except UnsupportedColumn as err:
        raise ValueError(f"export_saved_model: {err}") from None
    graph = Graph()
    with graph.as_default():
        encoded, predictions = _encoded_predict_graph(estimator, encoder, raw)
    graph_def = pruned_graph(graph.as_graph_def(), [t.name for t in predictions.values()])
    kept = {node.name for node in graph_def.node}
    encoded = {key: tensor for key, tensor in encoded.items() if tensor.op.name in kept}
    values = _variable_values(graph_def, prefix)
    files = {GRAPH_FILE: graph_def.SerializeToString(), HOST_FEATURES_FILE: json.dumps(config, indent=1) + "\n", **assets,
             f"{DEFAULT_SIGNATURE}.tfc": _program_text(graph_def, encoded, predictions, DEFAULT_SIGNATURE)}
    if as_text:
        files["graph.pbtxt"] = text_format.MessageToString(graph_def)
    entry = _signature_entry(DEFAULT_SIGNATURE, encoded, predictions)
    entry.update(inputs={key: tensor_info(f"{key}:0", dtype, dims) for key, (dtype, dims) in raw.items()}, variables=list(values),
                 host_features={"config": HOST_FEATURES_FILE, "inputs": {key: _info(t) for key, t in encoded.items()}})
    metadata = new_metadata("graph", {DEFAULT_SIGNATURE: entry}, graph=True, variables=bool(values))
    written = write_export(_version_dir(Path(os.fspath(export_dir_base))), metadata, files, values or None, _assets(assets_extra))
    return os.fsencode(str(written))


def _raw_feature_specs(serving_input_receiver_fn) -> dict:
    """key -> (numpy dtype, dims) of the raw features: a raw receiver fn's specs, or the placeholders
    of a receiver that feeds its receiver tensors as the features."""
    specs = getattr(serving_input_receiver_fn, "feature_specs", None)
    if specs is not None:
        return dict(specs)
    with Graph().as_default():
        receiver = _called_receiver_fn(serving_input_receiver_fn)
    features, receivers = receiver.features, receiver.receiver_tensors
    direct = set(features) == set(receivers) and all(features[key] is receivers[key] for key in features)
    if not direct or receiver.receiver_tensors_alternatives:
        raise ValueError("export_saved_model: a canned estimator over host-encoded feature columns is exported fed its raw features: "
                         "its serving_input_receiver_fn must feed the receiver tensors as the features, without alternatives "
                         "(build_raw_serving_input_receiver_fn does)")
    unknown = [key for key, tensor in receivers.items() if tensor.shape.ndims is None]
    if unknown:
        raise ValueError(f"export_saved_model: receiver tensors {unknown} have an unknown rank; give them a shape")
    return {key: (np.dtype(tensor.dtype.numpy), tensor.shape.as_list()) for key, tensor in receivers.items()}


def _encoded_predict_graph(estimator, encoder, raw: dict):
    """In the default graph: placeholders of the encoded features (``features/<key>`` as predict
    names them, every dim open: ids widen per batch) and the model_fn's predictions on them."""
    _seed_and_step(estimator)
    try:
        example = encoder({key: _example_value(dtype, dims) for key, (dtype, dims) in raw.items()})
    except (KeyError, TypeError, ValueError) as err:
        raise ValueError(f"export_saved_model: the serving inputs {sorted(raw)} do not fit the feature columns: {err}") from None
    with name_scope("features"):
        encoded = {key: placeholder(value.dtype, [None] * value.ndim, name=key) for key, value in example.items()}
    return encoded, _model_predictions(estimator, encoded)


def _example_value(dtype: np.dtype, dims: list) -> np.ndarray:
    """One example of a raw feature (empty strings, zeros): what the encoded arrays' keys and dtypes are found from."""
    shape = (1, *[1 if d is None else d for d in dims[1:]])
    return np.full(shape, "", object) if dtype == np.dtype(object) else np.zeros(shape, dtype)


def encoder_config(encoder, assets: dict) -> dict:
    """``host_features.json`` of a canned estimator's FeatureEncoder: its columns as JSON
    (:mod:`tfc.feature_column.config`; vocabulary files into ``assets``) and the passthrough keys."""
    return {"format": FORMAT_NAME, "format_version": FORMAT_VERSION, "passthrough": [str(key) for key in encoder.passthrough],
            "columns": [column_config(column, assets) for column in encoder.columns]}


def encoder_from_config(config: dict, export_dir):
    """The FeatureEncoder ``host_features.json`` describes, its columns rebuilt by their constructors
    (ValueError naming a column that does not rebuild)."""
    from .canned.feature_input import FeatureEncoder  # here: the canned estimators import this module

    if not isinstance(config.get("columns"), list) or not isinstance(config.get("passthrough", []), list):
        raise ValueError("\"columns\" and \"passthrough\" must be lists")
    columns = tuple(column_from_config(column, export_dir) for column in config["columns"])
    return FeatureEncoder(columns, tuple(config.get("passthrough", [])))


register_host_step_reader(FORMAT_NAME, encoder_from_config)

__all__ = ["RawServingInputReceiverFn", "ServingInputReceiver", "build_raw_serving_input_receiver_fn", "encoder_config",
           "encoder_from_config", "export_saved_model", "host_feature_export"]
