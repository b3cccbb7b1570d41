"""Export a request as a standalone Python script: ``socket``, ``http.client`` or ``httpx``.

- ``socket`` sends exactly the bytes :func:`inspector.wire.serialize.serialize`
  gives (a raw spec's own bytes), over TLS from ``ssl.create_default_context()``
  for https, and prints the response bytes as they arrived. It has no caveats.
- ``http.client`` uses ``putrequest(..., skip_host=True,
  skip_accept_encoding=True)``, ``putheader`` and ``endheaders(body)``, the
  lowest public API, which adds no field of its own: what it cannot send is
  its validation and its fixed ``HTTP/1.1``.
- ``httpx`` sends an ``httpx.Request`` through ``Client.send`` (so the
  client's default headers are not merged in), with the request-target in the
  ``target`` extension (so the URL is not normalised). httpx and h11 still
  add ``Host`` and ``Content-Length``, move ``Host`` first, upper-case the
  method, write their own chunked framing and refuse what h11 deems invalid.

Each caveat is checked against the real library in ``tests/formats/test_code.py``.
"""

from __future__ import annotations

import re
from string import Template
from typing import Literal

from inspector.formats.code_templates import HTTPCLIENT, HTTPX, SOCKET
from inspector.formats.export import Export, dechunk, is_chunked, reframe, resolve
from inspector.model import RequestSpec
from inspector.wire.serialize import serialize

PythonTarget = Literal["socket", "http.client", "httpx"]
"""The Python libraries a request can be exported for."""

# http.client (CPython 3.11+, Lib/http/client.py) validation, copied so caveats match it.
_HC_BAD_METHOD = re.compile(rb"[\x00-\x1f]")
_HC_BAD_TARGET = re.compile(rb"[\x00-\x20\x7f]")
_HC_NAME = re.compile(rb"[^:\s][^:\r\n]*")
_HC_BAD_VALUE = re.compile(rb"\n(?![ \t])|\r(?![ \t\n])")
# h11 (h11/_abnf.py) grammar, which httpx's HTTP/1.1 goes through.
_H11_TOKEN = re.compile(rb"[-!#$%&'*+.^_`|~0-9a-zA-Z]+")
_H11_TARGET = re.compile(rb"[\x21-\x7e]+")
_H11_VALUE = re.compile(rb"(?:[^\x00\s]+(?:[ \t]+[^\x00\s]+)*)?")
_LPE = "LocalProtocolError"  # httpx's, or h11's own for a body that does not fit


def _str_lit(text: str) -> str:
    r = repr(text)
    return '"' + r[1:-1] + '"' if r[0] == "'" and '"' not in text else r


def _bytes_lit(data: bytes) -> str:
    r = repr(data)
    return 'b"' + r[2:-1] + '"' if r[1] == "'" and b'"' not in data else r


def _bytes_block(data: bytes, indent: str = "    ") -> str:
    """A bytes literal, split after each line feed and every 64 bytes when long."""
    pieces: list[bytes] = []
    for line in data.splitlines(keepends=True):
        pieces += [line[i : i + 64] for i in range(0, len(line), 64)]
    if len(pieces) <= 1:
        return _bytes_lit(data)
    inner = "".join(f"\n{indent}{_bytes_lit(p)}" for p in pieces)
    return f"({inner}\n)"


def _pairs(headers: tuple[tuple[bytes, bytes], ...]) -> str:
    if not headers:
        return "[]"
    rows = "".join(f"\n    ({_bytes_lit(n)}, {_bytes_lit(v)})," for n, v in headers)
    return f"[{rows}\n]"


def _connection(spec: RequestSpec) -> dict[str, str]:
    t = spec.target
    return {"HOST": _str_lit(t.host), "PORT": str(t.port), "TLS": str(t.tls)}


def _socket(spec: RequestSpec) -> Export:
    data = serialize(spec)
    method = spec.method if spec.raw is None else spec.raw.lstrip(b"\r\n").split(b" ", 1)[0]
    text = Template(SOCKET).substitute(
        _connection(spec),
        HEAD_REQUEST=str(method == b"HEAD"),
        REQUEST=_bytes_block(data),
    )
    return Export(text, ())


def _refused(who: str, what: str, error: str) -> str:
    return f"{who} refuses {what}: the script stops with {error}"


def _httpclient_caveats(spec: RequestSpec, target: bytes) -> list[str]:
    out: list[str] = []
    if spec.http_version != b"HTTP/1.1":
        out.append(
            f"http.client always writes HTTP/1.1 on the request line, not {spec.http_version!r}"
        )
    method = spec.method
    if _HC_BAD_METHOD.search(method):
        out.append(_refused("http.client", f"the method {method!r} (control bytes)", "ValueError"))
    elif not method.isascii():
        out.append(_refused("http.client", f"the method {method!r}", "UnicodeEncodeError"))
    if not target:
        out.append("http.client sends '/' for an empty request-target")
    elif _HC_BAD_TARGET.search(target):
        what = f"the request-target {target!r} (space or control bytes)"
        out.append(_refused("http.client", what, "InvalidURL"))
    elif not target.isascii():
        out.append(_refused("http.client", f"the request-target {target!r}", "UnicodeEncodeError"))
    for name, value in spec.headers:
        if not _HC_NAME.fullmatch(name):
            out.append(_refused("http.client", f"the header name {name!r}", "ValueError"))
        elif _HC_BAD_VALUE.search(value):
            what = f"the value of {name.decode('latin-1')} (a CR or LF that does not start a fold)"
            out.append(_refused("http.client", what, "ValueError"))
    return out


def _httpclient(spec: RequestSpec) -> Export:
    fields, caveats = resolve(spec, "http.client")
    target = fields.request_target
    assert target is not None  # resolve() always sets it
    caveats += _httpclient_caveats(fields, target)
    text = Template(HTTPCLIENT).substitute(
        _connection(fields),
        METHOD=_str_lit(fields.method.decode("latin-1")),
        TARGET=_str_lit(target.decode("latin-1")),
        HEADERS=_pairs(fields.headers),
        BODY=_bytes_block(fields.body),
    )
    return Export(text, tuple(caveats))


def _length_caveats(spec: RequestSpec, lengths: list[bytes], chunked: bool) -> list[str]:
    values = {v.strip(b" \t") for value in lengths for v in value.split(b",")}
    if len(values) > 1:
        return [_refused("h11", "conflicting Content-Length values", _LPE)]
    if not values:
        return []
    value = values.pop()
    if not value.isdigit():
        return [_refused("h11", f"the Content-Length {lengths[0]!r}", _LPE)]
    out: list[str] = []
    if len(lengths) > 1:
        out.append(f"h11 sends only the first of the {len(lengths)} Content-Length fields")
    if any(v != value for v in lengths):
        out.append(f"h11 rewrites Content-Length {lengths[0]!r} as {value!r}")
    if not chunked and int(value) != len(spec.body):
        what = f"a {len(spec.body)}-byte body with Content-Length {value.decode()}"
        out.append(_refused("h11", what, _LPE))
    return out


def _httpx_framing(spec: RequestSpec, out: list[str]) -> list[bytes] | None:
    """Caveats about Content-Length and Transfer-Encoding; the chunks to stream, if chunked."""
    lengths = [v for n, v in spec.headers if n.lower() == b"content-length"]
    codings = [v for n, v in spec.headers if n.lower() == b"transfer-encoding"]
    body = spec.body
    if len(codings) > 1:
        out.append(_refused("h11", "more than one Transfer-Encoding field", _LPE))
    elif codings and codings[0].lower() != b"chunked":
        out.append(_refused("h11", f"Transfer-Encoding {codings[0]!r} (only chunked)", _LPE))
    elif codings and codings[0] != b"chunked":
        out.append(f"h11 lower-cases the Transfer-Encoding value {codings[0]!r} to b'chunked'")
    out += _length_caveats(spec, lengths, bool(codings))
    if not lengths and not codings:
        if body:
            out.append(f"httpx adds 'Content-Length: {len(body)}' after the fields")
        elif spec.method.upper() in (b"POST", b"PUT", b"PATCH"):
            out.append("httpx adds 'Content-Length: 0' right after Host")
    if not is_chunked(spec):
        return None
    chunks = dechunk(body)
    if chunks is None:
        out.append("the body is not clean chunked framing: h11 sends it as the data of one chunk")
        return [body] if body else []
    if reframe(chunks) != body:
        out.append(
            "h11 writes its own chunked framing (same chunk sizes): chunk extensions, "
            "trailers and the spelling of sizes are not kept"
        )
    return chunks


def _httpx_caveats(spec: RequestSpec, target: bytes) -> tuple[list[str], list[bytes] | None]:
    out: list[str] = []
    if spec.http_version != b"HTTP/1.1":
        out.append(f"httpx (h11) only sends HTTP/1.1, not {spec.http_version!r}")
    method = spec.method
    if not method.isascii():
        out.append(_refused("httpcore", f"the non-ASCII method {method!r}", "TypeError"))
    elif not _H11_TOKEN.fullmatch(method):
        out.append(_refused("h11", f"the method {method!r}", _LPE))
    elif method != method.upper():
        out.append(f"httpx upper-cases the method: it sends {method.upper()!r}")
    if not _H11_TARGET.fullmatch(target):
        out.append(_refused("h11", f"the request-target {target!r}", _LPE))
    hosts = [i for i, (n, _) in enumerate(spec.headers) if n.lower() == b"host"]
    if not hosts:
        out.append(f"httpx adds 'Host: {spec.target.authority}' as the first field")
    elif len(hosts) > 1:
        out.append(_refused("h11", "more than one Host field", _LPE))
    elif hosts[0] != 0:
        out.append("h11 moves the Host field to the first line")
    for name, value in spec.headers:
        if not _H11_TOKEN.fullmatch(name):
            out.append(_refused("h11", f"the header name {name!r}", _LPE))
        elif not _H11_VALUE.fullmatch(value):
            what = (
                f"the value of {name.decode('latin-1')} (whitespace around it, "
                "or a CR, LF or NUL in it, obs-fold included)"
            )
            out.append(_refused("h11", what, _LPE))
    return out, _httpx_framing(spec, out)


def _httpx(spec: RequestSpec) -> Export:
    fields, caveats = resolve(spec, "httpx")
    target = fields.request_target
    assert target is not None  # resolve() always sets it
    more, chunks = _httpx_caveats(fields, target)
    t = fields.target
    # A readable URL when the spec's own target is a plain path; the "target" extension
    # decides what is sent either way.
    path = (
        target.decode("ascii") if target.startswith(b"/") and _H11_TARGET.fullmatch(target) else "/"
    )
    if chunks is None:
        body = f"BODY = {_bytes_block(fields.body)}"
        content = "BODY"
    else:
        listed = "".join(f"\n    {_bytes_block(c, ' ' * 8)}," for c in chunks)
        body = "# One chunk each: h11 writes the chunked framing itself.\n"
        body += f"CHUNKS = [{listed}\n]" if chunks else "CHUNKS: list[bytes] = []"
        content = "iter(CHUNKS)"
    text = Template(HTTPX).substitute(
        URL=_str_lit(f"{t.scheme}://{t.authority}{path}"),
        METHOD=_str_lit(fields.method.decode("latin-1")),
        TARGET=_bytes_lit(target),
        HEADERS=_pairs(fields.headers),
        BODY_DEFINITION=body,
        CONTENT=content,
    )
    return Export(text, tuple(caveats + more))


def to_python(spec: RequestSpec, target: PythonTarget) -> Export:
    """A standalone Python script that sends the request with the given library.

    The script connects to the spec's URL, sends the request once, writes the
    response status and fields to standard error and the body to standard
    output (the ``socket`` one writes every response byte to standard output).
    https uses ``ssl.create_default_context()``, so it trusts the system store
    and ``SSL_CERT_FILE``. No proxy from the environment is used.

    Args:
        spec: The request; a raw spec is sent byte for byte by ``socket`` and
            from its parsed parts by the libraries.
        target: ``socket``, ``http.client`` or ``httpx``.

    Returns:
        The script and what that library cannot reproduce of this request.

    Raises:
        InputError: the spec's URL gives no http(s) target to connect to.
        ValueError: an unknown target.
    """
    if target == "socket":
        return _socket(spec)
    if target == "http.client":
        return _httpclient(spec)
    if target == "httpx":
        return _httpx(spec)
    raise ValueError(f"unknown Python export target {target!r}")
