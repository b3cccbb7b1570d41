"""Opening connections: DNS, TCP connect per address, proxy tunnel, TLS. All recorded."""

from __future__ import annotations

import functools
import select
import socket
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from inspector.model import (
    ConnectionInfo,
    ErrorKind,
    EventKind,
    InputError,
    Target,
    TlsInfo,
    Transcript,
    TransportError,
)
from inspector.net.errors import translate
from inspector.net.options import SendOptions
from inspector.net.recorder import RecordingSocket
from inspector.net.tls import make_context, tls_info
from inspector.wire.parser import ResponseParser


class CancelToken:
    """Cancels an exchange from another thread: the socket is shut down, reads end at once.

    No lock: each side writes its own attribute and then reads the other's
    (``cancel`` sets the flag then reads the socket; ``attach`` sets the socket
    then reads the flag). Attribute stores are atomic under the GIL, so
    whichever runs second sees the first, and a cancel is never lost; at worst
    the socket is shut down twice, which is harmless.
    """

    __slots__ = ("_cancelled", "_sock")

    def __init__(self) -> None:
        self._cancelled = False
        self._sock: socket.socket | None = None

    @property
    def cancelled(self) -> bool:
        """Whether cancel() was called."""
        return self._cancelled

    def cancel(self) -> None:
        """Stop the exchange; what arrived so far is kept."""
        self._cancelled = True
        sock = self._sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def attach(self, sock: socket.socket | None) -> None:
        """Register the socket that cancel() must shut down."""
        self._sock = sock
        if sock is not None and self._cancelled:
            self.cancel()

    def check(self) -> None:
        """Raise TransportError(CANCELLED) once cancelled."""
        if self._cancelled:
            raise TransportError(ErrorKind.CANCELLED, "cancelled; what arrived so far is kept")


class _Uncancellable(CancelToken):
    """The token of an exchange whose caller gave none: nothing can cancel it.

    Shared by all such exchanges, so none of them pays for a token of its own;
    it holds no socket.
    """

    __slots__ = ()

    def attach(self, sock: socket.socket | None) -> None:
        """Nothing to attach: no one can call cancel()."""

    def check(self) -> None:
        """Never cancelled."""

    def cancel(self) -> None:  # pragma: no cover - nobody holds this token to call it
        """Nothing to cancel (the exchange's caller did not ask to be able to)."""


NO_CANCEL: CancelToken = _Uncancellable()
"""The token used when an exchange's caller passes none."""


@dataclass
class Phases:
    """Monotonic marks of the connection phases (durations in seconds)."""

    dns: float | None = None
    connect: float | None = None
    tls: float | None = None


@dataclass
class Progress:
    """How far opening a connection got; read when it fails, to say where it stopped."""

    tried: tuple[str, ...] = ()
    """Every address getaddrinfo gave (empty when DNS failed)."""
    remote: str = ""
    """The address connected to, once TCP connected."""
    local: str = ""
    """Our end, once TCP connected."""


FIRST_READ_BUFFER = 64 * 1024
"""A new connection's first read buffer; it grows to ``read_size`` when a read fills it."""


@dataclass
class Connection:
    """One open connection, plain or TLS, and what is known about it."""

    id: int
    key: tuple[str, str, int, str | None]
    rsock: RecordingSocket
    remote: str
    local: str
    addresses_tried: tuple[str, ...]
    proxy: str | None
    tls: TlsInfo | None = None
    phases: Phases = field(default_factory=Phases)
    exchanges: int = 0
    buffer: bytearray = field(default_factory=bytearray)
    """The reused read buffer (recv_into writes here; the transcript copies out)."""
    _poller: select.poll | None = field(default=None, init=False, repr=False, compare=False)
    _poller_fd: int = field(default=-1, init=False, repr=False, compare=False)

    @functools.cached_property
    def reuse_detail(self) -> str:
        """The connect event's text when an exchange reuses this connection."""
        return f"reusing connection #{self.id} {self.local} -> {self.remote}"

    def read_buffer(self, size: int) -> bytearray:
        """The connection's read buffer: ``size`` bytes, or fewer until a read fills it.

        A new connection starts with at most ``FIRST_READ_BUFFER`` bytes: zeroing a
        1 MiB buffer costs more than a small exchange's syscalls. ``grow_buffer``
        makes it full size once a read fills it (a big body is coming).
        """
        if not self.buffer:
            self.buffer = bytearray(min(size, FIRST_READ_BUFFER))
        return self.buffer

    def grow_buffer(self, size: int) -> bytearray:
        """A read filled the buffer: make it ``size`` bytes (when that is larger)."""
        if len(self.buffer) < size:
            self.buffer = bytearray(size)
        return self.buffer

    def alive(self) -> bool:
        """Whether an idle connection can carry another request (no EOF, no stray bytes)."""
        sock = self.rsock.sock
        fd = sock.fileno()
        if fd < 0:
            return False
        # Readable while idle means EOF, an RST, or stray bytes: none is safe to reuse.
        # One poll object per connection: cheaper than select.select on each exchange.
        poller = self._poller
        if poller is None or self._poller_fd != fd:
            if not hasattr(select, "poll"):  # pragma: no cover - platforms without poll()
                try:
                    readable, _, _ = select.select([sock], [], [], 0)
                except (OSError, ValueError):
                    return False
                return not readable
            poller = select.poll()
            poller.register(fd, select.POLLIN)
            self._poller, self._poller_fd = poller, fd
        try:
            return not poller.poll(0)  # POLLHUP and POLLERR count too
        except OSError:
            return False

    @functools.cached_property
    def reused_info(self) -> ConnectionInfo:
        """What each exchange that reuses this connection and leaves it open reports."""
        return ConnectionInfo(
            id=self.id,
            reused=True,
            remote=self.remote,
            local=self.local,
            addresses_tried=self.addresses_tried,
            closed_by="open",
            proxy=self.proxy,
        )

    def close(self) -> None:
        """Close the socket (idempotent)."""
        try:
            self.rsock.sock.close()
        except OSError:
            pass


def _fmt(addr: tuple[object, ...]) -> str:
    host, port = str(addr[0]), addr[1]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def proxy_target(options: SendOptions) -> Target | None:
    """Where ``options.proxy`` points (``http://host:port``, port 8080 by default); None without.

    The reference engines of ``compare`` read it here too, so all go the same way.

    Raises:
        InputError: the proxy setting is unusable.
    """
    if not options.proxy:
        return None
    proxy = options.proxy
    parts = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
    if parts.scheme != "http" or not parts.hostname:
        raise InputError(f"bad proxy {proxy!r}: give http://host:port")
    try:
        port = parts.port or 8080
    except ValueError:
        raise InputError(f"bad proxy {proxy!r}: bad port") from None
    return Target("http", parts.hostname, port)


def _tcp_connect(
    target: Target,
    transcript: Transcript,
    deadline: float,
    cancel: CancelToken,
    progress: Progress,
    timeout_kind: ErrorKind = ErrorKind.CONNECT_TIMEOUT,
) -> tuple[socket.socket, tuple[str, ...], Phases]:
    phases = Phases()
    where = f"{target.host}:{target.port}"
    t0 = time.monotonic()
    try:
        infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise translate(exc, "dns", where) from None
    t1 = time.monotonic()
    phases.dns = t1 - t0
    tried = tuple(_fmt(info[4]) for info in infos)
    progress.tried = tried
    transcript.record_event(EventKind.DNS, f"{target.host} -> {', '.join(tried)}", t1)
    last: TransportError | None = None
    for family, kind, proto, _, addr in infos:
        cancel.check()
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _deadline_error(timeout_kind, where)
        sock = socket.socket(family, kind, proto)
        cancel.attach(sock)
        try:
            sock.settimeout(remaining)
            sock.connect(addr)
        except OSError as exc:
            sock.close()
            last = translate(exc, "connect", _fmt(addr))
            if last.kind is ErrorKind.CONNECT_TIMEOUT and time.monotonic() >= deadline:
                last = _deadline_error(timeout_kind, _fmt(addr))
            transcript.record_event(EventKind.ERROR, last.message)
            continue
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        t2 = time.monotonic()
        phases.connect = t2 - t1
        progress.remote, progress.local = _fmt(addr), _fmt(sock.getsockname())
        transcript.record_event(EventKind.CONNECT, f"{progress.local} -> {progress.remote}", t2)
        return sock, tried, phases
    cancel.check()
    raise last or TransportError(ErrorKind.DNS, f"no address for {where}")


def _deadline_error(kind: ErrorKind, where: str) -> TransportError:
    if kind is ErrorKind.TIMEOUT:
        return TransportError(kind, f"the total timeout passed while connecting ({where})")
    return TransportError(kind, f"connect timed out ({where})")


def _tunnel(rsock: RecordingSocket, target: Target, options: SendOptions) -> None:
    """Ask an HTTP proxy for a CONNECT tunnel; the exchange is recorded below TLS."""
    authority = f"{target.host}:{target.port}".encode("idna")
    rsock.settimeout(options.read_timeout)
    rsock.sendall(b"CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n" % (authority, authority))
    parser = ResponseParser(b"CONNECT", start_offset=len(rsock.transcript.received))
    buf = bytearray(65536)
    while not parser.done:
        n = rsock.recv_into(buf)
        if not n:
            parser.feed_eof()
            break
        parser.feed(memoryview(buf)[:n])
    result = parser.result()
    if result.status is None or not 200 <= result.status < 300:
        status = (
            f"{result.status} {result.reason.decode('latin-1')}" if result.status else "no answer"
        )
        raise TransportError(ErrorKind.PROTOCOL, f"the proxy refused the tunnel: {status}")
    if parser.leftover:
        raise TransportError(ErrorKind.PROTOCOL, "the proxy sent bytes before the tunnel opened")


def open_connection(
    conn_id: int,
    target: Target,
    options: SendOptions,
    transcript: Transcript,
    cancel: CancelToken,
    progress: Progress | None = None,
    total_deadline: float | None = None,
) -> Connection:
    """Resolve, connect (through the proxy if any), and shake hands for TLS.

    Args:
        conn_id: The connection's number within its client.
        target: Where to connect.
        options: Timeouts, TLS and proxy settings.
        transcript: Records the connection's events and bytes.
        cancel: Lets another thread stop the connect or the handshake.
        progress: Filled in as the connect goes, so a failure can say how far it got.
        total_deadline: The exchange's overall deadline (monotonic), when
            sooner than the connect timeout (DNS itself cannot be interrupted).

    Raises:
        TransportError: for every expected failure, with its kind.
        InputError: the proxy setting or --cacert is unusable.
    """
    proxy = proxy_target(options)
    hop = proxy or target
    progress = progress or Progress()
    deadline = time.monotonic() + options.connect_timeout
    kind = ErrorKind.CONNECT_TIMEOUT
    if total_deadline is not None and total_deadline < deadline:
        deadline, kind = total_deadline, ErrorKind.TIMEOUT
    sock, tried, phases = _tcp_connect(hop, transcript, deadline, cancel, progress, kind)
    rsock = RecordingSocket(sock, transcript)
    remote, local = progress.remote, progress.local
    tls: TlsInfo | None = None
    current: socket.socket = sock  # what must be closed if anything fails
    try:
        if proxy is not None and target.tls:
            _tunnel(rsock, target, options)
        if target.tls:
            ctx = make_context(options.verify, options.cacert)
            t0 = time.monotonic()
            sock.settimeout(max(0.001, deadline - t0))
            tls_sock = ctx.wrap_socket(
                sock, server_hostname=target.host, do_handshake_on_connect=False
            )
            current = tls_sock
            cancel.attach(tls_sock)  # so that cancel() reaches the handshake too
            tls_sock.do_handshake()
            t1 = time.monotonic()
            phases.tls = t1 - t0
            tls = tls_info(tls_sock)
            rsock.sock = tls_sock
            transcript.record_event(EventKind.TLS, f"{tls.version} {tls.cipher}", t1)
    except (TransportError, InputError):
        current.close()
        raise
    except OSError as exc:
        current.close()
        cancel.check()
        where = f"{target.host}:{target.port}"
        if isinstance(exc, TimeoutError) and kind is ErrorKind.TIMEOUT:
            raise _deadline_error(kind, where) from None
        raise translate(exc, "tls", where) from None
    key = (target.scheme, target.host, target.port, options.proxy)
    return Connection(
        conn_id, key, rsock, remote, local, tried, options.proxy, tls=tls, phases=phases
    )
