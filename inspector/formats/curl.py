"""curl commands: import one (as pasted from a browser's "copy as cURL"), export a spec as one.

The export asks curl for exactly the spec's bytes wherever curl allows it
(checked against curl 7.88 in ``tests/formats/test_curl.py``):

- curl's own ``Host``, ``User-Agent`` and ``Accept`` are removed with
  ``-H 'Name:'`` when the spec has none; so are the ``Content-Type`` and
  ``Content-Length`` it adds for a body, and the ``Expect: 100-continue`` it
  adds for a large one. A removed ``Host`` also keeps the spec's own ``Host``
  in its place instead of first.
- ``--http1.1`` (or ``--http1.0``) keeps curl off HTTP/2; ``--path-as-is`` and
  ``--globoff`` stop it from resolving ``..`` and expanding ``[]{}``;
  ``--request-target`` carries a request-target that is not a path.
- The body goes in ``--data-raw``, or through ``printf ... | curl
  --data-binary @-`` when it holds NUL bytes or is too big for one argument.

What curl cannot do is listed in the caveats.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field, replace

from inspector.formats.export import Export, dechunk, is_chunked, reframe, resolve
from inspector.formats.shell import needs_ansi_c, printf_output, printf_word, quote, split
from inspector.model import InputError, RequestSpec, Target
from inspector.wire.serialize import request_target

# Flags whose effect our model has anyway (we never resolve "..", never glob, speak 1.1).
_NO_EFFECT = {"--http1.1", "--path-as-is", "-g", "--globoff"}
_IGNORED_FLAGS = {
    "--compressed",
    "-s",
    "--silent",
    "-S",
    "--show-error",
    "-v",
    "--verbose",
    "-i",
    "--include",
    "-L",
    "--location",
}
_IGNORED_WITH_VALUE = {
    "-o",
    "--output",
    "-m",
    "--max-time",
    "--connect-timeout",
    "-w",
    "--write-out",
    "--retry",
    "-e",
    "--referer",
    "--data-urlencode",
    "--noproxy",
    "--cacert",
    "-D",
    "--dump-header",
}
_DATA = {"-d", "--data", "--data-binary", "--data-ascii"}

# Past this a body goes through printf on stdin: one argument may hold at most 128 KiB
# on Linux (MAX_ARG_STRLEN), while printf is a shell builtin with no such limit.
_MAX_ARGUMENT = 64 * 1024
# curl adds "Expect: 100-continue" to bigger bodies (1 MiB since 7.88-ish, 1 KiB before).
_EXPECT_THRESHOLD = 1024
# curl reads an upload in pieces of its upload buffer; each piece is one chunk.
_CURL_CHUNK = 16 * 1024
_DOT_SEGMENT = re.compile(rb"(?:^|/)\.\.?(?:/|$)")


@dataclass
class CurlImport:
    """A request read from a curl command, and the curl options that matter to us."""

    spec: RequestSpec
    insecure: bool = False
    http10: bool = False
    ignored: list[str] = field(default_factory=list)
    """Options we understood but do not apply (shown to the user)."""


def looks_like_curl(text: str) -> bool:
    """Whether pasted text is a curl command (or our ``printf ... | curl ...`` form)."""
    text = text.lstrip()
    return text.startswith("curl ") or (text.startswith("printf ") and "| curl " in text)


def _header(word: bytes) -> tuple[bytes, bytes] | None:
    """A ``-H`` value as curl sends it; None for ``Name:`` (curl's "remove this header")."""
    name, colon, value = word.partition(b":")
    if not colon:
        # "Name;" is curl's way to send a header with an empty value.
        return (word[:-1], b"") if word.endswith(b";") else None
    if not value.strip(b" \t"):
        return None
    # curl sends "Name:value" as typed; the serializer writes "Name: value".
    return name, value.removeprefix(b" ")


def parse_curl(command: str) -> CurlImport:
    """Read a curl command line.

    ``-H 'Name:'`` (curl's way to drop a header it would add) adds nothing and
    ``-H 'Name;'`` adds an empty header, as in curl. A ``printf FORMAT | curl
    ... --data-binary @-`` pipeline (what :func:`to_curl` writes for binary
    bodies) takes the body from the printf.

    Raises:
        InputError: it is not a curl command, or has no usable URL.
    """
    words = split(command)
    stdin: bytes | None = None
    if len(words) >= 4 and words[0] == b"printf" and words[2] == b"|":
        stdin = printf_output(words[1])
        words = words[3:]
    if not words or words[0] != b"curl":
        raise InputError("not a curl command")
    method: bytes | None = None
    url: str | None = None
    target: bytes | None = None
    headers: list[tuple[bytes, bytes]] = []
    data: list[bytes] = []
    result = CurlImport(RequestSpec())
    i = 1

    def value() -> bytes:
        nonlocal i
        i += 1
        if i >= len(words):
            raise InputError(f"curl option {words[i - 1].decode(errors='replace')} needs a value")
        return words[i]

    while i < len(words):
        w = words[i].decode("utf-8", "replace")
        if w in ("-X", "--request"):
            method = value()
        elif w in ("-H", "--header"):
            pair = _header(value())
            if pair is not None:
                headers.append(pair)
        elif w in _DATA:
            body = value()
            if body.startswith(b"@"):
                if body != b"@-" or stdin is None:
                    raise InputError(f"curl {w} {body.decode(errors='replace')} reads a file")
                body = stdin
            data.append(body)
        elif w == "--data-raw":
            data.append(value())
        elif w == "--json":
            data.append(value())
            headers.append((b"Content-Type", b"application/json"))
            headers.append((b"Accept", b"application/json"))
        elif w in ("-u", "--user"):
            token = base64.b64encode(value()).decode()
            headers.append((b"Authorization", f"Basic {token}".encode()))
        elif w in ("-A", "--user-agent"):
            headers.append((b"User-Agent", value()))
        elif w in ("-b", "--cookie"):
            headers.append((b"Cookie", value()))
        elif w in ("-k", "--insecure"):
            result.insecure = True
        elif w in ("-0", "--http1.0"):
            result.http10 = True
        elif w == "--request-target":
            target = value()
        elif w == "--url":
            url = value().decode("utf-8", "replace")
        elif w in ("-I", "--head"):
            method = b"HEAD"
        elif w in _NO_EFFECT:
            pass
        elif w in _IGNORED_FLAGS:
            result.ignored.append(w)
        elif w in _IGNORED_WITH_VALUE:
            result.ignored.append(f"{w} {value().decode('utf-8', 'replace')}")
        elif w.startswith("-"):
            result.ignored.append(w)
        else:
            url = w
        i += 1
    if url is None:
        raise InputError("the curl command has no URL")
    if "://" not in url:
        url = "http://" + url
    Target.from_url(url)
    spec = RequestSpec(
        method=method or (b"POST" if data else b"GET"),
        url=url,
        http_version=b"HTTP/1.0" if result.http10 else b"HTTP/1.1",
        headers=tuple(headers),
        body=b"&".join(data),
        request_target=target,
    )
    if spec.body and is_chunked(spec):
        # curl frames the data itself when told Transfer-Encoding: chunked (as one chunk
        # for a body that fits its upload buffer); our spec holds the framed body.
        spec = replace(spec, body=reframe([spec.body]))
    result.spec = spec
    return result


def _url_and_flags(spec: RequestSpec, target: bytes) -> tuple[str, list[str]]:
    """The URL to give curl and the flags that make it send ``target`` as is."""
    t = spec.target
    base = f"{t.scheme}://{t.authority}"
    flags: list[str] = []
    if "[" in t.authority:
        flags.append("--globoff")  # an IPv6 literal: curl would read [..] as a glob
    # A printable path goes in the URL, where curl keeps it byte for byte once told not
    # to resolve dot segments or expand globs; anything else needs --request-target.
    if target.startswith(b"/") and all(0x21 <= b <= 0x7E for b in target):
        if _DOT_SEGMENT.search(target.split(b"?", 1)[0]):
            flags.append("--path-as-is")
        if any(c in target for c in b"[]{}") and "--globoff" not in flags:
            flags.append("--globoff")
        return base + target.decode("ascii"), flags
    flags += ["--request-target", quote(target)]
    # The URL then only says where to connect; keep the typed one when curl takes it as is.
    path = request_target(spec.url)
    plain = all(0x21 <= b <= 0x7E and b not in b"[]{}" for b in path)
    return base + (path.decode("ascii") if plain else "/"), flags


def _method_flags(method: bytes, has_data: bool) -> list[str]:
    if not has_data and method == b"HEAD":
        return ["--head"]
    if (method == b"GET" and not has_data) or (method == b"POST" and has_data):
        return []
    return ["-X", quote(method)]


def _removers(spec: RequestSpec, body: bytes, chunked: bool) -> list[bytes]:
    """``Name:`` words for each header curl would add that the spec does not have."""
    names = [n.lower() for n, _ in spec.headers]
    out: list[bytes] = []
    # Removing curl's Host also stops it from moving the spec's own Host to the top.
    if names.count(b"host") != 1 or names[0] != b"host":
        out.append(b"Host:")
    for name in (b"User-Agent", b"Accept"):
        if name.lower() not in names:
            out.append(name + b":")
    if body:
        if b"content-type" not in names:
            out.append(b"Content-Type:")
        if not chunked and b"content-length" not in names:
            out.append(b"Content-Length:")
        if len(body) > _EXPECT_THRESHOLD and b"expect" not in names:
            out.append(b"Expect:")
    return out


def _chunked_payload(body: bytes, caveats: list[str]) -> bytes:
    """The payload to give curl, which writes chunked framing itself."""
    chunks = dechunk(body)
    if chunks is None:
        caveats.append(
            "the body is not clean chunked framing, but Transfer-Encoding says chunked: "
            "curl frames the whole body again as chunks"
        )
        return body
    payload = b"".join(chunks)
    if len(payload) > _CURL_CHUNK:
        caveats.append(
            "curl writes its own chunked framing, in chunks of its upload buffer's size: "
            "the body's chunk sizes, extensions and trailers are not kept"
        )
    elif reframe([payload] if payload else []) != body:
        caveats.append(
            f"curl writes its own chunked framing (one chunk of {len(payload)} bytes): "
            "the body's chunk sizes, extensions and trailers are not kept"
        )
    return payload


def to_curl(spec: RequestSpec) -> Export:
    """A curl command that sends the request, as close to its exact bytes as curl allows.

    Args:
        spec: The request; a raw spec is sent from its parsed parts.

    Returns:
        The command (multi-line, with ``\\`` continuations) and its caveats.

    Raises:
        InputError: the spec's URL gives no http(s) target to connect to.
    """
    fields, caveats = resolve(spec, "curl")
    target = fields.request_target
    assert target is not None  # resolve() always sets it
    url, url_flags = _url_and_flags(fields, target)
    version = fields.http_version
    if version not in (b"HTTP/1.1", b"HTTP/1.0"):
        caveats.append(f"curl writes HTTP/1.1 on the request line, not {version!r}")
    chunked = is_chunked(fields)
    payload = _chunked_payload(fields.body, caveats) if chunked else fields.body
    has_data = bool(fields.body)
    options = [["--http1.0" if version == b"HTTP/1.0" else "--http1.1", quote(url.encode())]]
    if url_flags:
        options.append(url_flags)
    if method_flags := _method_flags(fields.method, has_data):
        options.append(method_flags)
    header_words = _removers(fields, payload, chunked)
    for name, value in fields.headers:
        if not name:
            caveats.append(f"curl drops a header line with no name (value {value!r})")
        elif not value.strip(b" \t"):
            caveats.append(
                f"curl sends the empty header {name!r} as 'Name:' without the space "
                "(and any whitespace) after the colon"
            )
            header_words.append(name + b";")
        else:
            header_words.append(name + b": " + value)
    options += [["-H", quote(w)] for w in header_words]
    nul_parts = [fields.method, target, *(w for w in header_words)]
    if any(b"\x00" in part for part in nul_parts):
        caveats.append("a NUL byte cannot go in a command-line argument: curl's copy ends there")
    prefix = ""
    if has_data and (b"\x00" in payload or len(payload) > _MAX_ARGUMENT):
        prefix = f"printf {printf_word(payload)} | "
        options.append(["--data-binary", "@-"])
    elif has_data:
        options.append(["--data-raw", quote(payload)])
    words = [fields.method, target, url.encode(), *header_words]
    if not prefix and has_data:
        words.append(payload)
    if any(needs_ansi_c(w) for w in words):
        caveats.append(
            "the command uses $'...' quoting for control or non-UTF-8 bytes: run it in bash or zsh"
        )
    text = prefix + "curl " + " \\\n  ".join(" ".join(group) for group in options)
    return Export(text, tuple(caveats))
