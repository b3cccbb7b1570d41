"""Plain data: what every other layer passes around. Stdlib only."""

from __future__ import annotations

from inspector.model.anomaly import Anomaly, Severity
from inspector.model.errors import ErrorKind, ExchangeError, InputError, TransportError
from inspector.model.exchange import (
    ConnectionInfo,
    Exchange,
    PeerCertificate,
    Timings,
    TlsInfo,
)
from inspector.model.request import RequestSpec, Target
from inspector.model.response import (
    ChunkRecord,
    Framing,
    HeaderField,
    InterimResponse,
    ParsedResponse,
)
from inspector.model.transcript import ByteStream, Chunk, Event, EventKind, Transcript

__all__ = [
    "Anomaly",
    "ByteStream",
    "Chunk",
    "ChunkRecord",
    "ConnectionInfo",
    "ErrorKind",
    "Event",
    "EventKind",
    "Exchange",
    "ExchangeError",
    "Framing",
    "HeaderField",
    "InputError",
    "InterimResponse",
    "ParsedResponse",
    "PeerCertificate",
    "RequestSpec",
    "Severity",
    "Target",
    "Timings",
    "TlsInfo",
    "Transcript",
    "TransportError",
]
