"""compare.dryrun: the loopback sink that reads one request and never answers."""

from __future__ import annotations

import pytest

from inspector.compare.diff import request_differences
from inspector.compare.difference import show
from inspector.compare.dryrun import _at_sink, _request_done, dry_run
from inspector.model import RequestSpec
from inspector.net import SendOptions
from inspector.wire.serialize import serialize

OPTIONS = SendOptions(read_timeout=2.0, connect_timeout=2.0)


@pytest.mark.parametrize(
    ("data", "done"),
    [
        (b"GET / HTTP/1.1\r\nHost: a\r\n", False),
        (b"GET / HTTP/1.1\r\nHost: a\r\n\r\n", True),
        (b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhel", False),
        (b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", True),
        (b"POST / HTTP/1.1\r\nContent-Length: five\r\n\r\n", True),
        (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n", False),
        (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", True),
        (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5", False),
        (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", False),
        (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;x=1\r\n0\r\n\r\n\r\n", False),
        (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: 1\r\n", False),
        (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: 1\n\n", True),
        (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", True),
    ],
)
def test_the_sink_knows_when_a_request_is_whole(data: bytes, done: bool) -> None:
    """Head, then a Content-Length or chunked body walked chunk by chunk (data that looks
    like a last chunk is not one), trailers included; a bad length ends the request."""
    assert _request_done(data) is done


def test_engines_are_pointed_at_the_sink_keeping_the_rest_of_the_url() -> None:
    """Scheme http, the sink's address; user info, path and query kept; fragment dropped."""
    assert (
        _at_sink("https://u:p@example.test:8443/a/b?q=1#frag", 9)
        == "http://u:p@127.0.0.1:9/a/b?q=1"
    )
    assert _at_sink("http://example.test", 9) == "http://127.0.0.1:9"


def test_a_raw_request_writes_nothing_and_says_why() -> None:
    """Neither library can express raw bytes: empty bytes, the reason in the note."""
    spec = RequestSpec(url="http://example.test/", raw=b"GET / HTTP/1.1\r\n\r\n")
    for run in dry_run(spec, OPTIONS):
        assert run.sent == b"" and run.received == b""
        assert (
            run.note == "it writes nothing: a raw request cannot be expressed through a library API"
        )


def test_a_chunked_body_is_read_to_its_last_chunk() -> None:
    """A body framed by hand as chunked reaches the sink whole from both libraries; httpx
    (0.28) frames it a second time and adds Content-Length, which the request diff shows."""
    body = b"5\r\nhello\r\n0\r\n\r\n"
    spec = RequestSpec(
        method=b"POST",
        url="http://example.test/up",
        headers=((b"Host", b"example.test"), (b"Transfer-Encoding", b"chunked")),
        body=body,
    )
    hc, hx = dry_run(spec, OPTIONS)
    for run in (hc, hx):
        assert run.sent == run.received and run.received.endswith(b"0\r\n\r\n"), run.engine
    assert hc.received.endswith(b"chunked\r\n\r\n" + body)
    ours = serialize(spec)
    diffs, _ = request_differences("httpx", ours, hx.sent, structural=True)
    framing = next(d for d in diffs if d.field == "framing")
    assert framing.ours == "Transfer-Encoding: chunked"
    assert framing.theirs == "Transfer-Encoding: chunked, Content-Length: 15"
    body_diff = next(d for d in diffs if d.field == "body")
    assert body_diff.theirs == "25 bytes: f\\r\\n" + show(body) + "\\r\\n0\\r\\n\\r\\n"
