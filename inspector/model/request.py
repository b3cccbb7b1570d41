"""What the user asked to send."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from inspector.model.errors import InputError

DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True, slots=True)
class Target:
    """Where the bytes go: the connection, not the request."""

    scheme: str
    """``http`` or ``https``."""
    host: str
    """Host name or address, without brackets for IPv6."""
    port: int
    """TCP port."""

    @property
    def tls(self) -> bool:
        """Whether the connection uses TLS."""
        return self.scheme == "https"

    @property
    def authority(self) -> str:
        """``host[:port]`` as it belongs in a Host header (port left out when default)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        if DEFAULT_PORTS.get(self.scheme) == self.port:
            return host
        return f"{host}:{self.port}"

    @classmethod
    def from_url(cls, url: str) -> Target:
        """Read the target from an absolute ``http`` or ``https`` URL.

        Raises:
            InputError: the URL has no supported scheme, no host or a bad port.
        """
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as exc:
            raise InputError(f"bad URL {url!r}: {exc}") from None
        scheme = parts.scheme.lower()
        if scheme not in DEFAULT_PORTS:
            raise InputError(f"bad URL {url!r}: the scheme must be http or https")
        if not parts.hostname:
            raise InputError(f"bad URL {url!r}: no host")
        return cls(scheme, parts.hostname, port or DEFAULT_PORTS[scheme])


@functools.lru_cache(maxsize=256)
def _target(url: str) -> Target:
    return Target.from_url(url)  # cached: a client sends the same URL many times


Header = tuple[bytes, bytes]


@dataclass(frozen=True, slots=True)
class RequestSpec:
    """A request as the user composed it. The serializer writes exactly this.

    Nothing is added behind the user's back: default headers are added by an
    explicit helper (``inspector.wire.serialize.with_default_headers``) whose
    result is another visible spec.
    """

    method: bytes = b"GET"
    """The method token, as typed."""
    url: str = ""
    """The absolute URL: it gives the target and, unless overridden, the request-target."""
    http_version: bytes = b"HTTP/1.1"
    """The protocol version written on the request line."""
    headers: tuple[Header, ...] = ()
    """Header fields in order, names in their original case, values as bytes."""
    body: bytes = b""
    """The message body, already framed if the user chose chunked by hand."""
    raw: bytes | None = None
    """When set, these exact bytes are sent instead of serializing the fields above."""
    request_target: bytes | None = None
    """Overrides the request-target derived from the URL (absolute-form, ``*``, or anything)."""
    meta: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    """Free-form labels (name of a saved request, say); never sent."""

    @property
    def target(self) -> Target:
        """The connection target, from the URL."""
        return _target(self.url)

    def header_values(self, name: bytes) -> list[bytes]:
        """All values of a header, matching the name case-insensitively."""
        lname = name.lower()
        return [v for n, v in self.headers if n.lower() == lname]
