"""Saved requests as ``.http`` files (the JetBrains / VS Code REST Client syntax).

A file holds requests separated by ``###`` lines; the text after ``###`` is the
request's title, and ``# @name x`` (or ``// @name x``) its name (the title when
absent). Before the request line come comments (``#``, ``//``), directives
(``# @key value``, kept in order) and file variables (``@name = value``, VS Code;
file-wide wherever they appear). Then the request line ``[METHOD] URL
[HTTP/x.y]`` (``GET`` and ``HTTP/1.1`` when left out), indented or ``?``/``&``
lines continuing the URL, headers up to a blank line (comments allowed; an
indented line continues the previous value, joined with a space), and the
body up to the next ``###``: text, or ``< path`` (``<@ path``: with variables
filled in). Response handlers (``> {% ... %}``, ``> script.js``), redirects
(``>> file``) and references (``<> file``) after the body are kept verbatim and
never sent. Body lines are taken as they are (comments included); leading and
trailing blank lines are dropped and lines are joined with LF. Comments inside
the headers are skipped, so they are not written back.

Exactness. Text cannot carry every byte, so the writer adds comment directives,
which REST-client tools ignore, for whatever the readable text does not give
back exactly: ``# @inspector-name-b64``, ``-method-b64``, ``-url-b64``,
``-version-b64``, ``-body-b64`` (one each), ``# @inspector-header-b64
NAME:VALUE`` (one per header, both parts base64), ``# @inspector-target TEXT``
or ``-target-b64`` (the request-target override). Base64 holds the bytes to send
(UTF-8 for the name and URL). The readable text stays a best-effort, escaped
approximation. An exact copy applies only while the text still shows it: if a
field or header was edited in another tool, the edited text is used and a
problem says so. The writer reads its own output back and refuses (InputError)
rather than write a request that would not come back equal. ``{{`` in a spec's
bytes is read back as a variable reference.

Raw requests (sent byte for byte) are stored as ``# @inspector-raw-sha256 HEX``
plus ``# @inspector-raw BASE64``, with a readable view of those bytes (request
line with the URL, headers, body) as the request text for other tools. Here the
base64 always wins over the text (an edit of the text is reported as a problem);
bytes that do not match their hash are reported, and :func:`to_spec` refuses
them unless told otherwise. A raw request keeps only its URL and its bytes.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from inspector.formats import httpvars as hv
from inspector.formats.httpvars import Resolver, bytes_of, escape, raise_missing, text_of
from inspector.model import InputError, RequestSpec
from inspector.wire.serialize import find_head_end

__all__ = [
    "HttpFile",
    "Problem",
    "SavedRequest",
    "from_spec",
    "parse_http_file",
    "read_http_file",
    "save_http_file",
    "to_spec",
    "variables_used",
    "write_http_file",
]


@dataclass(frozen=True, slots=True)
class SavedRequest:
    """One request of a ``.http`` file. Text fields are templates (``{{var}}``)."""

    name: str
    """``# @name`` value, else the title."""
    title: str = ""
    """Text after ``###`` (often a description)."""
    method: str = "GET"
    """The method as typed."""
    url: str = ""
    """The URL as typed, continuation lines joined."""
    http_version: str = "HTTP/1.1"
    """The protocol version on the request line."""
    headers: tuple[tuple[str, str], ...] = ()
    """``(name, value)`` pairs in order."""
    body: str | None = None
    """The body text, or None when there is none (or it comes from a file)."""
    body_file: str | None = None
    """Path from ``< path``, relative to the file's folder."""
    body_file_substitute: bool = False
    """``<@ path``: fill in variables in the file's text."""
    request_target: str | None = None
    """Overrides the request-target derived from the URL."""
    raw: bytes | None = None
    """Exact bytes to send, byte for byte, instead of the fields above."""
    raw_sha256: str | None = None
    """Hex SHA-256 recorded with ``raw``; checked before sending."""
    comments: tuple[str, ...] = ()
    """Comment lines before the request line, verbatim."""
    directives: tuple[tuple[str, str], ...] = ()
    """Other ``# @key value`` lines (``no-redirect``, ``timeout``...), in order."""
    handlers: str = ""
    """Response handler, redirect and reference lines, verbatim; never sent."""
    line: int = field(default=0, compare=False)
    """1-based line of the request line in its file (0 when not read from one)."""

    def __post_init__(self) -> None:
        if self.body is not None and self.body_file is not None:
            raise ValueError("a saved request has a body or a body file, not both")

    @property
    def raw_intact(self) -> bool:
        """Whether ``raw`` is set and matches its recorded hash."""
        return self.raw is not None and self.raw_sha256 == _sha256(self.raw)


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong with one request that did not stop the file from being read."""

    source: str
    """The file (or ``<text>``)."""
    line: int
    """1-based line."""
    message: str
    """One line for a person."""

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.message}"


@dataclass(frozen=True, slots=True)
class HttpFile:
    """What a ``.http`` file holds."""

    source: str
    """Where it was read from."""
    requests: tuple[SavedRequest, ...]
    """The requests, in file order."""
    variables: dict[str, str] = field(default_factory=dict, hash=False)
    """File variables (``@name = value``), in order; a later definition wins."""
    problems: tuple[Problem, ...] = ()
    """Non-fatal problems, in file order."""


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------- reading


@dataclass
class _Read:
    """One block as its readable text says, before the inspector directives."""

    request: SavedRequest | None
    exact: list[tuple[str, str, int]] = field(default_factory=list)
    variables: list[tuple[str, str]] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)


def _read_block(title: str, lines: list[str], first: int, source: str) -> _Read:
    """Read a block (the lines after a ``###``); ``first`` is the line number of lines[0]."""
    out = _Read(None)
    name = ""
    comments: list[str] = []
    directives: list[tuple[str, str]] = []
    i, n = 0, len(lines)
    while i < n:
        stripped = lines[i].strip()
        if not stripped:
            pass
        elif hv.is_comment(stripped):
            match = hv.DIRECTIVE.fullmatch(stripped)
            if match is None:
                comments.append(lines[i])
            elif match[1] == "name":
                name = match[2]
            elif match[1] in hv.EXACT_KEYS:
                out.exact.append((match[1], match[2], first + i))
            else:
                directives.append((match[1], match[2]))
        elif stripped.startswith("@"):
            match = hv.VARIABLE.fullmatch(stripped)
            if match is None:
                raise InputError(f"{source}:{first + i}: expected a variable, '@name = value'")
            out.variables.append((match[1], match[2]))
        else:
            break
        i += 1
    if i == n:
        return out
    line_no = i
    method, url, version = hv.split_request_line(lines[i].strip())
    i += 1
    while i < n and hv.is_url_continuation(lines[i]):
        url += lines[i].strip()
        i += 1
    headers: list[tuple[str, str]] = []
    while i < n and lines[i].strip() and not hv.HANDLER.match(lines[i]):
        if hv.is_comment(lines[i].strip()):
            pass
        elif headers and lines[i][0] in " \t\f":  # a folded value (JetBrains spec 3.2.2)
            headers[-1] = (headers[-1][0], f"{headers[-1][1]} {lines[i].strip()}")
        else:
            header = hv.split_header_line(lines[i])
            if header is None:
                raise InputError(
                    f"{source}:{first + i}: expected a header 'Name: value', or a blank line"
                    " before the body"
                )
            headers.append(header)
        i += 1
    start = i
    while i < n and not hv.HANDLER.match(lines[i]):
        i += 1
    while start < i and not lines[start].strip():
        start += 1
    body = _read_body(_trim(lines[start:i]), first + start, out.problems)
    handlers = _trim(lines[i:])
    _check_handlers(handlers, first + i, out.problems)
    out.request = SavedRequest(
        name or title, title, method, url, version, tuple(headers), **body,
        comments=tuple(comments), directives=tuple(directives),
        handlers="\n".join(handlers), line=first + line_no,
    )  # fmt: skip
    return out


def _trim(lines: list[str]) -> list[str]:
    start, stop = 0, len(lines)
    while start < stop and not lines[start].strip():
        start += 1
    while stop > start and not lines[stop - 1].strip():
        stop -= 1
    return lines[start:stop]


def _read_body(body: list[str], first: int, problems: list[tuple[int, str]]) -> dict[str, Any]:
    """The body fields for trimmed body lines; ``first`` is the line number of body[0]."""
    if len(body) == 1 and (ref := hv.FILE_REF.fullmatch(body[0])):
        return {"body_file": ref[2], "body_file_substitute": ref[1] == "@"}
    for k, line in enumerate(body):
        if hv.FILE_REF.fullmatch(line):
            problems.append((first + k, "file references inside a body are sent as text"))
    return {"body": "\n".join(body) if body else None}


def _check_handlers(handlers: list[str], first: int, problems: list[tuple[int, str]]) -> None:
    opened = 0
    for k, line in enumerate(handlers):
        if not opened and (script := hv.SCRIPT_START.match(line)):
            opened = 0 if "%}" in line[script.end() :] else first + k
        elif opened and "%}" in line:
            opened = 0
    if opened:
        problems.append((opened, "response handler script has no closing %}"))


def _readable(s: SavedRequest) -> SavedRequest:
    """What the readable text written for ``s`` reads back as, without exact copies."""
    title, head, rest = _render(s)
    read = _read_block(title, [*head, *rest], 1, "<render>").request
    assert read is not None  # a rendered request always has a request line
    return read


def _apply(read: _Read, source: str) -> tuple[SavedRequest, list[tuple[int, str]]]:
    """Apply the inspector directives of a block to what its text says."""
    assert read.request is not None
    text = read.request
    problems = read.problems
    exact: dict[str, Any] = {}
    lines: dict[str, int] = {}
    found: list[tuple[str, str, int]] = []
    for key, value, no in read.exact:
        attr, where = hv.EXACT_KEYS[key], f"{source}:{no}"
        if attr == "headers":
            found.append((*hv.decode_header(value, where), no))
        else:
            exact[attr], lines[attr] = hv.decode_directive(key, value, where), no
    headers, missed = _match_headers(text.headers, found)
    problems += missed
    if "body" in exact:
        exact.update(body_file=None, body_file_substitute=False)
    request = replace(text, headers=headers, **exact)
    if _SCALARS.intersection(exact):
        expected = _readable(request)
        for attr in _SCALARS.intersection(exact):
            if _field(expected, attr) != _field(text, attr):
                what = _LABELS.get(attr, attr)
                problems.append((lines[attr], f"the {what} was edited; the text is used"))
                request = replace(
                    request, **{a: getattr(text, a) for a in _ATTRS.get(attr, (attr,))}
                )
    if request.raw is not None:
        no = lines.get("raw", text.line)
        if request.raw_sha256 is None:
            problems.append((no, "raw bytes have no @inspector-raw-sha256; they cannot be checked"))
        elif not request.raw_intact:
            problems.append((no, "raw bytes do not match their hash; file edited?"))
        elif _view_fields(_raw_view(request.raw, request.url)) != _view_fields(request):
            problems.append((no, "the request text differs from the raw bytes, which are sent"))
    return request, problems


_SCALARS = frozenset({"name", "method", "url", "http_version", "body"})
_ONE_LINE_FIELDS = (("name", "name"), ("method", "method"), ("url", "url"),
                          ("version", "http_version"))  # fmt: skip
_LABELS = {"http_version": "HTTP version"}
_ATTRS = {"body": ("body", "body_file", "body_file_substitute")}


def _field(s: SavedRequest, attr: str) -> object:
    return tuple(getattr(s, a) for a in _ATTRS.get(attr, (attr,)))


def _view_fields(s: SavedRequest) -> tuple[object, ...]:
    return (s.method, s.http_version, s.headers, s.body, s.body_file)


def parse_http_file(text: str, source: str = "<text>") -> HttpFile:
    """Read the requests, file variables and problems of a ``.http`` file.

    Args:
        text: The file's text (line ends CRLF, CR or LF).
        source: The file name, for messages.

    Returns:
        What the file holds.

    Raises:
        InputError: ``"{source}:{line}: ..."`` when part of the file cannot be
            read at all (a header line without ``:``, bad base64 in a directive).
    """
    lines = hv.LINE_END.split(text.removeprefix("\ufeff"))
    blocks: list[tuple[str, int, list[str]]] = [("", 1, [])]
    for no, line in enumerate(lines, 1):
        if line.startswith("###"):
            blocks.append((line[3:].strip(), no + 1, []))
        else:
            blocks[-1][2].append(line)
    requests: list[SavedRequest] = []
    variables: dict[str, str] = {}
    problems: list[Problem] = []
    for title, first, block in blocks:
        read = _read_block(title, block, first, source)
        variables.update(read.variables)
        if read.request is None:
            continue
        request, found = _apply(read, source)
        requests.append(request)
        problems += (Problem(source, no, message) for no, message in sorted(found))
    return HttpFile(source, tuple(requests), variables, tuple(problems))


def read_http_file(path: Path) -> HttpFile:
    """Read a ``.http`` file (UTF-8; other bytes are kept as byte escapes).

    Raises:
        InputError: it cannot be read, or :func:`parse_http_file` refuses it.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return parse_http_file(text_of(data), str(path))


# ---------------------------------------------------------------- writing


def _render(s: SavedRequest) -> tuple[str, list[str], list[str]]:
    """Title, head (comments, name, directives) and request lines, without exact copies."""
    head = list(s.comments)
    shown = escape(s.name).strip()
    if shown and (shown != s.title or hv.IDENTIFIER.fullmatch(shown)):
        head.append(f"# @name {shown}")
    head += [f"# @{key} {value}".rstrip() for key, value in s.directives]
    rest = [hv.request_line(s.method, s.url, s.http_version)]
    rest += (hv.approx_header(name, value) for name, value in s.headers)
    if s.body is not None:
        rest += ["", *hv.body_lines(s.body)]
    elif s.body_file is not None:
        rest += ["", f"<{'@' if s.body_file_substitute else ''} {s.body_file}"]
    if s.handlers:
        rest += ["", *s.handlers.split("\n")]
    return s.title, head, rest


def _exact_copies(s: SavedRequest) -> list[str]:
    """The ``# @inspector-...`` lines that make the readable text of ``s`` exact."""
    text = _readable(s)
    out = [
        hv.encode_directive(f"inspector-{key}-b64", getattr(s, attr))
        for key, attr in _ONE_LINE_FIELDS
        if getattr(text, attr) != getattr(s, attr)
    ]
    if s.request_target is not None:
        out.append(hv.encode_directive("inspector-target-b64", s.request_target))
    if text.headers != s.headers:
        wrong = [(*h, 0) for h, shown in zip(s.headers, text.headers, strict=True) if h != shown]
        if _match_headers(text.headers, wrong)[0] != s.headers:
            wrong = [(*h, 0) for h in s.headers]  # two headers show the same text: copy each
        out += (hv.encode_directive("inspector-header-b64", (n, v)) for n, v, _ in wrong)
    if s.body is not None and _field(text, "body") != _field(s, "body"):
        out.append(hv.encode_directive("inspector-body-b64", s.body))
    if s.raw_sha256 is not None:
        out.append(f"# @inspector-raw-sha256 {s.raw_sha256}")
    if s.raw is not None:
        out.append(hv.encode_directive("inspector-raw", s.raw))
    return out


def _match_headers(
    shown: tuple[tuple[str, str], ...], exact: list[tuple[str, str, int]]
) -> tuple[tuple[tuple[str, str], ...], list[tuple[int, str]]]:
    """Headers with exact copies put in place of the lines that show them, in order.

    Returns:
        The headers, and a problem for each exact copy whose line was edited.
    """
    headers, cursor, missed = list(shown), 0, []
    for name, value, no in exact:
        text = hv.split_header_line(hv.approx_header(name, value))
        j = next((k for k in range(cursor, len(headers)) if headers[k] == text), None)
        if j is None:
            missed.append((no, f"header {escape(name)!r} was edited; the text is used"))
        else:
            headers[j], cursor = (name, value), j + 1
    return tuple(headers), missed


def _write_request(s: SavedRequest) -> list[str]:
    title, head, rest = _render(s)
    lines = hv.LINE_END.split("\n".join([f"### {title}".rstrip(), *head, *_exact_copies(s), *rest]))
    try:  # the promise is exactness: check it rather than trust it
        read = _read_block(lines[0][3:].strip(), lines[1:], 2, "<write>")
        same = read.request is not None and _apply(read, "<write>")[0] == s
    except InputError:
        same = False
    if not same:
        raise InputError(f"request {s.name!r} cannot be written so that it reads back the same")
    return lines


def write_http_file(
    requests: Iterable[SavedRequest], variables: Mapping[str, str] | None = None
) -> str:
    """The ``.http`` text for requests and file variables.

    :func:`parse_http_file` reads the text back to equal requests and variables;
    JetBrains and VS Code read the same requests (approximately, where exact
    bytes needed an ``@inspector-`` directive).

    Args:
        requests: The requests, in order.
        variables: File variables, written first as ``@name = value``.

    Returns:
        The file's text (LF line ends, ending with a newline).

    Raises:
        InputError: a variable name or value, or a hand-made request field
            (title, handlers, comments), cannot be written as text.
    """
    out: list[str] = []
    for key, value in (variables or {}).items():
        line = f"@{key} = {value}"
        match = hv.VARIABLE.fullmatch(line.strip())
        if match is None or (match[1], match[2]) != (key, value) or escape(line) != line:
            raise InputError(f"variable {escape(key)!r} cannot be written to a .http file")
        out.append(line)
    for request in requests:
        if out:
            out.append("")
        out += _write_request(request)
    return "\n".join(out) + "\n" if out else ""


def save_http_file(
    path: Path, requests: Iterable[SavedRequest], variables: Mapping[str, str] | None = None
) -> None:
    """Write a ``.http`` file atomically (a temporary file, then a rename).

    Raises:
        InputError: the text cannot be written (see :func:`write_http_file`) or
            the file cannot be saved.
    """
    data = bytes_of(write_http_file(requests, variables))
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError as exc:
        raise InputError(f"{path}: cannot save: {exc.strerror or exc}") from None


# ---------------------------------------------------------------- specs


def _raw_view(raw: bytes, url: str) -> SavedRequest:
    """The readable request other tools see for raw bytes (method, headers, body)."""
    end = find_head_end(raw)
    head, body = (raw, b"") if end is None else (raw[: end.blank], raw[end.body :])
    lines = [text_of(line) for line in hv.LINE_END_BYTES.split(head) if line]
    first = escape(lines[0]).split() if lines else []
    method = first[0] if first and hv.METHOD.fullmatch(first[0]) else "GET"
    version = first[-1] if len(first) > 1 and hv.VERSION.fullmatch(first[-1]) else "HTTP/1.1"
    headers = tuple((n, v) for n, _, v in (line.partition(":") for line in lines[1:]))
    view = SavedRequest("", "", method, url, version, headers, text_of(body) if body else None)
    return _readable(view)


def from_spec(spec: RequestSpec, name: str) -> SavedRequest:
    """A saved request for a spec; :func:`to_spec` gives the spec back.

    Args:
        spec: The request. For a raw spec only ``url`` and ``raw`` are kept.
        name: The request's name (also its title).

    Returns:
        The saved request.
    """
    title = escape(name).strip()
    if spec.raw is not None:
        view = _raw_view(spec.raw, spec.url)
        return replace(view, name=name, title=title, url=spec.url, raw=spec.raw,
                       raw_sha256=_sha256(spec.raw))  # fmt: skip
    return SavedRequest(
        name=name,
        title=title,
        method=text_of(spec.method),
        url=spec.url,
        http_version=text_of(spec.http_version),
        headers=tuple((text_of(n), text_of(v)) for n, v in spec.headers),
        body=text_of(spec.body) if spec.body else None,
        request_target=None if spec.request_target is None else text_of(spec.request_target),
    )


def to_spec(
    saved: SavedRequest,
    variables: Mapping[str, str],
    *,
    base_dir: Path | None = None,
    environ: Mapping[str, str] | None = None,
    allow_hash_mismatch: bool = False,
) -> RequestSpec:
    """The spec to send for a saved request, with ``{{variables}}`` filled in.

    Args:
        saved: The request.
        variables: File variables and the selected environment, merged.
        base_dir: Folder that ``< path`` body files are relative to (the
            current directory when None).
        environ: OS environment for ``$processEnv``; ``os.environ`` when None.
        allow_hash_mismatch: Send raw bytes even if they do not match their hash.

    Returns:
        The spec; ``meta["name"]`` is the request's name.

    Raises:
        InputError: undefined variables (all named), raw bytes that do not
            match their hash, or a body file that cannot be read.
    """
    what = f"request {saved.name!r}" if saved.name else f"request at line {saved.line}"
    fill = Resolver(variables, environ)
    url = fill.text(saved.url)
    meta = {"name": saved.name}
    if saved.raw is not None:
        if not saved.raw_intact and not allow_hash_mismatch:
            raise InputError(f"{what}: raw bytes do not match their hash; file edited?")
        raise_missing(fill.missing, what)
        return RequestSpec(url=url, raw=saved.raw, meta=meta)
    method = fill.text(saved.method)
    version = fill.text(saved.http_version)
    headers = tuple((bytes_of(fill.text(n)), bytes_of(fill.text(v))) for n, v in saved.headers)
    target = None if saved.request_target is None else bytes_of(fill.text(saved.request_target))
    body = b"" if saved.body is None else bytes_of(fill.text(saved.body))
    path = None if saved.body_file is None else Path(fill.text(saved.body_file))
    raise_missing(fill.missing, what)
    if path is not None:
        path = path if base_dir is None else base_dir / path
        try:
            body = path.read_bytes()
        except OSError as exc:
            raise InputError(f"{what}: cannot read body file {path}: {exc.strerror}") from None
        if saved.body_file_substitute:
            fill = Resolver(variables, environ)
            body = bytes_of(fill.text(text_of(body)))
            raise_missing(fill.missing, f"{what}, body file {path}")
    return RequestSpec(bytes_of(method), url, bytes_of(version), headers, body, None, target, meta)


def variables_used(saved: SavedRequest) -> set[str]:
    """Names of the variables a request refers to (dynamic ``$`` ones left out)."""
    texts = [saved.url]
    if saved.raw is None:
        texts += [saved.method, saved.http_version, saved.body or "", saved.body_file or ""]
        texts += [saved.request_target or ""]
        texts += (part for header in saved.headers for part in header)
    return {ref for text in texts for ref in hv.references(text) if not ref.startswith("$")}
