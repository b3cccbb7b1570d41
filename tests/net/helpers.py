"""Helpers for the client's tests: request and response builders, a local CA, IPv6 probe."""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass

import trustme

from inspector.model import RequestSpec, Target
from inspector.net import SendOptions

FAST = SendOptions(connect_timeout=2.0, read_timeout=2.0)
"""Short timeouts for exchanges that are expected to finish at once."""


def get(url: str, *headers: tuple[bytes, bytes], method: bytes = b"GET") -> RequestSpec:
    """A request for ``url`` with exactly one Host field (from the URL), then ``headers``."""
    host = Target.from_url(url).authority.encode()
    return RequestSpec(method=method, url=url, headers=((b"Host", host), *headers))


def ok(body: bytes = b"ok", *fields: bytes) -> bytes:
    """A complete keep-alive response with a Content-Length body."""
    head = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n" % len(body)
    return head + b"".join(f + b"\r\n" for f in fields) + b"\r\n" + body


def has_ipv6_loopback() -> bool:
    """Whether a socket can be bound to ::1 here."""
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock:
            sock.bind(("::1", 0))
    except OSError:
        return False
    return True


@dataclass(frozen=True)
class LocalCA:
    """A trustme CA, its PEM file, and a server context for localhost, 127.0.0.1 and ::1."""

    ca: trustme.CA
    cafile: str

    def server_context(self, *names: str) -> ssl.SSLContext:
        """A server context with a certificate for ``names`` (default: the loopback names)."""
        cert = self.ca.issue_cert(*(names or ("localhost", "127.0.0.1", "::1")))
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        cert.configure_cert(ctx)
        ctx.set_alpn_protocols(["http/1.1"])
        return ctx
