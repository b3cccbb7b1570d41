"""The only code that opens client sockets: our recording HTTP/1.1 client."""

from __future__ import annotations

from inspector.net.client import Client, request_method, send, wire_bytes
from inspector.net.connection import CancelToken
from inspector.net.options import SendOptions, WriteStep, write_plan

__all__ = [
    "CancelToken",
    "Client",
    "SendOptions",
    "request_method",
    "send",
    "wire_bytes",
    "WriteStep",
    "write_plan",
]
