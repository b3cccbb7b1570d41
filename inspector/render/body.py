"""A response body as display rows: pretty JSON, escaped text, or a hex summary.

Text and JSON rows are lazy (``inspector.render.lazylines``): an index of offsets
into the body, each row escaped when it is drawn. A 100 MiB text body or a 10 MiB
JSON one costs a small fraction of its size on top of the body itself.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "HEX_SUMMARY_BYTES",
    "PRETTY_JSON_LIMIT",
    "PRETTY_JSON_MAX",
    "WRAP",
    "body_lines",
    "hexdump",
    "is_binary",
    "looks_like_json",
]

WRAP = 400
"""Rows are cut at this many characters (a Line API view scrolls sideways over them)."""
HEX_SUMMARY_BYTES = 64 * 1024
PRETTY_JSON_LIMIT = 2 * 1024 * 1024
"""Larger JSON bodies are shown as text first: indexing 10 MiB of JSON takes ~0.6 s."""
PRETTY_JSON_MAX = 16 * 1024 * 1024
"""Up to this size a large JSON body is pretty-printed in a second step, after the text."""


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


def looks_like_json(body: bytes, content_type: bytes) -> bool:
    """Whether a body is worth trying as JSON (by its type, or its first byte)."""
    return b"json" in content_type.lower() or body.lstrip()[:1] in (b"{", b"[")


def body_lines(
    body: bytes, content_type: bytes = b"", total: int | None = None
) -> tuple[str, Sequence[str]]:
    """Display rows for a body, and which kind it was shown as (json, text or binary).

    Every row is escaped: no byte of the body reaches the terminal raw. JSON up to
    ``PRETTY_JSON_LIMIT`` is pretty-printed here; a larger JSON body comes back as
    text (the caller pretty-prints it in a second step, see ``JsonRows.build``).
    """
    if not body:
        return "empty", []
    from inspector.render.lazylines import JsonRows, TextRows  # its regexes: on first use

    size = len(body) if total is None else total
    if is_binary(body):
        lines = hexdump(body[:HEX_SUMMARY_BYTES])
        if size > HEX_SUMMARY_BYTES:
            lines.append(f"... {size - HEX_SUMMARY_BYTES} more bytes")
        return "binary", lines
    if len(body) <= PRETTY_JSON_LIMIT and looks_like_json(body, content_type):
        pretty = JsonRows.build(body)
        if pretty is not None:
            return "json", pretty
    return "text", TextRows(body)
