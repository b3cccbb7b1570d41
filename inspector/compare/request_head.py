"""A lenient reading of request bytes, for the diff: never raises, whatever the bytes.

The diff needs the request line, each field line (with its exact whitespace and
line ending) and the body of what an engine wrote. These are *our* bytes or a
library's, not a peer's, but a raw request may be anything, so nothing here
assumes well-formed input: a line without a colon is a field with an empty
value, an indented line continues the previous field (obs-fold), and bytes
without a blank line are all head.
"""

from __future__ import annotations

from typing import NamedTuple


class RequestField(NamedTuple):
    """One field line of a request head, as written."""

    name: bytes
    """The bytes before the first colon (the whole line when there is none)."""
    value: bytes
    """The bytes after the colon, without surrounding spaces and tabs."""
    raw: bytes
    """The whole line (continuation lines included), without its final line ending."""
    ending: bytes
    """``\\r\\n``, ``\\n`` or empty (the bytes ended mid-line)."""

    @property
    def key(self) -> bytes:
        """The name as fields are matched: lower case, surrounding whitespace dropped."""
        return self.name.strip(b" \t").lower()

    @property
    def layout(self) -> bytes:
        """The line with its name case folded: equal layouts differ in nothing else."""
        return self.raw.lower() + self.ending


class RequestHead(NamedTuple):
    """A request as written: request line, fields in order, body."""

    line: bytes
    """The request line without its line ending."""
    fields: tuple[RequestField, ...]
    body: bytes
    """Everything after the blank line (empty when there was none)."""
    complete: bool
    """Whether a blank line ended the head."""


def _lines(data: bytes) -> tuple[list[tuple[bytes, bytes]], int, bool]:
    """Head lines with their endings, where the body starts, and whether a blank line came."""
    lines: list[tuple[bytes, bytes]] = []
    pos = 0
    while pos < len(data):
        nl = data.find(b"\n", pos)
        if nl < 0:
            lines.append((data[pos:], b""))
            return lines, len(data), False
        line, ending = data[pos:nl], b"\n"
        if line.endswith(b"\r"):
            line, ending = line[:-1], b"\r\n"
        pos = nl + 1
        if lines and not line:
            return lines, pos, True
        lines.append((line, ending))
    return lines, pos, False


def parse_request_head(data: bytes) -> RequestHead:
    """Read request bytes leniently.

    Args:
        data: Every byte an engine wrote for one request.

    Returns:
        The request line, the fields in order and the body; never raises.
    """
    lines, body_start, complete = _lines(data)
    if not lines:
        return RequestHead(b"", (), b"", False)
    fields: list[RequestField] = []
    for line, ending in lines[1:]:
        if fields and line[:1] in (b" ", b"\t"):
            prev = fields[-1]
            raw = prev.raw + prev.ending + line
            _, _, rest = raw.partition(b":")
            fields[-1] = RequestField(prev.name, rest.strip(b" \t"), raw, ending)
            continue
        name, _, rest = line.partition(b":")
        fields.append(RequestField(name, rest.strip(b" \t"), line, ending))
    return RequestHead(lines[0][0], tuple(fields), data[body_start:], complete)


def framing(head: RequestHead) -> bytes:
    """How the head frames its body: its Transfer-Encoding and Content-Length lines, or none."""
    parts = [
        f.name.strip(b" \t") + b": " + f.value
        for f in head.fields
        if f.key in (b"transfer-encoding", b"content-length")
    ]
    return b", ".join(parts) or b"none"
