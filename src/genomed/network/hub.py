"""The hub: the nodes it knows, and one request sent to all of them at once.

The registry is a JSON file (``$GENOMED_NETWORK``, default ``~/.genomed/network.json``,
mode 0600 since it holds the hub's tokens for each node)::

    {"nodes": [{"name": "hospital-a", "url": "https://a.example.org", "token": "gmd_...",
                "timeout": 10.0}]}

:func:`fan_out` sends the same request to every node concurrently (httpx, asyncio), each
with its own timeout, and reports every node's outcome:

``answered``   HTTP 2xx with a JSON body (its answer is used)
``refused``    401, 403 or 429: the node would not answer this token (the reason is kept)
``timed out``  no complete answer within the node's timeout
``failed``     the node could not be reached, broke the connection (e.g. it died
               mid-query), answered 4xx/5xx otherwise, or sent something that is not JSON
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from genomed.errors import GenomedError

ANSWERED, REFUSED, TIMED_OUT, FAILED = "answered", "refused", "timed out", "failed"
DEFAULT_TIMEOUT = 10.0


class NetworkError(GenomedError):
    """The node registry cannot be read or changed as asked."""


@dataclass(frozen=True)
class NodeEntry:
    name: str
    url: str
    token: str | None = None
    timeout: float = DEFAULT_TIMEOUT

    def to_dict(self) -> dict:
        return {"name": self.name, "url": self.url, "token": self.token, "timeout": self.timeout}


@dataclass
class NodeAnswer:
    """One node's outcome for one request."""

    node: str
    status: str
    http_status: int | None = None
    body: dict | None = None
    error: str | None = None
    seconds: float = 0.0

    def to_dict(self) -> dict:
        out = {"node": self.node, "status": self.status, "seconds": round(self.seconds, 3)}
        if self.http_status is not None:
            out["http_status"] = self.http_status
        if self.error:
            out["error"] = self.error
        return out


def default_registry_path() -> Path:
    return Path(os.environ.get("GENOMED_NETWORK", Path.home() / ".genomed" / "network.json"))


@dataclass
class NetworkRegistry:
    path: Path
    nodes: list[NodeEntry] = field(default_factory=list)

    @classmethod
    def load(cls, path: str | Path | None = None) -> NetworkRegistry:
        path = Path(path) if path else default_registry_path()
        if not path.exists():
            return cls(path)
        try:
            data = json.loads(path.read_text())
            nodes = [NodeEntry(**item) for item in data.get("nodes", [])]
        except (json.JSONDecodeError, TypeError) as error:
            raise NetworkError(f"{path}: not a genomed network file ({error})") from None
        return cls(path, nodes)

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(f".tmp-{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump({"nodes": [n.to_dict() for n in self.nodes]}, handle, indent=2)
        os.replace(tmp, self.path)

    def add(self, entry: NodeEntry) -> None:
        if not entry.url.startswith(("http://", "https://")):
            raise NetworkError(f"node URL must start with http:// or https://, not {entry.url!r}")
        self.nodes = [n for n in self.nodes if n.name != entry.name] + [entry]

    def remove(self, name: str) -> None:
        if name not in {n.name for n in self.nodes}:
            raise NetworkError(f"no node named {name!r} in {self.path}")
        self.nodes = [n for n in self.nodes if n.name != name]

    def select(self, names: list[str] | None) -> list[NodeEntry]:
        if not self.nodes:
            raise NetworkError(
                f"no nodes in {self.path}: add one with `genomed network add NAME URL --token ...`"
            )
        if not names:
            return list(self.nodes)
        known = {n.name: n for n in self.nodes}
        unknown = [n for n in names if n not in known]
        if unknown:
            raise NetworkError(f"unknown node(s) {', '.join(unknown)}; known: {', '.join(known)}")
        return [known[n] for n in names]


def _error_message(body) -> str | None:
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            return error.get("errorMessage")
        if isinstance(body.get("detail"), str):
            return body["detail"]
    return None


async def _ask(
    client: httpx.AsyncClient, node: NodeEntry, method: str, path: str, payload, params, timeout
) -> NodeAnswer:
    started = time.perf_counter()
    headers = {"Authorization": f"Bearer {node.token}"} if node.token else {}
    limit = timeout if timeout is not None else node.timeout
    try:
        response = await asyncio.wait_for(
            client.request(
                method, node.url.rstrip("/") + path, json=payload, params=params, headers=headers
            ),
            timeout=limit,
        )
    except (TimeoutError, httpx.TimeoutException):
        return NodeAnswer(
            node.name,
            TIMED_OUT,
            error=f"no answer within {limit:g} s",
            seconds=time.perf_counter() - started,
        )
    except httpx.HTTPError as error:
        return NodeAnswer(
            node.name,
            FAILED,
            error=f"{type(error).__name__}: {error}".rstrip(": "),
            seconds=time.perf_counter() - started,
        )
    seconds = time.perf_counter() - started
    try:
        body = response.json()
    except ValueError:
        return NodeAnswer(
            node.name, FAILED, response.status_code, error="answer is not JSON", seconds=seconds
        )
    if response.status_code in (401, 403, 429):
        return NodeAnswer(
            node.name, REFUSED, response.status_code, body, _error_message(body), seconds
        )
    if not response.is_success:
        return NodeAnswer(
            node.name,
            FAILED,
            response.status_code,
            body,
            _error_message(body) or f"HTTP {response.status_code}",
            seconds,
        )
    return NodeAnswer(node.name, ANSWERED, response.status_code, body, None, seconds)


async def fan_out_async(
    nodes: list[NodeEntry],
    method: str,
    path: str,
    payload=None,
    params=None,
    timeout: float | None = None,
) -> list[NodeAnswer]:
    """Send one request to every node concurrently; answers in the order of ``nodes``."""
    async with httpx.AsyncClient(timeout=None) as client:
        return list(
            await asyncio.gather(
                *(_ask(client, n, method, path, payload, params, timeout) for n in nodes)
            )
        )


def fan_out(
    nodes: list[NodeEntry],
    method: str,
    path: str,
    payload=None,
    params=None,
    timeout: float | None = None,
) -> list[NodeAnswer]:
    """:func:`fan_out_async` from synchronous code."""
    return asyncio.run(fan_out_async(nodes, method, path, payload, params, timeout))
