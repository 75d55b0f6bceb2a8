"""TensorFlow Serving's gRPC API (``tfc serve --port 8500``): PredictionService.Predict/GetModelMetadata, ModelService.GetModelStatus.

The messages are TF Serving's (package ``tensorflow.serving``, the field numbers of ``apis/model.proto``,
``predict.proto``, ``get_model_metadata.proto``, ``get_model_status.proto``), built as descriptors so that
tfc does not depend on tensorflow-serving-api; TensorProto and SignatureDef are tensorboard's copies
(same fields, so the bytes on the wire are TF's). The server uses generic handlers (no generated code)
over the same :class:`ServedModels` and :class:`Batcher` as the REST side.
"""

from __future__ import annotations

from concurrent import futures

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory, wrappers_pb2
from tensorboard.compat.proto import meta_graph_pb2, tensor_pb2

from .batching import Batcher
from .models import ServedModels, ServingError
from .rest import to_arrays
from .tensors import dtype_enum, shape_proto, to_numpy, to_proto

PACKAGE = "tensorflow.serving"
_F = descriptor_pb2.FieldDescriptorProto
_TENSOR = "." + tensor_pb2.TensorProto.DESCRIPTOR.full_name
_SIGNATURE = "." + meta_graph_pb2.SignatureDef.DESCRIPTOR.full_name
STATES = {"UNKNOWN": 0, "START": 10, "LOADING": 20, "AVAILABLE": 30, "UNLOADING": 40, "END": 50}
CODES = {"INVALID_ARGUMENT": grpc.StatusCode.INVALID_ARGUMENT, "NOT_FOUND": grpc.StatusCode.NOT_FOUND,
         "FAILED_PRECONDITION": grpc.StatusCode.FAILED_PRECONDITION, "INTERNAL": grpc.StatusCode.INTERNAL}


def _field(message, name, number, kind, type_name="", repeated=False, oneof=None):
    field = message.field.add(name=name, number=number, type=kind, label=_F.LABEL_REPEATED if repeated else _F.LABEL_OPTIONAL)
    if type_name:
        field.type_name = type_name if type_name.startswith(".") else f".{PACKAGE}.{type_name}"
    if oneof is not None:
        field.oneof_index = oneof


def _map(message, name, number, value_kind, value_type=""):
    """A ``map<string, V>`` field: a nested XxxEntry with the map_entry option, as protoc writes it."""
    entry = message.nested_type.add(name="".join(p.title() for p in name.split("_")) + "Entry")
    entry.options.map_entry = True
    _field(entry, "key", 1, _F.TYPE_STRING)
    _field(entry, "value", 2, value_kind, value_type)
    _field(message, name, number, _F.TYPE_MESSAGE, f"{message.name}.{entry.name}", repeated=True)


def _messages_file() -> descriptor_pb2.FileDescriptorProto:
    """model.proto, predict.proto, get_model_metadata.proto, get_model_status.proto in one file (the names and numbers are TF Serving's)."""
    proto = descriptor_pb2.FileDescriptorProto(name="tfc/serving/tensorflow_serving_apis.proto", package=PACKAGE, syntax="proto3",
                                               dependency=[tensor_pb2.DESCRIPTOR.name, meta_graph_pb2.DESCRIPTOR.name,
                                                           "google/protobuf/any.proto", "google/protobuf/wrappers.proto"])
    spec = proto.message_type.add(name="ModelSpec")
    spec.oneof_decl.add(name="version_choice")
    _field(spec, "name", 1, _F.TYPE_STRING)
    _field(spec, "version", 2, _F.TYPE_MESSAGE, ".google.protobuf.Int64Value", oneof=0)
    _field(spec, "version_label", 4, _F.TYPE_STRING, oneof=0)
    _field(spec, "signature_name", 3, _F.TYPE_STRING)
    request = proto.message_type.add(name="PredictRequest")
    _field(request, "model_spec", 1, _F.TYPE_MESSAGE, "ModelSpec")
    _map(request, "inputs", 2, _F.TYPE_MESSAGE, _TENSOR)
    _field(request, "output_filter", 3, _F.TYPE_STRING, repeated=True)
    response = proto.message_type.add(name="PredictResponse")
    _field(response, "model_spec", 2, _F.TYPE_MESSAGE, "ModelSpec")
    _map(response, "outputs", 1, _F.TYPE_MESSAGE, _TENSOR)
    _map(proto.message_type.add(name="SignatureDefMap"), "signature_def", 1, _F.TYPE_MESSAGE, _SIGNATURE)
    meta_request = proto.message_type.add(name="GetModelMetadataRequest")
    _field(meta_request, "model_spec", 1, _F.TYPE_MESSAGE, "ModelSpec")
    _field(meta_request, "metadata_field", 2, _F.TYPE_STRING, repeated=True)
    meta_response = proto.message_type.add(name="GetModelMetadataResponse")
    _field(meta_response, "model_spec", 1, _F.TYPE_MESSAGE, "ModelSpec")
    _map(meta_response, "metadata", 2, _F.TYPE_MESSAGE, ".google.protobuf.Any")
    status = proto.message_type.add(name="StatusProto")  # tensorflow_serving/util/status.proto (error_code is tensorflow.error.Code)
    _field(status, "error_code", 1, _F.TYPE_INT32)
    _field(status, "error_message", 2, _F.TYPE_STRING)
    _field(proto.message_type.add(name="GetModelStatusRequest"), "model_spec", 1, _F.TYPE_MESSAGE, "ModelSpec")
    version_status = proto.message_type.add(name="ModelVersionStatus")
    version_status.enum_type.add(name="State", value=[{"name": k, "number": v} for k, v in STATES.items()])
    _field(version_status, "version", 1, _F.TYPE_INT64)
    _field(version_status, "state", 2, _F.TYPE_ENUM, "ModelVersionStatus.State")
    _field(version_status, "status", 3, _F.TYPE_MESSAGE, "StatusProto")
    _field(proto.message_type.add(name="GetModelStatusResponse"), "model_version_status", 1, _F.TYPE_MESSAGE, "ModelVersionStatus", repeated=True)
    return proto


def _build() -> dict:
    """The message classes by short name, in the default pool beside tensorboard's TensorProto/SignatureDef
    (so ``inputs["x"]`` takes a ``tensor_pb2.TensorProto``); importing twice finds the file already there."""
    pool = descriptor_pool.Default()
    proto = _messages_file()
    try:
        file = pool.FindFileByName(proto.name)
    except KeyError:
        file = pool.AddSerializedFile(proto.SerializeToString())
        file = pool.FindFileByName(proto.name) if not hasattr(file, "message_types_by_name") else file
    return {name: message_factory.GetMessageClass(desc) for name, desc in file.message_types_by_name.items()}


MESSAGES = _build()
PREDICTION_SERVICE = f"{PACKAGE}.PredictionService"
MODEL_SERVICE = f"{PACKAGE}.ModelService"
TIMEOUT_S = 300.0  # the longest a batched predict waits for its batch


class GrpcServicer:
    """PredictionService and ModelService over ``models``; ``batcher`` (optional) batches predicts as on the REST side."""

    def __init__(self, models: ServedModels, batcher: Batcher | None = None):
        self.models, self.batcher = models, batcher

    def _version(self, spec) -> int | None:
        if spec.HasField("version"):
            return spec.version.value
        return self.models.label_version(spec.name, spec.version_label) if spec.version_label else None

    def _state(self, spec):
        """The (manager, loaded version) the ModelSpec names, else TF Serving's NOT_FOUND text."""
        version = self._version(spec)
        manager = self.models.manager(spec.name)
        if manager is None:
            target = f"Latest({spec.name})" if version is None else f"Specific({spec.name}, {version})"
            raise ServingError(f"Servable not found for request: {target}", "NOT_FOUND")
        return manager, manager.version(version)

    def _spec(self, spec, version: int, signature_name: str):
        return MESSAGES["ModelSpec"](name=spec.name, version=wrappers_pb2.Int64Value(value=version), signature_name=signature_name)

    def predict(self, request, context):
        manager, state = self._state(request.model_spec)
        name = request.model_spec.signature_name or "serving_default"
        if name not in state.model.signatures:
            raise ServingError(f'Serving signature key "{name}" not found.', "FAILED_PRECONDITION")
        signature = state.model.signatures[name]
        missing = sorted(set(signature.inputs) - set(request.inputs))
        extra = sorted(set(request.inputs) - set(signature.inputs))
        if missing or extra:
            raise ServingError(f"Request inputs do not match required inputs for model `{request.model_spec.name}`. "
                               f"Send extra: {extra}. Missing but required: {missing}.")
        columns = {key: to_numpy(proto, key) for key, proto in request.inputs.items()}
        outputs = self._run(manager, name, signature, to_arrays(columns, signature, rows=False))
        unknown = sorted(set(request.output_filter) - set(outputs))
        if unknown:
            raise ServingError(f"output tensor alias not found in signature: {unknown[0]} Outputs expected to be in the set {sorted(outputs)}.")
        wanted = list(request.output_filter) or list(outputs)
        response = MESSAGES["PredictResponse"](model_spec=self._spec(request.model_spec, state.version, name))
        for key in wanted:
            response.outputs[key].CopyFrom(to_proto(outputs[key]))
        return response

    def _run(self, manager, name: str, signature, arrays: dict) -> dict:
        if self.batcher is not None and self.batcher.accepts(signature, arrays):
            outputs = self.batcher.submit(signature, arrays).result(TIMEOUT_S)
            manager.record_shapes(name, self.batcher.padded_like(arrays))
            return outputs
        outputs = signature(**arrays)
        manager.record_shapes(name, arrays)
        return outputs

    def get_model_metadata(self, request, context):
        fields = list(request.metadata_field)
        if fields != ["signature_def"]:
            problem = "Metadata field must be exactly [signature_def]" if fields else "GetModelMetadataRequest must specify at least one metadata_field"
            raise ServingError(problem)
        _, state = self._state(request.model_spec)
        defs = MESSAGES["SignatureDefMap"]()
        for sig, info in state.model.metadata["signatures"].items():
            entry = defs.signature_def[sig]
            entry.method_name = info.get("method_name", "tensorflow/serving/predict")
            for side in ("inputs", "outputs"):
                for key, tensor in info[side].items():
                    getattr(entry, side)[key].CopyFrom(meta_graph_pb2.TensorInfo(
                        name=tensor["name"], dtype=dtype_enum(tensor["dtype"]), tensor_shape=shape_proto(tensor["shape"])))
        response = MESSAGES["GetModelMetadataResponse"](model_spec=self._spec(request.model_spec, state.version, ""))
        response.metadata["signature_def"].Pack(defs, "type.googleapis.com/")
        return response

    def get_model_status(self, request, context):
        spec = request.model_spec
        version = self._version(spec)
        manager = self.models.manager(spec.name)
        if manager is None:
            raise ServingError(f"Could not find any versions of model {spec.name}", "NOT_FOUND")
        states = [s for s in manager.status() if version is None or s.version == version]
        if not states:
            raise ServingError(f"Could not find version {version} of model {spec.name}", "NOT_FOUND")
        response = MESSAGES["GetModelStatusResponse"]()
        for s in states:
            response.model_version_status.add(version=s.version, state=STATES.get(s.state, 0),
                                              status=MESSAGES["StatusProto"](error_code=2 if s.error_message else 0, error_message=s.error_message))
        return response


def _handler(method, request_class):
    """A unary handler that turns ServingError (and a model's own failure) into TF Serving's status codes."""
    def call(request, context):
        try:
            return method(request, context)
        except ServingError as err:
            context.abort(CODES.get(err.code, grpc.StatusCode.UNKNOWN), err.message)
        except ValueError as err:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(err).splitlines()[0])
    return grpc.unary_unary_rpc_method_handler(call, request_deserializer=request_class.FromString,
                                               response_serializer=lambda message: message.SerializeToString())


def create_grpc_server(models: ServedModels, batcher: Batcher | None = None, host: str = "127.0.0.1", port: int = 8500,
                       max_workers: int = 16) -> tuple[grpc.Server, int]:
    """A started-ready (not yet started) grpc server on ``host:port``; returns it and the bound port (port 0 picks one)."""
    servicer = GrpcServicer(models, batcher)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=max_workers))
    server.add_generic_rpc_handlers([
        grpc.method_handlers_generic_handler(PREDICTION_SERVICE, {
            "Predict": _handler(servicer.predict, MESSAGES["PredictRequest"]),
            "GetModelMetadata": _handler(servicer.get_model_metadata, MESSAGES["GetModelMetadataRequest"])}),
        grpc.method_handlers_generic_handler(MODEL_SERVICE, {
            "GetModelStatus": _handler(servicer.get_model_status, MESSAGES["GetModelStatusRequest"])})])
    bound = server.add_insecure_port(f"{host}:{port}")
    if bound == 0:
        raise ValueError(f"--port: cannot bind {host}:{port}")
    return server, bound


def stub(channel: grpc.Channel) -> dict:
    """Client callables by method name ("Predict", "GetModelMetadata", "GetModelStatus"), as TF Serving's stubs send them."""
    def method(service, name, response):
        return channel.unary_unary(f"/{service}/{name}", request_serializer=lambda m: m.SerializeToString(),
                                   response_deserializer=MESSAGES[response].FromString)
    return {"Predict": method(PREDICTION_SERVICE, "Predict", "PredictResponse"),
            "GetModelMetadata": method(PREDICTION_SERVICE, "GetModelMetadata", "GetModelMetadataResponse"),
            "GetModelStatus": method(MODEL_SERVICE, "GetModelStatus", "GetModelStatusResponse")}


__all__ = ["MESSAGES", "MODEL_SERVICE", "PREDICTION_SERVICE", "GrpcServicer", "create_grpc_server", "stub"]
