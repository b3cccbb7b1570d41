"""Conformance adapter: our parser behind a minimal loopback socket loop.

``../shared/conformance/run_client.py --client tests.conformance.adapter:adapter``
serves each corpus case on 127.0.0.1 and calls ``adapter(url, method, timeout)``.
Reading stops when the parser says the message is complete, at EOF, or at the
timeout, exactly as the real client will.
"""

from __future__ import annotations

import socket
from typing import Any
from urllib.parse import urlsplit

from inspector.model import Severity
from inspector.model.response import ParsedResponse
from inspector.wire.parser import ResponseParser


def outcome(parsed: ParsedResponse, leftover: bytes) -> dict[str, Any]:
    """Turn our parse into the corpus outcome format (corpuslib.py)."""
    violations = [a.code for a in parsed.anomalies if a.severity is not Severity.INFO]
    violations += [a.code for a in parsed.anomalies if a.severity is Severity.INFO]
    error = parsed.error
    if error is not None:
        return {"error": error.code, "detail": error.message, "violations": violations}
    return {
        "status": parsed.status,
        "reason": parsed.reason,
        "http_version": parsed.http_version,
        "headers": [(h.name, h.unfolded_value) for h in parsed.headers],
        "body": parsed.body or b"",
        "keep_alive": parsed.keep_alive,
        "interim": [
            {
                "status": i.status,
                "reason": i.reason,
                "headers": [(h.name, h.unfolded_value) for h in i.headers],
            }
            for i in parsed.interim
        ],
        "trailers": [(h.name, h.unfolded_value) for h in parsed.trailers],
        "framing": parsed.framing.value if parsed.framing else None,
        "leftover": leftover,
        "violations": violations,
    }


def adapter(url: str, method: str, timeout: float = 5.0) -> dict[str, Any]:
    """Send one request to ``url`` and read the response with our parser."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    parser = ResponseParser(method.encode("ascii"))
    request = (f"{method} {parts.path or '/'} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n").encode()
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(request)
        buf = bytearray(65536)
        view = memoryview(buf)
        while not parser.done:
            try:
                n = sock.recv_into(buf)
            except ConnectionResetError:
                n = 0
            except TimeoutError:
                return {"error": "timeout", "detail": "no complete response before the timeout"}
            if not n:
                parser.feed_eof()
                break
            parser.feed(view[:n])
    return outcome(parser.result(), parser.leftover)
