"""``genomed serve``: run the institution node (Beacon v2 API) over a workspace."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from genomed.cli.options import DEFAULT_WS, WorkspaceOption
from genomed.cli.output import console, reports_errors


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)


@reports_errors
def serve(
    workspace: WorkspaceOption = DEFAULT_WS,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    config: Annotated[
        Path | None, typer.Option(help="Node settings (default: WORKSPACE/node/node.json).")
    ] = None,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "warning",
) -> None:
    """Serve the workspace as a genomed node: Beacon v2 under /beacon/v2, OpenAPI at /docs.

    Every query is checked against the caller's token (`genomed tokens create`), passes
    the privacy rules, and is written to WORKSPACE/node/audit.jsonl.
    """
    import uvicorn

    from genomed.web.app import create_app

    app = create_app(workspace, config)
    node = app.state.node
    base = f"http://{host}:{port}"
    console.print(f"genomed node [bold]{node.config.beacon_id}[/] serving {workspace}")
    console.print(f"  Beacon v2: {base}/beacon/v2   OpenAPI: {base}/docs", highlight=False)
    console.print(
        f"  datasets: {', '.join(d.id for d in node.data.datasets) or '(none)'}; "
        f"minimum cell count {node.policy.minimum_cell_count}; audit log {node.config.audit_path}",
        highlight=False,
    )
    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False)
