"""The request builder: method, URL, and tabs for query, headers, body, auth, options, raw."""

from __future__ import annotations

from dataclasses import replace

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.suggester import SuggestFromList
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
            with TabPane("Headers", id="tab-headers"):
                yield HeadersEditor(f.headers, id="headers")
            with TabPane("Body", id="tab-body"):
                yield Select(
                    [(k, k) for k in BODY_KINDS],
                    value=f.body_kind,
                    id="body-kind",
                    allow_blank=False,
                )
                yield Input(f.body_file, id="body-file", placeholder="path of the body file")
                yield SafeTextArea(f.body, id="body", soft_wrap=True)
            with TabPane("Auth", id="tab-auth"):
                yield Select(
                    [(k, k) for k in AUTH_KINDS],
                    value=f.auth_kind,
                    id="auth-kind",
                    allow_blank=False,
                )
                yield Input(f.auth_user, id="auth-user", placeholder="user (basic)")
                yield Input(
                    f.auth_password,
                    id="auth-password",
                    placeholder="password (basic)",
                    password=True,
                )
                yield Input(
                    f.auth_token, id="auth-token", placeholder="token (bearer)", password=True
                )
            with TabPane("Options", id="tab-options"), VerticalScroll(id="options"):
                # Scrolls: at 80x24 the tab shows about one field.
                yield Input("10", id="connect-timeout", placeholder="connect timeout (s)")
                yield Input("30", id="read-timeout", placeholder="read timeout (s)")
                yield Checkbox("HTTP/1.0", f.http10, id="http10")
                yield Checkbox("verify TLS certificates", True, id="verify")
                yield Checkbox(
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
                yield target
            with TabPane("Raw", id="tab-raw"):
                yield Static(
                    "form mode: these are the exact bytes the form will send",
                    id="raw-mode",
                    markup=False,
                )
                yield TextArea("", id="raw", soft_wrap=False)
                with Horizontal(id="raw-actions"):
                    yield Button("Update Content-Length", id="fix-length")
                    yield Button("Back to the form", id="raw-reset")

    def on_mount(self) -> None:
        self._sync_raw()

    # ----------------------------------------------------------- the request
    def form(self) -> Form:
        """The fields as they are now."""

        def text(wid: str) -> str:
            return self.query_one(f"#{wid}", Input).value

        def area(wid: str) -> str:
            return self.query_one(f"#{wid}", TextArea).text

        def select(wid: str) -> str:
            return str(self.query_one(f"#{wid}", Select).value)

        return Form(
            method=text("method"),
            url=text("url"),
            headers=self.query_one(HeadersEditor).text,
            body_kind=select("body-kind"),
            body=area("body"),
            body_file=text("body-file"),
            auth_kind=select("auth-kind"),
            auth_user=text("auth-user"),
            auth_password=text("auth-password"),
            auth_token=text("auth-token"),
            http10=self.query_one("#http10", Checkbox).value,
            auto_headers=self.query_one("#auto-headers", Checkbox).value,
            request_target=text("request-target"),
        )

    def options(self) -> SendOptions:
        """Timeouts and TLS verification from the Options tab.

        Raises:
            InputError: a timeout is not a positive number.
        """
        values = []
        for wid in ("connect-timeout", "read-timeout"):
            raw = self.query_one(f"#{wid}", Input).value.strip()
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
            verify=self.query_one("#verify", Checkbox).value,
        )

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
            problem = self.query_one(HeadersEditor).problem()
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
        self.query_one(HeadersEditor).load(form.headers)
        self.query_one("#body-kind", Select).value = form.body_kind
        self._set_area("body", form.body)
        self.query_one("#body-file", Input).value = form.body_file
        self.query_one("#auth-kind", Select).value = form.auth_kind
        for wid in ("auth-user", "auth-password", "auth-token"):
            self.query_one(f"#{wid}", Input).value = getattr(form, wid.replace("-", "_"))
        self.query_one("#http10", Checkbox).value = form.http10
        self.query_one("#auto-headers", Checkbox).value = form.auto_headers
        self.query_one("#request-target", Input).value = form.request_target
        self.query_one("#verify", Checkbox).value = verify
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
        label = (
            "raw mode: these bytes are sent exactly as written (escapes: \\r \\n \\xNN)"
            if self.raw_mode
            else "form mode: these are the exact bytes the form will send"
        )
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
        is_file = event.value == "file"
        self.query_one("#body-file", Input).display = is_file
        self.query_one("#body", TextArea).display = event.value != "none" and not is_file

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
