"""Our HTTP/1.1 client: spec and target in, Exchange out; every byte recorded.

Reading stops when the parser says the message is complete, at EOF, on a
timeout, on the body limit, or on cancel; reading and parsing cannot disagree.
Nothing raises out of :meth:`Client.send` for a network problem: failures are
``Exchange.error`` with the partial transcript kept.
"""

from __future__ import annotations

import functools
import threading
import time
from dataclasses import replace
from typing import NamedTuple

from inspector.model import (
    ConnectionInfo,
    ErrorKind,
    EventKind,
    Exchange,
    ExchangeError,
    InputError,
    ParsedResponse,
    RequestSpec,
    Timings,
    Transcript,
    TransportError,
)
from inspector.model.exchange import new_connection_info, new_exchange, new_timings
from inspector.net.connection import (
    NO_CANCEL,
    CancelToken,
    Connection,
    Progress,
    open_connection,
)
from inspector.net.errors import translate
from inspector.net.options import SendOptions, WriteStep
from inspector.net.recorder import RecordingSocket
from inspector.wire.limits import Limits
from inspector.wire.parser import ResponseParser
from inspector.wire.serialize import request_target, serialize

ENGINE = "inspector"

# Fatal parser anomalies that mean "the connection ended too early", not "bad bytes".
_INCOMPLETE = {"empty-response", "incomplete-headers", "incomplete-body"}
_CONNECT = EventKind.CONNECT  # read on every exchange: a global is cheaper than the Enum


@functools.lru_cache(maxsize=64)
def _limits(limits: Limits, max_body: int | None) -> Limits:
    return replace(limits, max_body=max_body)


def request_method(spec: RequestSpec) -> bytes:
    """The method the response answers: from the spec, or the first word of raw bytes."""
    if spec.raw is None:
        return spec.method
    return spec.raw.lstrip(b"\r\n").split(b" ", 1)[0]


def wire_bytes(spec: RequestSpec, options: SendOptions) -> bytes:
    """The exact bytes the client will write for this spec (shown before sending).

    Through a proxy, a plain-http request uses the absolute-form target
    (RFC 9112 §3.2.2) unless the spec sets its own target or is raw.
    """
    return _facts(spec, bool(options.proxy)).wire


class _SpecFacts(NamedTuple):
    """What one exchange needs to know of its spec, worked out once."""

    wire: bytes
    method: bytes
    upgrade: bool
    asks_close: bool


# Specs whose bodies are at most this big are remembered, so that a request
# sent again and again (a replay, a keep-alive benchmark) is serialized once.
_CACHE_BODY_MAX = 64 * 1024


def _facts(spec: RequestSpec, proxied: bool) -> _SpecFacts:
    if len(spec.body) <= _CACHE_BODY_MAX and (spec.raw is None or len(spec.raw) <= _CACHE_BODY_MAX):
        return _cached_facts(spec, proxied)
    return _work_out(spec, proxied)


def _work_out(spec: RequestSpec, proxied: bool) -> _SpecFacts:
    if spec.raw is None and proxied and spec.request_target is None:
        if spec.url.lower().startswith("http://"):
            spec = replace(spec, request_target=request_target(spec.url, absolute=True))
    if spec.raw is not None:
        lowered = spec.raw.lower()
        upgrade = b"\nupgrade:" in lowered
        asks_close = b"connection: close" in lowered
    else:
        upgrade = any(n.lower() == b"upgrade" for n, _ in spec.headers)
        asks_close = any(
            n.lower() == b"connection" and b"close" in v.lower() for n, v in spec.headers
        )
    return _SpecFacts(serialize(spec), request_method(spec), upgrade, asks_close)


_cached_facts = functools.lru_cache(maxsize=32)(_work_out)


class Client:
    """Sends requests, reusing a keep-alive connection per origin when the response allows.

    Safe to use from one thread at a time per exchange; ``cancel`` tokens may be
    triggered from any thread.
    """

    def __init__(self, options: SendOptions | None = None) -> None:
        self.options = options or SendOptions()
        self._idle: dict[tuple[str, str, int, str | None], Connection] = {}
        self._lock = threading.Lock()
        self._next_id = 1
        self._last_prepared: (
            tuple[
                RequestSpec,
                SendOptions,
                tuple[_SpecFacts, tuple[str, str, int, str | None], Limits],
            ]
            | None
        ) = None

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close every idle connection."""
        with self._lock:
            idle, self._idle = list(self._idle.values()), {}
        for conn in idle:
            conn.close()

    def _take_idle(self, key: tuple[str, str, int, str | None]) -> Connection | None:
        with self._lock:
            conn = self._idle.pop(key, None)
        if conn is not None and not conn.alive():
            conn.close()
            return None
        return conn

    def _prepare(
        self, spec: RequestSpec, opts: SendOptions
    ) -> tuple[_SpecFacts, tuple[str, str, int, str | None], Limits]:
        """The spec's facts, its connection key and the parser's limits.

        Worked out once for the last spec and options (by identity): a client
        often sends the same spec with the same options many times.
        """
        last = self._last_prepared
        if last is not None and last[0] is spec and last[1] is opts:
            return last[2]
        target = spec.target
        prepared = (
            _facts(spec, bool(opts.proxy)),
            (target.scheme, target.host, target.port, opts.proxy),
            _limits(opts.limits, opts.max_body),
        )
        self._last_prepared = (spec, opts, prepared)
        return prepared

    def _new_id(self) -> int:
        with self._lock:
            n = self._next_id
            self._next_id += 1
            return n

    def send(
        self,
        spec: RequestSpec,
        options: SendOptions | None = None,
        cancel: CancelToken | None = None,
        transcript: Transcript | None = None,
    ) -> Exchange:
        """Send one request and read its response.

        Args:
            spec: The request; it is written exactly as ``wire_bytes`` shows.
            options: Overrides the client's options for this exchange.
            cancel: Lets another thread stop the exchange.
            transcript: Record into this (empty) transcript, so that another
                thread can watch the bytes arrive.

        Returns:
            The Exchange; expected failures are in its ``error``.
        """
        opts = options or self.options
        if cancel is None:
            cancel = NO_CANCEL
        if transcript is None:
            transcript = Transcript(opts.spill_threshold)
        return _Run(self, spec, opts, transcript, cancel).go()


class _Run:
    """One exchange in progress."""

    # What most exchanges never change starts as these class-level values (all
    # immutable), so that setting up an exchange costs a few stores, not twenty.
    conn: Connection | None = None
    reused = False
    parser: ResponseParser | None = None
    facts: _SpecFacts | None = None
    conn_id = 0
    progress: Progress | None = None
    """How far opening a new connection got (made only when one is opened)."""
    closed_by = "client"
    t_send: tuple[float, float] | None = None
    t_first: float | None = None
    t_last: float | None = None
    by_deadline = False

    def __init__(
        self,
        client: Client,
        spec: RequestSpec,
        opts: SendOptions,
        transcript: Transcript,
        cancel: CancelToken,
    ) -> None:
        self.client = client
        self.spec = spec
        self.opts = opts
        self.transcript = transcript
        self.cancel = cancel
        total = opts.total_timeout
        self.deadline = transcript.started + total if total is not None else None

    def go(self) -> Exchange:
        error: ExchangeError | None = None
        try:
            self._exchange()
        except TransportError as exc:
            error = exc.to_error()
            if exc.kind in (ErrorKind.READ_TIMEOUT, ErrorKind.TIMEOUT, ErrorKind.CONNECT_TIMEOUT):
                self.closed_by = "timeout"
                self.transcript.record_event(EventKind.TIMEOUT, exc.message)
            elif exc.kind is ErrorKind.RESET:
                self.closed_by = "server-rst"
            last = self.transcript.last_event
            if last is None or last.detail != exc.message:
                self.transcript.record_event(EventKind.ERROR, exc.message)
        except InputError as exc:
            error = ExchangeError(ErrorKind.INVALID_REQUEST, str(exc))
        return self._finish(error)

    def _exchange(self) -> None:
        spec, opts, cancel, transcript, client = (
            self.spec,
            self.opts,
            self.cancel,
            self.transcript,
            self.client,
        )
        facts, key, limits = client._prepare(spec, opts)
        self.facts = facts
        conn = client._take_idle(key)
        if conn is not None:
            self.reused = True
            rsock = conn.rsock
            rsock.transcript = transcript
            transcript.record_event(_CONNECT, conn.reuse_detail)
            cancel.attach(rsock.sock)
        else:
            self.conn_id = client._new_id()
            self.progress = Progress()
            conn = open_connection(
                self.conn_id,
                spec.target,
                opts,
                transcript,
                cancel,
                self.progress,
                self.deadline,
            )
            rsock = conn.rsock
        self.conn = conn
        conn.exchanges += 1
        cancel.check()
        self.parser = parser = ResponseParser(
            facts.method,
            limits=limits,
            keep_body=opts.keep_body,
            start_offset=len(transcript.received),
            upgrade_requested=facts.upgrade,
        )
        t0 = time.monotonic()
        rsock.settimeout(opts.read_timeout if self.deadline is None else self._timeout())
        try:
            if opts.write_plan:
                self._send_planned(rsock, facts.wire, opts.write_plan)
            else:
                rsock.sendall(facts.wire)
        except OSError as exc:
            cancel.check()
            # The server may have answered and closed early (a 413, say): read what it sent.
            send_error = translate(exc, "send")
            if send_error.kind is ErrorKind.RESET:
                self.closed_by = "server-rst"
            transcript.record_event(EventKind.ERROR, send_error.message)
            self.t_send = (t0, time.monotonic())
            if not self._read(rsock, parser, tolerate_reset=True):
                raise self._timed_out(send_error) from None
            self.closed_by = "server-rst" if send_error.kind is ErrorKind.RESET else self.closed_by
            return
        self.t_send = (t0, time.monotonic())
        self._read(rsock, parser)

    def _send_planned(
        self, rsock: RecordingSocket, data: bytes, plan: tuple[WriteStep, ...]
    ) -> None:
        """Write ``data`` in the plan's pieces, pausing before each as recorded."""
        pos = 0
        for step in plan:
            if pos >= len(data):
                break
            wake = time.monotonic() + step.pause
            while (left := wake - time.monotonic()) > 0:
                self.cancel.check()
                if self.deadline is not None and time.monotonic() >= self.deadline:
                    raise TransportError(ErrorKind.TIMEOUT, "the total timeout passed")
                time.sleep(min(left, 0.05))
            self.cancel.check()
            rsock.settimeout(self._timeout())
            rsock.sendall(data[pos : pos + step.size])
            pos += step.size
        if pos < len(data):
            rsock.sendall(data[pos:])

    def _timeout(self) -> float:
        """The timeout of the next socket call: the read timeout, or what is left of the total."""
        timeout = self.opts.read_timeout
        self.by_deadline = False
        if self.deadline is not None:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise TransportError(ErrorKind.TIMEOUT, "the total timeout passed")
            if left < timeout:
                timeout, self.by_deadline = left, True
        return timeout

    def _timed_out(self, err: TransportError) -> TransportError:
        """A socket timeout caused by the total deadline is the total timeout."""
        if err.kind is ErrorKind.READ_TIMEOUT and self.by_deadline:
            return TransportError(ErrorKind.TIMEOUT, "the total timeout passed")
        return err

    def _read(
        self, rsock: RecordingSocket, parser: ResponseParser, tolerate_reset: bool = False
    ) -> bool:
        """Read until the parser is done; True if any response bytes arrived."""
        assert self.conn is not None
        read_size = self.opts.read_size
        buf = self.conn.read_buffer(read_size)
        view = memoryview(buf)
        room = len(buf)
        got = False
        cancel = self.cancel
        transcript = self.transcript
        deadline = self.deadline
        while not parser.done:
            try:
                # Without a total timeout every call gets the read timeout, which
                # the socket already has (set before sending).
                if deadline is not None:
                    rsock.settimeout(self._timeout())
                n = rsock.recv_into(buf)
            except OSError as exc:
                cancel.check()
                err = self._timed_out(translate(exc, "recv"))
                if err.kind is ErrorKind.RESET:
                    transcript.record_event(EventKind.ERROR, "connection reset (RST)")
                    self.closed_by = "server-rst"
                    if tolerate_reset:
                        return got
                raise err from None
            if not n:
                cancel.check()
                transcript.record_event(EventKind.EOF, "the server closed the connection")
                self.closed_by = "server-fin"
                parser.feed_eof()
                break
            now = time.monotonic()
            if not got:
                got = True
                self.t_first = now
            self.t_last = now
            parser.feed(view[:n])
            if n == room and room < read_size:
                view.release()  # the parser and the transcript keep no view of it
                buf = self.conn.grow_buffer(read_size)
                view = memoryview(buf)
                room = len(buf)
        view.release()
        return got

    def _finish(self, error: ExchangeError | None) -> Exchange:
        transcript, parser, conn = self.transcript, self.parser, self.conn
        end = time.monotonic()
        response: ParsedResponse | None = None
        if parser is not None and (len(transcript.received) or parser.done):
            response = parser.result()
            if response.status is None and not len(transcript.received):
                response = None
        if error is None and response is not None:
            fatal = response.error if response.anomalies else None
            if fatal is not None:
                kind = ErrorKind.PROTOCOL
                if fatal.code in _INCOMPLETE:
                    kind = ErrorKind.INCOMPLETE
                elif fatal.code == "body-too-large":
                    kind = ErrorKind.LIMIT
                error = ExchangeError(kind, fatal.message)
        elif error is None and response is None and parser is not None:
            error = ExchangeError(ErrorKind.INCOMPLETE, "no response arrived")
        info = None
        if conn is not None:
            reusable = (
                error is None
                and response is not None
                and response.keep_alive
                and parser is not None
                and not parser.leftover
                and not self.cancel.cancelled
                and self.facts is not None
                and not self.facts.asks_close
            )
            client = self.client
            if reusable:
                with client._lock:
                    old = client._idle.pop(conn.key, None)
                    client._idle[conn.key] = conn
                if old is not None and old is not conn:
                    old.close()
                # Equal for every exchange that reuses the connection: made once.
                info = conn.reused_info if self.reused else None
                closed_by = "open"
            else:
                closed_by = self.closed_by
                conn.close()
                transcript.record_event(EventKind.CLOSE, f"connection closed ({closed_by})")
            if info is None:
                info = new_connection_info(
                    conn.id,
                    self.reused,
                    conn.remote,
                    conn.local,
                    conn.addresses_tried,
                    closed_by,
                    conn.proxy,
                )
        elif self.conn_id:
            # The connection never opened: say how far it got.
            progress = self.progress
            assert progress is not None
            info = ConnectionInfo(
                id=self.conn_id,
                reused=False,
                remote=progress.remote,
                local=progress.local,
                addresses_tried=progress.tried,
                closed_by="not-connected" if not progress.remote else self.closed_by,
                proxy=self.opts.proxy,
            )
        self.cancel.attach(None)
        # Positional and without the frozen __init__: this runs once per exchange.
        return new_exchange(
            ENGINE,  # engine
            self.spec,  # spec
            transcript,  # transcript
            response,  # response
            response.anomalies if response is not None else (),  # anomalies
            self._timings(end),  # timings
            conn.tls if conn is not None else None,  # tls
            error,  # error
            (),  # comparisons
            info,  # connection
            None,  # library
        )

    def _timings(self, end: float) -> Timings:
        conn = self.conn
        phases = conn.phases if conn is not None and not self.reused else None
        send = ttfb = receive = None
        t_send = self.t_send
        if t_send is not None:
            send = t_send[1] - t_send[0]
            t_first, t_last = self.t_first, self.t_last
            if t_first is not None and t_last is not None:
                ttfb = max(0.0, t_first - t_send[1])
                receive = t_last - t_first
        total = end - self.transcript.started
        if phases is None:
            return new_timings(None, None, None, send, ttfb, receive, total)
        return new_timings(phases.dns, phases.connect, phases.tls, send, ttfb, receive, total)


def send(
    spec: RequestSpec, options: SendOptions | None = None, cancel: CancelToken | None = None
) -> Exchange:
    """Send one request on a new connection and close it afterwards."""
    with Client(options) as client:
        return client.send(spec, cancel=cancel)
