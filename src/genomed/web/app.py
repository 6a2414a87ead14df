"""The genomed web application: one FastAPI object, served by ``genomed serve``.

:func:`create_app` builds it for a workspace. It carries the Beacon v2 API
(``/beacon/v2``), the genomed extensions (``/genomed/v1``) and the OpenAPI schema
(``/openapi.json``, browsable at ``/docs``). Pages and other REST routes are added
here as routers, so the CLI, the tests and a deployment all serve the same object.

Malformed requests that FastAPI rejects before a route runs (a body that is not JSON,
a query parameter of the wrong type) are answered 400 with a Beacon error body, and
audited like every other query.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from genomed import __version__
from genomed.network.beacon_request import BeaconRequestError
from genomed.network.node_service import NodeService
from genomed.store.workspace import default_workspace_path
from genomed.web import beacon_routes, genomed_routes


def _validation_message(error: RequestValidationError) -> str:
    parts = []
    for item in error.errors()[:5]:
        where = ".".join(str(x) for x in item.get("loc", ()) if x != "body") or "request"
        parts.append(f"{where}: {item.get('msg', 'invalid')}")
    return "; ".join(parts)


def create_app(workspace: str | Path | None = None, config: str | Path | None = None) -> FastAPI:
    """The application serving ``workspace`` (default ``$GENOMED_WORKSPACE``/./genomed-data)."""
    workspace = Path(workspace) if workspace else default_workspace_path()
    config = config or os.environ.get("GENOMED_NODE_CONFIG") or None
    node = NodeService(workspace, config_path=config)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI):
        yield
        node.close()

    app = FastAPI(
        lifespan=lifespan,
        title=f"genomed node: {node.config.name}",
        version=__version__,
        description=(
            "GA4GH Beacon v2 API of a genomed institution node, with genomed extensions "
            "(OR/NOT filters, cohort definitions, allele counts per population, survival "
            "and 2x2 aggregates for federated statistics). Tokens: `genomed tokens create`."
        ),
    )
    app.state.node = node

    @app.exception_handler(RequestValidationError)
    def bad_request(request: Request, error: RequestValidationError) -> JSONResponse:
        message = _validation_message(error)
        auth = request.headers.get("authorization")

        def handler(_caller):
            raise BeaconRequestError(message)

        status, body = node.answer(
            authorization=auth,
            client=request.client.host if request.client else "",
            method=request.method,
            endpoint=request.scope.get("route").path
            if request.scope.get("route")
            else request.url.path,
            entry="invalid",
            handler=handler,
            query_view=lambda: {"invalid": message},
        )
        return JSONResponse(body, status_code=status)

    @app.get("/", include_in_schema=False)
    def root() -> dict:
        return {
            "genomed": __version__,
            "beacon": "/beacon/v2",
            "openapi": "/openapi.json",
            "docs": "/docs",
        }

    app.include_router(beacon_routes.build_router())
    app.include_router(genomed_routes.build_router())
    return app
