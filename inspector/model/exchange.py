"""One request and what came back, whatever the engine."""

from __future__ import annotations

from dataclasses import dataclass, field

from inspector.model.anomaly import Anomaly
from inspector.model.construct import fast_constructor
from inspector.model.errors import ExchangeError
from inspector.model.request import RequestSpec
from inspector.model.response import ParsedResponse
from inspector.model.transcript import Transcript


@dataclass(frozen=True, slots=True)
class Timings:
    """Phase durations in seconds; None for a phase that did not happen."""

    dns: float | None = None
    connect: float | None = None
    tls: float | None = None
    send: float | None = None
    ttfb: float | None = None
    """From the end of sending to the first byte of the response."""
    receive: float | None = None
    """From the first byte to the last."""
    total: float | None = None


@dataclass(frozen=True, slots=True)
class PeerCertificate:
    """What the exchange learned of the server's certificate."""

    subject: str
    issuer: str
    not_after: str
    san: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TlsInfo:
    """Facts of the TLS session."""

    version: str
    cipher: str
    alpn: str | None
    peer_cert: PeerCertificate | None


@dataclass(frozen=True, slots=True)
class ConnectionInfo:
    """Which connection carried an exchange, and how it ended."""

    id: int
    """Connection number within the client (1, 2, ...)."""
    reused: bool
    """Whether an earlier exchange opened it."""
    remote: str = ""
    """``address:port`` connected to."""
    local: str = ""
    """``address:port`` of our end."""
    addresses_tried: tuple[str, ...] = ()
    """Every address getaddrinfo gave, in the order tried."""
    closed_by: str = "open"
    """``server-fin``, ``server-rst``, ``timeout``, ``client``, ``open`` (kept for reuse),
    or ``not-connected`` (the connect itself failed)."""
    proxy: str | None = None
    """The proxy it went through, if any."""


@dataclass(frozen=True, slots=True)
class Exchange:
    """Spec and target in, this out: the same shape for every engine.

    Expected failures live in ``error`` with the partial transcript kept.
    """

    engine: str
    """``inspector``, ``http.client`` or ``httpx``."""
    spec: RequestSpec
    transcript: Transcript
    response: ParsedResponse | None
    anomalies: tuple[Anomaly, ...] = ()
    """Everything found: the parser's anomalies plus transport-level ones."""
    timings: Timings = Timings()
    tls: TlsInfo | None = None
    error: ExchangeError | None = None
    comparisons: tuple[Exchange, ...] = ()
    connection: ConnectionInfo | None = None
    library: dict[str, object] | None = field(default=None, compare=False)
    """What a reference library itself reported (compare engines only), JSON-ready."""

    def response_body(self, limit: int | None = None) -> bytes:
        """The body with transfer framing removed, read back from the transcript if needed.

        Args:
            limit: Read at most this many bytes (the start of the body).
        """
        resp = self.response
        if resp is None:
            return b""
        if resp.body is not None:
            return resp.body if limit is None else resp.body[:limit]
        parts = []
        left = limit
        for s, e in resp.body_spans:
            if left is not None:
                e = min(e, s + left)
                left -= e - s
            parts.append(self.transcript.received.read(s, e))
            if left is not None and left <= 0:
                break
        return b"".join(parts)


new_timings = fast_constructor(Timings)
"""``Timings(*every_field)`` without the frozen ``__init__`` (the client's hot path)."""
new_connection_info = fast_constructor(ConnectionInfo)
"""``ConnectionInfo(*every_field)`` without the frozen ``__init__``."""
new_exchange = fast_constructor(Exchange)
"""``Exchange(*every_field)`` without the frozen ``__init__``."""
