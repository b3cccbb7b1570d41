"""Import a ``curl ...`` command line (as pasted from a browser's "copy as cURL")."""

from __future__ import annotations

import base64
import shlex
from dataclasses import dataclass, field

from inspector.model import InputError, RequestSpec, Target

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
    "-g",
    "--globoff",
    "--http1.1",
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
}


@dataclass
class CurlImport:
    """A request read from a curl command, and the curl options that matter to us."""

    spec: RequestSpec
    insecure: bool = False
    http10: bool = False
    ignored: list[str] = field(default_factory=list)
    """Options we understood but do not apply (shown to the user)."""


def looks_like_curl(text: str) -> bool:
    """Whether pasted text is a curl command."""
    return text.lstrip().startswith("curl ")


def parse_curl(command: str) -> CurlImport:
    """Read a curl command line.

    Raises:
        InputError: it is not a curl command, or has no usable URL.
    """
    try:
        words = shlex.split(command.replace("\\\n", " "))
    except ValueError as exc:
        raise InputError(f"cannot read the curl command: {exc}") from None
    if not words or words[0] != "curl":
        raise InputError("not a curl command")
    method: str | None = None
    url: str | None = None
    headers: list[tuple[bytes, bytes]] = []
    data: list[bytes] = []
    result = CurlImport(RequestSpec())
    i = 1

    def value() -> str:
        nonlocal i
        i += 1
        if i >= len(words):
            raise InputError(f"curl option {words[i - 1]} needs a value")
        return words[i]

    while i < len(words):
        w = words[i]
        if w in ("-X", "--request"):
            method = value()
        elif w in ("-H", "--header"):
            name, sep, val = value().partition(":")
            if sep:
                headers.append((name.strip().encode(), val.strip().encode()))
        elif w in ("-d", "--data", "--data-raw", "--data-binary", "--data-ascii"):
            data.append(value().encode())
        elif w == "--json":
            data.append(value().encode())
            headers.append((b"Content-Type", b"application/json"))
            headers.append((b"Accept", b"application/json"))
        elif w in ("-u", "--user"):
            token = base64.b64encode(value().encode()).decode()
            headers.append((b"Authorization", f"Basic {token}".encode()))
        elif w in ("-A", "--user-agent"):
            headers.append((b"User-Agent", value().encode()))
        elif w in ("-b", "--cookie"):
            headers.append((b"Cookie", value().encode()))
        elif w in ("-k", "--insecure"):
            result.insecure = True
        elif w in ("-0", "--http1.0"):
            result.http10 = True
        elif w == "--url":
            url = value()
        elif w in ("-I", "--head"):
            method = "HEAD"
        elif w in _IGNORED_FLAGS:
            result.ignored.append(w)
        elif w in _IGNORED_WITH_VALUE:
            result.ignored.append(f"{w} {value()}")
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
    body = b"&".join(data)
    result.spec = RequestSpec(
        method=(method or ("POST" if data else "GET")).encode(),
        url=url,
        http_version=b"HTTP/1.0" if result.http10 else b"HTTP/1.1",
        headers=tuple(headers),
        body=body,
    )
    return result
