"""Render the report document to one self-contained HTML page (Jinja2, inline CSS, no
scripts, a Content-Security-Policy that forbids loading anything)."""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("genomed.report", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(document: dict) -> str:
    """The HTML page of a report document."""
    return _environment().get_template("somatic_report.html.j2").render(doc=document)
