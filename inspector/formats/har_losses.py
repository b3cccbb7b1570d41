"""What one exchange loses in HAR 1.2, in plain sentences (see :mod:`inspector.formats.har`)."""

from __future__ import annotations

from inspector.formats.export import RequestParts, split_request
from inspector.model import EventKind, Exchange, Framing, HeaderField, RequestSpec
from inspector.net import request_method
from inspector.wire.decode import decode_content
from inspector.wire.serialize import serialize, tunnel_head_end


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {plural or word + 's'}"


def sent_bytes(exchange: Exchange) -> bytes:
    """The request bytes as sent (as the spec serializes when nothing was sent).

    A proxy's ``CONNECT`` head, recorded before the tunnelled request, is left out.
    """
    sent = exchange.transcript.sent.read()
    if not sent:
        return serialize(exchange.spec)
    return sent[tunnel_head_end(sent, request_method(exchange.spec)) :]


def sent_request(exchange: Exchange) -> RequestParts:
    """The request as sent, taken apart (see :func:`sent_bytes`)."""
    return split_request(sent_bytes(exchange))


def _canonical_head(status_line: bytes, fields: tuple[HeaderField, ...]) -> bytes:
    lines = [status_line, *(f.name + b": " + f.unfolded_value for f in fields)]
    return b"".join(line + b"\r\n" for line in lines) + b"\r\n"


def _request_losses(exchange: Exchange) -> list[str]:
    sent = sent_bytes(exchange)
    parts = split_request(sent)
    rebuilt = serialize(
        RequestSpec(
            method=parts.method,
            http_version=parts.version,
            headers=parts.headers,
            body=parts.body,
            request_target=parts.target,
        )
    )
    out: list[str] = []
    if rebuilt != sent:
        what = "raw request bytes" if exchange.spec.raw is not None else "request head bytes"
        out.append(
            f"{what} not representable: HAR rebuilds them as 'Name: value' lines with CRLF, "
            "losing their spacing, line endings or malformed lines"
        )
    if any(not (n + v).isascii() for n, v in parts.headers):
        out.append("non-ASCII request header bytes are written as ISO-8859-1 text")
    return out


def _response_losses(exchange: Exchange) -> list[str]:
    resp = exchange.response
    if resp is None or resp.status is None:
        return ["no response: HAR has to show status 0"]
    received = exchange.transcript.received
    out: list[str] = []
    if resp.interim:
        n = len(resp.interim)
        out.append(f"{_plural(n, 'interim (1xx) response')} dropped")
    status_line = received.read(*resp.status_line_span)
    if received.read(*resp.head_span) != _canonical_head(status_line, resp.headers):
        out.append(
            "raw head bytes not kept: header whitespace, line endings or obs-fold lost "
            "(HAR holds name/value pairs)"
        )
    if any(not (f.name + f.value).isascii() for f in resp.headers):
        out.append("non-ASCII response header bytes are written as ISO-8859-1 text")
    if resp.framing is Framing.CHUNKED:
        out.append(
            f"chunked framing removed ({_plural(len(resp.chunks), 'chunk')}: "
            "sizes and extensions lost)"
        )
    elif resp.framing is Framing.CLOSE:
        out.append("close-delimited framing not recorded: HAR cannot say the body ended at EOF")
    if resp.trailers:
        out.append(f"{_plural(len(resp.trailers), 'trailer field')} dropped")
    if not resp.complete:
        out.append("the response is incomplete, which HAR cannot mark")
    leftover = len(received) - resp.end
    if leftover > 0:
        out.append(f"{_plural(leftover, 'byte')} after the response not representable")
    codings = resp.header_values(b"content-encoding")
    if codings and resp.body_size and not decode_content(exchange.response_body(), codings).decoded:
        out.append("the content-coding could not be undone: content holds the encoded bytes")
    return out


def har_losses(exchange: Exchange) -> list[str]:
    """What HAR 1.2 cannot hold of this exchange, one sentence each.

    Args:
        exchange: The exchange.

    Returns:
        The losses, request first, then response, then transport; empty when
        the HAR entry says everything (it rarely does: read timing is always lost).
    """
    out = _request_losses(exchange) + _response_losses(exchange)
    recvs = sum(1 for e in exchange.transcript.events if e.kind is EventKind.RECV)
    if recvs:
        out.append(f"read boundaries and timing of {_plural(recvs, 'recv() call')} lost")
    if exchange.anomalies:
        n = len(exchange.anomalies)
        out.append(f"{_plural(n, 'protocol anomaly', 'protocol anomalies')} only in _inspector")
    if exchange.tls is not None:
        out.append("TLS version, cipher and certificate only in _inspector")
    if exchange.error is not None:
        out.append(
            f"transport error ({exchange.error.kind.value}): HAR has no field for it "
            "(kept in _inspector and response._error)"
        )
    return out
