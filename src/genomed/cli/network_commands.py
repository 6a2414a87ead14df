"""``genomed network``: the hub's nodes, federated queries, and a node's audit log."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from genomed.cli.options import DEFAULT_WS, JsonOption, WorkspaceOption
from genomed.cli.output import console, print_json, print_table, reports_errors

network_app = typer.Typer(
    help="The institution network: nodes, federated queries, audit.", no_args_is_help=True
)
query_app = typer.Typer(
    help="Ask every node and pool the answers (exact federated statistics).", no_args_is_help=True
)
network_app.add_typer(query_app, name="query")

NetworkFile = Annotated[
    Path | None,
    typer.Option(
        "--network-file",
        envvar="GENOMED_NETWORK",
        help="Node registry (default ~/.genomed/network.json).",
    ),
]
Nodes = Annotated[str | None, typer.Option(help="Comma-separated node names (default: all).")]
Timeout = Annotated[float | None, typer.Option(help="Seconds per node (default: each node's own).")]
Cohort = Annotated[str | None, typer.Option(help="Cohort definition (genomed cohort language).")]
Filters = Annotated[
    list[str] | None,
    typer.Option(
        "--filter", help="Beacon filter: HP:0001250, NCIT:C16576, oncotree:AML, age>=60, a|b, !a."
    ),
]

Exact = Annotated[
    bool,
    typer.Option(
        "--exact",
        help="Ontology filters (HPO, OncoTree) match the term itself, not its descendants "
        "(Beacon includeDescendantTerms false).",
    ),
]


def register(app: typer.Typer) -> None:
    app.add_typer(network_app, name="network")


def _registry(path):
    from genomed.network.hub import NetworkRegistry

    return NetworkRegistry.load(path)


def _nodes(path, names: str | None):
    return _registry(path).select([n.strip() for n in names.split(",")] if names else None)


def _filters(items: list[str] | None, exact: bool = False) -> list:
    from genomed.network.beacon_request import parse_get

    if not items:
        return []
    filters = parse_get({"filters": ",".join(items)}).filters
    if exact:  # ontology terms (an id with a prefix and no operator) without descendants
        for f in filters:
            if isinstance(f, dict) and ":" in str(f.get("id", "")) and "operator" not in f:
                f["includeDescendantTerms"] = False
    return filters


def _print_nodes(result: dict) -> None:
    rows = [
        [
            n["node"],
            n["status"],
            n.get("http_status", ""),
            f"{n['seconds']:.2f}",
            n.get("error", ""),
        ]
        for n in result["nodes"]
    ]
    print_table("Nodes", ["node", "status", "HTTP", "seconds", "note"], rows)


@network_app.command("add")
@reports_errors
def add(
    name: Annotated[str, typer.Argument(help="A name for the node.")],
    url: Annotated[str, typer.Argument(help="Base URL, e.g. https://genomed.hospital-a.org")],
    token: Annotated[
        str | None, typer.Option(help="The token the node's operator created for this hub.")
    ] = None,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for this node.")] = 10.0,
    network_file: NetworkFile = None,
) -> None:
    """Add (or replace) a node in the hub's registry."""
    from genomed.network.hub import NodeEntry

    registry = _registry(network_file)
    registry.add(NodeEntry(name, url.rstrip("/"), token, timeout))
    registry.save()
    console.print(f"node {name} -> {url} saved in {registry.path}", highlight=False)


@network_app.command("remove")
@reports_errors
def remove(name: Annotated[str, typer.Argument()], network_file: NetworkFile = None) -> None:
    """Remove a node from the registry."""
    registry = _registry(network_file)
    registry.remove(name)
    registry.save()
    console.print(f"node {name} removed")


@network_app.command("list")
@reports_errors
def list_nodes(network_file: NetworkFile = None, as_json: JsonOption = False) -> None:
    """Nodes of the registry (tokens are not printed)."""
    registry = _registry(network_file)
    items = [
        {"name": n.name, "url": n.url, "token": bool(n.token), "timeout": n.timeout}
        for n in registry.nodes
    ]
    if as_json:
        print_json(items)
        return
    print_table(
        f"Nodes ({registry.path})",
        ["name", "url", "token", "timeout"],
        [list(i.values()) for i in items],
    )


@query_app.command("count")
@reports_errors
def query_count(
    filters: Filters = None,
    exact: Exact = False,
    cohort: Cohort = None,
    entry: Annotated[
        str, typer.Option(help="individuals | biosamples | g_variants")
    ] = "individuals",
    nodes: Nodes = None,
    timeout: Timeout = None,
    network_file: NetworkFile = None,
    as_json: JsonOption = False,
) -> None:
    """Pooled count of matching individuals (per node: answered / refused / timed out / failed)."""
    from genomed.network.federated_queries import federated_count

    result = federated_count(
        _nodes(network_file, nodes), _filters(filters, exact), cohort, entry, timeout
    )
    if as_json:
        print_json(result)
        return
    _print_nodes(result)
    pooled = result["pooled"]
    per = ", ".join(f"{n}: {'withheld' if v is None else v}" for n, v in result["per_node"].items())
    text = (
        pooled["count"]
        if pooled["exact"]
        else f"between {pooled['range'][0]} and {pooled['range'][1]} (withheld by {', '.join(pooled['withheld_by'])})"
    )
    console.print(f"pooled {entry}: [bold]{text}[/]  ({per})", highlight=False)


@query_app.command("variant")
@reports_errors
def query_variant(
    variant: Annotated[str, typer.Argument(help="CHROM-POS-REF-ALT, e.g. 1-11796321-G-A")],
    nodes: Nodes = None,
    timeout: Timeout = None,
    network_file: NetworkFile = None,
    as_json: JsonOption = False,
) -> None:
    """Pooled allele counts and frequency per population (sum AC / sum AN)."""
    from genomed.network.federated_queries import federated_allele_frequency

    result = federated_allele_frequency(_nodes(network_file, nodes), variant, timeout=timeout)
    if as_json:
        print_json(result)
        return
    _print_nodes(result)
    rows = []
    for grp, g in result["pooled"]["populations"].items():
        af = "" if g["af"] is None else f"{g['af']:.5f}"
        rows.append(
            [
                grp,
                g["ac"],
                g["an"],
                g["nhomalt"],
                af,
                "yes"
                if g["exact"]
                else "; ".join(
                    f"{k} withheld by {', '.join(v)}" for k, v in g["withheld_by"].items()
                ),
            ]
        )
    print_table(
        f"{variant}: pooled over {', '.join(result['used'])}",
        ["group", "AC", "AN", "nhomalt", "AF", "exact"],
        rows,
    )


def _groups(group: list[str] | None, by: str | None) -> dict[str, str]:
    from genomed.errors import GenomedError

    if by:
        return {by: by, f"not ({by})": f"not ({by})"}
    out = {}
    for item in group or []:
        name, sep, definition = item.partition("=")
        if not sep or not name.strip() or not definition.strip():
            raise GenomedError(f"--group {item!r}: expected NAME=DEFINITION")
        out[name.strip()] = definition.strip()
    if len(out) < 2:
        raise GenomedError("give --by DEFINITION or two or more --group NAME=DEFINITION")
    return out


@query_app.command("survival")
@reports_errors
def query_survival(
    by: Annotated[
        str | None, typer.Option(help="Split: patients satisfying this vs the rest.")
    ] = None,
    group: Annotated[
        list[str] | None, typer.Option(help="NAME=DEFINITION (repeat; disjoint).")
    ] = None,
    endpoint: Annotated[str, typer.Option(help="os | pfs | dfs | dss")] = "os",
    cohort: Cohort = None,
    filters: Filters = None,
    exact: Exact = False,
    nodes: Nodes = None,
    timeout: Timeout = None,
    network_file: NetworkFile = None,
    as_json: JsonOption = False,
) -> None:
    """Log-rank over the network: stratified by node (registered), pooled + Kaplan-Meier (controlled)."""
    from genomed.network.federated_queries import federated_survival

    result = federated_survival(
        _nodes(network_file, nodes),
        _groups(group, by),
        endpoint,
        _filters(filters, exact),
        cohort,
        True,
        timeout,
    )
    if as_json:
        print_json(result)
        return
    _print_nodes(result)
    for key, title in (
        ("logrank", "pooled log-rank"),
        ("stratified_logrank", "log-rank stratified by node"),
    ):
        if key in result:
            r = result[key]
            console.print(f"{title}: chi2 = {r['chi2']:.4f}, df = {r['df']}, p = {r['p']:.4g}")
    if "pooled_logrank_unavailable" in result:
        console.print(f"[dim]{result['pooled_logrank_unavailable']}[/]")


@query_app.command("fisher")
@reports_errors
def query_fisher(
    row: Annotated[str, typer.Option(help="Definition of the table's rows.")],
    column: Annotated[str, typer.Option(help="Definition of the table's columns.")],
    cohort: Cohort = None,
    filters: Filters = None,
    exact: Exact = False,
    nodes: Nodes = None,
    timeout: Timeout = None,
    network_file: NetworkFile = None,
    as_json: JsonOption = False,
) -> None:
    """Fisher's exact test on the 2x2 table pooled over the nodes."""
    from genomed.network.federated_queries import federated_fisher

    result = federated_fisher(
        _nodes(network_file, nodes), row, column, _filters(filters, exact), cohort, timeout
    )
    if as_json:
        print_json(result)
        return
    _print_nodes(result)
    pooled = result["pooled"]
    if pooled and pooled["exact"]:
        console.print(
            f"pooled table {pooled['table']}: odds ratio {pooled['odds_ratio']:.3f}, p = {pooled['p']:.4g}"
        )
    else:
        console.print(
            "not poolable: " + ", ".join((pooled or {}).get("withheld_by", [])) + " withheld cells"
        )


@network_app.command("audit")
@reports_errors
def audit(
    workspace: WorkspaceOption = DEFAULT_WS,
    last: Annotated[int, typer.Option(help="Show the last N entries.")] = 20,
    verify: Annotated[bool, typer.Option(help="Check the hash chain of the whole log.")] = False,
    as_json: JsonOption = False,
) -> None:
    """The node's audit log: who asked what, when, and how much was returned."""
    from genomed.network.audit_log import AuditError, read_audit_log, verify_audit_log
    from genomed.network.node_config import node_folder

    path = node_folder(workspace) / "audit.jsonl"
    if verify:
        n, problem = verify_audit_log(path)
        if problem:
            raise AuditError(f"{path}: {problem}")
        console.print(f"{path}: {n} entries, hash chain intact")
        return
    entries = list(read_audit_log(path))[-last:]
    if as_json:
        print_json(entries)
        return
    rows = [
        [
            e["seq"],
            e["at"][:19],
            e["token"],
            e["method"],
            e["endpoint"],
            e["status"],
            e.get("returned_granularity") or "",
            e.get("returned") or e.get("reason") or "",
        ]
        for e in entries
    ]
    print_table(
        f"Audit log {path}",
        ["seq", "at (UTC)", "token", "method", "endpoint", "status", "granularity", "returned"],
        rows,
    )
