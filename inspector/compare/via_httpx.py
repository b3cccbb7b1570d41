"""The spec through ``httpx`` (sync), every byte recorded by our recorder.

The only module that imports httpx and httpcore. Public API only: an httpx
``BaseTransport`` around an ``httpcore.ConnectionPool`` whose network backend
records every read and write; the stream ``start_tls`` returns is wrapped too,
so for HTTPS the plaintext above TLS is recorded.

Through ``--proxy`` (read as our client reads it) the pool is an
``httpcore.HTTPProxy`` over the same recording backend: for ``http`` it sends
the absolute-form target to the proxy; for ``https`` it opens a CONNECT tunnel
and TLS to the origin inside it. The CONNECT head and the proxy's reply are
recorded before the tunnelled request, as in our client's transcript; the
response compared is the origin's, read after the proxy's reply.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Iterable, Iterator
from typing import Any

import httpcore
import httpx

from inspector.compare.common import (
    LibraryReport,
    bad_input,
    exception_doc,
    finish,
    header_text,
    not_expressible,
    unexpressed,
)
from inspector.model import (
    ErrorKind,
    EventKind,
    Exchange,
    ExchangeError,
    InputError,
    RequestSpec,
    Target,
    Transcript,
)
from inspector.net import SendOptions
from inspector.net.connection import proxy_target
from inspector.net.tls import make_context

ENGINE = "httpx"


class _RecordingStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream, transcript: Transcript) -> None:
        self._inner = inner
        self._transcript = transcript

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        data = self._inner.read(max_bytes, timeout)
        if data:
            self._transcript.record_recv(data)
        else:
            self._transcript.record_event(EventKind.EOF, "the server closed")
        return data

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, timeout)
        self._transcript.record_send(buffer)

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        tls = self._inner.start_tls(ssl_context, server_hostname, timeout)
        self._transcript.record_event(
            EventKind.TLS, str(tls.get_extra_info("ssl_object").version())
        )
        return _RecordingStream(tls, self._transcript)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _RecordingBackend(httpcore.NetworkBackend):
    def __init__(self, transcript: Transcript, proxy: str | None = None) -> None:
        self._inner = httpcore.SyncBackend()
        self._transcript = transcript
        self._proxy = proxy

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        via = f" (the proxy {self._proxy})" if self._proxy else ""
        self._transcript.record_event(EventKind.CONNECT, f"-> {host}:{port}{via}")
        return _RecordingStream(stream, self._transcript)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:  # pragma: no cover - we never ask for a unix socket
        raise httpcore.ConnectError("unix sockets are not used")

    def sleep(self, seconds: float) -> None:  # pragma: no cover - retries are off
        time.sleep(seconds)


class _Stream(httpx.SyncByteStream):
    def __init__(self, inner: Iterable[bytes]) -> None:
        self._inner = inner

    def __iter__(self) -> Iterator[bytes]:
        yield from self._inner

    def close(self) -> None:
        close = getattr(self._inner, "close", None)
        if close is not None:
            close()


def _host_bytes(host: str) -> bytes:
    try:
        return host.encode("ascii")
    except UnicodeEncodeError:
        return host.encode("idna")


class RecordingTransport(httpx.BaseTransport):
    """httpx transport over an httpcore pool that records through our Transcript.

    With ``proxy`` (where ``--proxy`` points; ``label`` is its text, for the
    transcript) the pool is an ``httpcore.HTTPProxy``: absolute-form for http,
    a CONNECT tunnel for https.
    """

    def __init__(
        self,
        transcript: Transcript,
        ssl_context: ssl.SSLContext,
        proxy: Target | None = None,
        label: str | None = None,
    ) -> None:
        backend = _RecordingBackend(transcript, label if proxy is not None else None)
        self._pool: httpcore.ConnectionPool
        if proxy is None:
            self._pool = httpcore.ConnectionPool(
                ssl_context=ssl_context, network_backend=backend, http1=True, http2=False
            )
        else:
            # Built from our reading of --proxy, so both go to the same host and port.
            url = httpcore.URL(
                scheme=b"http", host=_host_bytes(proxy.host), port=proxy.port, target=b"/"
            )
            self._pool = httpcore.HTTPProxy(
                proxy_url=url,
                ssl_context=ssl_context,
                network_backend=backend,
                http1=True,
                http2=False,
            )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.SyncByteStream)
        req = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        resp = self._pool.handle_request(req)
        assert isinstance(resp.stream, Iterable)
        return httpx.Response(
            status_code=resp.status,
            headers=resp.headers,
            stream=_Stream(resp.stream),
            extensions=resp.extensions,
        )

    def close(self) -> None:
        self._pool.close()


def _kind(exc: BaseException) -> ErrorKind:
    """Map httpx's and httpcore's exceptions (both can surface) to our kinds."""
    name = type(exc).__name__
    if "Timeout" in name:
        return ErrorKind.CONNECT_TIMEOUT if "Connect" in name else ErrorKind.READ_TIMEOUT
    # Before ConnectError: httpcore raises a failed TLS handshake as a ConnectError too.
    if isinstance(exc, ssl.SSLError) or "SSL" in str(exc) or "certificate" in str(exc):
        return ErrorKind.TLS
    if name in ("ConnectError",):
        return ErrorKind.REFUSED if "refused" in str(exc).lower() else ErrorKind.OS
    if name in ("RemoteProtocolError", "LocalProtocolError", "ProtocolError"):
        return ErrorKind.PROTOCOL
    if name in ("ReadError", "WriteError"):
        return ErrorKind.RESET
    if name == "DecodingError":
        return ErrorKind.PROTOCOL
    return ErrorKind.PROTOCOL


def _keep_alive(resp: httpx.Response, method: bytes) -> bool:
    """Whether httpcore would reuse the connection: h11's rules, as httpx exposes no flag.

    h11 closes after ``Connection: close`` or an HTTP/1.0 response, and a body
    without Content-Length or chunking can only end at close.
    """
    tokens = {t.strip().lower() for t in resp.headers.get("connection", "").split(",")}
    if "close" in tokens or resp.http_version != "HTTP/1.1":
        return False
    no_body = method.upper() == b"HEAD" or resp.status_code in (204, 304)
    framed = "content-length" in resp.headers or "transfer-encoding" in resp.headers
    return no_body or framed


def run(spec: RequestSpec, options: SendOptions) -> Exchange:
    """Send the spec with httpx; never raises for what the library raises."""
    report = LibraryReport(ENGINE, f"httpx {httpx.__version__}, httpcore {httpcore.__version__}")
    why = not_expressible(spec)
    if why is not None:
        return unexpressed(ENGINE, spec, report, why, options)
    try:
        proxy = proxy_target(options)
    except InputError as exc:
        return bad_input(ENGINE, spec, report, exc, options)
    transcript = Transcript(options.spill_threshold)
    started = transcript.started
    error: ExchangeError | None = None
    context = make_context(options.verify, options.cacert)
    transport = RecordingTransport(transcript, context, proxy, options.proxy)
    timeout = httpx.Timeout(options.read_timeout, connect=options.connect_timeout)
    try:
        with httpx.Client(transport=transport, timeout=timeout, follow_redirects=False) as client:
            request = client.build_request(
                spec.method.decode("latin-1"),
                spec.url,
                headers=list(spec.headers),
                content=spec.body or None,
            )
            # Streamed, so that what httpx made of the head is kept when reading the body
            # raises (a truncated body, a body that never ends), as with http.client.
            resp = client.send(request, stream=True)
            try:
                report.status = resp.status_code
                report.reason = resp.reason_phrase
                report.http_version = resp.http_version
                report.headers = header_text(resp.headers.multi_items())
                report.keep_alive = _keep_alive(resp, spec.method)
                report.body_decoded = bool(resp.headers.get("content-encoding"))
                report.body = resp.read()
            finally:
                resp.close()
    except Exception as exc:  # noqa: BLE001 - each library failure is a result, not a crash
        kind = _kind(exc)
        report.exception = exception_doc(exc, kind)
        if proxy is not None and not any(e.kind is EventKind.CONNECT for e in transcript.events):
            where = f"the proxy {options.proxy}"
            transcript.record_event(EventKind.ERROR, f"{where}: {type(exc).__name__}: {exc}")
        report.hung = kind is ErrorKind.READ_TIMEOUT
        if report.hung:
            transcript.record_event(EventKind.TIMEOUT, "httpx waited until the timeout")
        error = ExchangeError(kind, f"{type(exc).__name__}: {exc}")
    return finish(ENGINE, spec, transcript, started, report, error, options)
