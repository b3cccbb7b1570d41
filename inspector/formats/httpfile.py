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

import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path

from inspector.formats import httpvars as hv
from inspector.formats.httpsyntax import (
    _ONE_LINE_FIELDS,
    HttpFile,
    Problem,
    SavedRequest,
    _apply,
    _field,
    _match_headers,
    _raw_view,
    _read_block,
    _readable,
    _render,
    _sha256,
)
from inspector.formats.httpvars import Resolver, bytes_of, escape, raise_missing, text_of
from inspector.model import InputError, RequestSpec

__all__ = [
    "AUTO_HEADERS_OFF",
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

AUTO_HEADERS_OFF = ("inspector-auto-headers", "off")
"""The directive of a request saved with automatic headers turned off (the TUI writes it;
replay then adds no Host, User-Agent, Accept or Content-Length of its own)."""


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
