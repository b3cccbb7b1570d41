"""A local certificate authority and a server certificate for localhost.

Generated with ``cryptography`` on first use, kept in ``data_dir() / "tls"``
and reused; regenerated when a file is missing, unreadable, expired (or about
to), or when the files no longer belong together.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import ssl
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from inspector.paths import data_dir

CA_DAYS = 3650
SERVER_DAYS = 365
_MARGIN = datetime.timedelta(days=1)
_LOCK = threading.Lock()
SERVER_NAMES = ("localhost",)
SERVER_IPS = ("127.0.0.1", "::1")


@dataclass(frozen=True, slots=True)
class TlsFiles:
    """Where the CA and the server certificate live."""

    ca_cert: Path
    """The CA certificate (PEM): what clients verify against (``--cacert``)."""
    ca_key: Path
    server_cert: Path
    server_key: Path

    @classmethod
    def in_dir(cls, directory: Path) -> TlsFiles:
        """The file names inside ``directory``."""
        return cls(
            ca_cert=directory / "ca.pem",
            ca_key=directory / "ca-key.pem",
            server_cert=directory / "server.pem",
            server_key=directory / "server-key.pem",
        )


def tls_dir() -> Path:
    """The default folder: ``data_dir() / "tls"``."""
    return data_dir() / "tls"


def ensure_tls_files(directory: Path | None = None) -> TlsFiles:
    """Return usable CA and server certificate files, generating them if needed.

    Args:
        directory: where to keep them; defaults to :func:`tls_dir`.

    Returns:
        The paths of the four PEM files.
    """
    directory = directory or tls_dir()
    files = TlsFiles.in_dir(directory)
    with _LOCK:
        if not _usable(files):
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            _generate(files)
    return files


def server_context(files: TlsFiles) -> ssl.SSLContext:
    """A server-side SSL context with the server certificate and ALPN ``http/1.1``."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(files.server_cert, files.server_key)
    ctx.set_alpn_protocols(["http/1.1"])
    return ctx


def _usable(files: TlsFiles) -> bool:
    try:
        ca = x509.load_pem_x509_certificate(files.ca_cert.read_bytes())
        leaf = x509.load_pem_x509_certificate(files.server_cert.read_bytes())
        ca_key = serialization.load_pem_private_key(files.ca_key.read_bytes(), None)
        leaf_key = serialization.load_pem_private_key(files.server_key.read_bytes(), None)
        now = datetime.datetime.now(datetime.UTC)
        for cert in (ca, leaf):
            if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc - _MARGIN:
                return False
        leaf.verify_directly_issued_by(ca)
        return ca_key.public_key() == ca.public_key() and leaf_key.public_key() == leaf.public_key()
    except (OSError, ValueError, TypeError, InvalidSignature):
        return False


def _write(path: Path, data: bytes, mode: int) -> None:
    """Write atomically, with ``mode`` from the start (keys are never world-readable)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        os.fchmod(fd, mode)  # O_CREAT's mode is filtered by the umask
        with os.fdopen(fd, "wb") as out:
            out.write(data)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, path)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _generate(files: TlsFiles) -> None:
    now = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=5)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "inspector"),
            x509.NameAttribute(NameOID.COMMON_NAME, "inspector local test CA"),
        ]
    )
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    san = x509.SubjectAlternativeName(
        [x509.DNSName(n) for n in SERVER_NAMES]
        + [x509.IPAddress(ipaddress.ip_address(ip)) for ip in SERVER_IPS]
    )
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=SERVER_DAYS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(san, critical=False)
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(leaf_key.public_key()), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    # A crash midway leaves files that do not belong together: _usable() then regenerates.
    _write(files.ca_key, _key_pem(ca_key), 0o600)
    _write(files.server_key, _key_pem(leaf_key), 0o600)
    _write(files.ca_cert, ca.public_bytes(pem), 0o644)
    _write(files.server_cert, leaf.public_bytes(pem), 0o644)
