"""Our client, http.client and httpx against the built-in server (loopback only).

What each engine sent, as the server recorded it, equals its transcript; and
the differences ``diff`` reports on the misbehaving endpoints are the real ones.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

from inspector.compare import compare
from inspector.compare.diff import Comparison, Difference, EngineDiff, diff
from inspector.compare.dryrun import dry_run
from inspector.model import Exchange, RequestSpec
from inspector.net import SendOptions, send
from inspector.server import ServerHandle, start_server
from inspector.wire.serialize import with_default_headers

OPTIONS = SendOptions(read_timeout=1.0, connect_timeout=5.0)


def spec_for(url: str, **fields: object) -> RequestSpec:
    return with_default_headers(RequestSpec(url=url, **fields))  # type: ignore[arg-type]


def run_all(spec: RequestSpec) -> tuple[Exchange, tuple[Exchange, ...], Comparison]:
    ours = send(spec, OPTIONS)
    others = compare(spec, OPTIONS)
    return ours, others, diff(ours, others)


def engine(comparison: Comparison, name: str) -> EngineDiff:
    return next(e for e in comparison.engines if e.engine == name)


def fields(diffs: tuple[Difference, ...]) -> list[str]:
    return [d.field for d in diffs]


def only(diffs: tuple[Difference, ...], field: str) -> Difference:
    found = [d for d in diffs if d.field == field]
    assert len(found) == 1, fields(diffs)
    return found[0]


def echoed_raw(body: bytes) -> bytes:
    """The exact request bytes ``/anything`` says it received."""
    return base64.b64decode(json.loads(body)["raw"]["base64"])


def test_server_received_exactly_what_each_transcript_says(server: ServerHandle) -> None:
    """For every engine, the bytes the server echoes equal the transcript's sent bytes."""
    spec = spec_for(
        f"{server.url}/anything?q=1",
        method=b"POST",
        headers=((b"X-Case", b"MiXeD"), (b"X-Dup", b"1"), (b"X-Dup", b"2")),
        body=b"hello",
    )
    ours, others, _ = run_all(spec)
    assert ours.error is None
    assert echoed_raw(ours.response_body()) == ours.transcript.sent.read()
    for other in others:
        sent = other.transcript.sent.read()
        assert other.error is None, other.error
        assert other.library is not None
        library_body = base64.b64decode(str(other.library["body_b64"]))
        assert echoed_raw(library_body) == sent, other.engine
        assert echoed_raw(other.response_body()) == sent, other.engine
        assert b"X-Case: MiXeD\r\nX-Dup: 1\r\nX-Dup: 2\r\n" in sent
        assert sent.startswith(b"POST /anything?q=1 HTTP/1.1\r\n") and sent.endswith(b"hello")


def test_get(server: ServerHandle) -> None:
    """/get: http.client adds Accept-Encoding: identity; httpx adds Accept-Encoding and
    Connection and lowercases header names; the server's answers differ accordingly."""
    ours, _, comparison = run_all(spec_for(f"{server.url}/get"))
    assert comparison.outcome == "parsed"
    hc, hx = engine(comparison, "http.client"), engine(comparison, "httpx")
    assert hc.outcome == hx.outcome == "parsed"
    assert fields(hc.request) == ["header-added"]
    assert hc.request[0].theirs == "Accept-Encoding: identity"
    assert hc.first_request_difference == len(b"GET /get HTTP/1.1\r\n")
    assert fields(hx.request) == ["header-added", "header-added"]
    assert hx.request[0].theirs.startswith("Accept-Encoding: gzip, deflate")
    assert hx.request[1].theirs == "Connection: keep-alive"
    host_line = f"GET /get HTTP/1.1\r\nHost: {server.host}:{server.port}\r\n"
    assert hx.first_request_difference == len(host_line)
    # The echoed request differs, so the body and its Content-Length differ; maybe Date.
    assert set(fields(hc.response)) <= {"headers", "body"}
    assert "Content-Length" in [d.ours.split(":")[0] for d in hc.response if d.field == "headers"]
    assert set(fields(hx.response)) <= {"headers", "body", "header-case"}
    case = only(hx.response, "header-case")
    assert case.theirs == case.ours.lower() and "Content-Type" in case.ours
    assert only(hx.response, "body").note == "The server sent httpx a different body."


def test_bare_lf(server: ServerHandle) -> None:
    """/bare-lf: all three read the LF-only head alike; only httpx's lowercasing shows."""
    ours, _, comparison = run_all(spec_for(f"{server.url}/bare-lf"))
    assert ours.error is None and "bare-lf" in [a.code for a in ours.anomalies]
    hc, hx = engine(comparison, "http.client"), engine(comparison, "httpx")
    assert hc.outcome == hx.outcome == "parsed"
    assert hc.response == ()
    assert fields(hx.response) == ["header-case"]
    assert "X-Line-Endings" in hx.response[0].ours


def test_duplicate_content_length(server: ServerHandle) -> None:
    """/duplicate-cl: we refuse it, http.client reads 5 bytes by the first length, httpx raises."""
    ours, _, comparison = run_all(spec_for(f"{server.url}/duplicate-cl"))
    assert comparison.outcome.startswith("failed: protocol: Content-Length")
    hc, hx = engine(comparison, "http.client"), engine(comparison, "httpx")
    assert hc.outcome == "parsed"
    assert fields(hc.response) == ["outcome", "body"]
    assert only(hc.response, "outcome").note == "http.client accepted a response we did not."
    assert only(hc.response, "body").theirs == "5 bytes: hello"
    assert hx.outcome == "raised RemoteProtocolError: conflicting Content-Length headers"
    assert fields(hx.response) == ["outcome"]


def test_obs_fold(server: ServerHandle) -> None:
    """/obs-fold: http.client keeps the folded lines as received; httpx unfolds them."""
    _, _, comparison = run_all(spec_for(f"{server.url}/obs-fold"))
    hc, hx = engine(comparison, "http.client"), engine(comparison, "httpx")
    assert hc.response == ()
    assert fields(hx.response) == ["header-whitespace", "header-case"]
    ws = only(hx.response, "header-whitespace")
    assert ws.ours == "X-Folded: first part,\\r\\n second part,\\r\\n\\tthird part"
    assert ws.theirs == "X-Folded: first part, second part, third part"
    assert ws.note == "httpx unfolds the obs-fold lines of X-Folded into single spaces."


def test_interim(server: ServerHandle) -> None:
    """/interim: http.client returns the 103 as the final response and stops reading;
    httpx reads to the 200 without exposing the 1xx responses."""
    _, _, comparison = run_all(spec_for(f"{server.url}/interim"))
    hc, hx = engine(comparison, "http.client"), engine(comparison, "httpx")
    assert fields(hc.response) == ["status", "reason", "interim", "body", "received"]
    assert (only(hc.response, "status").ours, only(hc.response, "status").theirs) == ("200", "103")
    assert only(hc.response, "interim").theirs == "103 as the final response"
    assert only(hc.response, "received").theirs == "no final response after 100, 103"
    assert fields(hx.response) == ["interim", "header-case"]
    assert only(hx.response, "interim").ours == "100 Continue, 103 Early Hints"
    assert only(hx.response, "interim").theirs == "(not exposed)"


def test_truncated(server: ServerHandle) -> None:
    """/truncated: each fails its own way after the head; the libraries keep no body."""
    _, _, comparison = run_all(spec_for(f"{server.url}/truncated"))
    assert (
        comparison.outcome == "failed: incomplete: the connection closed after 40 of 100 body bytes"
    )
    hc, hx = engine(comparison, "http.client"), engine(comparison, "httpx")
    assert hc.outcome == "raised IncompleteRead: IncompleteRead(40 bytes read, 60 more expected)"
    assert hx.outcome.startswith(
        "raised RemoteProtocolError: peer closed connection without sending complete message body"
    )
    assert fields(hc.response) == ["outcome", "body"]
    assert fields(hx.response) == ["outcome", "header-case", "body"]
    for e in (hc, hx):
        body = only(e.response, "body")
        assert (body.ours, body.theirs) == ("40 bytes: " + "0123456789" * 4, "(none)")


def test_keepalive_without_length(server: ServerHandle) -> None:
    """/keepalive-no-length: both libraries hang until the read timeout and keep no body;
    we keep the body bytes that came, whether we stop by our own rule or the timeout."""
    ours, others, comparison = run_all(spec_for(f"{server.url}/keepalive-no-length?hold=5"))
    assert comparison.outcome in ("parsed", "hung until the timeout")
    for other in others:
        assert other.library is not None and other.library["hung"] is True
        e = engine(comparison, other.engine)
        assert e.outcome == "hung until the timeout"
        assert ("outcome" in fields(e.response)) == (comparison.outcome == "parsed")
        body = only(e.response, "body")
        assert body.ours.startswith("56 bytes: This body has no length") and body.theirs == "(none)"
        assert other.timings.total is not None and other.timings.total >= 0.9


def test_raw_request_is_not_expressible(server: ServerHandle) -> None:
    """A raw request: both libraries say so, send nothing, and our exchange still stands."""
    spec = RequestSpec(url=f"{server.url}/get", raw=b"GET /get HTTP/1.1\r\nHost: x\r\n\r\n")
    ours, others, comparison = run_all(spec)
    assert ours.error is None
    for other in others:
        assert len(other.transcript.sent) == 0
        e = engine(comparison, other.engine)
        assert (
            e.outcome == "not expressible: a raw request cannot be expressed through a library API"
        )
        assert e.request == () and fields(e.response) == ["outcome"]


def test_https_transcripts_hold_plaintext(tmp_path: Path) -> None:
    """Through TLS, each engine's transcript holds the plaintext the server echoes."""
    with start_server(tls=True, tls_dir=tmp_path) as srv:
        assert srv.ca_path is not None
        options = SendOptions(cacert=str(srv.ca_path), read_timeout=5.0)
        spec = spec_for(f"{srv.url}/anything")
        for other in compare(spec, options):
            assert other.error is None, other.error
            sent = other.transcript.sent.read()
            assert sent.startswith(b"GET /anything HTTP/1.1\r\n")
            assert echoed_raw(other.response_body()) == sent
            assert other.transcript.received.read().startswith(b"HTTP/1.1 200 OK\r\n")


def test_dry_run_bytes_are_what_the_engines_send(server: ServerHandle) -> None:
    """The sink records what each engine wrote; with the same Host, that is exactly what it
    writes to the real server; without a Host field, the sink's address is put back."""
    spec = spec_for(f"{server.url}/anything", method=b"PUT", body=b"data")
    real = {e.engine: e.transcript.sent.read() for e in compare(spec, OPTIONS)}
    for run in dry_run(spec, OPTIONS):
        assert run.received == run.exchange.transcript.sent.read() == run.sent
        assert run.sent == real[run.engine]
    bare = RequestSpec(url="https://example.test/x?y=1")
    runs = dry_run(bare, OPTIONS)
    for run in runs:
        assert b"\r\nHost: example.test\r\n" in run.sent
        assert b"127.0.0.1" not in run.sent and b"127.0.0.1" in run.received
        assert "Host put back" in run.note and "inside TLS" in run.note


def test_an_engine_that_crashes_is_a_result_and_hides_no_other(server: ServerHandle) -> None:
    """An engine failing in our own code is reported as failed; the next engine still runs."""
    spec = spec_for(f"{server.url}/get")
    broken, working = compare(spec, OPTIONS, ("no-such-engine", "http.client"))
    assert broken.library is not None and broken.library["crashed"] is True
    assert working.error is None and working.response is not None
    comparison = diff(send(spec, OPTIONS), [broken, working])
    assert (
        comparison.engines[0].outcome == "failed: no-such-engine failed: KeyError: 'no-such-engine'"
    )
    assert comparison.engines[1].outcome == "parsed"
