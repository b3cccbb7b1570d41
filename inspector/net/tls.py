"""TLS with the ssl module: context, handshake facts, peer certificate summary."""

from __future__ import annotations

import os
import ssl
from datetime import UTC, datetime
from typing import Any

from inspector.model import InputError, PeerCertificate, TlsInfo


def make_context(verify: bool = True, cacert: str | None = None) -> ssl.SSLContext:
    """A client context: system trust (or ``cacert``), ALPN http/1.1, SSLKEYLOGFILE honoured.

    Raises:
        InputError: ``cacert`` cannot be read as PEM certificates.
    """
    ctx = ssl.create_default_context()
    if cacert:
        try:
            ctx.load_verify_locations(cafile=cacert)
        except (OSError, ssl.SSLError) as exc:
            raise InputError(f"cannot use --cacert {cacert}: {exc}") from None
    if not verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    ctx.set_alpn_protocols(["http/1.1"])
    keylog = os.environ.get("SSLKEYLOGFILE")
    if keylog:
        ctx.keylog_filename = keylog  # lets Wireshark decrypt a capture of this exchange
    return ctx


def _name(parts: Any) -> str:
    return ", ".join(f"{k}={v}" for rdn in parts or () for k, v in rdn)


def _from_dict(cert: dict[str, Any]) -> PeerCertificate:
    return PeerCertificate(
        subject=_name(cert.get("subject")),
        issuer=_name(cert.get("issuer")),
        not_after=str(cert.get("notAfter", "")),
        san=tuple(f"{kind}:{value}" for kind, value in cert.get("subjectAltName", ())),
    )


def _from_der(der: bytes) -> PeerCertificate | None:
    """Decode an unverified certificate (``getpeercert()`` is empty without verification)."""
    try:
        from cryptography import x509
    except ImportError:  # pragma: no cover - cryptography is a dependency
        return None
    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError:
        return None
    try:
        ext = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
        san = tuple(
            [f"DNS:{n}" for n in ext.value.get_values_for_type(x509.DNSName)]
            + [f"IP Address:{ip}" for ip in ext.value.get_values_for_type(x509.IPAddress)]
        )
    except x509.ExtensionNotFound:
        san = ()
    not_after = cert.not_valid_after_utc.astimezone(UTC)
    return PeerCertificate(
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        not_after=datetime.strftime(not_after, "%b %d %H:%M:%S %Y GMT"),
        san=san,
    )


def tls_info(sock: ssl.SSLSocket) -> TlsInfo:
    """What the handshake settled: version, cipher, ALPN and the peer certificate."""
    cipher = sock.cipher()
    # The DER form is there whether or not the certificate was verified, so the
    # summary reads the same in both modes.
    der = sock.getpeercert(binary_form=True)
    peer = _from_der(der) if der else None
    if peer is None:
        cert_dict = sock.getpeercert()
        peer = _from_dict(dict(cert_dict)) if cert_dict else None
    return TlsInfo(
        version=sock.version() or "",
        cipher=cipher[0] if cipher else "",
        alpn=sock.selected_alpn_protocol(),
        peer_cert=peer,
    )
