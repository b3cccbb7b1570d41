"""The listener, one thread per connection, and the handle that stops it all."""

from __future__ import annotations

import select
import socket
import ssl
import threading
import time
from pathlib import Path
from types import TracebackType

from inspector.server.context import Connection, Stopping
from inspector.server.dispatch import Log, handle
from inspector.server.reader import ClientGone, RequestError, RequestReader, ServerLimits
from inspector.server.responses import escape_bytes, refusal

CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


def _listen(host: str, port: int) -> socket.socket:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(512)
        sock.setblocking(False)
    except BaseException:
        sock.close()
        raise
    return sock


class _Server:
    def __init__(
        self,
        listener: socket.socket,
        context: ssl.SSLContext | None,
        limits: ServerLimits,
        log: Log | None,
    ) -> None:
        self.listener = listener
        self.context = context
        self.limits = limits
        self.log = log
        address = listener.getsockname()
        self.port: int = address[1]
        host = address[0]
        self.authority = f"[{host}]:{self.port}" if ":" in host else f"{host}:{self.port}"
        self.scheme = "https" if context else "http"
        self.stop_event = threading.Event()
        self._lock = threading.Lock()
        self._conns: dict[Connection, threading.Thread] = {}
        self._wake_r, self._wake_w = socket.socketpair()
        self._accept_thread = threading.Thread(
            target=self._accept_loop, name=f"inspector-server-{self.port}", daemon=True
        )
        self._accept_thread.start()

    def _accept_loop(self) -> None:
        try:
            while not self.stop_event.is_set():
                try:
                    readable, _, _ = select.select([self.listener, self._wake_r], [], [])
                except (OSError, ValueError):
                    return  # stop() gave up waiting and closed the wake-up socket
                if self._wake_r in readable:
                    return
                try:
                    sock, address = self.listener.accept()
                except (BlockingIOError, InterruptedError, ConnectionAbortedError):
                    continue
                except OSError:
                    time.sleep(0.05)  # out of file descriptors, say: do not spin
                    continue
                self._start_connection(sock, address)
        finally:
            self.listener.close()

    def _start_connection(self, sock: socket.socket, address: tuple[str, int]) -> None:
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.context is not None:
                sock = self.context.wrap_socket(
                    sock, server_side=True, do_handshake_on_connect=False
                )
        except OSError:
            sock.close()
            return
        host, port = address[0], address[1]
        peer = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        conn = Connection(sock, peer, self.stop_event, self.limits.io_timeout)
        thread = threading.Thread(
            target=self._serve,
            args=(conn,),
            name=f"inspector-conn-{self.port}-{peer}",
            daemon=True,
        )
        with self._lock:
            self._conns[conn] = thread
        thread.start()

    def _serve(self, conn: Connection) -> None:
        linger = False
        try:
            if isinstance(conn.sock, ssl.SSLSocket):
                conn.set_timeout(self.limits.io_timeout)
                try:
                    conn.sock.do_handshake()
                except (OSError, ValueError) as exc:
                    self._log(f"{conn.peer} TLS handshake failed: {exc}")
                    return
            reader = RequestReader(conn, self.limits, lambda: conn.send(CONTINUE))
            number = 0
            while not self.stop_event.is_set():
                try:
                    request = reader.next_request()
                except RequestError as exc:
                    conn.send(refusal(exc.status, exc.message))
                    line = escape_bytes(exc.request_line) if exc.request_line else "-"
                    self._log(f'{conn.peer} "{line}" {exc.status} - ({exc.message})')
                    linger = True
                    return
                if request is None:
                    return
                number += 1
                if not handle(conn, request, number, self.scheme, self.authority, self.log):
                    linger = True
                    return
        except (OSError, ValueError, Stopping, ClientGone):
            linger = False  # the client went away, or we are stopping
        except Exception as exc:  # never let one connection take the server down
            self._log(f"{conn.peer} internal error: {type(exc).__name__}: {exc}")
        finally:
            if linger and not self.stop_event.is_set():
                conn.close_gracefully()
            else:
                conn.close()
            with self._lock:
                self._conns.pop(conn, None)

    def _log(self, line: str) -> None:
        if self.log is not None:
            self.log(line)

    def stop(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        self.stop_event.set()
        try:
            self._wake_w.send(b"x")
        except OSError:
            pass
        self._accept_thread.join(max(0.0, deadline - time.monotonic()))
        with self._lock:
            conns = list(self._conns.items())
        for conn, _ in conns:
            conn.shutdown()
        for _, thread in conns:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._wake_r.close()
        self._wake_w.close()

    @property
    def open_connections(self) -> int:
        with self._lock:
            return len(self._conns)


class ServerHandle:
    """A running server. Stop it with :meth:`stop` or by leaving a ``with`` block."""

    def __init__(self, server: _Server, host: str, ca_path: Path | None) -> None:
        self._server = server
        self.host = host
        """The host it was asked to listen on."""
        self.port = server.port
        """The port it listens on (the real one when 0 was asked)."""
        self.scheme = server.scheme
        """``http``, or ``https`` with TLS."""
        self.ca_path = ca_path
        """With TLS: the CA certificate (PEM) that verifies the server; else None."""
        url_host = f"[{host}]" if ":" in host else host
        self.url = f"{self.scheme}://{url_host}:{self.port}"
        """The base URL, e.g. ``http://127.0.0.1:54321`` (no trailing slash)."""

    @property
    def limits(self) -> ServerLimits:
        """The size limits and timeouts in force."""
        return self._server.limits

    @property
    def open_connections(self) -> int:
        """How many client connections are open right now."""
        return self._server.open_connections

    @property
    def stopped(self) -> bool:
        """Whether :meth:`stop` was called."""
        return self._server.stop_event.is_set()

    def stop(self, timeout: float = 2.0) -> None:
        """Close the listener and every open connection, and join the threads.

        Args:
            timeout: the most it waits for threads to end (they are daemons anyway).
        """
        if not self.stopped:
            self._server.stop(timeout)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the server is stopped or ``timeout`` passes; True when stopped."""
        return self._server.stop_event.wait(timeout)

    def __enter__(self) -> ServerHandle:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<ServerHandle {self.url}{' stopped' if self.stopped else ''}>"


def start_server(
    host: str = "127.0.0.1",
    port: int = 0,
    tls: bool = False,
    *,
    limits: ServerLimits | None = None,
    log: Log | None = None,
    tls_dir: Path | None = None,
) -> ServerHandle:
    """Start the test server in background threads.

    Args:
        host: the address to listen on; loopback unless the caller chooses otherwise.
        port: the port; 0 picks a free one.
        tls: serve HTTPS with the local CA's server certificate.
        limits: size limits and timeouts; defaults to :class:`ServerLimits()`.
        log: called with one line per request (from connection threads).
        tls_dir: where the CA and certificate live; defaults to ``data_dir() / "tls"``.

    Returns:
        A handle with the URL, the port, the CA path (with TLS) and ``stop()``.

    Raises:
        OSError: the address cannot be resolved or bound.
    """
    context = None
    ca_path = None
    if tls:
        # Imported here: cryptography is slow to import and most servers are plain HTTP.
        from inspector.server.tls import ensure_tls_files, server_context

        files = ensure_tls_files(tls_dir)
        context = server_context(files)
        ca_path = files.ca_cert
    listener = _listen(host, port)
    server = _Server(listener, context, limits or ServerLimits(), log)
    return ServerHandle(server, host, ca_path)
