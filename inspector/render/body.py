"""A response body as display lines: pretty JSON, escaped text, or a hex summary."""

from __future__ import annotations

import json

from inspector.render.escape import escape_bytes, safe_text

HEX_SUMMARY_BYTES = 64 * 1024
PRETTY_JSON_LIMIT = 2 * 1024 * 1024
"""Larger JSON bodies are shown as text first: pretty-printing 10 MiB takes seconds."""
PRETTY_JSON_MAX = 16 * 1024 * 1024
"""Up to this size a large JSON body is pretty-printed in a second step, after the text."""
WRAP = 400


def _rows(line: str) -> list[str]:
    if len(line) <= WRAP:
        return [line]
    return [line[i : i + WRAP] for i in range(0, len(line), WRAP)]


def is_binary(body: bytes) -> bool:
    """Whether a body looks binary (NUL bytes, or not UTF-8 in its first 8 KiB)."""
    head = body[:8192]
    if b"\x00" in head:
        return True
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start < len(head) - 4  # a sequence cut at the end is fine
    return False


def hexdump(data: bytes, start: int = 0) -> list[str]:
    """Classic 16-bytes-a-row hex dump lines."""
    rows = []
    for i in range(0, len(data), 16):
        chunk = data[i : i + 16]
        hexes = " ".join(f"{b:02x}" for b in chunk)
        text = "".join(chr(b) if 0x20 <= b < 0x7F else "." for b in chunk)
        rows.append(f"{start + i:08x}  {hexes:<47}  |{text}|")
    return rows


def pretty_json_lines(body: bytes) -> list[str] | None:
    """The body as indented JSON display lines, or None when it is not valid JSON."""
    try:
        value = json.loads(body)
    except ValueError:
        return None
    pretty = json.dumps(value, indent=2, ensure_ascii=False)
    out: list[str] = []
    for line in pretty.split("\n"):
        out.extend(_rows(line if line.isascii() else safe_text(line)))
    return out


def looks_like_json(body: bytes, content_type: bytes) -> bool:
    """Whether a body is worth trying as JSON (by its type, or its first byte)."""
    return b"json" in content_type.lower() or body.lstrip()[:1] in (b"{", b"[")


def body_lines(
    body: bytes, content_type: bytes = b"", total: int | None = None
) -> tuple[str, list[str]]:
    """Display lines for a body, and which kind it was shown as (json, text or binary).

    Every line is escaped: no byte of the body reaches the terminal raw.
    """
    if not body:
        return "empty", []
    size = len(body) if total is None else total
    if is_binary(body):
        lines = hexdump(body[:HEX_SUMMARY_BYTES])
        if size > HEX_SUMMARY_BYTES:
            lines.append(f"... {size - HEX_SUMMARY_BYTES} more bytes")
        return "binary", lines
    ct = content_type.lower()
    stripped = body.lstrip()[:1]
    if (b"json" in ct or stripped in (b"{", b"[")) and len(body) <= PRETTY_JSON_LIMIT:
        pretty = pretty_json_lines(body)
        if pretty is not None:
            return "json", pretty
    out: list[str] = []
    for raw_line in body.split(b"\n"):
        out.extend(_rows(escape_bytes(raw_line.removesuffix(b"\r"))))
    return "text", out
