"""TLS with a CA made for the run: verification, handshake facts, plaintext transcript, key log."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from inspector.model import ErrorKind, EventKind
from inspector.net import CancelToken, Client, send
from inspector.server import ServerHandle, start_server
from tests.net.helpers import FAST, LocalCA, get, ok
from tests.scripted import ScriptedServer, read_request, stall, write

Serve = Callable[..., ScriptedServer]


def _https(srv: ScriptedServer, host: str = "localhost", path: str = "/") -> str:
    return f"https://{host}:{srv.port}{path}"


def test_tls_exchange_with_a_trusted_ca(serve: Serve, local_ca: LocalCA) -> None:
    """With --cacert the handshake verifies; TlsInfo holds version, cipher, ALPN, certificate."""
    srv = serve([read_request(), write(ok(b"secret"))], tls=local_ca.server_context())
    ex = send(get(_https(srv)), replace(FAST, cacert=local_ca.cafile))
    assert ex.error is None, ex.error
    tls = ex.tls
    assert tls is not None
    assert tls.version.startswith("TLSv1.")
    assert tls.cipher
    assert tls.alpn == "http/1.1"
    cert = tls.peer_cert
    assert cert is not None
    assert "trustme" in cert.subject and "Testing cert" in cert.subject
    assert "Testing CA" in cert.issuer
    assert {"DNS:localhost", "IP Address:127.0.0.1"} <= set(cert.san)
    assert cert.not_after
    assert ex.timings.tls is not None and ex.timings.tls >= 0
    assert EventKind.TLS in [e.kind for e in ex.transcript.events]


def test_the_tls_transcript_holds_plaintext(serve: Serve, local_ca: LocalCA) -> None:
    """Above TLS the transcript records the HTTP bytes the server decrypted and wrote."""
    reply = ok(b"secret")
    srv = serve([read_request(), write(reply)], tls=local_ca.server_context())
    ex = send(get(_https(srv, path="/p")), replace(FAST, cacert=local_ca.cafile))
    sent, received = ex.transcript.sent.read(), ex.transcript.received.read()
    assert sent.startswith(b"GET /p HTTP/1.1\r\n")
    assert b"HTTP/1.1" in received
    assert sent == srv.connection(0).received
    assert received == srv.connection(0).sent == reply


def test_default_trust_rejects_an_unknown_ca(serve: Serve, local_ca: LocalCA) -> None:
    """Without --cacert the system store does not know our CA: TLS error saying verification."""
    srv = serve([read_request(), write(ok())], tls=local_ca.server_context())
    ex = send(get(_https(srv)), FAST)
    assert ex.error is not None and ex.error.kind is ErrorKind.TLS
    assert "verification" in ex.error.message
    assert "issuer" in ex.error.message  # the reason from OpenSSL is passed on
    assert ex.response is None
    assert len(ex.transcript.sent) == 0
    assert srv.connection(0).requests == []


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1"])
def test_a_certificate_for_another_name_is_rejected(
    serve: Serve, local_ca: LocalCA, host: str
) -> None:
    """A trusted certificate for other.example does not verify for localhost or 127.0.0.1."""
    srv = serve([read_request(), write(ok())], tls=local_ca.server_context("other.example"))
    ex = send(get(_https(srv, host)), replace(FAST, cacert=local_ca.cafile))
    assert ex.error is not None and ex.error.kind is ErrorKind.TLS
    assert "verification" in ex.error.message
    assert host in ex.error.message
    assert ex.response is None


def test_verify_false_accepts_any_certificate(serve: Serve, local_ca: LocalCA) -> None:
    """--insecure: an unknown CA and a wrong name are accepted; the certificate is still shown."""
    srv = serve([read_request(), write(ok())], tls=local_ca.server_context("other.example"))
    ex = send(get(_https(srv)), replace(FAST, verify=False))
    assert ex.error is None
    assert ex.tls is not None and ex.tls.peer_cert is not None
    assert ex.tls.peer_cert.san == ("DNS:other.example",)
    assert ex.response_body() == b"ok"


def test_sslkeylogfile_gets_the_session_keys(
    serve: Serve, local_ca: LocalCA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With SSLKEYLOGFILE set, the session secrets are written so a capture can be decrypted."""
    keylog = tmp_path / "keys.log"
    monkeypatch.setenv("SSLKEYLOGFILE", str(keylog))
    srv = serve([read_request(), write(ok())], tls=local_ca.server_context())
    ex = send(get(_https(srv)), replace(FAST, cacert=local_ca.cafile))
    assert ex.error is None
    lines = keylog.read_text().splitlines()
    labels = {line.split()[0] for line in lines if line and not line.startswith("#")}
    assert labels & {"CLIENT_TRAFFIC_SECRET_0", "CLIENT_RANDOM"}


def test_an_unreadable_cacert_is_an_invalid_request(serve: Serve, tmp_path: Path) -> None:
    """A --cacert that is not PEM is bad input: INVALID_REQUEST, not a crash."""
    bad = tmp_path / "bad.pem"
    bad.write_text("not a certificate")
    srv = serve([stall()])
    ex = send(get(_https(srv)), replace(FAST, cacert=str(bad)))
    assert ex.error is not None and ex.error.kind is ErrorKind.INVALID_REQUEST
    assert str(bad) in ex.error.message


def test_tls_to_a_plain_http_server_is_a_tls_error(serve: Serve) -> None:
    """Speaking TLS to a server that answers plain HTTP gives a TLS error, not a hang."""
    srv = serve([write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"), stall(2)])
    ex = send(get(_https(srv)), FAST)
    assert ex.error is not None and ex.error.kind is ErrorKind.TLS


def test_a_silent_tls_server_times_out_within_the_connect_timeout(serve: Serve) -> None:
    """A server that never answers the ClientHello: the handshake ends by the connect timeout."""
    srv = serve([stall()])
    t0 = time.monotonic()
    ex = send(get(_https(srv)), replace(FAST, connect_timeout=0.3, read_timeout=5.0))
    assert time.monotonic() - t0 < 5 * 0.3
    assert ex.error is not None and ex.error.kind is ErrorKind.TLS
    assert "timed out" in ex.error.message


def test_cancel_mid_body_over_tls(serve: Serve, local_ca: LocalCA) -> None:
    """cancel() during a stalled TLS body: CANCELLED at once with the plaintext that arrived."""
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"
    srv = serve([read_request(), write(head + b"abc"), stall()], tls=local_ca.server_context())
    token = CancelToken()
    timer = threading.Timer(0.3, token.cancel)
    timer.start()
    t0 = time.monotonic()
    ex = send(get(_https(srv)), replace(FAST, cacert=local_ca.cafile, read_timeout=10.0), token)
    timer.join()
    assert time.monotonic() - t0 < 5.0
    assert ex.error is not None and ex.error.kind is ErrorKind.CANCELLED
    assert ex.response_body() == b"abc"


@pytest.fixture(scope="module")
def builtin_tls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerHandle]:
    """The built-in server over HTTPS, with its CA generated in a temporary folder."""
    handle = start_server("127.0.0.1", tls=True, tls_dir=tmp_path_factory.mktemp("tls"))
    yield handle
    handle.stop()


def test_builtin_tls_server_with_its_ca_and_reuse(builtin_tls: ServerHandle) -> None:
    """The built-in HTTPS server verifies with its CA; two requests share one TLS connection."""
    assert builtin_tls.ca_path is not None
    with Client(replace(FAST, cacert=str(builtin_tls.ca_path), keep_body=True)) as client:
        first = client.send(get(builtin_tls.url + "/get"))
        second = client.send(get(builtin_tls.url + "/get?again=1"))
    assert first.error is None and second.error is None
    doc = json.loads(first.response_body())
    assert doc["connection"]["tls"] is True
    assert first.tls is not None and first.tls.alpn == "http/1.1"
    assert first.tls.peer_cert is not None and "IP Address:127.0.0.1" in first.tls.peer_cert.san
    assert second.connection is not None and second.connection.reused is True
    assert json.loads(second.response_body())["connection"]["request_number"] == 2


def test_cancel_during_the_tls_handshake(serve: Serve) -> None:
    """cancel() while the server ignores the ClientHello returns long before the timeout."""
    srv = serve([stall()])
    token = CancelToken()
    timer = threading.Timer(0.2, token.cancel)
    timer.start()
    t0 = time.monotonic()
    ex = send(get(_https(srv)), replace(FAST, connect_timeout=2.5), token)
    timer.join()
    assert ex.error is not None and ex.error.kind is ErrorKind.CANCELLED
    assert time.monotonic() - t0 < 5 * 0.2  # 5x the time at which cancel() was called
