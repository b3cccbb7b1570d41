"""curl command import (what "copy as cURL" in a browser produces)."""

from __future__ import annotations

import pytest

from inspector.formats.curl import looks_like_curl, parse_curl
from inspector.model import InputError


def test_browser_style_command() -> None:
    """Method, URL, headers in order, body and -k are read; --compressed is noted."""
    imported = parse_curl(
        "curl 'http://127.0.0.1:8080/post?x=1' \\\n  -X PUT -H 'Accept: */*' "
        "-H 'X-Two: a: b' --data-raw '{\"k\":1}' --compressed -k"
    )
    spec = imported.spec
    assert spec.method == b"PUT" and spec.url == "http://127.0.0.1:8080/post?x=1"
    assert spec.headers == ((b"Accept", b"*/*"), (b"X-Two", b"a: b"))
    assert spec.body == b'{"k":1}'
    assert imported.insecure and imported.ignored == ["--compressed"]


def test_data_implies_post_and_user_gives_basic_auth() -> None:
    """-d without -X means POST, as in curl; -u becomes a Basic Authorization header."""
    spec = parse_curl("curl http://h.test/ -d a=1 -d b=2 -u user:pw").spec
    assert spec.method == b"POST" and spec.body == b"a=1&b=2"
    assert (b"Authorization", b"Basic dXNlcjpwdw==") in spec.headers


@pytest.mark.parametrize("cmd", ["curl", "curl -H 'A: b'", "wget http://x/", "curl 'unclosed"])
def test_unusable_commands(cmd: str) -> None:
    """No URL, not curl, or broken quoting: a one-line InputError."""
    with pytest.raises(InputError):
        parse_curl(cmd)


def test_looks_like_curl() -> None:
    """Only text starting with 'curl ' is treated as a command."""
    assert looks_like_curl("  curl http://x/") and not looks_like_curl("http://curl.test/")
