"""The pieces of a ``.http`` file: its request, problem and file types, and block reading.

:mod:`inspector.formats.httpfile` is the public face and re-exports the types;
this module reads one ``###`` block's lines into a request, before the exact
copies (the ``# @inspector-...`` directives) are applied.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from typing import Any

from inspector.formats import httpvars as hv
from inspector.formats.httpvars import escape, text_of
from inspector.model import InputError
from inspector.wire.serialize import find_head_end


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
