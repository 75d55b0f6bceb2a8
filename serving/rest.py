"""TensorFlow Serving's REST request and response bodies, and its JSON errors.

A predict request is ``{"instances": [...]}`` (row format: one element per example, a value when the
signature has one input, else an object naming every input) or ``{"inputs": ...}`` (columnar: a
value, or an object of inputs each with its own batch). Row requests answer ``{"predictions": [...]}``
(one value per example, an object per example when there are several outputs), columnar ones
``{"outputs": ...}``. Errors are ``{"error": "..."}`` with TF Serving's wording and status codes.
A string (DT_STRING) input takes JSON strings, or ``{"b64": "..."}`` for binary strings (decoded
to bytes), in either format; string outputs are written as text, or as ``{"b64": ...}`` when the
output's name ends in ``_bytes``, as TF Serving writes them.
"""

from __future__ import annotations

import base64
import binascii
import json

import numpy as np

import tfc.estimator.export  # noqa: F401 - registers the reader of canned estimators' host steps (string features)
from tfc.saved_model import DEFAULT_SIGNATURE, SavedModel

from .models import ServingError

HTTP_STATUS = {"OK": 200, "INVALID_ARGUMENT": 400, "FAILED_PRECONDITION": 400, "OUT_OF_RANGE": 400, "NOT_FOUND": 404,
               "ALREADY_EXISTS": 409, "PERMISSION_DENIED": 403, "RESOURCE_EXHAUSTED": 429, "UNIMPLEMENTED": 501,
               "UNAVAILABLE": 503, "DEADLINE_EXCEEDED": 504, "UNKNOWN": 500, "INTERNAL": 500}
TF_DTYPES = {"float32": "DT_FLOAT", "float64": "DT_DOUBLE", "float16": "DT_HALF", "bfloat16": "DT_BFLOAT16", "int32": "DT_INT32",
             "int64": "DT_INT64", "int16": "DT_INT16", "int8": "DT_INT8", "uint8": "DT_UINT8", "uint16": "DT_UINT16",
             "uint32": "DT_UINT32", "uint64": "DT_UINT64", "bool": "DT_BOOL", "complex64": "DT_COMPLEX64",
             "complex128": "DT_COMPLEX128", "object": "DT_STRING", "str": "DT_STRING"}
STRING_DTYPE = "object"  # how a signature's json names DT_STRING


def error_body(err: ServingError) -> tuple[int, dict]:
    return HTTP_STATUS.get(err.code, 500), {"error": err.message}


def parse_json(body: bytes) -> dict:
    """The request object, or TF Serving's ``JSON Parse error: ... at offset: N``."""
    try:
        request = json.loads(body)
    except UnicodeDecodeError as err:
        raise ServingError(f"JSON Parse error: Invalid encoding in string. at offset: {err.start}") from None
    except json.JSONDecodeError as err:
        raise ServingError(f"JSON Parse error: {err.msg} at offset: {err.pos}") from None
    if not isinstance(request, dict):
        raise ServingError("JSON Value is not an object")
    return request


def parse_predict(request: dict, model: SavedModel) -> tuple[str, dict, bool]:
    """(signature name, {input key: list/array}, row format?) of a predict request."""
    name = request.get("signature_name", DEFAULT_SIGNATURE)
    if not isinstance(name, str):
        raise ServingError("'signature_name' key must be a string value.")
    if name not in model.signatures:
        raise ServingError(f"Serving signature name: \"{name}\" not found in signature def", "FAILED_PRECONDITION")
    infos = model.signatures[name].inputs
    keys = list(infos)
    if ("instances" in request) == ("inputs" in request):
        raise ServingError("Not both 'inputs' and 'instances' can be set." if "inputs" in request else "Missing 'inputs' or 'instances' key")
    if "instances" in request:
        return name, _rows(request["instances"], keys, infos), True
    return name, _columns(request["inputs"], keys, infos), False


def _rows(instances, keys: list[str], infos: dict) -> dict:
    if not isinstance(instances, list) or not instances:
        raise ServingError("'instances' must be a non-empty JSON array")
    named = isinstance(instances[0], dict) and not _is_b64(instances[0])
    if not named:
        if len(keys) != 1:
            raise ServingError(f"Expecting object but got list at item 0 of input list (the signature has inputs {keys})")
        return {keys[0]: [_element(value, infos[keys[0]], index, None) for index, value in enumerate(instances)]}
    columns = {key: [] for key in keys}
    for index, row in enumerate(instances):
        if not isinstance(row, dict):
            raise ServingError(f"Expecting object but got list at item {index} of input list")
        for key in keys:
            if key not in row:
                raise ServingError(f"Failed to process element: {index} key: {key} of 'instances' list. "
                                   f"Error: Invalid argument: JSON object: does not have named input: {key}")
            columns[key].append(_element(row[key], infos[key], index, key))
        extra = sorted(set(row) - set(keys))
        if extra:
            raise ServingError(f"Failed to process element: {index} of 'instances' list. JSON object has inputs {extra} "
                               f"that the signature does not name (it names {keys})")
    return columns


def _columns(inputs, keys: list[str], infos: dict) -> dict:
    if isinstance(inputs, dict) and not _is_b64(inputs):
        missing = [key for key in keys if key not in inputs]
        if missing:
            raise ServingError(f"JSON object: does not have named input: {missing[0]}")
        extra = sorted(set(inputs) - set(keys))
        if extra:
            raise ServingError(f"JSON object: has inputs {extra} that the signature does not name (it names {keys})")
        return {key: _strings(inputs[key], infos[key]) for key in keys}
    if len(keys) != 1:
        raise ServingError(f"'inputs' must be an object naming the signature's inputs {keys}")
    return {keys[0]: _strings(inputs, infos[keys[0]])}


def _is_b64(value) -> bool:
    return isinstance(value, dict) and set(value) == {"b64"} and isinstance(value["b64"], str)


def _element(value, info: dict, index: int, key: str | None):
    """One example of a row request, its strings decoded; errors as TF Serving words them for the row."""
    try:
        return _strings(value, info)
    except ServingError as err:
        where = f"{index}" if key is None else f"{index} key: {key}"
        raise ServingError(f"Failed to process element: {where} of 'instances' list. Error: Invalid argument: {err.message}") from None


def _strings(value, info: dict):
    """A DT_STRING input's JSON value with each ``{"b64": ...}`` decoded to bytes and every leaf
    checked to be a string (TF Serving's errors); other inputs as they are (numpy converts them)."""
    if info["dtype"] != STRING_DTYPE:
        return value
    if isinstance(value, list):
        return [_strings(item, info) for item in value]
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        if not _is_b64(value):
            raise ServingError(f"JSON Value: {_json_text(value)} not formatted correctly for base64 data")
        return _b64decode(value["b64"])
    raise ServingError(f"JSON Value: {_json_text(value)} Type: {_json_type(value)} is not of expected type: string")


def _b64decode(text: str) -> bytes:
    """Standard base64, padding optional (as absl's Base64Unescape); TF Serving's error otherwise."""
    if len(text) % 4 == 1:
        raise ServingError("Unable to base64 decode")
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except binascii.Error:
        raise ServingError("Unable to base64 decode") from None


def _json_text(value) -> str:
    """A JSON value as TF Serving quotes it in errors (rapidjson's pretty writer)."""
    return json.dumps(value, indent=4)


def _json_type(value) -> str:
    if value is None:
        return "Null"
    if isinstance(value, bool):
        return "True" if value else "False"
    return {dict: "Object", list: "Array", str: "String"}.get(type(value), "Number")


def to_arrays(columns: dict, signature, rows: bool) -> dict[str, np.ndarray]:
    """The inputs as arrays of the signature's dtypes, checked against its shapes (TF Serving's INVALID_ARGUMENT)."""
    arrays = {}
    for key, value in columns.items():
        dtype = np.dtype(signature.inputs[key]["dtype"])
        try:
            arrays[key] = np.asarray(value, dtype=dtype)
        except (TypeError, ValueError) as err:
            raise ServingError(f"Failed to process input '{key}': expected a (non-ragged) tensor of {dtype.name}: {str(err).splitlines()[0]}") from None
    if rows and len({a.shape[0] for a in arrays.values()}) > 1:
        raise ServingError(f"Input tensors in 'instances' must have the same batch size, got {[list(a.shape) for a in arrays.values()]}")
    try:
        return signature.checked_inputs(arrays)
    except ValueError as err:
        raise ServingError(str(err)) from None


def predict_body(outputs: dict, rows: bool) -> dict:
    """``{"predictions": [...]}`` (row format) or ``{"outputs": ...}`` (columnar), as TF Serving answers."""
    outputs = {key: _json_ready(key, value) for key, value in outputs.items()}
    if not rows:
        if len(outputs) == 1:
            return {"outputs": next(iter(outputs.values())).tolist()}
        return {"outputs": {key: value.tolist() for key, value in outputs.items()}}
    if len(outputs) == 1:
        return {"predictions": next(iter(outputs.values())).tolist()}
    sizes = {key: (value.shape[0] if value.ndim else None) for key, value in outputs.items()}
    if len(set(sizes.values())) != 1 or None in sizes.values():
        raise ServingError(f"Tensor name: {next(iter(outputs))} has inconsistent batch size with other outputs: {sizes}; use the columnar 'inputs' format")
    count = next(iter(sizes.values()))
    return {"predictions": [{key: value[i].tolist() for key, value in outputs.items()} for i in range(count)]}


def _json_ready(key: str, value: np.ndarray) -> np.ndarray:
    """A string output's elements as JSON strings: ``{"b64": ...}`` when the output's name ends in
    ``_bytes`` (TF Serving's rule for binary outputs), else the text; other outputs as they are."""
    if value.dtype != np.dtype(object):
        return value
    binary = key.endswith("_bytes")
    converted = np.empty(value.shape, object)
    for index, item in np.ndenumerate(value):
        converted[index] = _json_string(item, binary)
    return converted


def _json_string(item, binary: bool):
    data = item if isinstance(item, bytes) else str(item).encode()
    return {"b64": base64.b64encode(data).decode()} if binary else data.decode("utf-8", "replace")


def status_body(states) -> dict:
    """GET /v1/models/NAME[/versions/N]: ``model_version_status`` as TF Serving gives it."""
    return {"model_version_status": [
        {"version": str(s.version), "state": s.state,
         "status": {"error_code": "OK" if not s.error_message else "UNKNOWN", "error_message": s.error_message}}
        for s in sorted(states, key=lambda s: -s.version)]}


def _tensor_info(info: dict) -> dict:
    shape = info["shape"]
    tensor_shape = {"unknown_rank": True} if shape is None else {
        "dim": [{"size": str(-1 if d is None else d), "name": ""} for d in shape], "unknown_rank": False}
    return {"dtype": TF_DTYPES.get(info["dtype"], "DT_INVALID"), "tensor_shape": tensor_shape, "name": info["name"]}


def metadata_body(name: str, version: int, model: SavedModel) -> dict:
    """GET /v1/models/NAME/metadata: the signature defs in TF Serving's JSON shape."""
    defs = {sig: {"inputs": {k: _tensor_info(v) for k, v in info["inputs"].items()},
                  "outputs": {k: _tensor_info(v) for k, v in info["outputs"].items()},
                  "method_name": info.get("method_name", "tensorflow/serving/predict")}
            for sig, info in model.metadata["signatures"].items()}
    return {"model_spec": {"name": name, "signature_name": "", "version": str(version)},
            "metadata": {"signature_def": {"signature_def": defs}}}


__all__ = ["HTTP_STATUS", "error_body", "metadata_body", "parse_json", "parse_predict", "predict_body", "status_body", "to_arrays"]
