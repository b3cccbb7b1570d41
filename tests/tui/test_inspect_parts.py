"""The pure pieces behind the inspection views: framing rows, row decoration, texts."""

from __future__ import annotations

from rich.text import Text

from inspector.model import (
    ConnectionInfo,
    EventKind,
    Exchange,
    PeerCertificate,
    RequestSpec,
    Severity,
    TlsInfo,
    Transcript,
)
from inspector.render.fieldmap import AnomalyMark, FieldMap
from inspector.render.rawlayout import Mode
from inspector.tui.connview import connection_text
from inspector.tui.framing import framing_rows
from inspector.tui.inspect_actions import cursor_line
from inspector.tui.rawdecor import RECV_STYLE, AnomalyIndex, Decor, byte_at_cell, data_row
from inspector.wire.parser import ResponseParser

CHUNKED = (
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    + b"".join(b"1\r\n%c\r\n" % (65 + i % 26) for i in range(30))
    + b"0\r\nX-T: 1\r\n\r\nleft"
)


def _exchange(data: bytes) -> Exchange:
    transcript = Transcript.from_bytes(data, b"GET / HTTP/1.1\r\n\r\n")
    parser = ResponseParser(b"GET")
    parser.feed(data)
    parser.feed_eof()
    resp = parser.result()
    return Exchange("inspector", RequestSpec(url="http://x/"), transcript, resp, resp.anomalies)


def test_framing_rows_cap_chunks_and_keep_the_last() -> None:
    """Chunks past the limit are one row; the last chunk, trailers and leftovers still show."""
    ex = _exchange(CHUNKED)
    fm = FieldMap.for_exchange(ex)
    rows = framing_rows(ex.response, fm, limit=10)
    parts = [r.part for r in rows]
    assert parts.count("...") == 1 and "chunk 10" in parts and "chunk 11" not in parts
    more = rows[parts.index("...")]
    assert more.value.startswith("20 more chunks")
    assert ["last chunk", "trailers", "trailer", "end of body", "leftover"] == parts[-5:]
    leftover = rows[-1]
    assert CHUNKED[leftover.start : leftover.end] == b"left"


def test_anomaly_index_finds_long_and_point_spans() -> None:
    """Overlap lookups see a long span that starts far before the range, and point marks."""
    marks = [
        AnomalyMark(0, 1000, Severity.WARNING, "long", "long one"),
        AnomalyMark(10, 12, Severity.ERROR, "short", "short one"),
        AnomalyMark(50, 50, Severity.ERROR, "point", "point"),
    ]
    index = AnomalyIndex(marks)
    assert [m.code for m in index.overlapping(500, 510)] == ["long"]
    assert [m.code for m in index.overlapping(0, 16)] == ["long", "short"]
    assert [m.code for m in index.overlapping(48, 64)] == ["long", "point"]
    assert index.overlapping(2000, 2010) == []


def test_data_row_escapes_and_marks() -> None:
    """Bytes are escaped, a span is styled, framing marks get a glyph and a label."""
    data = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"
    ex = _exchange(data)
    fm = FieldMap.for_exchange(ex)
    body = data.index(b"hi")
    row = data_row(data[body:], body, Mode.TEXT, RECV_STYLE, "< ", Decor(field_map=fm, at_end=True))
    assert row.plain.startswith("< ┃hi┃")
    assert "◀ end of head" in row.plain and "◀ end of body: Content-Length 2 reached" in row.plain
    evil = b"\x1b[31m[bold]x"
    row = data_row(evil, 0, Mode.HEX, RECV_STYLE, "< ", Decor(span=(0, 2), cursor=1))
    assert "\x1b" not in row.plain and "1b 5b" in row.plain and "|.[31m[bold]x|" in row.plain
    row = data_row(evil, 0, Mode.TEXT, RECV_STYLE, "< ", Decor())
    assert row.plain == "< \\x1b[31m[bold]x"


def test_byte_at_cell() -> None:
    """A click's column maps back to the byte drawn there."""
    data = bytes(range(65, 81))
    assert byte_at_cell(data, Mode.HEX, 12) == 0
    assert byte_at_cell(data, Mode.HEX, 12 + 3 * 8 + 1) == 8
    assert byte_at_cell(data, Mode.HEX, 63 + 5) == 5
    assert byte_at_cell(b"a\r\nb", Mode.TEXT, 2 + 2) == 1


def test_cursor_line_sent_and_received() -> None:
    """The cursor line names the write of a sent byte, and the field of a received one."""
    ex = _exchange(b"HTTP/1.1 204 No Content\r\nX: y\r\n\r\n")
    tr = ex.transcript
    sent = cursor_line(tr, None, None, EventKind.SEND, 3)
    assert sent.startswith("request byte 3 (0x3)")
    recv = cursor_line(tr, FieldMap.for_exchange(ex), None, EventKind.RECV, 26)
    assert "header: X" in recv and "offset 26" in recv


def test_connection_text_escapes_certificate_fields() -> None:
    """Certificate fields come from the network: control bytes are escaped, markup is text."""
    cert = PeerCertificate("CN=\x1b[31mevil[bold]", "CN=ca", "2030", ("a.test", "\x07b"))
    ex = Exchange(
        "inspector",
        RequestSpec(url="https://x/"),
        Transcript(),
        None,
        tls=TlsInfo("TLSv1.3", "TLS_AES_128_GCM_SHA256", "http/1.1", cert),
        connection=ConnectionInfo(3, True, "10.0.0.1:443", "10.0.0.2:5555", (), "server-rst"),
    )
    text: Text = connection_text(ex, "/tmp/keys.log")
    plain = text.plain
    assert "\x1b" not in plain and "\x07" not in plain
    assert "CN=\\x1b[31mevil[bold]" in plain and "\\x07b" in plain
    assert "reused" in plain and "server-rst" in plain and "TLSv1.3" in plain
    assert "SSLKEYLOGFILE=/tmp/keys.log" in plain and "chain" in plain
