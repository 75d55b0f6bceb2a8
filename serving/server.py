"""The ASGI app (starlette) of TensorFlow Serving's REST API over one model's versions.

    GET  /v1/models/NAME                      status of its versions
    GET  /v1/models/NAME/versions/N           status of one version
    GET  /v1/models/NAME[/versions/N]/metadata   signature defs
    POST /v1/models/NAME[/versions/N]:predict    predictions

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
from .models import ModelManager, ServingError
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
    """The REST endpoints of the model that ``manager`` serves; ``batcher`` (optional) batches predicts."""

    def __init__(self, manager: ModelManager, batcher: Batcher | None = None):
        self.manager, self.batcher = manager, batcher

    def _model_name(self, request: Request) -> str:
        return request.path_params["name"]

    def _check_name(self, request: Request, version: int | None) -> None:
        name = self._model_name(request)
        if name != self.manager.name:
            spec = f"Latest({name})" if version is None else f"Specific({name}, {version})"
            raise ServingError(f"Servable not found for request: {spec}", "NOT_FOUND")

    async def status(self, request: Request) -> JSONResponse:
        try:
            version, name = _version(request), self._model_name(request)
            if name != self.manager.name:
                raise ServingError(f"Could not find any versions of model {name}", "NOT_FOUND")
            states = self.manager.status()
            if version is not None:
                states = [s for s in states if s.version == version]
                if not states:
                    raise ServingError(f"Could not find version {version} of model {name}", "NOT_FOUND")
            return _json(status_body(states))
        except ServingError as err:
            return _error(err)

    async def metadata(self, request: Request) -> JSONResponse:
        try:
            version = _version(request)
            self._check_name(request, version)
            state = self.manager.version(version)
            return _json(metadata_body(self.manager.name, state.version, state.model))
        except ServingError as err:
            return _error(err)

    async def predict(self, request: Request) -> JSONResponse:
        try:
            version = _version(request)
            self._check_name(request, version)
            model = self.manager.version(version).model
            name, columns, rows = parse_predict(parse_json(await request.body()), model)
            signature = model.signatures[name]
            arrays = to_arrays(columns, signature, rows)
            outputs = await self._run(name, signature, arrays)
            return _json(predict_body(outputs, rows))
        except ServingError as err:
            return _error(err)
        except (SavedModelError, ValueError) as err:
            return _error(ServingError(str(err).splitlines()[0], "INVALID_ARGUMENT"))
        except Exception as err:  # noqa: BLE001 - a failure inside the model is the request's 500, never the server's end
            return _error(ServingError(f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}", "INTERNAL"))

    async def _run(self, name: str, signature, arrays: dict) -> dict:
        """Run in a batch or a worker thread; the shapes compiled are remembered for the next version's warm-up."""
        if self.batcher is not None and self.batcher.accepts(signature, arrays):
            outputs = await asyncio.wrap_future(self.batcher.submit(signature, arrays))
            self.manager.record_shapes(name, self.batcher.padded_like(arrays))
            return outputs
        outputs = await anyio.to_thread.run_sync(functools.partial(signature, **arrays))
        self.manager.record_shapes(name, arrays)
        return outputs

    async def not_found(self, request: Request, exc) -> JSONResponse:
        """Any other path or method: TF Serving's ``Malformed request``."""
        return _json({"error": f"Malformed request: {request.method} {request.url.path}"}, 404)


def create_app(manager: ModelManager, batcher: Batcher | None = None) -> Starlette:
    """The starlette app; the manager's poller runs while the app is up."""
    app = ServingApp(manager, batcher)
    routes = [
        Route("/v1/models/{name}", app.status, methods=["GET"]),
        Route("/v1/models/{name}/versions/{version}", app.status, methods=["GET"]),
        Route("/v1/models/{name}/metadata", app.metadata, methods=["GET"]),
        Route("/v1/models/{name}/versions/{version}/metadata", app.metadata, methods=["GET"]),
        Route("/v1/models/{name}:predict", app.predict, methods=["POST"]),
        Route("/v1/models/{name}/versions/{version}:predict", app.predict, methods=["POST"]),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        manager.start()
        yield
        manager.stop()

    return Starlette(routes=routes, lifespan=lifespan, exception_handlers={404: app.not_found, 405: app.not_found})


__all__ = ["ServingApp", "create_app"]
