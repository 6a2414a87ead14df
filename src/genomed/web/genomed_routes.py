"""genomed extension routes under ``/genomed/v1`` (aggregates for federated statistics)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from genomed.network.aggregates import extension_request
from genomed.network.count_release import BELOW_THRESHOLD, DIFFERENCING
from genomed.web.beacon_routes import Credentials, authorization, client_of, node_of
from genomed.web.request_models import AlleleCountsRequest, ContingencyRequest, SurvivalRequest


def build_router() -> APIRouter:
    router = APIRouter(prefix="/genomed/v1", tags=["genomed extensions"])

    def respond(request: Request, credentials, kind: str, body) -> JSONResponse:
        status, payload = extension_request(
            node_of(request),
            kind,
            authorization=authorization(credentials),
            client=client_of(request),
            body=body.model_dump(exclude_none=True),
        )
        return JSONResponse(payload, status_code=status)

    @router.get("/node", summary="This node: datasets, privacy rules, build (no token needed)")
    def node(request: Request) -> dict:
        service = node_of(request)
        policy = service.policy
        return {
            "beaconId": service.config.beacon_id,
            "name": service.config.name,
            "build": service.data.workspace.build,
            "datasets": [{"id": d.id, "name": d.name} for d in service.data.datasets],
            "privacy": {
                "minimumCellCount": policy.minimum_cell_count,
                "rounding": policy.rounding,
                "publicCounts": policy.public_counts,
                "queryBudgetPerDay": policy.query_budget_per_day,
                "rateLimitPerMinute": policy.rate_limit_per_minute,
                "differencingGuard": policy.differencing_guard,
                "withheldMarkers": [BELOW_THRESHOLD, DIFFERENCING],
            },
        }

    @router.post("/allele_counts", summary="AC/AN/nhomalt per population of one allele")
    def allele_counts(request: Request, credentials: Credentials, body: AlleleCountsRequest):
        return respond(request, credentials, "allele_counts", body)

    @router.post("/contingency", summary="2x2 table of two cohort definitions")
    def contingency(request: Request, credentials: Credentials, body: ContingencyRequest):
        return respond(request, credentials, "contingency", body)

    @router.post("/survival", summary="Survival sums (log-rank O-E, variance; follow-up tables)")
    def survival(request: Request, credentials: Credentials, body: SurvivalRequest):
        return respond(request, credentials, "survival", body)

    return router
