"""The Connection tab: addresses, new or reused, who closed it and how, TLS facts.

Certificate fields and addresses come from the network: each goes through
:func:`~inspector.render.escape.safe_text` and into a ``Text``, never into markup.
Python's ``ssl`` module exposes only the server's own (leaf) certificate of a verified
connection, not the chain it was verified with, so that is what is shown, and said.
"""

from __future__ import annotations

import os

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from inspector.model import EventKind, Exchange
from inspector.render.escape import safe_text

CLOSED_BY = {
    "open": "nobody: kept open for the next request",
    "server-fin": "the server (FIN: an orderly close)",
    "server-rst": "the server (RST: the connection was reset)",
    "timeout": "us, after the read timeout",
    "client": "us (cancelled, or the response said Connection: close)",
    "not-connected": "never connected",
}
KEY = 12


def _line(text: Text, key: str, value: str, style: str = "") -> None:
    text.append(f"{key:<{KEY}}", style="bold")
    text.append(safe_text(value) + "\n", style=style)


def connection_text(exchange: Exchange | None, keylog: str | None) -> Text:
    """The connection and TLS facts of an exchange as lines of ``key value``.

    Args:
        exchange: The exchange shown (None: nothing yet).
        keylog: The ``SSLKEYLOGFILE`` setting, if any.
    """
    text = Text()
    if exchange is None:
        return Text("No exchange yet.", style="dim")
    conn = exchange.connection
    if conn is None:
        text.append(f"{exchange.engine}: no connection facts recorded\n", style="dim")
    else:
        how = "reused (opened by an earlier exchange)" if conn.reused else "new (opened for this)"
        text.append(f"Connection #{conn.id}  ", style="bold underline")
        text.append(how + "\n", style="yellow" if conn.reused else "green")
        _line(text, "remote", conn.remote or "-")
        _line(text, "local", conn.local or "-")
        if conn.addresses_tried:
            _line(text, "tried", ", ".join(conn.addresses_tried), "dim")
        _line(text, "proxy", conn.proxy or "none (direct)", "" if conn.proxy else "dim")
        closed = CLOSED_BY.get(conn.closed_by, conn.closed_by)
        style = "red" if conn.closed_by == "server-rst" else ""
        _line(text, "closed by", f"{conn.closed_by}: {closed}", style)
    close = [e for e in exchange.transcript.events if e.kind in (EventKind.EOF, EventKind.CLOSE)]
    for ev in close:
        t = ev.t - exchange.transcript.started
        _line(text, "", f"{ev.kind.value} at +{t:.6f} s {ev.detail}".rstrip(), "dim")
    text.append("\n")
    text.append_text(tls_text(exchange, keylog))
    return text


def tls_text(exchange: Exchange, keylog: str | None) -> Text:
    """TLS version, cipher, ALPN, the peer certificate and the key-log file."""
    text = Text()
    tls = exchange.tls
    text.append("TLS\n", style="bold underline")
    if tls is None:
        text.append("none: plain HTTP (or the handshake did not finish)\n", style="dim")
    else:
        _line(text, "version", tls.version)
        _line(text, "cipher", tls.cipher)
        _line(text, "ALPN", tls.alpn or "none negotiated", "" if tls.alpn else "dim")
        cert = tls.peer_cert
        text.append("certificate ", style="bold")
        text.append(
            "the server's own certificate (Python's ssl module does not expose the chain)\n",
            style="dim",
        )
        if cert is None:
            text.append("  none received (not verified, so not decoded)\n", style="dim")
        else:
            _line(text, "  subject", cert.subject)
            _line(text, "  issuer", cert.issuer)
            _line(text, "  not after", cert.not_after)
            _line(text, "  SAN", ", ".join(cert.san) or "-")
    if keylog:
        _line(text, "key log", f"SSLKEYLOGFILE={keylog} (TLS secrets are appended there)")
    else:
        text.append(f"{'key log':<{KEY}}", style="bold")
        text.append("SSLKEYLOGFILE is not set (set it to let Wireshark decrypt)\n", style="dim")
    return text


class ConnectionView(VerticalScroll):
    """The connection that carried the shown exchange."""

    DEFAULT_CSS = """
    ConnectionView #conn-text { width: 1fr; height: auto; padding: 0 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.text = connection_text(None, None)
        """What the tab shows: every value from the network escaped."""

    def compose(self) -> ComposeResult:
        yield Static(self.text, id="conn-text", markup=False)

    def show(self, exchange: Exchange | None) -> None:
        """Show the connection and TLS facts of an exchange."""
        self.text = connection_text(exchange, os.environ.get("SSLKEYLOGFILE"))
        if self.is_mounted:
            self.query_one("#conn-text", Static).update(self.text)
