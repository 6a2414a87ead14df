"""Beacon v2 response envelopes (framework schemas ``responses/*.json``).

- boolean: ``beaconBooleanResponse`` (``meta`` + ``responseSummary.exists``)
- count: ``beaconCountResponse`` (+ ``responseSummary.numTotalResults``)
- record: ``beaconResultsetsResponse`` (+ ``response.resultSets``, one per dataset)
- collections (datasets, cohorts): ``beaconCollectionsResponse``
- errors: ``beaconErrorResponse`` (``error.errorCode``, ``error.errorMessage``)

When a count cannot be released (below the minimum cell count, or withheld by the
differencing guard) a count request is answered at *boolean* granularity, which Beacon
allows (``returnedGranularity`` says so), and ``info.genomed.countWithheld`` says why.
"""

from __future__ import annotations

from genomed.network.access_levels import Granularity
from genomed.network.beacon_request import API_VERSION, BeaconQuery

SCHEMAS = {
    "individual": "ga4gh-beacon-individual-v2.0.0",
    "biosample": "ga4gh-beacon-biosample-v2.0.0",
    "genomicVariation": "ga4gh-beacon-variant-v2.0.0",
    "dataset": "ga4gh-beacon-dataset-v2.0.0",
    "cohort": "ga4gh-beacon-cohort-v2.0.0",
}


def returned_schemas(entity: str | None) -> list[dict]:
    if entity is None:
        return []
    return [{"entityType": entity, "schema": SCHEMAS[entity]}]


def response_meta(
    beacon_id: str, entity: str | None, granularity: Granularity, query: BeaconQuery
) -> dict:
    return {
        "beaconId": beacon_id,
        "apiVersion": API_VERSION,
        "returnedSchemas": returned_schemas(entity),
        "returnedGranularity": granularity.label,
        "receivedRequestSummary": query.summary(),
        "testMode": query.test_mode,
    }


def informational_meta(beacon_id: str, entity: str | None = None) -> dict:
    return {
        "beaconId": beacon_id,
        "apiVersion": API_VERSION,
        "returnedSchemas": returned_schemas(entity),
    }


def boolean_response(meta: dict, exists: bool, info: dict | None = None) -> dict:
    out = {"meta": meta, "responseSummary": {"exists": bool(exists)}}
    if info:
        out["info"] = info
    return out


def count_response(meta: dict, count: int, info: dict | None = None) -> dict:
    out = {"meta": meta, "responseSummary": {"exists": count > 0, "numTotalResults": int(count)}}
    if info:
        out["info"] = info
    return out


def resultsets_response(
    meta: dict, total: int, result_sets: list[dict], info: dict | None = None
) -> dict:
    out = {
        "meta": meta,
        "responseSummary": {"exists": total > 0, "numTotalResults": int(total)},
        "response": {"resultSets": result_sets},
    }
    if info:
        out["info"] = info
    return out


def result_set(dataset_id: str, total: int, results: list[dict], info: dict | None = None) -> dict:
    out = {
        "id": dataset_id,
        "setType": "dataset",
        "exists": total > 0,
        "resultsCount": int(total),
        "results": results,
    }
    if info:
        out["info"] = info
    return out


def collections_response(meta: dict, collections: list[dict], info: dict | None = None) -> dict:
    """Datasets or cohorts (metadata; the number of collections is not a patient count,
    but it is left out of the summary so that every number in a summary is one the
    privacy rules released)."""
    out = {
        "meta": meta,
        "responseSummary": {"exists": bool(collections)},
        "response": {"collections": collections},
    }
    if info:
        out["info"] = info
    return out


def error_response(
    beacon_id: str, status: int, message: str, query: BeaconQuery | None = None
) -> dict:
    query = query or BeaconQuery()
    return {
        "meta": response_meta(beacon_id, None, Granularity.BOOLEAN, query),
        "error": {"errorCode": int(status), "errorMessage": message},
    }
