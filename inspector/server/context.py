"""One client connection, and what a handler gets to answer one request."""

from __future__ import annotations

import select
import socket
import ssl
import struct
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import unquote

if TYPE_CHECKING:
    from inspector.server.reader import Request


class Stopping(Exception):
    """The server is stopping: abandon the response."""


class BadRequest(Exception):
    """A handler's parameters are invalid: answer 400 with this message."""


class Connection:
    """A client socket with counted writes and pauses that end when the server stops."""

    def __init__(
        self, sock: socket.socket, peer: str, stop: threading.Event, io_timeout: float
    ) -> None:
        self.sock = sock
        self.peer = peer
        """``host:port`` of the client."""
        self.stop = stop
        self.io_timeout = io_timeout
        self.bytes_sent = 0
        self._timeout: float | None = None

    def set_timeout(self, timeout: float) -> None:
        """Set the socket timeout, skipping the call when it is unchanged."""
        if timeout != self._timeout:
            self.sock.settimeout(timeout)
            self._timeout = timeout

    def send(self, data: bytes | bytearray | memoryview) -> None:
        """Write all of ``data`` (one ``sendall``, bounded by the I/O timeout)."""
        self.set_timeout(self.io_timeout)
        self.sock.sendall(data)
        self.bytes_sent += len(data)

    def send_pieces(self, data: bytes, size: int, delay: float) -> None:
        """Write ``data`` in pieces of ``size`` bytes with a pause of ``delay`` s between them."""
        for i in range(0, len(data), size):
            if i:
                self.pause(delay)
            self.send(data[i : i + size])

    def pause(self, seconds: float) -> None:
        """Sleep, unless the server stops first.

        Raises:
            Stopping: the server is stopping.
        """
        stopped = self.stop.wait(seconds) if seconds > 0 else self.stop.is_set()
        if stopped:
            raise Stopping()

    def hold(self, seconds: float) -> None:
        """Keep the connection open for ``seconds``, until the client closes it, or stop.

        Whatever the client sends meanwhile is read and dropped.
        """
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            if self.stop.is_set():
                raise Stopping()
            readable, _, _ = select.select([self.sock], [], [], left)
            if readable:
                self.set_timeout(self.io_timeout)
                if not self.sock.recv(65536):
                    return

    def reset(self) -> None:
        """Abort the connection with a TCP RST (SO_LINGER with a zero timeout, then close)."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()

    def shutdown(self) -> None:
        """Wake any thread blocked on this socket; called from ``stop()``."""
        try:
            # The plain socket method, also for an SSLSocket: SSLSocket.shutdown
            # drops its TLS state, which the connection thread may be using.
            socket.socket.shutdown(self.sock, socket.SHUT_RDWR)
        except OSError:
            pass

    def close_gracefully(self, drain_seconds: float = 1.0) -> None:
        """Close after a response: TLS close_notify, FIN, then drain what the client still sends.

        Draining (a "lingering close") keeps a client's unread request bytes from
        turning our close into an RST that could destroy the response in flight.
        """
        sock = self.sock
        try:
            if isinstance(sock, ssl.SSLSocket):
                sock.settimeout(0.2)
                sock.unwrap()
        except (OSError, ValueError):
            pass
        try:
            socket.socket.shutdown(sock, socket.SHUT_WR)
            deadline = time.monotonic() + drain_seconds
            drained = 0
            while drained < 1 << 20 and (left := deadline - time.monotonic()) > 0:
                sock.settimeout(min(left, 0.25))
                data = sock.recv(65536)
                if not data:
                    break
                drained += len(data)
        except (OSError, ValueError):
            pass
        self.close()

    def close(self) -> None:
        """Close the socket (idempotent)."""
        try:
            self.sock.close()
        except OSError:
            pass


@dataclass(slots=True)
class Ctx:
    """Everything a handler needs to answer one request."""

    request: Request
    conn: Connection
    params: dict[str, str]
    """Path parameters, percent-decoded."""
    path: str
    """The path of the request-target, not decoded."""
    query: list[tuple[str, str]]
    """Query parameters in order, percent-decoded."""
    number: int
    """1 for the first request on this connection, 2 for the next, ..."""
    scheme: str
    """``http`` or ``https``."""
    authority: str
    """``host:port`` the server listens on."""

    @property
    def keep_alive(self) -> bool:
        """Whether a raw handler may leave the connection open after a well-framed response."""
        return (
            self.request.keep_alive
            and self.request.method != b"HEAD"
            and not self.conn.stop.is_set()
        )

    def connection_header(self) -> bytes:
        """The ``Connection`` field line a raw handler should write (may be empty)."""
        if not self.keep_alive:
            return b"Connection: close\r\n"
        return b"Connection: keep-alive\r\n" if self.request.minor == 0 else b""

    def base_url(self) -> str:
        """``scheme://host`` from the Host header, or from the listening address."""
        host = self.request.header(b"host")
        authority = host.decode("latin-1") if host else self.authority
        return f"{self.scheme}://{authority}"

    def param(self, name: str) -> str:
        """A path parameter, percent-decoded."""
        return unquote(self.params[name])

    def arg(self, name: str, default: str | None = None) -> str | None:
        """The last value of a query parameter."""
        found = default
        for key, value in self.query:
            if key == name:
                found = value
        return found

    def int_value(self, text: str | None, name: str, default: int, lo: int, hi: int) -> int:
        """Parse an integer parameter, clamped to ``[lo, hi]``.

        Raises:
            BadRequest: the value is not an integer.
        """
        if text is None or text == "":
            return default
        try:
            value = int(text)
        except ValueError:
            raise BadRequest(f"{name} must be an integer, not {text!r}") from None
        return max(lo, min(hi, value))

    def int_arg(self, name: str, default: int, lo: int, hi: int) -> int:
        """An integer query parameter, clamped to ``[lo, hi]``."""
        return self.int_value(self.arg(name), name, default, lo, hi)

    def float_arg(self, name: str, default: float, lo: float, hi: float) -> float:
        """A number query parameter, clamped to ``[lo, hi]``.

        Raises:
            BadRequest: the value is not a finite number.
        """
        text = self.arg(name)
        if text is None or text == "":
            return default
        try:
            value = float(text)
        except ValueError:
            raise BadRequest(f"{name} must be a number, not {text!r}") from None
        if value != value or value in (float("inf"), float("-inf")):
            raise BadRequest(f"{name} must be a finite number")
        return max(lo, min(hi, value))

    def flag(self, name: str) -> bool:
        """Whether a query parameter is present and not ``0``/``false``/``no``."""
        value = self.arg(name)
        return value is not None and value.lower() not in ("0", "false", "no")
