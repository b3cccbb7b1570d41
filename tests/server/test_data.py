"""Data endpoints: seeded bytes, streams, drips, content codings and sample documents."""

from __future__ import annotations

import gzip
import http.client
import json
import socket
import struct
import xml.etree.ElementTree as ET
import zlib
from collections.abc import Callable

import brotli
import pytest

from inspector.server import ServerHandle, seeded_bytes
from inspector.server.content import seeded_block
from tests.server.helpers import ResponseReader, exchange, get, recv_until_eof

Connect = Callable[[], socket.socket]


def test_bytes_are_seeded_and_reproducible(client: http.client.HTTPConnection) -> None:
    """/bytes/{n}?seed=S returns n bytes that depend only on the seed."""
    bodies = []
    for seed in (7, 7, 8):
        client.request("GET", f"/bytes/1000?seed={seed}")
        resp = client.getresponse()
        bodies.append(resp.read())
        assert resp.getheader("X-Seed") == str(seed)
        assert resp.getheader("Content-Length") == "1000"
    assert bodies[0] == bodies[1] == seeded_bytes(1000, 7) == seeded_block(7)[:1000]
    assert bodies[2] != bodies[0]


def test_bytes_without_seed_report_the_seed_they_used(client: http.client.HTTPConnection) -> None:
    """Without ?seed the server picks one and says which, so the body can be reproduced."""
    client.request("GET", "/bytes/300")
    resp = client.getresponse()
    body = resp.read()
    assert body == seeded_bytes(300, int(resp.getheader("X-Seed", "-1")))


def test_large_bytes_body_is_complete_and_repeats_the_block(connect: Connect) -> None:
    """A 3 MiB + 5 body has exactly that many bytes; byte i is block[i % 64 KiB]."""
    n = 3 * 1024 * 1024 + 5
    sock = connect()
    sock.sendall(get(f"/bytes/{n}?seed=3"))
    data, _ = recv_until_eof(sock)
    head, _, body = data.partition(b"\r\n\r\n")
    assert f"Content-Length: {n}".encode() in head
    block = seeded_block(3)
    assert len(body) == n
    assert body == (block * 49)[:n]


def test_head_sends_the_length_but_no_body(connect: Connect) -> None:
    """HEAD /bytes/100 has Content-Length: 100 and no body; the connection stays usable."""
    sock = connect()
    sock.sendall(
        b"HEAD /bytes/100 HTTP/1.1\r\nHost: test\r\n\r\n" + get("/bytes/4?seed=1", close=False)
    )
    reader = ResponseReader(sock)
    head = reader.read(head_only=True)
    assert head.header(b"content-length") == b"100"
    second = reader.read()
    assert second.body == seeded_bytes(4, 1)


def test_bytes_rejects_a_non_number(client: http.client.HTTPConnection) -> None:
    """/bytes/abc is a 400, not a crash."""
    client.request("GET", "/bytes/abc")
    resp = client.getresponse()
    assert resp.status == 400
    assert b"integer" in resp.read()


def test_stream_sends_one_json_line_per_chunk(server: ServerHandle) -> None:
    """/stream/3 is chunked, each chunk one JSON line ending in LF."""
    data = exchange(server, get("/stream/3"))
    head, _, body = data.partition(b"\r\n\r\n")
    assert b"\r\nTransfer-Encoding: chunked" in head
    lines = []
    while True:
        size_line, _, body = body.partition(b"\r\n")
        size = int(size_line, 16)
        if size == 0:
            assert body == b"\r\n"
            break
        chunk, body = body[:size], body[size + 2 :]
        assert chunk.endswith(b"\n") and chunk.count(b"\n") == 1
        lines.append(json.loads(chunk))
    assert [line["id"] for line in lines] == [0, 1, 2]


def test_stream_to_http10_is_close_delimited(server: ServerHandle) -> None:
    """An HTTP/1.0 client cannot read chunked: the stream ends at close instead."""
    data = exchange(server, get("/stream/2", version="1.0", close=False))
    head, _, body = data.partition(b"\r\n\r\n")
    assert b"Transfer-Encoding" not in head and b"Content-Length" not in head
    assert b"\r\nConnection: close" in head
    assert [json.loads(line)["id"] for line in body.splitlines()] == [0, 1]


def test_drip_spreads_bytes_over_time(connect: Connect) -> None:
    """/drip sends numbytes asterisks, declared up front, over several reads."""
    sock = connect()
    sock.sendall(get("/drip?numbytes=5&duration=0.2"))
    data, calls = recv_until_eof(sock)
    head, _, body = data.partition(b"\r\n\r\n")
    assert b"\r\nContent-Length: 5" in head
    assert body == b"*****"
    assert calls > 2


def _decoded(client: http.client.HTTPConnection, path: str) -> tuple[str | None, bytes]:
    client.request("GET", path)
    resp = client.getresponse()
    return resp.getheader("Content-Encoding"), resp.read()


def test_gzip(client: http.client.HTTPConnection) -> None:
    """/gzip is a gzip-coded JSON echo."""
    coding, body = _decoded(client, "/gzip")
    assert coding == "gzip"
    assert json.loads(gzip.decompress(body))["gzipped"] is True


def test_deflate_is_zlib_wrapped(client: http.client.HTTPConnection) -> None:
    """/deflate uses the zlib format (RFC 1950), as 'deflate' means in HTTP."""
    coding, body = _decoded(client, "/deflate")
    assert coding == "deflate"
    assert json.loads(zlib.decompress(body))["deflated"] is True


def test_brotli(client: http.client.HTTPConnection) -> None:
    """/brotli is a br-coded JSON echo (brotli is installed in the test environment)."""
    coding, body = _decoded(client, "/brotli")
    assert coding == "br"
    assert json.loads(brotli.decompress(body))["brotli"] is True


def test_brotli_without_the_module_explains_501(
    client: http.client.HTTPConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the brotli module the endpoint answers 501 with a reason, not a crash."""
    import importlib

    real = importlib.import_module

    def fake(name: str, package: str | None = None) -> object:
        if name == "brotli":
            raise ImportError(name)
        return real(name, package)

    monkeypatch.setattr(importlib, "import_module", fake)
    client.request("GET", "/brotli")
    resp = client.getresponse()
    assert resp.status == 501
    assert "brotli" in json.loads(resp.read())["error"]


def test_documents(client: http.client.HTTPConnection) -> None:
    """/json, /html and /xml are parseable UTF-8 documents with matching Content-Type."""
    client.request("GET", "/json")
    resp = client.getresponse()
    assert resp.getheader("Content-Type") == "application/json"
    assert "slideshow" in json.loads(resp.read())
    client.request("GET", "/html")
    resp = client.getresponse()
    assert resp.getheader("Content-Type") == "text/html; charset=utf-8"
    assert "Straße" in resp.read().decode("utf-8")
    client.request("GET", "/xml")
    resp = client.getresponse()
    assert resp.getheader("Content-Type", "").startswith("application/xml")
    assert ET.fromstring(resp.read()).tag == "slideshow"


def test_png_is_a_valid_image(client: http.client.HTTPConnection) -> None:
    """/image/png has the PNG signature, valid chunk CRCs, and 16x16 RGB pixel data."""
    client.request("GET", "/image/png")
    resp = client.getresponse()
    assert resp.getheader("Content-Type") == "image/png"
    data = resp.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, kinds, idat = 8, [], b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, payload = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert zlib.crc32(kind + payload) == crc
        kinds.append(kind)
        idat += payload if kind == b"IDAT" else b""
        pos += 12 + length
    assert kinds == [b"IHDR", b"IDAT", b"IEND"]
    assert len(zlib.decompress(idat)) == 16 * (1 + 16 * 3)
