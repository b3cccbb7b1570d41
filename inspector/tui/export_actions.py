"""Exports in the app (issue 8), kept out of ``app.py``.

:class:`ExportActions` is a base of :class:`~inspector.tui.app.InspectorApp`. The
request formats (curl, Python ``socket`` / ``http.client`` / ``httpx``) export
the editor's request with its variables filled in (the shown exchange's request
when the editor's cannot be built); HAR and raw bytes export the shown exchange
(HAR with its comparisons). Secret values are replaced by ``{{name}}`` unless
the user ticks "include secrets". Files are written atomically into the export
folder (a relative name) or where an absolute name says.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from inspector.model import Exchange, InputError, RequestSpec
from inspector.render.editable import bytes_to_editable
from inspector.render.escape import safe_text
from inspector.store.atomic import atomic_write
from inspector.tui.builder import RequestBuilder
from inspector.tui.exportview import ExportScreen, Rendered
from inspector.tui.redact import Redactor

FORMATS = (
    ("curl", "curl command"),
    ("socket", "Python: socket"),
    ("http.client", "Python: http.client"),
    ("httpx", "Python: httpx"),
    ("har", "HAR 1.2: the exchange and its comparisons"),
    ("sent", "raw bytes sent"),
    ("received", "raw bytes received"),
)
"""Format keys and their labels, in menu order."""
PREVIEW_LIMIT = 256 * 1024
"""Characters of an export shown on screen (a saved file holds all of it)."""
_FILES = {
    "curl": "request.sh",
    "socket": "request_socket.py",
    "http.client": "request_http_client.py",
    "httpx": "request_httpx.py",
    "har": "exchange.har",
    "sent": "sent.bin",
    "received": "received.bin",
}
if TYPE_CHECKING:
    from inspector.formats.code import PythonTarget

_TARGETS: dict[str, PythonTarget] = {
    "socket": "socket",
    "http.client": "http.client",
    "httpx": "httpx",
}
SECRETS_NOTE = "secret values are shown as {{name}} (tick 'include secrets' to export them)"


def _preview(text: str) -> str:
    """Export text safe to show: each line escaped, long texts cut."""
    cut = text[:PREVIEW_LIMIT]
    shown = "\n".join(safe_text(line) for line in cut.split("\n"))
    return shown + (
        "\n... (cut here on screen; the saved file holds it all)" if cut != text else ""
    )


class ExportActions(App[None]):
    """Keys, commands and handlers of the export screen."""

    BINDINGS = [Binding("f10", "export", "Export", show=False)]

    exchange: Exchange | None
    export_dir: Path | None = None
    """Where exports go when given a relative file name (None: only absolute names)."""

    def setup_exports(self, folder: Path | None) -> None:
        """Write exports under ``folder``."""
        self.export_dir = folder

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Each export format in the command palette."""
        yield from super().get_system_commands(screen)
        for key, label in FORMATS:
            yield SystemCommand(
                f"Export: {label}",
                "Show, copy or save it (f10)",
                lambda k=key: self.action_export(k),
            )

    def action_export(self, fmt: str = "curl") -> None:
        """Open the export screen on a format."""
        self.push_screen(ExportScreen(self.render_export, FORMATS, fmt))

    # ------------------------------------------------------------ rendering
    def _request(self) -> RequestSpec | None:
        try:
            return self.query_one(RequestBuilder).request()[0]
        except InputError:
            return self.exchange.spec if self.exchange is not None else None

    def render_export(self, fmt: str, include_secrets: bool) -> Rendered:
        # The exporters load on first use: they are not needed for the first frame.
        from inspector.formats.code import to_python
        from inspector.formats.curl import to_curl
        from inspector.formats.har import exchanges_to_har
        from inspector.formats.har_losses import har_losses, sent_bytes

        """One format's output (pure work on the shown request and exchange)."""
        secrets = {} if include_secrets else self.query_one(RequestBuilder).secrets
        redactor = Redactor(secrets)
        note = (SECRETS_NOTE,) if redactor else ()
        filename = _FILES.get(fmt, "export.txt")
        if fmt in ("curl", "socket", "http.client", "httpx"):
            spec = self._request()
            if spec is None:
                return Rendered("nothing to export: the request cannot be built", b"")
            hidden = redactor.spec(spec)
            export = to_curl(hidden) if fmt == "curl" else to_python(hidden, _TARGETS[fmt])
            text = redactor.text(export.text)
            return Rendered(
                _preview(text), text.encode("utf-8"), export.caveats + note, filename, text
            )
        exchange = self.exchange
        if exchange is None:
            return Rendered("nothing to export: no exchange yet (ctrl+j sends)", b"")
        redactor.learn(exchange.spec)
        if fmt == "har":
            exchanges = [exchange, *exchange.comparisons]
            text = redactor.text(json.dumps(exchanges_to_har(exchanges), indent=2))
            losses = tuple(f"{e.engine}: {loss}" for e in exchanges for loss in har_losses(e))
            return Rendered(_preview(text), text.encode("utf-8"), losses + note, filename, text)
        data = sent_bytes(exchange) if fmt == "sent" else exchange.transcript.received.read()
        data = redactor.data(data)
        caveat = (f"{len(data)} bytes, exactly as {'sent' if fmt == 'sent' else 'received'}",)
        return Rendered(
            _preview(bytes_to_editable(data[:PREVIEW_LIMIT])), data, caveat + note, filename
        )

    # ------------------------------------------------------------ saving
    @on(ExportScreen.SaveWanted)
    def _save_export(self, message: ExportScreen.SaveWanted) -> None:
        path = Path(message.path).expanduser()
        if not message.path:
            message.export_screen.saved("give a file name first")
            return
        if not path.is_absolute():
            if self.export_dir is None:
                message.export_screen.saved("no export folder: give an absolute path")
                return
            path = self.export_dir / path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(path, message.data)
        except OSError as exc:
            message.export_screen.saved(f"cannot save {path}: {exc.strerror or exc}")
            return
        message.export_screen.saved(f"saved {len(message.data)} bytes to {path}")
