"""The parser's fast paths (clean heads) read exactly what its careful paths read."""

from __future__ import annotations

from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inspector.wire import head as H
from inspector.wire.parser import ResponseParser
from tests.wire.golden import describe, parse

_NAMES = st.sampled_from(
    [b"X", b"Content-Length", b"content-length", b"Connection", b"Transfer-Encoding", b"A b",
     b"", b"X\x00", b"\xff"]
)  # fmt: skip
_SEPARATORS = st.sampled_from([b":", b": ", b":\t", b" :", b"", b":  \t "])
_VALUES = st.sampled_from(
    [b"", b"0", b"5", b"05", b"1, 1", b"x", b"a b", b"chunked", b"gzip, chunked", b"close",
     b"keep-alive", b"Keep-Alive, Close", b"v\x00", b"v\x01", b"v\x7f", b"\xe9t\xe9", b"v\x0b"]
)  # fmt: skip
_TRAILING = st.sampled_from([b"", b"", b" ", b"\t", b" \t", b"\x0c"])
_ENDINGS = st.sampled_from([b"\r\n", b"\r\n", b"\r\n", b"\n", b"\r"])
_STATUS = st.sampled_from(
    [b"HTTP/1.1 200 OK", b"HTTP/1.0 204 ", b"HTTP/1.1 304", b"HTTP/1.1 20", b"HTTP/1.1 099 X",
     b"HTTP/1.1 600 X", b"HTTP/1.1 200 O\x01K", b"HTTP/1.2 200 OK", b"HTTP/1.1  200 OK", b"",
     b" HTTP/1.1 200 OK", b"HTTP/1.1 101 Switching"]
)  # fmt: skip


@st.composite
def _heads(draw: st.DrawFn) -> tuple[bytes, list[bytes]]:
    lines = [draw(_STATUS)]
    for _ in range(draw(st.integers(0, 8))):
        if draw(st.integers(0, 9)) == 0:  # an obs-fold or a stray line
            lines.append(draw(st.sampled_from([b" folded", b"\tmore", b"no colon", b""])))
            continue
        lines.append(draw(_NAMES) + draw(_SEPARATORS) + draw(_VALUES) + draw(_TRAILING))
    data = b"".join(line + draw(_ENDINGS) for line in lines) + draw(_ENDINGS)
    data = draw(st.sampled_from([b"", b"\r\n", b"\n"])) + data + draw(st.binary(max_size=8))
    cuts = sorted(set(draw(st.lists(st.integers(0, len(data)), max_size=4))))
    return data, [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=_heads(), method=st.sampled_from([b"GET", b"HEAD"]))
def test_fast_and_careful_paths_agree(case: tuple[bytes, list[bytes]], method: bytes) -> None:
    """With the clean-head fast path turned off, every result is the same, anomalies included.

    The fast path finds the head's end with a CRLFCRLF search instead of the
    regex, reads the common status line and ``name: value`` lines without the
    per-line checks, and strips values with ``strip()``; none of that may
    change a single field, span or anomaly.
    """
    data, pieces = case
    fast = describe(method, parse(method, pieces))
    with mock.patch.object(H, "clean_lines", lambda block: None):
        careful = describe(method, parse(method, pieces))
    assert fast == careful


def test_a_status_line_cut_short_is_an_anomaly_not_an_exception() -> None:
    """Regression: ``HTTP/1.1 20`` used to raise IndexError; it is an invalid status line."""
    for line in (b"HTTP/1.1 20", b"HTTP/1.1 2", b"HTTP/1.1 "):
        p = ResponseParser()
        p.feed(line + b"\r\n\r\n")
        r = p.result()
        assert p.done and r.status is None
        assert [a.code for a in r.anomalies] == ["invalid-status-line"]


def test_connection_tokens_decide_keep_alive() -> None:
    """The substring shortcut for Connection agrees with the token rule (RFC 9112 §9.3)."""
    cases = {
        b"HTTP/1.1 200 OK\r\nConnection: keep-alive\r\n": True,
        b"HTTP/1.1 200 OK\r\nConnection: Close\r\n": False,
        b"HTTP/1.1 200 OK\r\nConnection: x-closed, upgrade\r\n": True,
        b"HTTP/1.1 200 OK\r\nConnection: te\r\nConnection: close\r\n": False,
        b"HTTP/1.1 200 OK\r\nConnection: clo\r\n se\r\n": True,
        b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n": True,
        b"HTTP/1.0 200 OK\r\nConnection: keep-alive, close\r\n": False,
        b"HTTP/1.0 200 OK\r\n": False,
    }
    for head, keep_alive in cases.items():
        p = ResponseParser()
        p.feed(head + b"Content-Length: 0\r\n\r\n")
        assert p.result().keep_alive is keep_alive, head
