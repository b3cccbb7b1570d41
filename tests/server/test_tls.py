"""--tls: the generated local CA verifies the server, and the files are kept and reused."""

from __future__ import annotations

import http.client
import json
import socket
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509

from inspector.paths import ENV_DATA_DIR
from inspector.server import ServerHandle, start_server
from inspector.server import tls as tls_module
from inspector.server.tls import TlsFiles, ensure_tls_files
from tests.server.helpers import get, recv_until_eof


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A throwaway user data folder."""
    monkeypatch.setenv(ENV_DATA_DIR, str(tmp_path))
    return tmp_path


@pytest.fixture
def tls_server(data_dir: Path) -> Iterator[ServerHandle]:
    """An HTTPS server using the data folder's CA."""
    handle = start_server(tls=True)
    yield handle
    handle.stop()


def _client_context(ca_path: Path) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=str(ca_path))
    ctx.set_alpn_protocols(["http/1.1"])
    return ctx


def _snapshot(directory: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(directory.iterdir())}


def test_https_verifies_with_the_generated_ca(tls_server: ServerHandle, data_dir: Path) -> None:
    """The CA in data_dir()/tls verifies the server as 127.0.0.1; the echo says TLS was used."""
    assert tls_server.url == f"https://127.0.0.1:{tls_server.port}"
    assert tls_server.ca_path == data_dir / "tls" / "ca.pem"
    conn = http.client.HTTPSConnection(
        "127.0.0.1", tls_server.port, timeout=5, context=_client_context(tls_server.ca_path)
    )
    try:
        conn.request("GET", "/get")
        resp = conn.getresponse()
        doc = json.loads(resp.read())
    finally:
        conn.close()
    assert resp.status == 200
    assert doc["connection"]["tls"] is True
    assert doc["url"].startswith("https://")


@pytest.mark.parametrize("name", ["localhost", "127.0.0.1"])
def test_certificate_names_and_alpn(tls_server: ServerHandle, name: str) -> None:
    """The certificate is valid for localhost and 127.0.0.1, and ALPN picks http/1.1."""
    assert tls_server.ca_path is not None
    ctx = _client_context(tls_server.ca_path)
    with (
        socket.create_connection(("127.0.0.1", tls_server.port), timeout=5) as raw,
        ctx.wrap_socket(raw, server_hostname=name) as sock,
    ):
        assert sock.selected_alpn_protocol() == "http/1.1"
        sock.sendall(get("/status/204"))
        data, _ = recv_until_eof(sock)
    assert data.startswith(b"HTTP/1.1 204 No Content\r\n")


def test_san_covers_ipv6_loopback(tls_server: ServerHandle) -> None:
    """The server certificate lists localhost, 127.0.0.1 and ::1."""
    assert tls_server.ca_path is not None
    files = TlsFiles.in_dir(tls_server.ca_path.parent)
    cert = x509.load_pem_x509_certificate(files.server_cert.read_bytes())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["localhost"]
    assert [str(ip) for ip in san.get_values_for_type(x509.IPAddress)] == ["127.0.0.1", "::1"]


def test_untrusted_client_fails_and_server_carries_on(tls_server: ServerHandle) -> None:
    """A client without the CA rejects the certificate; the server keeps serving others."""
    with (
        socket.create_connection(("127.0.0.1", tls_server.port), timeout=5) as raw,
        pytest.raises(ssl.SSLCertVerificationError),
    ):
        ssl.create_default_context().wrap_socket(raw, server_hostname="localhost")
    assert tls_server.ca_path is not None
    ctx = _client_context(tls_server.ca_path)
    with (
        socket.create_connection(("127.0.0.1", tls_server.port), timeout=5) as raw,
        ctx.wrap_socket(raw, server_hostname="localhost") as sock,
    ):
        sock.sendall(get("/status/200"))
        assert recv_until_eof(sock)[0].startswith(b"HTTP/1.1 200 OK")


def test_private_keys_are_0600(tls_server: ServerHandle, data_dir: Path) -> None:
    """Both private keys are readable by their owner only."""
    for name in ("ca-key.pem", "server-key.pem"):
        assert (data_dir / "tls" / name).stat().st_mode & 0o777 == 0o600


def test_files_are_reused_on_a_second_start(tls_server: ServerHandle, data_dir: Path) -> None:
    """A second server with the same data folder reuses the CA and certificate untouched."""
    before = _snapshot(data_dir / "tls")
    with start_server(tls=True) as second:
        assert second.ca_path == tls_server.ca_path
    assert _snapshot(data_dir / "tls") == before


@pytest.mark.parametrize("damage", ["delete", "garbage", "other-ca"])
def test_broken_files_are_regenerated(tmp_path: Path, damage: str) -> None:
    """A missing, unreadable or mismatched file makes a fresh, working set."""
    files = ensure_tls_files(tmp_path)
    old_ca = files.ca_cert.read_bytes()
    if damage == "delete":
        files.server_key.unlink()
    elif damage == "garbage":
        files.server_cert.write_bytes(b"not a certificate")
    else:
        other = ensure_tls_files(tmp_path / "other")
        files.ca_cert.write_bytes(other.ca_cert.read_bytes())
    fresh = ensure_tls_files(tmp_path)
    assert fresh.ca_cert.read_bytes() != old_ca
    assert tls_module._usable(fresh)


def test_expired_certificate_is_regenerated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server certificate that has expired (or is about to) is replaced."""
    monkeypatch.setattr(tls_module, "SERVER_DAYS", 0)
    files = ensure_tls_files(tmp_path)
    expired = files.server_cert.read_bytes()
    monkeypatch.setattr(tls_module, "SERVER_DAYS", 365)
    ensure_tls_files(tmp_path)
    assert files.server_cert.read_bytes() != expired
    assert tls_module._usable(files)
