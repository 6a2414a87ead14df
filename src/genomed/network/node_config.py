"""A node's settings and state, kept in the ``node/`` folder of its workspace.

::

    <workspace>/node/node.json     settings (optional; every key has a default)
    <workspace>/node/tokens.json   API tokens (scrypt hashes; mode 0600)
    <workspace>/node/audit.jsonl   the audit log (append-only, hash-chained)
    <workspace>/node/audit.key     the key of the audit log's identifier pseudonyms

``node.json`` (all keys optional)::

    {
      "beacon_id": "org.example.hospital.beacon",
      "name": "Example hospital genomed node",
      "organization": {"id": "example-hospital", "name": "Example Hospital",
                       "welcomeUrl": "https://example.org"},
      "environment": "prod",
      "privacy": {"minimum_cell_count": 5, "rounding": {"public": 10, "registered": 1}},
      "datasets": [{"id": "laml", "name": "TCGA LAML", "sources": ["laml_study"]}],
      "max_page_size": 1000,
      "testing": {"delay_seconds": 0}
    }

``testing.delay_seconds`` delays every query answer (fault injection for tests of the
hub's timeouts and failures); never set it on a production node.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from genomed.errors import GenomedError
from genomed.network.privacy_policy import PrivacyPolicy

NODE_DIR = "node"
KNOWN_KEYS = {
    "beacon_id",
    "name",
    "organization",
    "environment",
    "privacy",
    "datasets",
    "max_page_size",
    "testing",
    "description",
}


class NodeConfigError(GenomedError):
    """``node.json`` is not valid."""


@dataclass(frozen=True)
class DatasetSpec:
    """A configured dataset: the ingests (by source name or batch id) whose patients it holds."""

    id: str
    name: str
    description: str = ""
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class NodeConfig:
    """Settings of one node (see the module notes for each key)."""

    folder: Path
    beacon_id: str
    name: str
    organization: dict
    environment: str = "dev"
    description: str = ""
    privacy: PrivacyPolicy = field(default_factory=PrivacyPolicy)
    datasets: tuple[DatasetSpec, ...] | None = None
    max_page_size: int = 1000
    delay_seconds: float = 0.0

    @property
    def tokens_path(self) -> Path:
        return self.folder / "tokens.json"

    @property
    def audit_path(self) -> Path:
        return self.folder / "audit.jsonl"

    def audit_key(self) -> bytes:
        """The node's secret for identifier pseudonyms in the audit log (made on first use)."""
        path = self.folder / "audit.key"
        if not path.exists():
            self.folder.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
        return bytes.fromhex(path.read_text().strip())


def node_folder(workspace: str | Path) -> Path:
    return Path(workspace) / NODE_DIR


def load_node_config(
    workspace: str | Path, institution_id: str = "local", path: str | Path | None = None
) -> NodeConfig:
    """The node settings of ``workspace`` (``path`` overrides ``node/node.json``)."""
    folder = node_folder(workspace)
    source = Path(path) if path else folder / "node.json"
    data: dict = {}
    if source.exists():
        try:
            data = json.loads(source.read_text())
        except json.JSONDecodeError as error:
            raise NodeConfigError(
                f"{source}: line {error.lineno}: not valid JSON ({error.msg})"
            ) from None
    elif path:
        raise NodeConfigError(f"{source}: no such file")
    unknown = set(data) - KNOWN_KEYS
    if unknown:
        raise NodeConfigError(
            f"{source}: unknown keys {sorted(unknown)}; known: {', '.join(sorted(KNOWN_KEYS))}"
        )
    try:
        privacy = PrivacyPolicy.from_dict(data.get("privacy"))
    except GenomedError as error:
        raise NodeConfigError(f"{source}: {error}") from None
    datasets = None
    if data.get("datasets") is not None:
        datasets = []
        for i, item in enumerate(data["datasets"]):
            if not isinstance(item, dict) or not item.get("id"):
                raise NodeConfigError(f"{source}: datasets[{i}] needs an 'id'")
            datasets.append(
                DatasetSpec(
                    id=str(item["id"]),
                    name=str(item.get("name", item["id"])),
                    description=str(item.get("description", "")),
                    sources=tuple(item.get("sources", [])),
                )
            )
        datasets = tuple(datasets)
    org_id = institution_id or "local"
    organization = {"id": org_id, "name": org_id} | dict(data.get("organization", {}))
    return NodeConfig(
        folder=folder,
        beacon_id=str(data.get("beacon_id", f"org.genomed.{org_id}")),
        name=str(data.get("name", f"genomed node of {organization['name']}")),
        organization=organization,
        environment=str(data.get("environment", "dev")),
        description=str(data.get("description", "")),
        privacy=privacy,
        datasets=datasets,
        max_page_size=int(data.get("max_page_size", 1000)),
        delay_seconds=float(data.get("testing", {}).get("delay_seconds", 0.0)),
    )
