"""``tfc.serving``: TensorFlow Serving's REST API over ``tfc.saved_model`` exports (``tfc serve``).

:mod:`.models` finds, loads, hot-reloads and unloads the versions under a model base path;
:mod:`.rest` parses predict requests and writes TF Serving's responses and errors; :mod:`.batching`
batches concurrent requests; :mod:`.server` is the starlette app that ``tfc serve`` runs with uvicorn.
"""

from .batching import Batcher, allowed_batch_sizes
from .models import ModelManager, ServingError
from .server import create_app

__all__ = ["Batcher", "ModelManager", "ServingError", "allowed_batch_sizes", "create_app"]
