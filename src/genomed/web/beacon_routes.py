"""Beacon v2 routes under ``/beacon/v2``: informational endpoints and entry queries.

Every entry type is served at ``/{entry}``, ``/{entry}/{id}`` and
``/{entry}/{id}/{related}``, GET and POST. The routes only translate HTTP to the node
service (:class:`genomed.network.node_service.NodeService`) and back.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from genomed.network import beacon_framework
from genomed.network.beacon_responses import informational_meta
from genomed.network.node_service import NodeService
from genomed.web.request_models import BeaconRequestBody, beacon_get_parameters

bearer = HTTPBearer(auto_error=False, description="a token made with `genomed tokens create`")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
GetParameters = Annotated[dict, Depends(beacon_get_parameters)]

#: entry endpoint -> related endpoints reachable from one of its entries
RELATED = {
    "individuals": ("g_variants", "biosamples"),
    "biosamples": ("g_variants",),
    "g_variants": ("individuals", "biosamples"),
    "cohorts": ("individuals",),
    "datasets": ("individuals", "g_variants"),
}
SUMMARY = {
    "individuals": "Individuals (patients)",
    "biosamples": "Biosamples",
    "g_variants": "Genomic variants",
    "cohorts": "Cohorts (saved genomed cohorts)",
    "datasets": "Datasets",
}


def node_of(request: Request) -> NodeService:
    return request.app.state.node


def authorization(credentials: HTTPAuthorizationCredentials | None) -> str | None:
    return f"{credentials.scheme} {credentials.credentials}" if credentials else None


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/beacon/v2"


def client_of(request: Request) -> str:
    return request.client.host if request.client else ""


def _informational(request: Request, entity: str | None, response: dict) -> dict:
    node = node_of(request)
    return {"meta": informational_meta(node.config.beacon_id, entity), "response": response}


def build_router() -> APIRouter:
    router = APIRouter(prefix="/beacon/v2")

    @router.get("/", tags=["beacon: informational"], summary="Beacon info")
    @router.get("/info", tags=["beacon: informational"], summary="Beacon info")
    def info(request: Request) -> dict:
        node = node_of(request)
        return _informational(request, None, beacon_framework.info(node.config, node.started))

    @router.get("/service-info", tags=["beacon: informational"], summary="GA4GH service-info")
    def service_info(request: Request) -> dict:
        return beacon_framework.service_info(node_of(request).config, base_url(request))

    @router.get("/configuration", tags=["beacon: informational"], summary="Beacon configuration")
    def configuration(request: Request) -> dict:
        return _informational(
            request, None, beacon_framework.configuration(node_of(request).config)
        )

    @router.get("/map", tags=["beacon: informational"], summary="Beacon map")
    def beacon_map(request: Request) -> dict:
        return _informational(request, None, beacon_framework.beacon_map(base_url(request)))

    @router.get("/entry_types", tags=["beacon: informational"], summary="Entry types")
    def entry_types(request: Request) -> dict:
        return _informational(
            request, None, {"entryTypes": beacon_framework.entry_type_definitions()}
        )

    @router.get("/filtering_terms", tags=["beacon: informational"], summary="Filtering terms")
    def filtering_terms(request: Request) -> dict:
        return _informational(request, None, node_of(request).filtering_terms())

    for entry in RELATED:
        _entry_routes(router, entry)
    return router


def _entry_routes(router: APIRouter, entry: str) -> None:
    tag = f"beacon: {entry}"

    def respond(
        request, credentials, method, template, params=None, body=None, item_id=None, related=None
    ):
        status, payload = node_of(request).beacon_request(
            authorization=authorization(credentials),
            client=client_of(request),
            method=method,
            endpoint=template,
            entry=entry,
            params=params,
            body=body.model_dump(exclude_none=True) if body is not None else None,
            item_id=item_id,
            related=related,
        )
        return JSONResponse(payload, status_code=status)

    path = f"/{entry}"

    @router.get(path, tags=[tag], summary=f"{SUMMARY[entry]} (GET)", operation_id=f"get_{entry}")
    def get_entries(request: Request, credentials: Credentials, params: GetParameters):
        return respond(request, credentials, "GET", "/beacon/v2" + path, params=params)

    @router.post(path, tags=[tag], summary=f"{SUMMARY[entry]} (POST)", operation_id=f"post_{entry}")
    def post_entries(
        request: Request,
        credentials: Credentials,
        body: Annotated[BeaconRequestBody | None, Body()] = None,
    ):
        return respond(
            request, credentials, "POST", "/beacon/v2" + path, body=body or BeaconRequestBody()
        )

    one = f"/{entry}/{{id}}"

    @router.get(
        one,
        tags=[tag],
        summary=f"One of {SUMMARY[entry].lower()} (GET)",
        operation_id=f"get_{entry}_by_id",
    )
    def get_one(
        request: Request,
        id: str,
        credentials: Credentials,
        params: GetParameters,
    ):
        return respond(request, credentials, "GET", "/beacon/v2" + one, params=params, item_id=id)

    @router.post(
        one,
        tags=[tag],
        summary=f"One of {SUMMARY[entry].lower()} (POST)",
        operation_id=f"post_{entry}_by_id",
    )
    def post_one(
        request: Request,
        id: str,
        credentials: Credentials,
        body: Annotated[BeaconRequestBody | None, Body()] = None,
    ):
        return respond(
            request,
            credentials,
            "POST",
            "/beacon/v2" + one,
            body=body or BeaconRequestBody(),
            item_id=id,
        )

    for related in RELATED[entry]:
        rel = f"/{entry}/{{id}}/{related}"

        def make(related=related, rel=rel):
            @router.get(
                rel,
                tags=[tag],
                summary=f"{SUMMARY[related]} of one of {entry} (GET)",
                operation_id=f"get_{entry}_by_id_{related}",
            )
            def get_related(
                request: Request,
                id: str,
                credentials: Credentials,
                params: GetParameters,
            ):
                return respond(
                    request,
                    credentials,
                    "GET",
                    "/beacon/v2" + rel,
                    params=params,
                    item_id=id,
                    related=related,
                )

            @router.post(
                rel,
                tags=[tag],
                summary=f"{SUMMARY[related]} of one of {entry} (POST)",
                operation_id=f"post_{entry}_by_id_{related}",
            )
            def post_related(
                request: Request,
                id: str,
                credentials: Credentials,
                body: Annotated[BeaconRequestBody | None, Body()] = None,
            ):
                return respond(
                    request,
                    credentials,
                    "POST",
                    "/beacon/v2" + rel,
                    body=body or BeaconRequestBody(),
                    item_id=id,
                    related=related,
                )

        make()
