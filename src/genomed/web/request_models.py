"""Request bodies and query parameters of the REST API, as the OpenAPI schema shows them.

The models are permissive (extra keys allowed) because Beacon request bodies vary
between clients; :mod:`genomed.network.beacon_request` does the real checking and
answers 400 with a Beacon error body naming the field at fault.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field

Granularity = Literal["boolean", "count", "record"]
Include = Literal["HIT", "ALL", "MISS", "NONE"]


class Pagination(BaseModel):
    model_config = ConfigDict(extra="allow")
    skip: int | None = Field(None, ge=0, le=10**9, description="pages of `limit` records to skip")
    limit: int | None = Field(
        None, ge=0, le=10**9, description="records per page (0 = the node's maximum)"
    )


class RequestMeta(BaseModel):
    model_config = ConfigDict(extra="allow")
    apiVersion: str | None = None
    requestedSchemas: list[dict[str, Any]] | None = None


class BeaconQueryBody(BaseModel):
    model_config = ConfigDict(extra="allow")
    requestParameters: dict[str, Any] | None = Field(
        None,
        description="g_variant parameters, flat or grouped by entity; datasets: {datasetIds: [...]}",
    )
    filters: list[dict[str, Any] | str] | None = Field(
        None,
        description="Beacon filters (AND); genomed extension: {'or': [...]} and {'not': filter}",
    )
    pagination: Pagination | None = None
    requestedGranularity: Granularity | None = None
    includeResultsetResponses: Include | None = None
    testMode: bool | None = None


class BeaconRequestBody(BaseModel):
    """A Beacon v2 RequestBody (framework ``requests/beaconRequestBody.json``)."""

    model_config = ConfigDict(extra="allow")
    meta: RequestMeta | None = None
    query: BeaconQueryBody | None = None


class AggregateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    datasetIds: list[str] | None = Field(
        None, description="datasets to read (default: all the token may see)"
    )
    filters: list[dict[str, Any] | str] | None = Field(
        None, description="Beacon filters selecting the population"
    )
    cohort: str | dict[str, Any] | None = Field(
        None, description="a genomed cohort definition (text or JSON)"
    )


class AlleleCountsRequest(AggregateRequest):
    variant: str | None = Field(
        None, description="CHROM-POS-REF-ALT (1-based POS), e.g. 1-11796321-G-A"
    )
    requestParameters: dict[str, Any] | None = Field(
        None,
        description="or a Beacon sequence query: referenceName, start (0-based), alternateBases",
    )


class ContingencyRequest(AggregateRequest):
    row: str | dict[str, Any] = Field(..., description="cohort definition of the table's rows")
    column: str | dict[str, Any] = Field(
        ..., description="cohort definition of the table's columns"
    )


class SurvivalRequest(AggregateRequest):
    groups: dict[str, str | dict[str, Any]] = Field(
        ..., description="group name -> cohort definition (disjoint)"
    )
    endpoint: Literal["os", "pfs", "dfs", "dss"] = "os"
    tables: bool = Field(False, description="also return follow-up tables (controlled level only)")


def beacon_get_parameters(
    requestedGranularity: Annotated[Granularity | None, Query()] = None,
    skip: Annotated[int | None, Query(ge=0, le=10**9, description="pages to skip")] = None,
    limit: Annotated[int | None, Query(ge=0, le=10**9)] = None,
    filters: Annotated[
        str | None, Query(description="comma-separated; genomed: a|b (OR), !a (NOT), age>=60")
    ] = None,
    includeResultsetResponses: Annotated[Include | None, Query()] = None,
    datasetIds: Annotated[str | None, Query(description="comma-separated dataset ids")] = None,
    testMode: Annotated[bool | None, Query()] = None,
    cohort: Annotated[
        str | None, Query(description="genomed extension: a cohort definition")
    ] = None,
    referenceName: Annotated[str | None, Query()] = None,
    start: Annotated[
        str | None, Query(description="0-based; one value, or two for a bracket query")
    ] = None,
    end: Annotated[str | None, Query(description="0-based exclusive; one or two values")] = None,
    referenceBases: Annotated[str | None, Query()] = None,
    alternateBases: Annotated[str | None, Query()] = None,
    variantType: Annotated[str | None, Query()] = None,
    variantMinLength: Annotated[int | None, Query(ge=0, le=10**9)] = None,
    variantMaxLength: Annotated[int | None, Query(ge=0, le=10**9)] = None,
    geneId: Annotated[str | None, Query()] = None,
    aminoacidChange: Annotated[str | None, Query()] = None,
    assemblyId: Annotated[str | None, Query()] = None,
    genomicAlleleShortForm: Annotated[str | None, Query()] = None,
) -> dict[str, str]:
    """The GET parameters as text, as :func:`genomed.network.beacon_request.parse_get` reads them."""
    values = dict(locals())
    return {
        k: str(v).lower() if isinstance(v, bool) else str(v)
        for k, v in values.items()
        if v is not None
    }
