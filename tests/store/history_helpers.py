"""Helpers for the history tests: synthetic exchanges and a deep comparison."""

from __future__ import annotations

from inspector.model import Exchange, RequestSpec, Timings, Transcript
from inspector.wire.parser import ResponseParser
from inspector.wire.serialize import serialize


def synthetic(
    i: int,
    *,
    url: str | None = None,
    method: bytes = b"GET",
    status: int = 200,
    reason: bytes = b"OK",
    size: int = 100,
) -> Exchange:
    """An exchange made without a network: a Content-Length response of ``size`` bytes.

    The same arguments give equal exchanges, times included, in any process.
    """
    body = bytes([i % 256]) * size
    received = b"HTTP/1.1 %d %b\r\nContent-Length: %d\r\n\r\n%b" % (status, reason, size, body)
    spec = RequestSpec(method=method, url=url or f"http://example.test/item/{i}")
    transcript = Transcript()
    transcript.started = 1000.0 + i
    transcript.record_send(serialize(spec), transcript.started + 0.25)
    transcript.record_recv(received, transcript.started + 0.5)
    parser = ResponseParser(method, keep_body=False)
    parser.feed(received)
    response = parser.result()
    return Exchange("inspector", spec, transcript, response, response.anomalies, Timings(total=0.5))


def assert_same(a: Exchange, b: Exchange) -> None:
    """Everything meaningful in ``b`` equals ``a``, comparisons included."""
    assert b.engine == a.engine
    assert b.spec == a.spec
    assert b.spec.meta == a.spec.meta
    assert b.transcript.started == a.transcript.started
    assert b.transcript.sent.read() == a.transcript.sent.read()
    assert b.transcript.received.read() == a.transcript.received.read()
    assert b.transcript.events == a.transcript.events
    assert b.response == a.response
    assert b.response_body() == a.response_body()
    assert b.anomalies == a.anomalies
    assert b.timings == a.timings
    assert b.tls == a.tls
    assert b.error == a.error
    assert b.connection == a.connection
    assert b.library == a.library
    assert len(b.comparisons) == len(a.comparisons)
    for x, y in zip(a.comparisons, b.comparisons, strict=True):
        assert_same(x, y)
