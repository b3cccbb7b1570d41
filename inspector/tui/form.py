"""The request builder's form as plain data, and the spec it stands for (no Textual here).

Query and header rows are lines of text: ``name=value`` and ``Name: value``;
a line starting with ``#`` is a disabled row, kept but not sent. Original case
and order are kept. The Headers tab edits rows (:func:`header_rows`,
:func:`header_text` convert) and the form keeps their text.
"""

from __future__ import annotations

import base64
import functools
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

from inspector.model import InputError, RequestSpec, Target
from inspector.wire.serialize import with_default_headers

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
BODY_KINDS = ("none", "text", "json", "form", "file")
AUTH_KINDS = ("none", "basic", "bearer")
_TCHAR = set("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


@dataclass(frozen=True)
class Form:
    """Everything the builder's fields hold."""

    method: str = "GET"
    url: str = ""
    headers: str = ""
    body_kind: str = "none"
    body: str = ""
    body_file: str = ""
    auth_kind: str = "none"
    auth_user: str = ""
    auth_password: str = ""
    auth_token: str = ""
    http10: bool = False
    auto_headers: bool = True
    request_target: str = ""
    """Sent instead of the target derived from the URL (``*``, absolute-form); empty: none."""


HeaderRow = tuple[bool, str, str]
"""One row of the Headers tab: sent or not, name, value."""


def _active(text: str) -> list[str]:
    return [
        line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")
    ]


def query_lines(url: str) -> str:
    """The URL's query as ``name=value`` lines (decoded for editing)."""
    try:
        query = urlsplit(url).query
    except ValueError:
        return ""
    return "\n".join(f"{k}={v}" for k, v in parse_qsl(query, keep_blank_values=True))


def url_with_query(url: str, lines: str) -> str:
    """The URL with its query replaced by the active ``name=value`` lines."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    pairs = []
    for line in _active(lines):
        name, _, value = line.partition("=")
        pairs.append(f"{quote(name.strip(), safe='')}={quote(value.strip(), safe='')}")
    return urlunsplit(parts._replace(query="&".join(pairs)))


def validate_url(url: str) -> str | None:
    """None when the URL can be sent to, else a one-line reason."""
    try:
        Target.from_url(url.strip())
    except InputError as exc:
        return str(exc)
    return None


def parse_headers(text: str) -> list[tuple[bytes, bytes]]:
    """Active header lines as pairs, in order, names in their original case.

    Raises:
        InputError: a line without a colon.
    """
    pairs = []
    for line in _active(text):
        name, sep, value = line.partition(":")
        if not sep:
            raise InputError(f"header line {line!r} has no colon")
        pairs.append((name.strip().encode("utf-8"), value.strip().encode("utf-8")))
    return pairs


def header_rows(text: str) -> list[HeaderRow]:
    """Header lines as rows (blank lines dropped), names and values stripped.

    Raises:
        InputError: a line that is not a header: no colon (a comment, say), which
            a row cannot hold.
    """
    rows = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        enabled = not stripped.startswith("#")
        name, sep, value = (stripped if enabled else stripped[1:]).partition(":")
        if not sep:
            raise InputError(f"header line {line!r} has no colon")
        rows.append((enabled, name.strip(), value.strip()))
    return rows


def header_text(rows: Iterable[HeaderRow]) -> str:
    """Rows as header lines; a disabled row is commented out, an empty one left out."""
    lines = []
    for enabled, name, value in rows:
        name, value = name.strip(), value.strip()
        if name or value:
            line = f"{name}: {value}".rstrip()
            lines.append(line if enabled else f"# {line}")
    return "\n".join(lines)


def header_name_problem(name: str) -> str | None:
    """Why a row's name cannot be kept as a header line, or None."""
    name = name.strip()
    if ":" in name:
        return f"the header name {name!r} holds a colon"
    if name.startswith("#"):
        return f"the header name {name!r} starts with #, which marks a disabled header"
    return None


@functools.lru_cache(maxsize=4)
def _file_bytes(path: str, size: int, mtime_ns: int) -> bytes:
    """A body file's bytes; the Raw tab re-serializes on every keystroke, so read once."""
    with open(path, "rb") as f:
        return f.read()


def _body(form: Form) -> tuple[bytes, bytes | None]:
    """The body bytes and the Content-Type it implies (None: none implied)."""
    kind = form.body_kind
    if kind == "none":
        return b"", None
    if kind == "json":
        try:
            json.loads(form.body or "null")
        except ValueError as exc:
            raise InputError(f"the JSON body is not valid: {exc}") from None
        return form.body.encode("utf-8"), b"application/json"
    if kind == "form":
        pairs = [line.partition("=") for line in _active(form.body)]
        encoded = "&".join(
            f"{quote(k.strip(), safe='')}={quote(v.strip(), safe='')}" for k, _, v in pairs
        )
        return encoded.encode("ascii"), b"application/x-www-form-urlencoded"
    if kind == "file":
        try:
            st = os.stat(form.body_file)
            return _file_bytes(form.body_file, st.st_size, st.st_mtime_ns), None
        except OSError as exc:
            raise InputError(
                f"cannot read the body file {form.body_file}: {exc.strerror}"
            ) from None
    return form.body.encode("utf-8"), b"text/plain; charset=utf-8"


def _auth(form: Form) -> tuple[bytes, bytes] | None:
    if form.auth_kind == "basic":
        token = base64.b64encode(f"{form.auth_user}:{form.auth_password}".encode()).decode()
        return b"Authorization", f"Basic {token}".encode()
    if form.auth_kind == "bearer":
        return b"Authorization", f"Bearer {form.auth_token}".encode()
    return None


def build_spec(form: Form) -> RequestSpec:
    """The spec the form describes (automatic headers added when on).

    Raises:
        InputError: a field cannot be sent as it is (one line for the user).
    """
    url = form.url.strip()
    problem = validate_url(url)
    if problem:
        raise InputError(problem)
    method = form.method.strip() or "GET"
    if not set(method) <= _TCHAR:
        raise InputError(f"the method {method!r} is not a token")
    headers = parse_headers(form.headers)
    body, ctype = _body(form)
    names = {n.lower() for n, _ in headers}
    if ctype is not None and b"content-type" not in names:
        headers.append((b"Content-Type", ctype))
    auth = _auth(form)
    if auth is not None and b"authorization" not in names:
        headers.append(auth)
    spec = RequestSpec(
        method=method.encode("ascii"),
        url=url,
        http_version=b"HTTP/1.0" if form.http10 else b"HTTP/1.1",
        headers=tuple(headers),
        body=body,
        request_target=form.request_target.strip().encode("utf-8") or None,
    )
    return with_default_headers(spec) if form.auto_headers else spec


def form_from_spec(spec: RequestSpec, insecure: bool = False) -> Form:
    """A form filled from a spec (a pasted curl command, say)."""
    ctype = b"".join(spec.header_values(b"content-type")).lower()
    kind = "none"
    if spec.body:
        kind = "json" if b"json" in ctype else "text"
    headers = "\n".join(
        f"{n.decode('utf-8', 'replace')}: {v.decode('utf-8', 'replace')}"
        for n, v in spec.headers
        if not (kind == "json" and n.lower() == b"content-type")
    )
    return Form(
        method=spec.method.decode("ascii", "replace"),
        url=spec.url,
        headers=headers,
        body_kind=kind,
        body=spec.body.decode("utf-8", "replace"),
        http10=spec.http_version == b"HTTP/1.0",
        request_target=(spec.request_target or b"").decode("utf-8", "replace"),
    )
