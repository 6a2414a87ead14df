"""The informational Beacon endpoints: info, service-info, configuration, map, entry types.

These describe the node, not its patients, and need no token. Filtering terms (which
do depend on the data) are built by :mod:`genomed.network.node_service`.
"""

from __future__ import annotations

from genomed import __version__
from genomed.network.beacon_filters import ontology_terms
from genomed.network.beacon_request import API_VERSION
from genomed.network.node_config import NodeConfig

MODEL = "https://raw.githubusercontent.com/ga4gh-beacon/beacon-v2/main/models/json/beacon-v2-default-model"

#: entry type id -> (endpoint path, model folder, name, related endpoints)
ENTRY_TYPES = {
    "genomicVariation": (
        "g_variants",
        "genomicVariations",
        "Genomic variants",
        {"biosample": "biosamples", "individual": "individuals"},
    ),
    "individual": (
        "individuals",
        "individuals",
        "Individuals",
        {"genomicVariation": "g_variants", "biosample": "biosamples"},
    ),
    "biosample": ("biosamples", "biosamples", "Biosamples", {"genomicVariation": "g_variants"}),
    "cohort": ("cohorts", "cohorts", "Cohorts", {"individual": "individuals"}),
    "dataset": ("datasets", "datasets", "Datasets", {"individual": "individuals"}),
}


def _environment(config: NodeConfig) -> str:
    return config.environment if config.environment in ("prod", "test", "dev", "staging") else "dev"


def info(config: NodeConfig, created: str | None = None) -> dict:
    organization = {"id": config.organization["id"], "name": config.organization["name"]}
    for key in ("description", "address", "welcomeUrl", "contactUrl", "logoUrl"):
        if config.organization.get(key):
            organization[key] = config.organization[key]
    out = {
        "id": config.beacon_id,
        "name": config.name,
        "apiVersion": API_VERSION,
        "environment": _environment(config),
        "organization": organization,
        "version": __version__,
        "info": {"genomed": {"software": f"genomed {__version__}"}},
    }
    if config.description:
        out["description"] = config.description
    if created:
        out["createDateTime"] = created
    return out


def service_info(config: NodeConfig, base_url: str) -> dict:
    """GA4GH service-info 1.0.0."""
    org_url = config.organization.get("welcomeUrl") or base_url
    return {
        "id": config.beacon_id,
        "name": config.name,
        "type": {"group": "org.ga4gh", "artifact": "beacon", "version": API_VERSION},
        "organization": {"name": config.organization["name"], "url": org_url},
        "version": __version__,
        "environment": _environment(config),
        "documentationUrl": base_url.rstrip("/") + "/docs",
    }


def entry_type_definitions() -> dict:
    terms = ontology_terms()["entry_types"]
    out = {}
    for entry, (_path, folder, name, _related) in ENTRY_TYPES.items():
        out[entry] = {
            "id": entry,
            "name": name,
            "ontologyTermForThisType": terms[entry],
            "partOfSpecification": "Beacon v2.0.0",
            "defaultSchema": {
                "id": f"ga4gh-beacon-{entry.lower()}-v2.0.0",
                "name": f"Default schema for {name.lower()}",
                "referenceToSchemaDefinition": f"{MODEL}/{folder}/defaultSchema.json",
                "schemaVersion": "v2.0.0",
            },
            "nonFilteredQueriesAllowed": True,
        }
    return out


def configuration(config: NodeConfig) -> dict:
    return {
        "$schema": "https://raw.githubusercontent.com/ga4gh-beacon/beacon-v2/main/framework/json/configuration/beaconConfigurationSchema.json",
        "maturityAttributes": {
            "productionStatus": _environment(config).upper().replace("STAGING", "TEST")
        },
        "securityAttributes": {
            "defaultGranularity": "boolean",
            "securityLevels": ["PUBLIC", "REGISTERED", "CONTROLLED"],
        },
        "entryTypes": entry_type_definitions(),
    }


def beacon_map(base_url: str) -> dict:
    root = base_url.rstrip("/")
    sets = {}
    for entry, (path, _folder, _name, related) in ENTRY_TYPES.items():
        sets[entry] = {
            "entryType": entry,
            "rootUrl": f"{root}/{path}",
            "singleEntryUrl": f"{root}/{path}/{{id}}",
            "endpoints": {
                other: {"returnedEntryType": other, "url": f"{root}/{path}/{{id}}/{other_path}"}
                for other, other_path in related.items()
            },
        }
    return {
        "$schema": "https://raw.githubusercontent.com/ga4gh-beacon/beacon-v2/main/framework/json/configuration/beaconMapSchema.json",
        "endpointSets": sets,
    }
