"""A response as our parser read it, every element with its byte span."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from inspector.model.anomaly import Anomaly, Severity
from inspector.model.construct import fast_constructor


class Framing(StrEnum):
    """How the message body was delimited (RFC 9112 §6.3)."""

    CONTENT_LENGTH = "content-length"
    CHUNKED = "chunked"
    CLOSE = "close"
    """Read until the server closed the connection."""
    NONE = "none"
    """No body by rule: HEAD, 1xx, 204, 304."""


# HeaderField is built ~20 times for every response on the hot path, where a
# frozen dataclass costs several times a tuple; a NamedTuple is just as immutable.
class HeaderField(NamedTuple):
    """One field line exactly as received."""

    name: bytes
    """The field name in its original case (whitespace before a colon excluded)."""
    value: bytes
    """The value without leading and trailing whitespace; obs-fold line breaks kept."""
    raw: bytes
    """The whole field line(s), without the final line ending."""
    start: int
    """Offset of the line's first byte in the received stream."""
    end: int
    """Offset one past the line's last byte (line ending excluded)."""

    @property
    def span(self) -> tuple[int, int]:
        """The ``(start, end)`` byte range of the line."""
        return (self.start, self.end)

    @property
    def unfolded_value(self) -> bytes:
        """The value with each obs-fold replaced by one space (RFC 9112 §5.2)."""
        if b"\n" not in self.value:
            return self.value
        out = bytearray()
        for i, part in enumerate(self.value.split(b"\n")):
            part = part.rstrip(b"\r")
            out += part.strip(b" \t") if i else part.rstrip(b" \t")
            out += b" "
        return bytes(out[:-1])


class ChunkRecord(NamedTuple):
    """One chunk of a chunked body: its size line and its data."""

    line_start: int
    """Offset of the chunk-size line."""
    data_start: int
    """Offset of the first data byte (just past the size line's ending)."""
    data_end: int
    """Offset one past the last data byte."""
    size: int
    """The declared size."""


@dataclass(frozen=True, slots=True)
class InterimResponse:
    """A 1xx response that came before the final one."""

    http_version: bytes
    status: int
    reason: bytes
    headers: tuple[HeaderField, ...]
    start: int
    """Offset of its status line."""
    end: int
    """Offset one past its blank line."""


@dataclass(frozen=True, slots=True)
class ParsedResponse:
    """What the parser made of the received bytes. Partial when the parse failed."""

    http_version: bytes
    """As on the wire, e.g. ``b"HTTP/1.1"``; empty when no status line was read."""
    status: int | None
    """The status code, or None when no status line could be read."""
    reason: bytes
    """The reason phrase as received (may be empty)."""
    headers: tuple[HeaderField, ...]
    """Header fields in wire order, duplicates kept."""
    interim: tuple[InterimResponse, ...]
    """1xx responses before the final one."""
    trailers: tuple[HeaderField, ...]
    """Trailer fields of a chunked body."""
    framing: Framing | None
    """How the body was delimited; None when the head was never complete."""
    content_length: int | None
    """The Content-Length that framed the body, if one did."""
    body: bytes | None
    """The body with transfer framing removed, content-coding kept; None when not kept."""
    body_size: int
    """How many body bytes arrived (transfer framing removed)."""
    body_spans: tuple[tuple[int, int], ...]
    """Where the body bytes sit in the received stream."""
    chunks: tuple[ChunkRecord, ...]
    """The chunks of a chunked body, in order."""
    status_line_span: tuple[int, int]
    """The final status line (line ending excluded)."""
    head_span: tuple[int, int]
    """The final response's head, status line to blank line included."""
    start: int
    """Offset where the message (the first interim response, if any) starts."""
    end: int
    """Offset one past the last byte of the message; bytes past it are left over."""
    complete: bool
    """Whether the message ended by its own framing rule (or EOF for close framing)."""
    keep_alive: bool
    """Whether the connection may carry another request afterwards."""
    anomalies: tuple[Anomaly, ...]
    """Every deviation found, in order."""

    @property
    def error(self) -> Anomaly | None:
        """The fatal anomaly that ended the parse, if any."""
        for a in self.anomalies:
            if a.severity is Severity.ERROR:
                return a
        return None

    def header_values(self, name: bytes) -> list[bytes]:
        """All values of a header, matching the name case-insensitively."""
        lname = name.lower()
        return [h.value for h in self.headers if h.name.lower() == lname]


new_parsed_response = fast_constructor(ParsedResponse)
"""``ParsedResponse(*every_field)`` without the frozen ``__init__`` (the parser's hot path)."""
