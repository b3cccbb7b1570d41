"""A scripted loopback TCP server for tests: canned replies, exact recording.

Each accepted connection plays a script, a list of steps: write bytes, write
them in pieces with pauses, pause, read until a pattern (or a whole request),
close (FIN), reset (RST), or stall (hold the connection open without writing).
To keep a connection for a second request, script another ``read_request()``
and reply. A script that ends without ``close()``, ``reset()`` or ``stall()``
closes the connection (FIN).

Everything the server reads is recorded with the size of each ``recv()`` call,
and everything it writes is recorded too, so a test can assert exact bytes on
both sides::

    with ScriptedServer([read_request(), write(b"HTTP/1.1 204 No Content\\r\\n\\r\\n")]) as srv:
        ...  # a client talks to srv.url
        conn = srv.connection(0)
        assert conn.received == b"GET / HTTP/1.1\\r\\n..."

It listens on 127.0.0.1 (or ::1) port 0 only, runs one daemon thread per
connection, never raises from its threads (failures are recorded in
``ended``), and ``stop()`` (or leaving the ``with`` block) ends every thread.
"""

from __future__ import annotations

import re
import select
import socket
import ssl
import struct
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType

LOOPBACK = ("127.0.0.1", "::1")
HEAD_END = re.compile(rb"\r?\n\r?\n")
_CONTENT_LENGTH = re.compile(rb"\ncontent-length[ \t]*:[ \t]*(\d+)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Step:
    """One step of a script; build it with the functions below."""

    op: str
    """``write``, ``pause``, ``read``, ``close``, ``reset`` or ``stall``."""
    data: bytes = b""
    size: int = 0
    """For ``write``: the piece size (0: all at once)."""
    seconds: float | None = 0.0
    """For ``write``: the pause between pieces; for ``pause`` and ``stall``: how long."""
    pattern: re.Pattern[bytes] | None = None
    body: bool = False
    """For ``read``: also read the Content-Length body after the pattern."""


Script = Sequence[Step]


def write(data: bytes) -> Step:
    """Write these bytes at once (one sendall)."""
    return Step("write", data)


def pieces(data: bytes, size: int, pause: float = 0.05) -> Step:
    """Write these bytes ``size`` at a time, pausing ``pause`` seconds between writes."""
    return Step("write", data, size, pause)


def pause(seconds: float) -> Step:
    """Wait without reading or writing."""
    return Step("pause", seconds=seconds)


def read_until(pattern: bytes) -> Step:
    """Read until these exact bytes have arrived. EOF from the client ends the script."""
    return Step("read", pattern=re.compile(re.escape(pattern)))


def read_head() -> Step:
    """Read until the end of a head (CRLF CRLF, or bare LF LF)."""
    return Step("read", pattern=HEAD_END)


def read_request() -> Step:
    """Read a head and the Content-Length body that follows it, if any."""
    return Step("read", pattern=HEAD_END, body=True)


def close() -> Step:
    """Half-close (FIN), take what the client already sent (so no RST), then close."""
    return Step("close")


def reset() -> Step:
    """Abort the connection with an RST (SO_LINGER 0)."""
    return Step("reset")


def stall(seconds: float | None = None) -> Step:
    """Hold the connection open without writing, recording what arrives, until the
    client closes it or ``seconds`` pass (None: until the server stops)."""
    return Step("stall", seconds=seconds)


class Conn:
    """What happened on one accepted connection (read it once ``done`` is set)."""

    def __init__(self, index: int, peer: str) -> None:
        self.index = index
        """0 for the first connection accepted, 1 for the next, ..."""
        self.peer = peer
        """The client's ``address:port``."""
        self.recv_sizes: list[int] = []
        """The size of each recv() call that returned data."""
        self.requests: list[bytes] = []
        """What each read step consumed (one entry per request read)."""
        self.ended = ""
        """How the script ended: ``closed``, ``reset``, ``client-closed``, ``stopped``,
        ``stall-expired``, or ``error: ...``."""
        self.done = threading.Event()
        """Set when the connection's thread has finished."""
        self._received = bytearray()
        self._sent = bytearray()

    @property
    def received(self) -> bytes:
        """Every byte read, in order."""
        return bytes(self._received)

    @property
    def sent(self) -> bytes:
        """Every byte written, in order."""
        return bytes(self._sent)

    def __repr__(self) -> str:
        return (
            f"<Conn {self.index} {self.peer} received={len(self._received)} "
            f"sent={len(self._sent)} ended={self.ended!r}>"
        )


class _Stopped(Exception):
    pass


class _ClientClosed(Exception):
    pass


class ScriptedServer:
    """A canned TCP server on loopback playing one script per connection.

    Args:
        scripts: The script of connection ``i`` is ``scripts[i]``; connections past
            the last one play the last script again.
        host: ``127.0.0.1`` or ``::1``.
        tls: A server-side SSLContext to speak TLS (the handshake is not recorded;
            the recorded bytes are the plaintext).
        io_timeout: The most any single read or write waits.
    """

    def __init__(
        self,
        *scripts: Script,
        host: str = "127.0.0.1",
        tls: ssl.SSLContext | None = None,
        io_timeout: float = 5.0,
    ) -> None:
        if host not in LOOPBACK:
            raise ValueError("the scripted server listens on loopback only")
        if not scripts:
            raise ValueError("give at least one script")
        self.scripts = scripts
        self.host = host
        self.tls = tls
        self.io_timeout = io_timeout
        self.connections: list[Conn] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._socks: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._listener = socket.socket(family, socket.SOCK_STREAM)
        self._listener.bind((host, 0))
        self._listener.listen(64)
        self.port: int = self._listener.getsockname()[1]
        self._wake_r, self._wake_w = socket.socketpair()
        self._accepter = threading.Thread(target=self._accept_loop, daemon=True)
        self._accepter.start()

    @property
    def authority(self) -> str:
        """``host:port`` (IPv6 in brackets)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:5555`` (https with TLS)."""
        return f"{'https' if self.tls else 'http'}://{self.authority}"

    def connection(self, index: int = 0, timeout: float = 5.0) -> Conn:
        """Connection ``index`` once its script has finished.

        Raises:
            AssertionError: it was not accepted, or did not finish, in time.
        """
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                conn = self.connections[index] if index < len(self.connections) else None
            if conn is not None:
                break
            if time.monotonic() > deadline:
                raise AssertionError(f"connection {index} was never accepted")
            time.sleep(0.005)
        if not conn.done.wait(max(0.0, deadline - time.monotonic())):
            raise AssertionError(f"connection {index} is still running its script")
        return conn

    @property
    def accepted(self) -> int:
        """How many connections were accepted so far."""
        with self._lock:
            return len(self.connections)

    def stop(self) -> None:
        """Close the listener and every connection, and join the threads."""
        if self._stop.is_set():
            return
        self._stop.set()
        self._wake_w.send(b"x")
        self._accepter.join(5)
        with self._lock:
            socks, threads = list(self._socks), list(self._threads)
        for sock in socks:
            try:
                # The base-class call: SSLSocket.shutdown would drop its SSL object
                # under the feet of the thread still using it.
                socket.socket.shutdown(sock, socket.SHUT_RDWR)
            except OSError:
                pass
        for thread in threads:
            thread.join(5)
        self._wake_r.close()
        self._wake_w.close()

    def __enter__(self) -> ScriptedServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _accept_loop(self) -> None:
        try:
            while True:
                readable, _, _ = select.select([self._listener, self._wake_r], [], [])
                if self._wake_r in readable:
                    return
                sock, address = self._listener.accept()
                host, port = address[0], address[1]
                with self._lock:
                    index = len(self.connections)
                    peer = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
                    conn = Conn(index, peer)
                    self.connections.append(conn)
                    self._socks.append(sock)
                    script = self.scripts[min(index, len(self.scripts) - 1)]
                    thread = threading.Thread(
                        target=self._serve, args=(sock, conn, script), daemon=True
                    )
                    self._threads.append(thread)
                thread.start()
        except OSError:
            return
        finally:
            self._listener.close()

    def _serve(self, sock: socket.socket, conn: Conn, script: Script) -> None:
        run = _Run(self, sock, conn)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.settimeout(self.io_timeout)
            if self.tls is not None:
                sock = self.tls.wrap_socket(sock, server_side=True)
                run.sock = sock
                with self._lock:
                    self._socks.append(sock)
            for step in script:
                if run.play(step):
                    return
            run.close()
        except _Stopped:
            conn.ended = "stopped"
        except _ClientClosed:
            conn.ended = "client-closed"
        except Exception as exc:  # recorded, never raised from a server thread
            conn.ended = f"error: {type(exc).__name__}: {exc}"
        finally:
            try:
                sock.close()
            except OSError:
                pass
            conn.done.set()


class _Run:
    """One connection's script in progress."""

    def __init__(self, server: ScriptedServer, sock: socket.socket, conn: Conn) -> None:
        self.server = server
        self.sock = sock
        self.conn = conn
        self.pending = bytearray()

    def play(self, step: Step) -> bool:
        """Play one step; True when the connection has ended."""
        if self.server._stop.is_set():
            raise _Stopped
        if step.op == "write":
            size = step.size or len(step.data) or 1
            for i in range(0, len(step.data), size):
                if i:
                    self.wait(step.seconds or 0.0)
                self.send(step.data[i : i + size])
        elif step.op == "pause":
            self.wait(step.seconds or 0.0)
        elif step.op == "read":
            self.read_until(step)
        elif step.op == "close":
            self.close()
            return True
        elif step.op == "reset":
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.sock.close()
            self.conn.ended = "reset"
            return True
        elif step.op == "stall":
            self.stall(step.seconds)
            return True
        else:
            raise ValueError(f"unknown step {step.op!r}")
        return False

    def wait(self, seconds: float) -> None:
        if self.server._stop.wait(seconds):
            raise _Stopped

    def send(self, data: bytes) -> None:
        view = memoryview(data)
        while view:  # send() by hand, so a partial write is recorded exactly
            n = self.sock.send(view)
            self.conn._sent += view[:n]
            view = view[n:]

    def recv(self) -> bytes:
        data = self.sock.recv(65536)
        if data:
            self.conn._received += data
            self.conn.recv_sizes.append(len(data))
        return data

    def read_until(self, step: Step) -> None:
        assert step.pattern is not None
        while True:
            match = step.pattern.search(self.pending)
            if match is not None:
                end = match.end()
                if step.body:
                    length = _CONTENT_LENGTH.search(b"\n" + self.pending[: match.start()])
                    if length is not None:
                        end += int(length.group(1))
                if len(self.pending) >= end:
                    self.conn.requests.append(bytes(self.pending[:end]))
                    del self.pending[:end]
                    return
            data = self.recv()
            if not data:
                if self.pending:
                    self.conn.requests.append(bytes(self.pending))
                raise _ClientClosed
            self.pending += data

    def stall(self, seconds: float | None) -> None:
        deadline = None if seconds is None else time.monotonic() + seconds
        while True:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                self.conn.ended = "stall-expired"
                return
            readable, _, _ = select.select([self.sock, self.server._wake_r], [], [], left)
            if self.server._stop.is_set():
                raise _Stopped
            if self.sock in readable:
                try:
                    data = self.recv()
                except OSError:
                    data = b""
                if not data:
                    raise _ClientClosed

    def close(self) -> None:
        try:
            # The base-class call keeps a TLS socket's SSL object (no close_notify).
            socket.socket.shutdown(self.sock, socket.SHUT_WR)
            # Read what the client already sent, so close() does not turn into an RST.
            self.sock.setblocking(False)
            while self.recv():
                pass
        except OSError:  # BlockingIOError or SSLWantReadError: nothing more to take
            pass
        self.conn.ended = self.conn.ended or "closed"
