"""Saved requests in ``.http`` files: reading, writing, exact round trips, replay checks."""

from __future__ import annotations

import base64
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inspector.formats.httpfile import (
    SavedRequest,
    from_spec,
    parse_http_file,
    read_http_file,
    save_http_file,
    to_spec,
    variables_used,
    write_http_file,
)
from inspector.model import InputError, RequestSpec

JETBRAINS = """\
### Get all users
// newest first
# @no-redirect
# @timeout 5
GET https://{{host}}/api/users
    ?page=2
    &sort=desc
Accept: application/json
# a comment among the headers
Authorization: Bearer {{token}}

> {%
    client.test("ok", function() {
        client.assert(response.status === 200);
    });
%}
<> 2024-01-01T000000.200.json

### Create a user
POST https://{{host}}/api/users HTTP/1.1
Content-Type: application/json

< ./user.json

>> created.json

### Upload
POST https://{{host}}/upload
Content-Type: multipart/form-data; boundary=abcd

--abcd
Content-Disposition: form-data; name="text"

Text
--abcd--

###
https://{{host}}/health
"""

VSCODE = """\
@hostname = api.example.com
@port = 8080
@host = {{hostname}}:{{port}}
@contentType = application/json

###

# @name login
POST http://{{host}}/login HTTP/1.1
Content-Type: {{contentType}}

{
    "user": "me",
    "password": "{{$processEnv PASSWORD}}"
}

###

// @name getItems
GET http://{{host}}/items?limit=10 HTTP/1.1
X-Request-Id: {{ $guid }}
"""


def test_jetbrains_file() -> None:
    """Names, comments, tags, URL continuation, headers, file body and handlers are read."""
    parsed = parse_http_file(JETBRAINS, "api.http")
    assert parsed.problems == () and parsed.variables == {}
    users, create, upload, health = parsed.requests
    assert (users.name, users.method, users.line) == ("Get all users", "GET", 5)
    assert users.url == "https://{{host}}/api/users?page=2&sort=desc"
    assert users.headers == (("Accept", "application/json"), ("Authorization", "Bearer {{token}}"))
    assert users.comments == ("// newest first",)
    assert users.directives == (("no-redirect", ""), ("timeout", "5"))
    assert users.body is None and users.handlers.startswith("> {%\n")
    assert users.handlers.endswith("%}\n<> 2024-01-01T000000.200.json")
    assert (create.http_version, create.body_file, create.handlers) == (
        "HTTP/1.1",
        "./user.json",
        ">> created.json",
    )
    assert upload.body is not None
    assert upload.body.splitlines() == [
        "--abcd",
        'Content-Disposition: form-data; name="text"',
        "",
        "Text",
        "--abcd--",
    ]
    assert (health.name, health.method, health.url) == ("", "GET", "https://{{host}}/health")


def test_vscode_file_and_sending_it() -> None:
    """File variables, @name and $processEnv resolve into the spec that is sent."""
    parsed = parse_http_file(VSCODE)
    login, items = parsed.requests
    assert (login.name, items.name) == ("login", "getItems")
    assert parsed.variables["host"] == "{{hostname}}:{{port}}"
    spec = to_spec(login, parsed.variables, environ={"PASSWORD": "pw"})
    assert spec.url == "http://api.example.com:8080/login"
    assert spec.method == b"POST" and spec.headers == ((b"Content-Type", b"application/json"),)
    assert spec.body == b'{\n    "user": "me",\n    "password": "pw"\n}'
    assert spec.meta == {"name": "login"}
    (name, value), = to_spec(items, parsed.variables).headers  # fmt: skip
    assert name == b"X-Request-Id" and len(value) == 36


def test_crlf_file_reads_like_lf() -> None:
    """A file saved with CRLF (or CR) line ends gives the same requests."""
    lf = parse_http_file(JETBRAINS)
    assert parse_http_file(JETBRAINS.replace("\n", "\r\n")) == lf
    assert parse_http_file(JETBRAINS.replace("\n", "\r")).requests == lf.requests


@pytest.mark.parametrize("text", [JETBRAINS, VSCODE])
def test_rewriting_a_hand_written_file_keeps_its_requests(text: str) -> None:
    """write(parse(text)) reads back to the same requests and variables."""
    parsed = parse_http_file(text)
    again = parse_http_file(write_http_file(parsed.requests, parsed.variables))
    assert again.requests == parsed.requests and again.variables == parsed.variables


def test_plain_spec_is_written_as_plain_text() -> None:
    """An ordinary request needs no inspector directive: other tools read it as is."""
    spec = RequestSpec(b"PUT", "http://h.test/a?b=1", b"HTTP/1.0", ((b"A", b"b c"),), b'{"k": 1}')
    text = write_http_file([from_spec(spec, "put it")])
    assert text == '### put it\nPUT http://h.test/a?b=1 HTTP/1.0\nA: b c\n\n{"k": 1}\n'
    assert to_spec(parse_http_file(text).requests[0], {}) == spec


def test_exotic_header_bytes_round_trip() -> None:
    """NUL, CR, LF, bad UTF-8 and edge spaces survive via @inspector-header-b64 lines."""
    headers = ((b" X-Sp ", b" v \x00\r\n\xff "), (b"#hash", b""), (b"Ok", b"fine"))
    spec = RequestSpec(headers=headers, url="http://h.test/")
    text = write_http_file([from_spec(spec, "x")])
    assert "X-Sp: v \\x00\\r\\n\\xff\n" in text and "\\x23hash:\n" in text
    assert text.count("# @inspector-header-b64 ") == 2 and "Ok: fine\n" in text
    assert to_spec(parse_http_file(text).requests[0], {}) == spec


def test_headers_showing_the_same_text_each_get_an_exact_copy() -> None:
    """A literal backslash-x00 next to a real NUL: each is matched to the right line."""
    spec = RequestSpec(url="http://h.test/", headers=((b"A", b"\\x00"), (b"A", b"\x00")))
    text = write_http_file([from_spec(spec, "x")])
    assert to_spec(parse_http_file(text).requests[0], {}) == spec


def test_body_line_ends_and_trailing_newline_are_exact() -> None:
    """CRLF bodies and a trailing newline come back exactly (through @inspector-body-b64)."""
    for body in (b"a\r\nb\r\n", b"a\nb\n", b"\n\nx", b"### not a separator\n> not a handler"):
        spec = RequestSpec(b"POST", "http://h.test/", body=body)
        saved = parse_http_file(write_http_file([from_spec(spec, "b")])).requests
        assert len(saved) == 1 and to_spec(saved[0], {}) == spec


specs = st.builds(
    RequestSpec,
    method=st.binary(max_size=12),
    url=st.text(st.characters(exclude_categories=()), max_size=30),
    http_version=st.binary(max_size=10) | st.sampled_from([b"HTTP/1.1", b"HTTP/1.0"]),
    headers=st.lists(st.tuples(st.binary(max_size=12), st.binary(max_size=20)), max_size=4).map(
        tuple
    ),
    body=st.binary(max_size=60) | st.sampled_from([b"a\r\nb", b"x\n", b"< ./f", b"###"]),
    request_target=st.none() | st.binary(max_size=10),
).filter(
    lambda s: (
        "{{" not in s.url
        and b"{{" not in s.method + s.http_version + s.body + (s.request_target or b"")
        and all(b"{{" not in n + v for n, v in s.headers)
    )
)


@settings(max_examples=400, deadline=None)
@given(specs, st.text(max_size=12))
def test_round_trip_any_spec(spec: RequestSpec, name: str) -> None:
    """to_spec(parse(write([from_spec(spec)]))) == spec, for any bytes in any field."""
    saved = from_spec(spec, name)
    parsed = parse_http_file(write_http_file([saved, saved]))
    assert parsed.problems == () and parsed.requests == (saved, saved)
    assert to_spec(parsed.requests[0], {}) == spec


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=80), st.text(max_size=20).filter(lambda u: "{{" not in u))
def test_round_trip_any_raw_request(raw: bytes, url: str) -> None:
    """A raw request comes back byte for byte, with its URL, and no problem is reported."""
    spec = RequestSpec(url=url, raw=raw)
    parsed = parse_http_file(write_http_file([from_spec(spec, "raw")]))
    assert parsed.problems == ()
    assert to_spec(parsed.requests[0], {}) == spec


RAW = b"GET /x HTTP/1.1\r\nHost: h.test\r\nX-Bad: \x00\xff\r\n\r\nbody"


def _raw_file() -> str:
    return write_http_file([from_spec(RequestSpec(url="http://h.test/", raw=RAW), "raw")])


def test_raw_request_is_readable_for_other_tools() -> None:
    """The raw bytes are stored in base64 with their hash, beside a readable request."""
    text = _raw_file()
    assert "GET http://h.test/\nHost: h.test\nX-Bad: \\x00\\xff\n\nbody\n" in text
    assert f"# @inspector-raw {base64.b64encode(RAW).decode()}\n" in text
    assert "# @inspector-raw-sha256 " in text


def test_raw_bytes_not_matching_their_hash_are_refused() -> None:
    """Edited base64: a problem with its line, and to_spec refuses unless allowed."""
    edited = base64.b64encode(RAW.replace(b"body", b"BODY")).decode()
    text = _raw_file()
    start = text.index("# @inspector-raw ")
    text = text[:start] + f"# @inspector-raw {edited}" + text[text.index("\n", start) :]
    parsed = parse_http_file(text, "saved.http")
    assert [str(p) for p in parsed.problems] == [
        "saved.http:4: raw bytes do not match their hash; file edited?"
    ]
    with pytest.raises(InputError, match="raw bytes do not match their hash"):
        to_spec(parsed.requests[0], {})
    spec = to_spec(parsed.requests[0], {}, allow_hash_mismatch=True)
    assert spec.raw == RAW.replace(b"body", b"BODY")


def test_raw_without_hash_is_refused() -> None:
    """Raw bytes with no recorded hash cannot be checked: reported and refused."""
    text = "\n".join(line for line in _raw_file().splitlines() if "sha256" not in line)
    parsed = parse_http_file(text)
    assert "no @inspector-raw-sha256" in parsed.problems[0].message
    with pytest.raises(InputError):
        to_spec(parsed.requests[0], {})


def test_raw_text_edited_elsewhere_base64_wins() -> None:
    """If another tool edits the readable text, the base64 bytes are still what is sent."""
    parsed = parse_http_file(_raw_file().replace("Host: h.test", "Host: other.test"))
    assert "differs from the raw bytes" in parsed.problems[0].message
    assert to_spec(parsed.requests[0], {}).raw == RAW


def test_edited_text_wins_over_a_stale_exact_copy() -> None:
    """An exotic header or body edited in another tool: the edit is used and reported."""
    spec = RequestSpec(b"POST", "http://h.test/", headers=((b"X", b"a\x00"),), body=b"old\n")
    text = write_http_file([from_spec(spec, "x")])
    text = text.replace("X: a\\x00", "X: clean").replace("\nold\n", "\nnew\n")
    parsed = parse_http_file(text, "f.http")
    assert [p.message for p in parsed.problems] == [
        "header 'X' was edited; the text is used",
        "the body was edited; the text is used",
    ]
    sent = to_spec(parsed.requests[0], {})
    assert sent.headers == ((b"X", b"clean"),) and sent.body == b"new"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("GET http://h/\nAccept json\n", "f.http:2: expected a header 'Name: value'"),
        ("###\n# @inspector-body-b64 !!\nPOST http://h/\n", "f.http:2: @inspector-body-b64: not"),
        ("@host example.com\n###\nGET http://h/\n", "f.http:1: expected a variable"),
        ("###\n# @inspector-header-b64 QQ==\nGET /\n", "f.http:2: @inspector-header-b64: exp"),
    ],
)
def test_unreadable_file_is_one_line_error(text: str, message: str) -> None:
    """What cannot be read at all is an InputError naming file and line, on one line."""
    with pytest.raises(InputError) as info:
        parse_http_file(text, "f.http")
    assert str(info.value).startswith(message) and "\n" not in str(info.value)


def test_unclosed_handler_script_is_a_problem() -> None:
    """A '> {%' script without '%}' is reported with its line; the request is still read."""
    parsed = parse_http_file("GET http://h/\n\n> {%\n  client.log(1)\n")
    assert [(p.line, p.message) for p in parsed.problems] == [
        (3, "response handler script has no closing %}")
    ]
    assert parsed.requests[0].url == "http://h/"


def test_undefined_variables_name_the_request() -> None:
    """Sending with undefined variables names the request and every missing variable."""
    saved = parse_http_file("# @name a\nGET {{base}}/x\nAuth: {{tok}}\n").requests[0]
    assert variables_used(saved) == {"base", "tok"}
    with pytest.raises(InputError) as info:
        to_spec(saved, {"tok": "t"})
    assert str(info.value) == "request 'a': undefined variable: {{base}}"


def test_body_file_is_read_relative_to_the_folder(tmp_path: Path) -> None:
    """'< file' sends the file's bytes as they are; '<@ file' fills in its variables."""
    (tmp_path / "b.bin").write_bytes(b"{{x}}\x00\xff")
    parsed = parse_http_file("POST http://h/\n\n< b.bin\n###\nPOST http://h/\n\n<@ b.bin\n")
    plain, filled = (to_spec(r, {"x": "1"}, base_dir=tmp_path) for r in parsed.requests)
    assert plain.body == b"{{x}}\x00\xff" and filled.body == b"1\x00\xff"
    with pytest.raises(InputError, match="cannot read body file"):
        to_spec(parsed.requests[0], {}, base_dir=tmp_path / "nowhere")


def test_save_and_read_a_file(tmp_path: Path) -> None:
    """save_http_file replaces the file whole (no temporary left); read gives it back."""
    path = tmp_path / "c.http"
    path.write_text("old")
    saved = from_spec(RequestSpec(url="http://h/", headers=((b"B", b"\xff"),)), "n")
    save_http_file(path, [saved], {"v": "1"})
    assert [p.name for p in tmp_path.iterdir()] == ["c.http"]
    parsed = read_http_file(path)
    assert parsed.source == str(path) and parsed.requests == (saved,)
    assert parsed.variables == {"v": "1"}
    with pytest.raises(InputError, match="cannot read"):
        read_http_file(tmp_path / "missing.http")


def test_variables_that_cannot_be_written_are_refused() -> None:
    """A variable name or value that would not read back is an error, not a silent change."""
    for variables in ({"bad name": "x"}, {"v": "two\nlines"}, {"v": " padded "}):
        with pytest.raises(InputError):
            write_http_file([], variables)
    with pytest.raises(InputError, match="cannot be written so that it reads back the same"):
        write_http_file([SavedRequest("x", title="two\nlines")])


def test_body_and_body_file_are_exclusive() -> None:
    """A saved request cannot have both an inline body and a body file."""
    with pytest.raises(ValueError):
        SavedRequest("x", body="a", body_file="b")


def test_names_titles_and_other_directives_survive() -> None:
    """Title, @name, comments and other tags are written back where tools expect them."""
    saved = replace(parse_http_file(JETBRAINS).requests[0], name="users", title="Get all users")
    text = write_http_file([saved])
    assert text.startswith("### Get all users\n// newest first\n# @name users\n# @no-redirect\n")
    assert parse_http_file(text).requests == (saved,)


def test_folded_header_value_continues_on_indented_line() -> None:
    """An indented line among the headers continues the previous value (JetBrains spec)."""
    (saved,) = parse_http_file("GET http://h/\nX-Long: a,\n    b\nY: c\n").requests
    assert saved.headers == (("X-Long", "a, b"), ("Y", "c"))


def test_large_plain_body_stays_plain_text() -> None:
    """A 2 MiB text body without a final newline needs no exact copy and comes back whole."""
    body = ("line of text, nothing special\n" * 70_000).rstrip().encode()
    spec = RequestSpec(b"POST", "http://h/", body=body)
    text = write_http_file([from_spec(spec, "big")])
    assert "@inspector-body-b64" not in text
    assert to_spec(parse_http_file(text).requests[0], {}) == spec
