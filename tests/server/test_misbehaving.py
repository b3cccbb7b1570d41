"""The misbehaving endpoints put exactly the promised malformed bytes on the wire."""

from __future__ import annotations

import http.client
import socket
from collections.abc import Callable

import pytest

from inspector.server import ServerHandle
from inspector.server.endpoints_bad import (
    BARE_LF_BODY,
    CLOSE_BODY,
    ESCAPE_BODY,
    HTTP10_BODY,
    INTERIM_BODY,
    NO_LENGTH_BODY,
    OBS_FOLD_BODY,
    SLOW_BODY,
    TRICKLE_BODY,
)
from tests.server.helpers import ResponseReader, exchange, get, recv_until_eof, wait_for

Connect = Callable[[], socket.socket]


def test_trickle_sends_the_response_in_one_byte_writes(
    server: ServerHandle, connect: Connect
) -> None:
    """/trickle's bytes are exact, and arrive spread over many recv() calls."""
    sock = connect()
    sock.sendall(get("/trickle?delay=0.002"))
    data, calls = recv_until_eof(sock)
    assert data == (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
        b"Connection: close\r\n\r\n%b" % (len(TRICKLE_BODY), TRICKLE_BODY)
    )
    assert calls > 2


def test_trickle_honours_keep_alive(server: ServerHandle, connect: Connect) -> None:
    """/trickle's message is well framed, so the connection serves another request after it."""
    sock = connect()
    sock.sendall(get("/trickle?delay=0&size=7", close=False) + get("/status/204", close=False))
    reader = ResponseReader(sock)
    first = reader.read()
    assert first.header(b"connection") is None
    assert first.body == TRICKLE_BODY
    assert reader.read().status == 204


def test_keepalive_no_length_holds_the_connection_open(
    server: ServerHandle, connect: Connect
) -> None:
    """The body has no length and the server neither closes nor sends more until ?hold ends."""
    sock = connect()
    sock.sendall(get("/keepalive-no-length?hold=0.4", close=False))
    expected = (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: keep-alive\r\n\r\n"
        + NO_LENGTH_BODY
    )
    data = b""
    while len(data) < len(expected):
        data += sock.recv(65536)
    assert data == expected
    sock.settimeout(0.1)
    with pytest.raises(TimeoutError):
        sock.recv(1)  # a naive read loop hangs here
    sock.settimeout(5)
    assert sock.recv(1) == b""  # closed once the hold is over


def test_keepalive_no_length_ends_when_the_client_leaves(server: ServerHandle) -> None:
    """A client that gives up and closes frees the held connection on the server."""
    sock = socket.create_connection((server.host, server.port), timeout=5)
    sock.sendall(get("/keepalive-no-length?hold=60", close=False))
    assert sock.recv(65536).startswith(b"HTTP/1.1 200 OK")
    assert server.open_connections == 1
    sock.close()
    assert wait_for(lambda: server.open_connections == 0)


def test_close_delimited_body_ends_at_close(server: ServerHandle) -> None:
    """/close-delimited has no framing field and the server closes after the body."""
    assert exchange(server, get("/close-delimited", close=False)) == (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n" + CLOSE_BODY
    )


def test_truncated_promises_more_than_it_sends(server: ServerHandle) -> None:
    """/truncated declares 100 bytes, sends 40, then closes; ?length and ?sent change that."""
    data = exchange(server, get("/truncated"))
    head, _, body = data.partition(b"\r\n\r\n")
    assert b"\r\nContent-Length: 100\r\n" in head + b"\r\n"
    assert body == b"0123456789" * 4
    data = exchange(server, get("/truncated?length=10&sent=3"))
    assert data.endswith(b"Content-Length: 10\r\nConnection: close\r\n\r\n012")


def test_reset_aborts_mid_body_with_an_rst(server: ServerHandle, connect: Connect) -> None:
    """/reset sends part of the body, then the connection fails with ECONNRESET, not EOF."""
    sock = connect()
    sock.sendall(get("/reset?delay=0.1", close=False))
    data = b""
    with pytest.raises(ConnectionResetError):
        while True:
            piece = sock.recv(65536)
            assert piece, "an orderly EOF instead of a reset"
            data += piece
    assert data == (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n" + b"r" * 100
    )


CHUNKED_HEAD = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n"
    b"Connection: close\r\n\r\n"
)


@pytest.mark.parametrize(
    ("kind", "tail"),
    [
        ("", b"zz\r\nworld\r\n0\r\n\r\n"),
        ("nonhex", b"zz\r\nworld\r\n0\r\n\r\n"),
        ("huge", b"ffffffffffffffffffff\r\nworld\r\n0\r\n\r\n"),
        ("negative", b"-5\r\nworld\r\n0\r\n\r\n"),
        ("mismatch", b"10\r\nworld\r\n0\r\n\r\n"),
    ],
)
def test_chunked_bad_size(server: ServerHandle, kind: str, tail: bytes) -> None:
    """/chunked/bad-size sends one good chunk, then the chosen bad size line, then closes."""
    data = exchange(server, get(f"/chunked/bad-size?kind={kind}"))
    assert data == CHUNKED_HEAD + b"5\r\nhello\r\n" + tail


def test_chunked_no_terminator_closes_without_last_chunk(server: ServerHandle) -> None:
    """/chunked/no-terminator never sends the zero-size chunk."""
    data = exchange(server, get("/chunked/no-terminator"))
    assert data == CHUNKED_HEAD + b"5\r\nhello\r\n7\r\n, world\r\n"


def test_chunked_extensions_and_trailers(server: ServerHandle, connect: Connect) -> None:
    """Chunk extensions and trailer fields are on the wire, and the connection stays usable."""
    sock = connect()
    sock.sendall(get("/chunked/extensions-trailers", close=False) + get("/get"))
    reader = ResponseReader(sock)
    reply = reader.read()
    assert reply.raw == (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n"
        b"Trailer: X-Checksum, X-Note\r\n\r\n"
        b'5;ext=1\r\nhello\r\n7;name="quoted;value";flag\r\n, world\r\n'
        b"0;last\r\nX-Checksum: crc32=3a48f7b4\r\nX-Note: trailers come after the body\r\n\r\n"
    )
    assert reply.body == b"hello, world"
    assert reader.read().status == 200


def test_bare_lf_head_has_no_carriage_returns(server: ServerHandle) -> None:
    """/bare-lf ends every head line with LF alone."""
    data = exchange(server, get("/bare-lf"))
    assert data == (
        b"HTTP/1.1 200 OK\nContent-Type: text/plain\nContent-Length: %d\n"
        b"X-Line-Endings: LF only\nConnection: close\n\n%b" % (len(BARE_LF_BODY), BARE_LF_BODY)
    )
    assert b"\r" not in data


def test_obs_fold_continues_a_field_on_indented_lines(server: ServerHandle) -> None:
    """/obs-fold sends X-Folded over three lines, the continuations starting with SP and HTAB."""
    data = exchange(server, get("/obs-fold"))
    assert b"\r\nX-Folded: first part,\r\n second part,\r\n\tthird part\r\n" in data
    assert data.endswith(b"\r\n\r\n" + OBS_FOLD_BODY)


def test_cl_te_conflict_sends_both_framings(server: ServerHandle) -> None:
    """/cl-te-conflict carries Content-Length: 6 and Transfer-Encoding: chunked together."""
    assert exchange(server, get("/cl-te-conflict")) == (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n"
        b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n7\r\nchunked\r\n0\r\n\r\n"
    )


@pytest.mark.parametrize(("query", "first"), [("", b"5"), ("?same=1", b"12")])
def test_duplicate_content_length(server: ServerHandle, query: str, first: bytes) -> None:
    """/duplicate-cl sends two Content-Length fields (differing, or equal with ?same=1)."""
    assert exchange(server, get("/duplicate-cl" + query)) == (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %b\r\n"
        b"Content-Length: 12\r\nConnection: close\r\n\r\nhello, world" % first
    )


def test_huge_header_is_as_large_as_asked(server: ServerHandle) -> None:
    """/huge-header?kb=100 sends one 100 KiB field, which http.client refuses as too long."""
    data = exchange(server, get("/huge-header?kb=100"))
    assert b"\r\nX-Huge: " + b"a" * 102400 + b"\r\n" in data
    conn = http.client.HTTPConnection(server.host, server.port, timeout=5)
    try:
        conn.request("GET", "/huge-header?kb=100")
        with pytest.raises(http.client.LineTooLong):
            conn.getresponse()
    finally:
        conn.close()


def test_many_headers_sends_n_fields(server: ServerHandle) -> None:
    """/many-headers?n=150 sends 150 X-Header fields: more than http.client accepts."""
    data = exchange(server, get("/many-headers?n=150"))
    head = data.partition(b"\r\n\r\n")[0]
    assert head.count(b"\r\nX-Header-") == 150
    assert b"\r\nX-Header-00150: value 150" in head
    conn = http.client.HTTPConnection(server.host, server.port, timeout=5)
    try:
        conn.request("GET", "/many-headers?n=150")
        with pytest.raises(http.client.HTTPException, match="more than 100 headers"):
            conn.getresponse()
    finally:
        conn.close()


def test_interim_sends_100_and_103_before_the_final_response(server: ServerHandle) -> None:
    """/interim writes 100 Continue, 103 Early Hints, then the 200, in that order."""
    data = exchange(server, get("/interim?delay=0.01"))
    assert data == (
        b"HTTP/1.1 100 Continue\r\n\r\n"
        b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload; as=style\r\n\r\n"
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
        b"Connection: close\r\n\r\n%b" % (len(INTERIM_BODY), INTERIM_BODY)
    )


def test_interim_sends_no_1xx_to_http10(server: ServerHandle) -> None:
    """An HTTP/1.0 client gets only the final response (RFC 9110 §15.2)."""
    data = exchange(server, get("/interim", version="1.0", close=False))
    assert data.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"HTTP/1.1 1" not in data


def test_slow_headers_arrive_line_by_line(server: ServerHandle, connect: Connect) -> None:
    """/slow-headers' exact head arrives over several reads."""
    sock = connect()
    sock.sendall(get("/slow-headers?delay=0.02"))
    data, calls = recv_until_eof(sock)
    assert data == (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Slow-1: one\r\nX-Slow-2: two\r\n"
        b"X-Slow-3: three\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%b"
        % (len(SLOW_BODY), SLOW_BODY)
    )
    assert calls > 2


def test_http10_response_is_close_delimited(server: ServerHandle) -> None:
    """/http10 answers with an HTTP/1.0 status line, no length, and closes."""
    assert exchange(server, get("/http10", close=False)) == (
        b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n" + HTTP10_BODY
    )


def test_escape_puts_control_sequences_and_markup_in_head_and_body(server: ServerHandle) -> None:
    """/escape carries raw ESC-based CSI/OSC sequences and Rich markup, unescaped."""
    data = exchange(server, get("/escape"))
    head, _, body = data.partition(b"\r\n\r\n")
    assert b"\r\nX-Escape-CSI: \x1b[31mred\x1b[0m \x1b[2K" in head
    assert b"\r\nX-Escape-OSC: \x1b]0;inspector was here\x07" in head
    assert b"\r\nX-Rich-Markup: [bold red]not markup[/bold red]" in head
    assert body == ESCAPE_BODY
    assert b"\x1b]8;;https://example.invalid/\x1b\\" in body and b"[bold red]" in body


@pytest.mark.parametrize("chunked", [False, True])
def test_endless_body_goes_on_until_the_client_leaves(server: ServerHandle, chunked: bool) -> None:
    """/endless keeps writing; after the client closes, the server drops it and serves on."""
    sock = socket.create_connection((server.host, server.port), timeout=5)
    sock.sendall(get("/endless?chunked=1" if chunked else "/endless"))
    data = b""
    while len(data) < 2 << 20:
        piece = sock.recv(1 << 20)
        assert piece
        data += piece
    sock.close()
    head, _, body = data.partition(b"\r\n\r\n")
    assert (b"Transfer-Encoding: chunked" in head) is chunked
    assert b"endless body: stop reading whenever you like\n" in body
    assert wait_for(lambda: server.open_connections == 0)
    assert exchange(server, get("/status/200")).startswith(b"HTTP/1.1 200 OK\r\n")
