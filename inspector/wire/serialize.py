"""Turn a ``RequestSpec`` into the exact bytes that go on the wire.

The serializer writes exactly what the spec says: no header is added, reordered,
trimmed or validated. Helper headers (``Host``, ``User-Agent``, ``Accept``,
``Content-Length``) come from :func:`with_default_headers`, an explicit step whose
result is another spec the user can see. Problems are reported by
:mod:`inspector.wire.lint`, never fixed here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from typing import NamedTuple

from inspector.model.errors import InputError
from inspector.model.request import Header, RequestSpec

__all__ = [
    "HeadEnd",
    "default_headers_added",
    "find_head_end",
    "request_target",
    "serialize",
    "update_content_length",
    "with_default_headers",
]

DEFAULT_USER_AGENT = b"inspector/0.1"
"""The ``User-Agent`` value :func:`with_default_headers` adds unless told otherwise."""

# RFC 3986 appendix B: this pattern matches every string, so splitting a URL never fails.
# Unlike ``urllib.parse.urlsplit`` it strips nothing (urlsplit drops tabs and newlines).
_URI_RE = re.compile(r"(?:([^:/?#]+):)?(?://([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?", re.DOTALL)

# Printable ASCII (0x21-0x7E) is kept as typed; every other byte is percent-encoded.
_PCT = [bytes([b]) if 0x21 <= b <= 0x7E else b"%%%02X" % b for b in range(256)]

# Methods whose requests are expected to carry a body, so an empty one gets
# ``Content-Length: 0`` (RFC 9110 §8.6: a user agent SHOULD send it for these).
_BODY_METHODS = frozenset({b"POST", b"PUT", b"PATCH"})


def _pct_encode(text: str) -> bytes:
    # surrogatepass: a lone surrogate typed or pasted by the user must not raise.
    return b"".join(_PCT[b] for b in text.encode("utf-8", "surrogatepass"))


def request_target(url: str, *, absolute: bool = False) -> bytes:
    """The request-target for a URL, as the user typed it.

    The path (``/`` when empty) and the query (with its ``?`` whenever one was
    typed, even if the query is empty) are kept as typed, except that every byte
    outside printable ASCII (spaces, controls, non-ASCII characters as UTF-8) is
    percent-encoded. Existing ``%XX`` escapes are not touched. The fragment is
    dropped. This never raises, whatever the string.

    Args:
        url: The URL as typed, normally absolute (``http://host/path?query``).
        absolute: Give the absolute-form for a proxy (RFC 9112 §3.2.2):
            ``scheme://host[:port]/path?query``, with any userinfo removed
            (RFC 9110 §4.2.4). Scheme and host keep their typed case. Parts the
            URL does not have are left out.

    Returns:
        The request-target bytes.
    """
    match = _URI_RE.fullmatch(url)
    assert match is not None  # the pattern matches every string
    scheme, authority, path, query, _fragment = match.groups()
    target = path or "/"
    if query is not None:
        target += "?" + query
    if absolute:
        prefix = ""
        if scheme is not None:
            prefix += scheme + ":"
        if authority is not None:
            prefix += "//" + authority.rpartition("@")[2]
        target = prefix + target
    return _pct_encode(target)


def serialize(spec: RequestSpec) -> bytes:
    """The exact bytes of a request.

    The request line is ``method SP request-target SP http_version CRLF``, then
    each header as ``name: value CRLF`` in order, exactly as given (case,
    duplicates and any malformed bytes included), then ``CRLF`` and the body.

    Args:
        spec: The request. When ``spec.raw`` is set it is returned untouched.
            Otherwise the request-target is ``spec.request_target`` if set, else
            :func:`request_target` of ``spec.url``.

    Returns:
        The bytes to send.
    """
    if spec.raw is not None:
        return spec.raw
    target = spec.request_target if spec.request_target is not None else request_target(spec.url)
    parts = [spec.method, b" ", target, b" ", spec.http_version, b"\r\n"]
    for name, value in spec.headers:
        parts += (name, b": ", value, b"\r\n")
    parts += (b"\r\n", spec.body)
    return b"".join(parts)


def host_value(spec: RequestSpec) -> bytes | None:
    """The Host value for the spec's URL (IDNA for a non-ASCII host); None without a URL."""
    try:
        authority = spec.target.authority
    except InputError:
        # No usable URL: there is nothing to connect to, so no Host to add. Lint
        # reports ``missing-host``; sending reports the bad URL.
        return None
    try:
        return authority.encode("ascii")
    except UnicodeEncodeError:
        pass
    try:
        return authority.encode("idna")
    except UnicodeError:
        return authority.encode("utf-8", "surrogatepass")


def _plan(
    spec: RequestSpec,
    *,
    host: bool,
    content_length: bool,
    user_agent: bool,
    accept: bool,
    user_agent_value: bytes,
) -> tuple[list[Header], list[Header]]:
    """The helper headers to put before and after the user's headers."""
    if spec.raw is not None:
        return [], []
    present = {name.lower() for name, _ in spec.headers}
    front: list[Header] = []
    back: list[Header] = []
    if host and b"host" not in present:
        value = host_value(spec)
        if value is not None:
            front.append((b"Host", value))
    if user_agent and b"user-agent" not in present:
        front.append((b"User-Agent", user_agent_value))
    if accept and b"accept" not in present:
        front.append((b"Accept", b"*/*"))
    if (
        content_length
        and b"content-length" not in present
        and b"transfer-encoding" not in present
        and (spec.body or spec.method in _BODY_METHODS)
    ):
        back.append((b"Content-Length", str(len(spec.body)).encode("ascii")))
    return front, back


def default_headers_added(
    spec: RequestSpec,
    *,
    host: bool = True,
    content_length: bool = True,
    user_agent: bool = True,
    accept: bool = True,
    user_agent_value: bytes = DEFAULT_USER_AGENT,
) -> list[Header]:
    """The headers :func:`with_default_headers` would add, in the order they appear.

    The UI uses this to mark those headers as automatic. Arguments are those of
    :func:`with_default_headers`.

    Returns:
        ``(name, value)`` pairs; empty for a raw spec or when nothing is missing.
    """
    front, back = _plan(
        spec,
        host=host,
        content_length=content_length,
        user_agent=user_agent,
        accept=accept,
        user_agent_value=user_agent_value,
    )
    return front + back


def with_default_headers(
    spec: RequestSpec,
    *,
    host: bool = True,
    content_length: bool = True,
    user_agent: bool = True,
    accept: bool = True,
    user_agent_value: bytes = DEFAULT_USER_AGENT,
) -> RequestSpec:
    """A copy of the spec with helper headers added where the user set none.

    A header is added only when no header of that name (case-insensitive) is in
    the spec, so the user's headers are never overridden, moved or removed. The
    order follows curl: ``Host``, ``User-Agent``, ``Accept`` first, then the
    user's headers, then ``Content-Length``.

    Args:
        spec: The request as composed. A raw spec is returned unchanged.
        host: Add ``Host`` from the URL's authority (left out if the URL gives
            no valid target; lint then reports it).
        content_length: Add ``Content-Length`` when the body is non-empty or the
            method is ``POST``, ``PUT`` or ``PATCH``, unless a
            ``Transfer-Encoding`` header is present.
        user_agent: Add ``User-Agent``.
        accept: Add ``Accept: */*``.
        user_agent_value: The ``User-Agent`` value to add.

    Returns:
        A new spec whose headers include the added ones, or ``spec`` itself
        when nothing is added.
    """
    front, back = _plan(
        spec,
        host=host,
        content_length=content_length,
        user_agent=user_agent,
        accept=accept,
        user_agent_value=user_agent_value,
    )
    if not front and not back:
        return spec
    return replace(spec, headers=(*front, *spec.headers, *back))


class HeadEnd(NamedTuple):
    """Where the head of a raw message stops."""

    blank: int
    """Offset of the empty line that ends the head."""
    body: int
    """Offset of the first body byte, just after that empty line."""


def find_head_end(raw: bytes) -> HeadEnd | None:
    """Find the empty line that ends the head of a raw message, leniently.

    Lines may end in CRLF or a bare LF, mixed (so ``CRLF CRLF``, ``LF LF`` and
    ``LF CRLF`` all end a head). Empty lines before the start line are skipped,
    as RFC 9112 §2.2 lets servers do.

    Args:
        raw: The message bytes.

    Returns:
        The offsets, or ``None`` when no empty line follows the start line.
    """
    pos = 0
    seen_line = False
    while True:
        lf = raw.find(b"\n", pos)
        if lf == -1:
            return None
        if lf == pos or (lf == pos + 1 and raw[pos] == 0x0D):
            if seen_line:
                return HeadEnd(pos, lf + 1)
        else:
            seen_line = True
        pos = lf + 1


def tunnel_head_end(sent: bytes, method: bytes) -> int:
    """Where the request starts in the bytes sent: after a proxy's CONNECT head, if any.

    Through a proxy to an https origin, a ``CONNECT host:port`` head goes first on
    the connection, then (inside the tunnel) the request itself. Returns 0 when
    there is no such head, or when the request is itself a CONNECT.
    """
    if method.upper() == b"CONNECT" or not sent.startswith(b"CONNECT "):
        return 0
    end = find_head_end(sent)
    return 0 if end is None else end.body


def _lines(raw: bytes, stop: int) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of each line in ``raw[:stop]``, without its CR and LF."""
    pos = 0
    while pos < stop:
        lf = raw.find(b"\n", pos, stop)
        after = stop if lf == -1 else lf + 1
        end = stop if lf == -1 else lf
        if end > pos and raw[end - 1] == 0x0D:
            end -= 1
        yield pos, end
        pos = after


def _content_length_value(raw: bytes, head_stop: int) -> tuple[int, int] | None:
    """The span of the first ``Content-Length`` value in ``raw[:head_stop]``."""
    seen_start_line = False
    for start, end in _lines(raw, head_stop):
        if not seen_start_line:
            seen_start_line = end > start  # empty lines before the start line are skipped
            continue
        name, colon, _ = raw[start:end].partition(b":")
        if colon and name.rstrip(b" \t").lower() == b"content-length":
            first = start + len(name) + 1
            while first < end and raw[first] in b" \t":
                first += 1
            stop = end
            while stop > first and raw[stop - 1] in b" \t":
                stop -= 1
            return first, stop
    return None


def update_content_length(raw: bytes) -> bytes:
    """Make the ``Content-Length`` of a raw request match its body.

    The head ends at the first empty line (see :func:`find_head_end`); the body
    is everything after it. The value of the first ``Content-Length`` header
    (name matched case-insensitively, surrounding whitespace kept) is replaced;
    if there is none, ``Content-Length: N`` is inserted just before the empty
    line, with the same line ending as that line. Every other byte is kept. A
    ``Transfer-Encoding`` header does not stop this: it is an explicit request,
    and lint reports ``cl-and-te``.

    When no empty line ends the head, everything is head and the body is empty:
    an existing ``Content-Length`` is set to ``0`` and nothing is inserted or
    appended, since there is no place to put a header without ending the head.

    Args:
        raw: The raw request bytes.

    Returns:
        The updated bytes.
    """
    head = find_head_end(raw)
    head_stop = len(raw) if head is None else head.blank
    length = b"0" if head is None else str(len(raw) - head.body).encode("ascii")
    span = _content_length_value(raw, head_stop)
    if span is not None:
        return raw[: span[0]] + length + raw[span[1] :]
    if head is None:
        return raw
    eol = raw[head.blank : head.body]
    return raw[: head.blank] + b"Content-Length: " + length + eol + raw[head.blank :]
