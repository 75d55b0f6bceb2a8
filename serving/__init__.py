"""``tfc.serving``: TensorFlow Serving's REST API over ``tfc.saved_model`` exports (``tfc serve``).

:mod:`.models` finds, loads, hot-reloads and unloads the versions under each model's base path, as
its version policy says, and holds the served models with their version labels; :mod:`.model_config`
reads TF Serving's model config file (several models); :mod:`.rest` parses predict requests and
writes TF Serving's responses and errors; :mod:`.batching` batches concurrent requests;
:mod:`.server` is the starlette app that ``tfc serve`` runs with uvicorn; :mod:`.grpc_api` is TF Serving's
gRPC API (``tfc serve --port``) over the same models, with :mod:`.tensors` converting TensorProtos.
"""

from .batching import Batcher, allowed_batch_sizes
from .grpc_api import GrpcServicer, create_grpc_server
from .model_config import ModelConfigError, ModelConfigFile, ModelServerConfig, parse_model_config, read_model_config
from .models import ConfiguredModel, ModelManager, ServedModels, ServingError, VersionPolicy
from .server import create_app

__all__ = ["Batcher", "ConfiguredModel", "GrpcServicer", "ModelConfigError", "ModelConfigFile", "ModelManager", "ModelServerConfig", "ServedModels",
           "ServingError", "VersionPolicy", "allowed_batch_sizes", "create_app", "create_grpc_server", "parse_model_config", "read_model_config"]
