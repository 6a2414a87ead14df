"""``genomed tokens``: API tokens of this workspace's node (create, list, revoke)."""

from __future__ import annotations

from typing import Annotated

import typer

from genomed.cli.options import DEFAULT_WS, JsonOption, WorkspaceOption
from genomed.cli.output import console, print_json, print_table, reports_errors

tokens_app = typer.Typer(help="API tokens of the node (stored hashed).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(tokens_app, name="tokens")


def _store(workspace):
    from genomed.network.node_config import load_node_config
    from genomed.network.tokens import TokenStore
    from genomed.store.workspace import Workspace

    ws = Workspace.open(workspace)
    config = load_node_config(workspace, ws.institution_id)
    return ws, config, TokenStore(config.tokens_path)


@tokens_app.command("create")
@reports_errors
def create(
    level: Annotated[str, typer.Option(help="public | registered | controlled")],
    datasets: Annotated[
        list[str] | None,
        typer.Option(help="Datasets it may see, ID or ID:LEVEL, comma-separated (default: all)."),
    ] = None,
    label: Annotated[str, typer.Option(help="Who or what the token is for.")] = "",
    expires_days: Annotated[float | None, typer.Option(help="Expire after this many days.")] = None,
    workspace: WorkspaceOption = DEFAULT_WS,
    as_json: JsonOption = False,
) -> None:
    """Create a token; it is printed once and only its scrypt hash is kept."""
    from genomed.network.access_levels import AccessLevel
    from genomed.network.datasets import workspace_datasets
    from genomed.network.tokens import ALL_DATASETS, TokenError, parse_dataset_grants

    ws, config, store = _store(workspace)
    access = AccessLevel.parse(level)
    grants = parse_dataset_grants(datasets, access)
    con = ws.connect()
    try:
        known = {d.id for d in workspace_datasets(con, config.datasets)}
    finally:
        con.close()
    unknown = sorted(set(grants) - known - {ALL_DATASETS})
    if unknown:
        raise TokenError(
            f"unknown dataset(s) {', '.join(unknown)}; this node serves: {', '.join(sorted(known))}"
        )
    token, record = store.create(access, grants, label=label, expires_days=expires_days)
    if as_json:
        print_json({"token": token} | record.to_public_dict())
        return
    console.print(f"token {record.token_id} ({access.label}) created; it is shown only now:")
    console.print(token, highlight=False, soft_wrap=True)


@tokens_app.command("list")
@reports_errors
def list_tokens(workspace: WorkspaceOption = DEFAULT_WS, as_json: JsonOption = False) -> None:
    """Tokens of the node (ids, levels, datasets; never the secrets)."""
    _, _, store = _store(workspace)
    records = [r.to_public_dict() for r in store.list()]
    if as_json:
        print_json(records)
        return
    rows = [
        [
            r["id"],
            r["level"],
            ", ".join(f"{k}:{v}" for k, v in r["datasets"].items()),
            r["label"],
            r["created_at"],
            r["revoked_at"] or r["expires_at"] or "",
        ]
        for r in records
    ]
    print_table("Tokens", ["id", "level", "datasets", "label", "created", "revoked/expires"], rows)


@tokens_app.command("revoke")
@reports_errors
def revoke(
    token_id: Annotated[str, typer.Argument(help="The token's id (see `genomed tokens list`).")],
    workspace: WorkspaceOption = DEFAULT_WS,
) -> None:
    """Revoke a token (a running node refuses it from its next request)."""
    _, _, store = _store(workspace)
    record = store.revoke(token_id)
    console.print(f"token {record.token_id} revoked at {record.revoked_at}")
