"""Pure pieces of the saved-request UI (issue 8): form <-> saved request, variables filled
into a form, and secrets kept out of exports."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from pathlib import Path

import pytest

from inspector.formats.httpfile import parse_http_file, write_http_file
from inspector.model import InputError, RequestSpec
from inspector.tui.form import Form, build_spec
from inspector.tui.redact import Redactor
from inspector.tui.savedform import (
    AUTO_HEADERS_OFF,
    form_from_saved,
    renamed,
    resolve_form,
    saved_from_form,
)


def test_form_round_trip_through_a_file_sends_the_same_bytes(tmp_path: Path) -> None:
    """A form saved, written, read back and opened builds the same spec as before."""
    form = Form(
        method="POST",
        url="{{base}}/items?x=1",
        headers="X-A: 1\n# disabled: yes\nX-B: {{b}}",
        body_kind="json",
        body='{"n": {{n}}}',
        auth_kind="bearer",
        auth_token="{{token}}",
        auto_headers=False,
    )
    saved = saved_from_form(form, "create", base_dir=tmp_path)
    assert AUTO_HEADERS_OFF in saved.directives
    back = parse_http_file(write_http_file([saved])).requests[0]
    assert back == saved
    reopened, notes = form_from_saved(back, tmp_path)
    assert notes == [] and not reopened.auto_headers
    variables = {"base": "http://127.0.0.1:9", "b": "two", "n": "3", "token": "t"}
    assert build_spec(resolve_form(reopened, variables)) == build_spec(
        resolve_form(form, variables)
    )


def test_body_file_is_relative_to_the_http_file(tmp_path: Path) -> None:
    """A body file under the .http file's folder is saved relative and opened absolute."""
    form = Form(method="PUT", url="http://x/", body_kind="file", body_file=str(tmp_path / "b.bin"))
    saved = saved_from_form(form, "upload", base_dir=tmp_path)
    assert saved.body_file == "b.bin"
    assert form_from_saved(saved, tmp_path)[0].body_file == str(tmp_path / "b.bin")


def test_basic_auth_with_variables_is_refused() -> None:
    """Basic auth is base64 of the values, so {{variables}} in it cannot be kept."""
    form = Form(url="http://x/", auth_kind="basic", auth_user="{{user}}", auth_password="p")
    with pytest.raises(InputError, match="Authorization header"):
        saved_from_form(form, "login")


def test_undefined_variables_are_named_and_comments_skipped() -> None:
    """Every undefined variable is named on one line; commented header lines are not filled."""
    form = Form(url="http://{{host}}/", headers="# X-Off: {{off}}\nX-On: {{on}}")
    with pytest.raises(InputError, match=r"undefined variables: \{\{host\}\}, \{\{on\}\}"):
        resolve_form(form, {})
    done = resolve_form(form, {"host": "h", "on": "1"})
    assert done.url == "http://h/" and done.headers == "# X-Off: {{off}}\nX-On: 1"


def test_opening_notes_what_the_form_cannot_hold() -> None:
    """Non-UTF-8 bytes and other HTTP versions are noted; a request-target is held."""
    saved = parse_http_file("### odd\nGET http://x/ HTTP/2\nX-A: 1\n").requests[0]
    saved = replace(renamed(saved, "other"), request_target="*", method="G\udcffT")
    form, notes = form_from_saved(saved)
    assert any("HTTP/2" in n for n in notes) and not any("request-target" in n for n in notes)
    assert any("U+FFFD" in n for n in notes) and form.method == "G\ufffdT"
    assert form.headers == "X-A: 1" and form.request_target == "*"


def test_request_target_round_trips_and_is_sent() -> None:
    """Issue 8: a saved request-target override is held by the form, filled with
    variables, sent by the spec and saved back; clearing the field drops it."""
    saved = parse_http_file(
        "### star\n# @inspector-target {{t}}\nOPTIONS http://x/ HTTP/1.1\n"
    ).requests[0]
    form, notes = form_from_saved(saved)
    assert form.request_target == "{{t}}" and notes == []
    assert build_spec(resolve_form(form, {"t": "*"})).request_target == b"*"
    assert saved_from_form(form, "star", saved).request_target == "{{t}}"
    cleared = replace(form, request_target="  ")
    assert saved_from_form(cleared, "star", saved).request_target is None
    assert build_spec(replace(cleared, url="http://x/")).request_target is None


def test_redactor_hides_values_basic_tokens_and_json_text() -> None:
    """Secret values become {{name}} in bytes, in a Basic token and in JSON text."""
    redactor = Redactor({"pw": 's3"cret'})
    token = base64.b64encode(b'me:s3"cret')
    spec = RequestSpec(
        url="http://x/?k=s3%22cret",
        headers=((b"Authorization", b"Basic " + token), (b"X-Pw", b's3"cret')),
        body=b'{"pw": "s3\\"cret"}',
    )
    hidden = redactor.spec(spec)
    assert hidden.headers[1] == (b"X-Pw", b"{{pw}}")
    assert base64.b64decode(hidden.headers[0][1].split()[1]) == b"me:{{pw}}"
    redactor.learn(spec)
    doc = json.dumps({"headers": [{"value": "Basic " + token.decode()}], "v": 's3"cret'})
    text = redactor.text(doc)
    assert 's3\\"cret' not in text and token.decode() not in text
    assert "{{pw}}" in text
    raw = b"GET / HTTP/1.1\r\nAuthorization: Basic " + token + b"\r\n\r\n"
    assert token not in redactor.spec(RequestSpec(url="http://x/", raw=raw)).raw  # type: ignore[operator]
    assert not Redactor({})
