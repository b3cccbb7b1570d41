"""History: real exchanges stored and restored whole; listing, search, retention (loopback only)."""

from __future__ import annotations

import socket
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from inspector.compare import compare
from inspector.model import (
    ErrorKind,
    EventKind,
    Exchange,
    Framing,
    RequestSpec,
    Severity,
    Timings,
    Transcript,
)
from inspector.net import Client, SendOptions, send
from inspector.server import ServerHandle, start_server
from inspector.store.history import History
from inspector.wire.serialize import with_default_headers
from tests.net.proxy import Proxy
from tests.store.history_helpers import assert_same, synthetic

OPTIONS = SendOptions(connect_timeout=2.0, read_timeout=2.0)


@pytest.fixture(scope="module")
def server() -> Iterator[ServerHandle]:
    with start_server("127.0.0.1") as srv:
        yield srv


@pytest.fixture
def history(tmp_path: Path) -> Iterator[History]:
    with History.open(tmp_path / "history.sqlite") as h:
        yield h


def spec_for(url: str, **fields: object) -> RequestSpec:
    return with_default_headers(RequestSpec(url=url, **fields))  # type: ignore[arg-type]


def roundtrip(history: History, ex: Exchange) -> Exchange:
    back = history.load(history.add(ex))
    assert_same(ex, back)
    return back


def stored_column(history: History, column: str) -> list[object]:
    with sqlite3.connect(history.path) as conn:
        return [r[0] for r in conn.execute(f"SELECT {column} FROM exchange ORDER BY id")]


# ------------------------------------------------------------------ real exchanges
def test_keep_alive_chunked_trailers_and_interim_come_back_whole(
    history: History, server: ServerHandle
) -> None:
    """Exchanges of one keep-alive client (chunked, trailers, 1xx) reload equal in every field."""
    with Client(OPTIONS) as client:
        plain = client.send(spec_for(server.url + "/get"))
        chunked = client.send(spec_for(server.url + "/stream/5"))
        trailers = client.send(spec_for(server.url + "/chunked/extensions-trailers"))
        interim = client.send(spec_for(server.url + "/interim"))
    assert chunked.response is not None and chunked.response.framing is Framing.CHUNKED
    assert chunked.connection is not None and chunked.connection.reused
    assert trailers.response is not None and trailers.response.trailers
    assert interim.response is not None and interim.response.interim
    for ex in (plain, chunked, trailers, interim):
        assert ex.error is None, ex.error
        assert ex.response is not None and ex.response.body is None  # read back from bytes
        back = roundtrip(history, ex)
        assert back.response_body() and back.response_body() == ex.response_body()
    # Kept by re-parsing, not by storing the parsed response.
    assert stored_column(history, "response") == [None] * 4


def test_failed_exchanges_keep_their_error_and_partial_transcript(
    history: History, server: ServerHandle
) -> None:
    """A truncated body and a refused connection reload with their error and bytes."""
    truncated = send(spec_for(server.url + "/truncated"), OPTIONS)
    assert truncated.error is not None and truncated.error.kind is ErrorKind.INCOMPLETE
    assert any(e.kind is EventKind.EOF for e in truncated.transcript.events)
    roundtrip(history, truncated)

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    refused = send(spec_for(f"http://127.0.0.1:{port}/"), OPTIONS)
    assert refused.error is not None and refused.error.kind is ErrorKind.REFUSED
    assert refused.response is None
    back = roundtrip(history, refused)
    assert back.response is None
    entry = history.list()[0]
    assert (entry.error_kind, entry.status) == ("refused", None)


def test_tls_through_a_connect_tunnel_reparses_after_the_proxy_reply(
    history: History, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """TLS facts and a response that starts after the proxy's CONNECT reply come back exact."""
    with start_server("127.0.0.1", tls=True, tls_dir=tmp_path_factory.mktemp("tls")) as srv:
        assert srv.ca_path is not None
        with Proxy() as proxy:
            opts = replace(OPTIONS, proxy=proxy.url, cacert=str(srv.ca_path))
            ex = send(spec_for(srv.url + "/get"), opts)
    assert ex.error is None, ex.error
    assert ex.tls is not None and ex.tls.peer_cert is not None
    assert ex.response is not None and ex.response.start > 0  # after "HTTP/1.1 200 ..." of CONNECT
    back = roundtrip(history, ex)
    assert back.tls == ex.tls
    assert stored_column(history, "response") == [None]  # re-parsed from the right offset


def test_comparisons_are_stored_with_their_exchange(history: History, server: ServerHandle) -> None:
    """Our exchange plus http.client's and httpx's: one entry, children restored in order."""
    spec = spec_for(server.url + "/stream/3")
    ours = send(spec, OPTIONS)
    ex = replace(ours, comparisons=compare(spec, OPTIONS))
    assert [c.engine for c in ex.comparisons] == ["http.client", "httpx"]
    assert all(c.library for c in ex.comparisons)
    back = roundtrip(history, ex)
    assert [c.engine for c in back.comparisons] == ["http.client", "httpx"]
    assert history.count() == 1  # the engines' rows are not listed on their own
    assert history.list()[0].comparison_count == 2
    assert stored_column(history, "response") == [None] * 3  # each one re-parsed


def test_raw_request_and_meta_come_back(history: History, server: ServerHandle) -> None:
    """A raw request (method taken from its bytes) keeps its bytes, target and meta name."""
    raw = b"POST /anything HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
    spec = RequestSpec(url=server.url + "/", raw=raw, meta={"name": "raw post"})
    ex = send(spec, OPTIONS)
    assert ex.error is None, ex.error
    back = roundtrip(history, ex)
    assert back.spec.raw == raw and back.spec.meta == {"name": "raw post"}
    entry = history.list()[0]
    assert (entry.method, entry.name, entry.status) == ("POST", "raw post", 200)


def test_custom_parser_limits_store_the_response_itself(
    history: History, server: ServerHandle
) -> None:
    """When a re-parse with default limits would differ, the stored response still matches."""
    ex = send(spec_for(server.url + "/bytes/1000"), replace(OPTIONS, max_body=10))
    assert ex.error is not None and ex.error.kind is ErrorKind.LIMIT
    roundtrip(history, ex)
    assert stored_column(history, "response")[0] is not None


def test_events_that_do_not_tile_the_bytes_are_kept_as_they_were(history: History) -> None:
    """Bytes appended without an event, and an odd event, survive unchanged."""
    tr = Transcript()
    tr.record_send(b"GET / HTTP/1.1\r\n\r\n", tr.started + 0.1)
    tr.sent.append(b"unrecorded")
    tr.record_event(EventKind.ERROR, "boom", tr.started + 0.2)
    tr.record_recv(b"HTTP/1.1 204 No Content\r\n\r\n", tr.started + 0.3)
    ex = Exchange("inspector", RequestSpec(url="http://h/"), tr, None, timings=Timings())
    back = roundtrip(history, ex)
    assert back.transcript.sent.read().endswith(b"unrecorded")


# ------------------------------------------------------------------ listing and search
def test_list_is_newest_first_and_search_matches_url_method_status_reason(
    history: History,
) -> None:
    """Each query finds exactly the entries holding it, case-insensitively; paging works."""
    ids = [
        history.add(synthetic(0, url="http://a.test/users")),
        history.add(synthetic(1, url="http://b.test/orders", method=b"POST")),
        history.add(synthetic(2, url="http://c.test/x", status=404, reason=b"Not Found")),
        history.add(synthetic(3, url="http://d.test/100%_done")),
    ]
    assert [e.id for e in history.list()] == ids[::-1]
    assert [e.id for e in history.list("USERS")] == [ids[0]]
    assert [e.id for e in history.list("post")] == [ids[1]]
    assert [e.id for e in history.list("404")] == [ids[2]]
    assert [e.id for e in history.list("not found")] == [ids[2]]
    assert [e.id for e in history.list("%_")] == [ids[3]]  # wildcards are literal
    assert history.count("test") == 4 and history.count("nothing") == 0
    assert [e.id for e in history.list(limit=2, offset=1)] == [ids[2], ids[1]]
    entry = history.list("users")[0]
    assert (entry.method, entry.status, entry.reason, entry.engine) == (
        "GET",
        200,
        "OK",
        "inspector",
    )
    assert entry.received_size == len(synthetic(0).transcript.received)
    assert entry.total_time == 0.5


def test_load_of_an_unknown_id_raises_key_error(history: History) -> None:
    """Loading an id that was never stored (or was deleted) is a KeyError."""
    entry = history.add(synthetic(0))
    assert history.delete(entry)
    with pytest.raises(KeyError):
        history.load(entry)
    assert not history.delete(entry)


# ------------------------------------------------------------------ retention
def test_retention_by_count_drops_the_oldest_with_their_children(tmp_path: Path) -> None:
    """With max_entries=3 the three newest stay; rows and blobs of the others are gone."""
    with History.open(tmp_path / "h.sqlite", max_entries=3) as history:
        ids = []
        for i in range(5):
            ex = replace(synthetic(i), comparisons=(synthetic(100 + i),))
            ids.append(history.add(ex))
        assert [e.id for e in history.list()] == ids[:1:-1]
        with sqlite3.connect(history.path) as conn:
            (rows,) = conn.execute("SELECT count(*) FROM exchange").fetchone()
            (blobs,) = conn.execute("SELECT count(*) FROM payload").fetchone()
        assert (rows, blobs) == (6, 6)


def test_retention_by_size_keeps_the_newest_even_when_it_alone_is_too_big(
    tmp_path: Path,
) -> None:
    """Entries of ~10 KB under a 25 KB cap: two stay; then one of 100 KB stays alone."""
    with History.open(tmp_path / "h.sqlite", max_bytes=25_000) as history:
        ids = [history.add(synthetic(i, size=10_000)) for i in range(4)]
        assert [e.id for e in history.list()] == [ids[3], ids[2]]
        big = history.add(synthetic(9, size=100_000))
        assert [e.id for e in history.list()] == [big]
        assert history.load(big).response_body() == bytes([9]) * 100_000


def test_clear_removes_everything(history: History) -> None:
    """After clear() nothing is listed and the payload table is empty."""
    for i in range(3):
        history.add(synthetic(i))
    history.clear()
    assert history.list() == [] and history.count() == 0
    with sqlite3.connect(history.path) as conn:
        assert conn.execute("SELECT count(*) FROM payload").fetchone() == (0,)


def test_adds_from_threads_while_another_thread_lists(history: History) -> None:
    """Four writer threads and a reader at once: no error, every entry stored once."""
    errors: list[BaseException] = []
    done = threading.Event()

    def write(base: int) -> None:
        try:
            for i in range(10):
                history.add(synthetic(base + i, size=5_000))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    def read() -> None:
        try:
            while not done.is_set():
                history.list("item")
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    reader = threading.Thread(target=read)
    reader.start()
    writers = [threading.Thread(target=write, args=(b * 100,)) for b in range(4)]
    for t in writers:
        t.start()
    for t in writers:
        t.join()
    done.set()
    reader.join()
    assert errors == []
    assert history.count() == 40


def test_anomalies_are_stored_as_they_were_not_recomputed(history: History) -> None:
    """Transport-level anomalies the parser never produced survive a reload."""
    from inspector.model import Anomaly

    ex = synthetic(0)
    extra = Anomaly("made-up", Severity.WARNING, 1, 2, "added by a client", "RFC 0")
    ex = replace(ex, anomalies=(*ex.anomalies, extra))
    assert history.load(history.add(ex)).anomalies[-1] == extra
