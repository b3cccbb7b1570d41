"""What the request exporters share: the result type and the request taken apart.

Every exporter (curl, Python code) works from the request's parts: method,
request-target, version, header fields and body. For a spec built from fields
those are exactly what :func:`inspector.wire.serialize.serialize` writes; for
a raw spec they are read back from the bytes leniently, and a caveat says
when writing them out again as ``Name: value`` lines with CRLF would not give
the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from inspector.model import RequestSpec
from inspector.wire.lint import split_request_line
from inspector.wire.serialize import find_head_end, request_target, serialize


@dataclass(frozen=True, slots=True)
class Export:
    """One exported request: the text to copy and what it cannot reproduce."""

    text: str
    """The command line or program, ready to save or paste."""
    caveats: tuple[str, ...] = ()
    """One sentence per way the export differs from the exact bytes of the spec; empty
    when it sends them exactly."""


@dataclass(frozen=True, slots=True)
class RequestParts:
    """A request taken apart as a server would read it."""

    method: bytes
    target: bytes
    version: bytes
    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes
    head_size: int
    """Bytes from the request line to the end of the empty line (-1 when the head never ends)."""


def split_request(raw: bytes) -> RequestParts:
    """Take request bytes apart leniently; this never raises, whatever the bytes.

    Lines may end in CRLF or a bare LF; empty lines before the request line are
    skipped; a line starting with whitespace continues the previous field value
    (obs-fold, kept with CRLF); a line without a colon becomes a field with an
    empty value. Values lose their surrounding whitespace, as a server reads them.

    Args:
        raw: The request bytes (a raw spec, or what a transcript recorded as sent).

    Returns:
        The parts; the body is everything after the empty line that ends the head.
    """
    end = find_head_end(raw)
    head = raw if end is None else raw[: end.blank]
    body = b"" if end is None else raw[end.body :]
    lines = [line.removesuffix(b"\r") for line in head.split(b"\n")]
    if head.endswith(b"\n"):
        lines.pop()  # the head's last line ending, not an empty field line
    while lines and not lines[0]:
        lines.pop(0)
    method, target, version = split_request_line(lines[0] if lines else b"")
    headers: list[tuple[bytes, bytes]] = []
    for line in lines[1:]:
        if line[:1] in (b" ", b"\t") and headers:
            name, value = headers[-1]
            headers[-1] = (name, value + b"\r\n" + line)
            continue
        name, _, value = line.partition(b":")
        headers.append((name, value.strip(b" \t")))
    return RequestParts(
        method, target, version, tuple(headers), body, -1 if end is None else end.body
    )


def resolve(spec: RequestSpec, who: str) -> tuple[RequestSpec, list[str]]:
    """The spec as fields with its request-target set, and caveats for a raw spec.

    Args:
        spec: The request as composed.
        who: Names the export target in the caveat (``curl``, ``httpx``, ...).

    Returns:
        A spec without ``raw`` whose ``request_target`` is set, so that
        ``serialize`` of it gives exactly the bytes to send when there is no
        caveat; and the caveats (one when a raw spec cannot be rebuilt exactly).
    """
    if spec.raw is None:
        if spec.request_target is not None:
            return spec, []
        return replace(spec, request_target=request_target(spec.url)), []
    parts = split_request(spec.raw)
    fields = RequestSpec(
        method=parts.method,
        url=spec.url,
        http_version=parts.version,
        headers=parts.headers,
        body=parts.body,
        request_target=parts.target,
    )
    if serialize(fields) == spec.raw:
        return fields, []
    return fields, [
        f"{who} cannot send raw bytes: it sends the request line, 'Name: value' fields "
        "and body read from them, so line endings, spacing and malformed lines of the raw "
        "request are not kept"
    ]


def dechunk(body: bytes) -> list[bytes] | None:
    """The chunk payloads of a chunked body, or None when it is not clean chunked framing.

    Clean means: hexadecimal sizes, optional chunk extensions, CRLF line endings,
    a last chunk of size 0 and the final CRLF, nothing after it. Extensions and
    trailer fields are allowed here but dropped; :func:`reframe` shows what a
    library that writes its own framing sends instead.
    """
    chunks: list[bytes] = []
    pos = 0
    while True:
        eol = body.find(b"\r\n", pos)
        if eol < 0:
            return None
        size_text = body[pos:eol].split(b";", 1)[0].strip(b" \t")
        if not size_text or size_text.strip(b"0123456789abcdefABCDEF"):
            return None
        size = int(size_text, 16)
        pos = eol + 2
        if size == 0:
            # Trailer fields, if any, then the empty line that ends the body.
            end = body.find(b"\r\n\r\n", pos - 2)
            return chunks if end >= 0 and end + 4 == len(body) else None
        if body[pos + size : pos + size + 2] != b"\r\n":
            return None
        chunks.append(body[pos : pos + size])
        pos += size + 2


def reframe(chunks: list[bytes]) -> bytes:
    """Chunked framing as h11 and curl write it: lowercase hex sizes, no extensions."""
    return b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks) + b"0\r\n\r\n"


def is_chunked(spec: RequestSpec) -> bool:
    """Whether the spec's last Transfer-Encoding coding is ``chunked``."""
    values = spec.header_values(b"transfer-encoding")
    return bool(values) and values[-1].split(b",")[-1].strip(b" \t").lower() == b"chunked"
