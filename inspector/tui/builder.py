"""The request builder: method, URL, and tabs for query, headers, body, auth, options, raw."""

from __future__ import annotations

from dataclasses import replace

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.suggester import SuggestFromList
from textual.widget import Widget
from textual.widgets import (
    Button,
    Checkbox,
    Input,
    Select,
    Static,
    TabbedContent,
    TabPane,
    TextArea,
)

from inspector.formats.curl import looks_like_curl
from inspector.model import InputError, RequestSpec
from inspector.net import SendOptions, wire_bytes
from inspector.render.editable import bytes_to_editable, editable_to_bytes
from inspector.store.env import mask
from inspector.tui.form import (
    AUTH_KINDS,
    BODY_KINDS,
    METHODS,
    Form,
    build_spec,
    query_lines,
    url_with_query,
    validate_url,
)
from inspector.tui.headers_editor import HeadersEditor
from inspector.tui.safefields import SafeInput, SafeTextArea
from inspector.tui.savedform import resolve_form, resolve_text
from inspector.wire.serialize import update_content_length

DEFERRED_TABS = (
    ("Headers", "tab-headers"),
    ("Body", "tab-body"),
    ("Auth", "tab-auth"),
    ("Options", "tab-options"),
    ("Raw", "tab-raw"),
)
"""The request tabs after Query: their widgets mount just after the first frame."""

RAW_LABELS = {
    False: "form mode: these are the exact bytes the form will send",
    True: "raw mode: these bytes are sent exactly as written (escapes: \\r \\n \\xNN)",
}


class UrlInput(Input):
    """The URL field; a pasted ``curl ...`` command fills the whole builder instead."""

    class CurlPasted(Message):
        """A curl command was pasted."""

        def __init__(self, command: str) -> None:
            super().__init__()
            self.command = command

    def _on_paste(self, event: events.Paste) -> None:
        if looks_like_curl(event.text):
            event.stop()
            self.post_message(self.CurlPasted(event.text))
            return
        super()._on_paste(event)


class RequestBuilder(Vertical):
    """Composes a request; the Raw tab always shows the exact bytes that will be sent."""

    class Changed(Message):
        """The request changed (so the app can refresh what depends on it)."""

    def __init__(self, form: Form, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._initial = form
        self.raw_mode = False
        self._expected: dict[str, str] = {}  # text we set ourselves, per widget id
        self.variables: dict[str, str] = {}
        """Values for ``{{name}}`` references, filled in when the request is built."""
        self.secrets: dict[str, str] = {}
        """Secret names and values: masked in the Raw tab unless ``reveal`` is set."""
        self.reveal = False
        """Whether the Raw tab shows secret values."""
        self.request_name = ""
        """The saved request's name, put in the spec's ``meta`` (history shows it)."""
        self._raw_source = ""  # the Raw tab's true text; the tab may show it masked
        self._panes = "built"
        """The hidden tabs' widgets: "built", "mounting" (after the first frame), "ready"."""
        self._pending_load: tuple[Form, bool] | None = None  # a load() while mounting
        self._build_panes(form, verify=True)

    def _build_panes(self, f: Form, verify: bool) -> None:
        """The widgets of the tabs hidden at start: built now, mounted after the first frame.

        Composing and styling them before the first frame would delay it by about a
        third, for tabs nobody sees yet. Their values can be read (and, until they
        are mounted, rebuilt) meanwhile, so the builder works from the start.
        """
        self._built_from = (f, verify)  # what the fields hold until they are mounted
        self._headers = HeadersEditor(f.headers, id="headers")
        self._body_kind: Select[str] = Select(
            [(k, k) for k in BODY_KINDS], value=f.body_kind, id="body-kind", allow_blank=False
        )
        self._body_file = Input(f.body_file, id="body-file", placeholder="path of the body file")
        self._body = SafeTextArea(f.body, id="body", soft_wrap=True)
        self._show_body_kind(f.body_kind)
        self._auth_kind: Select[str] = Select(
            [(k, k) for k in AUTH_KINDS], value=f.auth_kind, id="auth-kind", allow_blank=False
        )
        self._auth_user = Input(f.auth_user, id="auth-user", placeholder="user (basic)")
        self._auth_password = Input(
            f.auth_password, id="auth-password", placeholder="password (basic)", password=True
        )
        self._auth_token = Input(
            f.auth_token, id="auth-token", placeholder="token (bearer)", password=True
        )
        self._connect_timeout = Input("10", id="connect-timeout", placeholder="connect timeout (s)")
        self._read_timeout = Input("30", id="read-timeout", placeholder="read timeout (s)")
        self._http10 = Checkbox("HTTP/1.0", f.http10, id="http10")
        self._verify = Checkbox("verify TLS certificates", verify, id="verify")
        self._auto_headers = Checkbox(
            "automatic headers (Host, User-Agent, Accept, Content-Length)",
            f.auto_headers,
            id="auto-headers",
        )
        target = SafeInput(  # a saved target may hold any bytes
            f.request_target,
            id="request-target",
            placeholder="request target: empty = from the URL; * or an absolute URL",
            tooltip="sent on the request line instead of the URL's path and query",
        )
        target.border_title = "Request target"  # stays when the field holds a value
        self._request_target = target

    def compose(self) -> ComposeResult:
        f = self._initial
        with Horizontal(id="urlbar"):
            yield Input(
                f.method, id="method", suggester=SuggestFromList(METHODS), placeholder="METHOD"
            )
            yield UrlInput(f.url, id="url", placeholder="http://127.0.0.1:8080/get")
            yield Button("Send", id="send", variant="primary")
        yield Static("", id="form-error", markup=False)
        with TabbedContent(id="request-tabs"):
            with TabPane("Query", id="tab-query"):
                yield SafeTextArea(query_lines(f.url), id="query", soft_wrap=False)
            for title, pane_id in DEFERRED_TABS:
                yield TabPane(title, id=pane_id)

    def on_mount(self) -> None:
        self._sync_raw()
        self.call_after_refresh(self._mount_panes)

    async def _mount_panes(self) -> None:
        """Mount the hidden tabs' widgets, just after the first frame."""
        options = VerticalScroll(  # scrolls: at 80x24 the tab shows about one field
            self._connect_timeout,
            self._read_timeout,
            self._http10,
            self._verify,
            self._auto_headers,
            self._request_target,
            id="options",
        )
        raw_actions = Horizontal(
            Button("Update Content-Length", id="fix-length"),
            Button("Back to the form", id="raw-reset"),
            id="raw-actions",
        )
        panes: dict[str, list[Widget]] = {
            "tab-headers": [self._headers],
            "tab-body": [self._body_kind, self._body_file, self._body],
            "tab-auth": [self._auth_kind, self._auth_user, self._auth_password, self._auth_token],
            "tab-options": [options],
            "tab-raw": [
                Static(RAW_LABELS[False], id="raw-mode", markup=False),
                TextArea("", id="raw", soft_wrap=False),
                raw_actions,
            ],
        }
        self._panes = "mounting"
        mounting = [self.query_one(f"#{pane}", TabPane).mount_all(ws) for pane, ws in panes.items()]
        for done in mounting:
            await done
        self._panes = "ready"
        pending, self._pending_load = self._pending_load, None
        if pending is not None:
            self.load(*pending)
        self._show_raw()

    # ----------------------------------------------------------- the request
    def form(self) -> Form:
        """The fields as they are now."""
        method = self.query_one("#method", Input).value
        url = self.query_one("#url", Input).value
        if self._panes != "ready":  # a Select shows its value only once mounted
            return replace(self._unmounted()[0], method=method, url=url)
        return Form(
            method=method,
            url=url,
            headers=self._headers.text,
            body_kind=str(self._body_kind.value),
            body=self._body.text,
            body_file=self._body_file.value,
            auth_kind=str(self._auth_kind.value),
            auth_user=self._auth_user.value,
            auth_password=self._auth_password.value,
            auth_token=self._auth_token.value,
            http10=self._http10.value,
            auto_headers=self._auto_headers.value,
            request_target=self._request_target.value,
        )

    def options(self) -> SendOptions:
        """Timeouts and TLS verification from the Options tab.

        Raises:
            InputError: a timeout is not a positive number.
        """
        values = []
        for wid, field in (
            ("connect-timeout", self._connect_timeout),
            ("read-timeout", self._read_timeout),
        ):
            raw = field.value.strip()
            try:
                value = float(raw)
            except ValueError:
                value = -1.0
            if value <= 0:
                raise InputError(f"the {wid.replace('-', ' ')} must be a positive number")
            values.append(value)
        return SendOptions(
            connect_timeout=values[0],
            read_timeout=values[1],
            verify=self._unmounted()[1] if self._panes != "ready" else self._verify.value,
        )

    def _unmounted(self) -> tuple[Form, bool]:
        """Until the hidden tabs are mounted: the form (and verify) their fields hold."""
        return self._pending_load or self._built_from

    def request(self) -> tuple[RequestSpec, SendOptions]:
        """The spec and options to send now (raw bytes in raw mode).

        Raises:
            InputError: the form cannot be sent; the message says why.
        """
        options = self.options()
        if self.raw_mode:
            url = resolve_text(self.query_one("#url", Input).value.strip(), self.variables)
            problem = validate_url(url)
            if problem:
                raise InputError(problem)
            raw = editable_to_bytes(self._raw_source)
            spec = RequestSpec(url=url, raw=raw)
        else:
            pending = self._pending_load  # loaded while the tabs mount: check those rows
            problem = (HeadersEditor(pending[0].headers) if pending else self._headers).problem()
            if problem:
                raise InputError(problem)
            spec = build_spec(resolve_form(self.form(), self.variables))
        if self.request_name:
            spec = replace(spec, meta={"name": self.request_name})
        return spec, options

    def load(self, form: Form, verify: bool = True) -> None:
        """Fill every field from a form (a pasted curl command, a saved request)."""
        self._set_raw_mode(False)
        self.query_one("#method", Input).value = form.method
        self._set_input("url", form.url)
        self._set_area("query", query_lines(form.url))
        if self._panes == "built":  # not mounted yet: build them anew from the form
            self._build_panes(form, verify)
        elif self._panes == "mounting":  # applied once they are mounted
            self._pending_load = (form, verify)
        else:
            self._headers.load(form.headers)
            self._body_kind.value = form.body_kind
            self._set_area("body", form.body)
            self._body_file.value = form.body_file
            self._auth_kind.value = form.auth_kind
            self._auth_user.value = form.auth_user
            self._auth_password.value = form.auth_password
            self._auth_token.value = form.auth_token
            self._http10.value = form.http10
            self._auto_headers.value = form.auto_headers
            self._request_target.value = form.request_target
            self._verify.value = verify
        self._sync_raw()

    def load_raw(self, url: str, raw: bytes) -> None:
        """Raw mode with these exact bytes, sent to ``url`` (a template)."""
        self._set_input("url", url)
        self._set_area("query", query_lines(url))
        self._raw_source = bytes_to_editable(raw)
        self._set_raw_mode(True)
        self._show_raw()

    def snapshot(self) -> tuple[Form, bool, str]:
        """The fields, raw mode and raw text: equal snapshots send equal requests."""
        return self.form(), self.raw_mode, self._raw_source if self.raw_mode else ""

    def set_variables(self, variables: dict[str, str], secrets: dict[str, str]) -> None:
        """Use these variables (and mask these secrets) from now on."""
        self.variables, self.secrets = dict(variables), dict(secrets)
        self._sync_raw()
        self._show_raw()

    def set_reveal(self, reveal: bool) -> None:
        """Show secret values in the Raw tab, or mask them."""
        self.reveal = reveal
        self._show_raw()

    # ------------------------------------------------------------- syncing
    def _set_area(self, wid: str, value: str) -> None:
        area = self.query_one(f"#{wid}", TextArea)
        if area.text != value:
            self._expected[wid] = value
            area.load_text(value)

    def _set_input(self, wid: str, value: str) -> None:
        field = self.query_one(f"#{wid}", Input)
        if field.value != value:
            self._expected[wid] = value
            field.value = value

    def _ours(self, wid: str, value: str) -> bool:
        """Whether a change event carries text we set ourselves (not the user's edit)."""
        if self._expected.get(wid) == value:
            del self._expected[wid]
            return True
        return False

    def _sync_raw(self) -> None:
        error = self.query_one("#form-error", Static)
        try:
            spec, options = self.request() if not self.raw_mode else (None, None)
        except InputError as exc:
            error.update(str(exc))
            self.set_class(True, "-invalid")
            self.post_message(self.Changed())
            return
        error.update("")
        self.set_class(False, "-invalid")
        if spec is not None and options is not None:
            self._raw_source = bytes_to_editable(wire_bytes(spec, options))
            self._show_raw()
        self.post_message(self.Changed())

    def _show_raw(self) -> None:
        """The Raw tab shows the true text, or masked text (read-only) until revealed."""
        if self._panes != "ready":
            return  # shown once the tab is mounted
        shown = self._raw_source
        if not self.reveal and self.secrets:
            escaped = {f"{k} ": bytes_to_editable(v.encode()) for k, v in self.secrets.items()}
            shown = mask(shown, {**self.secrets, **escaped})
        self._set_area("raw", shown)
        masked = shown != self._raw_source
        self.query_one("#raw", TextArea).read_only = masked
        self.set_class(masked, "-masked")
        self._set_label()

    def _set_label(self) -> None:
        if self._panes != "ready":
            return
        label = RAW_LABELS[self.raw_mode]
        if self.has_class("-masked"):
            label += "; secrets masked (ctrl+r shows them)"
        self.query_one("#raw-mode", Static).update(label)

    def _set_raw_mode(self, on: bool) -> None:
        self.raw_mode = on
        self._set_label()
        self.set_class(on, "-raw")

    @on(Input.Changed, "#url")
    def _url_changed(self, event: Input.Changed) -> None:
        if not self._ours("url", event.value):
            self._set_area("query", query_lines(event.value))
        try:
            bad = validate_url(resolve_text(event.value, self.variables)) is not None
        except InputError:
            bad = True
        self.query_one("#url", Input).set_class(bad, "-bad")
        self._sync_raw()

    @on(TextArea.Changed, "#query")
    def _query_changed(self, event: TextArea.Changed) -> None:
        if self._ours("query", event.text_area.text):
            return
        url = self.query_one("#url", Input).value
        self._set_input("url", url_with_query(url, event.text_area.text))

    @on(TextArea.Changed, "#raw")
    def _raw_changed(self, event: TextArea.Changed) -> None:
        if self._ours("raw", event.text_area.text):
            return
        self._raw_source = event.text_area.text
        if not self.raw_mode:
            self._set_raw_mode(True)
        self.post_message(self.Changed())

    @on(HeadersEditor.Changed)
    @on(TextArea.Changed, "#body")
    @on(Input.Changed)
    @on(Select.Changed)
    @on(Checkbox.Changed)
    def _field_changed(self, event: Message) -> None:
        widget = getattr(event, "text_area", None) or getattr(event, "input", None)
        wid = getattr(widget, "id", None) or ""
        if wid in ("url", "query", "raw"):
            return
        if isinstance(widget, TextArea) and self._ours(wid, widget.text):
            return
        self._sync_raw()

    @on(Select.Changed, "#body-kind")
    def _body_kind_changed(self, event: Select.Changed) -> None:
        self._show_body_kind(str(event.value))

    def _show_body_kind(self, kind: str) -> None:
        self._body_file.display = kind == "file"
        self._body.display = kind not in ("none", "file")

    @on(Button.Pressed, "#fix-length")
    def _fix_length(self) -> None:
        fixed = update_content_length(editable_to_bytes(self._raw_source))
        self._raw_source = bytes_to_editable(fixed)
        self._set_raw_mode(True)
        self._show_raw()
        self.post_message(self.Changed())

    @on(Button.Pressed, "#raw-reset")
    def _raw_reset(self) -> None:
        self._set_raw_mode(False)
        self._sync_raw()
