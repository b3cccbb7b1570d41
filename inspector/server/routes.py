"""The one registry of endpoints, and ``/`` that lists them.

``/`` answers JSON when the Accept field asks for ``application/json``,
plain text when it asks for ``text/plain`` (and not HTML), and HTML otherwise.
"""

from __future__ import annotations

import html
from typing import Any

from inspector.server import endpoints_bad, endpoints_data, endpoints_echo, endpoints_http
from inspector.server.context import Ctx
from inspector.server.registry import Endpoint, Router, endpoint
from inspector.server.responses import SERVER_NAME, Response, json_response, text_response

_INDEX: list[Endpoint] = []


@endpoint(
    _INDEX,
    "/",
    "This list of endpoints: HTML, or JSON with Accept: application/json",
    "Content negotiation: one URL, several representations, chosen by Accept",
    methods=("GET", "HEAD"),
)
def index(ctx: Ctx) -> Response:
    accept = (ctx.request.header(b"accept") or b"").lower()
    if b"application/json" in accept:
        return json_response(index_document())
    if b"text/plain" in accept and b"text/html" not in accept:
        return text_response(index_text())
    return text_response(index_html(), content_type="text/html; charset=utf-8")


ENDPOINTS: tuple[Endpoint, ...] = (
    *_INDEX,
    *endpoints_echo.ENDPOINTS,
    *endpoints_data.ENDPOINTS,
    *endpoints_http.ENDPOINTS,
    *endpoints_bad.ENDPOINTS,
)
"""Every endpoint, in the order ``/`` lists them."""

ROUTER = Router(ENDPOINTS)


def index_document() -> dict[str, Any]:
    """The endpoint list as a JSON-able document."""
    return {
        "server": SERVER_NAME,
        "endpoints": [
            {
                "path": e.pattern,
                "methods": list(e.methods) if e.methods else None,
                "description": e.description,
                "lesson": e.lesson,
                "example": e.example,
                "misbehaving": e.misbehaving,
            }
            for e in ENDPOINTS
        ],
    }


def index_text() -> str:
    """The endpoint list as plain text, one endpoint a line."""
    width = max(len(e.pattern) for e in ENDPOINTS)
    lines = [f"{SERVER_NAME}: GET any of these paths", ""]
    for misbehaving, title in ((False, "Well-behaved"), (True, "Misbehaving")):
        lines.append(f"{title}:")
        lines += [
            f"  {e.pattern:<{width}}  {e.description}"
            for e in ENDPOINTS
            if e.misbehaving is misbehaving
        ]
        lines.append("")
    return "\n".join(lines)


def index_html() -> str:
    """The endpoint list as an HTML page."""
    esc = html.escape
    parts = [
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n',
        f"<title>{SERVER_NAME}</title>\n<style>\n",
        "body { font-family: system-ui, sans-serif; margin: 2em; max-width: 70em; }\n",
        "table { border-collapse: collapse; width: 100%; }\n",
        "td, th { border-bottom: 1px solid #ccc; padding: .3em .6em; text-align: left; ",
        "vertical-align: top; }\ncode { white-space: nowrap; }\n.lesson { color: #555; }\n",
        "</style>\n</head>\n<body>\n",
        f"<h1>{SERVER_NAME}</h1>\n",
        "<p>A local server for learning what goes over the wire. The misbehaving endpoints ",
        "break HTTP on purpose. Ask for <code>Accept: application/json</code> to get this ",
        "list as JSON.</p>\n",
    ]
    for misbehaving, title in ((False, "Well-behaved"), (True, "Misbehaving")):
        parts.append(f"<h2>{title}</h2>\n<table>\n")
        parts.append("<tr><th>Endpoint</th><th>What it does</th><th>Lesson</th></tr>\n")
        for e in ENDPOINTS:
            if e.misbehaving is not misbehaving:
                continue
            methods = f" <small>{esc(', '.join(e.methods))}</small>" if e.methods else ""
            parts.append(
                f'<tr><td><a href="{esc(e.example)}"><code>{esc(e.pattern)}</code></a>'
                f"{methods}</td><td>{esc(e.description)}</td>"
                f'<td class="lesson">{esc(e.lesson)}</td></tr>\n'
            )
        parts.append("</table>\n")
    parts.append("</body>\n</html>\n")
    return "".join(parts)
