"""The ASGI app (starlette) of TensorFlow Serving's REST API over the served models' versions.

    GET  /v1/models/NAME                      status of its versions
    GET  /v1/models/NAME/versions/N           status of one version (or /labels/LABEL: the version it names)
    GET  /v1/models/NAME[/versions/N|/labels/LABEL]/metadata   signature defs
    POST /v1/models/NAME[/versions/N|/labels/LABEL]:predict    predictions

Compiled programs run in worker threads (or in batches, :mod:`.batching`), never on the event loop,
so a slow request does not hold up the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json

import anyio.to_thread
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tfc.saved_model import SavedModelError

from .batching import Batcher
from .models import ModelManager, ServedModels, ServingError
from .rest import error_body, metadata_body, parse_json, parse_predict, predict_body, status_body, to_arrays


class _JSONResponse(JSONResponse):
    """JSON as TF Serving writes it: NaN and Infinity as those literals (starlette refuses them)."""

    def render(self, content) -> bytes:
        return json.dumps(content, ensure_ascii=False, allow_nan=True, separators=(",", ":")).encode("utf-8")


def _json(body: dict, status: int = 200) -> JSONResponse:
    return _JSONResponse(body, status_code=status)


def _error(err: ServingError) -> JSONResponse:
    status, body = error_body(err)
    return _json(body, status)


def _version(request: Request) -> int | None:
    text = request.path_params.get("version")
    if text is None:
        return None
    if not text.isdigit():
        raise ServingError(f"Failed to convert version: {text} to numeric.")
    return int(text)


class ServingApp:
    """The REST endpoints of the models ``models`` serves; ``batcher`` (optional) batches predicts."""

    def __init__(self, models: ServedModels, batcher: Batcher | None = None):
        self.models, self.batcher = models, batcher

    def _lookup(self, request: Request) -> tuple[ModelManager, int | None]:
        """The model's manager and the version the path names (a number, a label's number, or None: the latest)."""
        name, version, label = request.path_params["name"], _version(request), request.path_params.get("label")
        if label is not None:
            version = self.models.label_version(name, label)
        manager = self.models.manager(name)
        if manager is None:
            spec = f"Latest({name})" if version is None else f"Specific({name}, {version})"
            raise ServingError(f"Servable not found for request: {spec}", "NOT_FOUND")
        return manager, version

    async def status(self, request: Request) -> JSONResponse:
        try:
            name, version, label = request.path_params["name"], _version(request), request.path_params.get("label")
            if label is not None:
                version = self.models.label_version(name, label)
            manager = self.models.manager(name)
            if manager is None:
                raise ServingError(f"Could not find any versions of model {name}", "NOT_FOUND")
            states = manager.status()
            if version is not None:
                states = [s for s in states if s.version == version]
                if not states:
                    raise ServingError(f"Could not find version {version} of model {name}", "NOT_FOUND")
            return _json(status_body(states))
        except ServingError as err:
            return _error(err)

    async def metadata(self, request: Request) -> JSONResponse:
        try:
            manager, version = self._lookup(request)
            state = manager.version(version)
            return _json(metadata_body(manager.name, state.version, state.model))
        except ServingError as err:
            return _error(err)

    async def predict(self, request: Request) -> JSONResponse:
        try:
            manager, version = self._lookup(request)
            model = manager.version(version).model
            name, columns, rows = parse_predict(parse_json(await request.body()), model)
            signature = model.signatures[name]
            arrays = to_arrays(columns, signature, rows)
            outputs = await self._run(manager, name, signature, arrays)
            return _json(predict_body(outputs, rows))
        except ServingError as err:
            return _error(err)
        except (SavedModelError, ValueError) as err:
            return _error(ServingError(str(err).splitlines()[0], "INVALID_ARGUMENT"))
        except Exception as err:  # noqa: BLE001 - a failure inside the model is the request's 500, never the server's end
            return _error(ServingError(f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}", "INTERNAL"))

    async def _run(self, manager: ModelManager, name: str, signature, arrays: dict) -> dict:
        """Run in a batch or a worker thread; the shapes compiled are remembered for the next version's warm-up."""
        if self.batcher is not None and self.batcher.accepts(signature, arrays):
            outputs = await asyncio.wrap_future(self.batcher.submit(signature, arrays))
            manager.record_shapes(name, self.batcher.padded_like(arrays))
            return outputs
        outputs = await anyio.to_thread.run_sync(functools.partial(signature, **arrays))
        manager.record_shapes(name, arrays)
        return outputs

    async def not_found(self, request: Request, exc) -> JSONResponse:
        """Any other path or method: TF Serving's ``Malformed request``."""
        return _json({"error": f"Malformed request: {request.method} {request.url.path}"}, 404)


def create_app(models: ServedModels | ModelManager, batcher: Batcher | None = None) -> Starlette:
    """The starlette app over ``models`` (or one model's manager); the pollers run while the app is up."""
    if isinstance(models, ModelManager):
        models = ServedModels.of(models)
    if not isinstance(models, ServedModels):
        raise ValueError(f"create_app: expected ServedModels or a ModelManager, got {type(models).__name__}")
    app = ServingApp(models, batcher)
    routes = []
    for where in ("", "/versions/{version}", "/labels/{label}"):
        routes += [Route(f"/v1/models/{{name}}{where}", app.status, methods=["GET"]),
                   Route(f"/v1/models/{{name}}{where}/metadata", app.metadata, methods=["GET"]),
                   Route(f"/v1/models/{{name}}{where}:predict", app.predict, methods=["POST"])]

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        models.start()
        yield
        models.stop()

    return Starlette(routes=routes, lifespan=lifespan, exception_handlers={404: app.not_found, 405: app.not_found})


__all__ = ["ServingApp", "create_app"]
