"""compare.diff, pure: the response side, field by field (no network)."""

from __future__ import annotations

import base64
from dataclasses import replace

import pytest

from inspector.compare.common import exception_doc
from inspector.compare.diff_response import library_reading, response_differences
from inspector.model import ErrorKind, ExchangeError
from tests.compare.handmade import OK, fields, lib_ok, make, one, report

# -------------------------------------------------------------- response side


def test_library_reading_tolerates_odd_reports() -> None:
    """No status: nothing read; bad headers, bad base64 and odd types are skipped."""
    assert library_reading(report()) is None
    reading = library_reading(
        report(
            status=200,
            reason=None,
            headers=[["A", "1"], ["bad"], "x", ["B", "\u2603"]],
            body_b64="@@not base64@@",
            keep_alive="yes",
        )
    )
    assert reading is not None
    assert reading.headers == ((b"A", b"1"), (b"B", "\u2603".encode()))
    assert (reading.reason, reading.body, reading.keep_alive) == (b"", None, None)
    assert library_reading(report(status=200, headers=None)).headers == ()  # type: ignore[union-attr]


def test_identical_readings_have_no_response_difference() -> None:
    """The same bytes read the same way by the library: nothing on the response side."""
    assert response_differences("httpx", make(), make("httpx", library=lib_ok())) == ()


def test_header_normalisation_case_merge_whitespace() -> None:
    """Lowercased names, merged duplicates, unfolded obs-fold and trimmed space are named."""
    received = (
        b"HTTP/1.1 200 OK\r\nX-Dup: a\r\nX-Dup: b\r\nX-Fold: one\r\n two\r\n"
        b"X-Pad: v\r\nContent-Length: 2\r\n\r\nok"
    )
    lib = lib_ok(
        headers=[
            ["x-dup", "a, b"],
            ["x-fold", "one two"],
            ["x-pad", "v  "],
            ["content-length", "2"],
        ]
    )
    diffs = response_differences(
        "httpx", make(received=received), make("httpx", received=received, library=lib)
    )
    assert fields(diffs) == [
        "header-merged",
        "header-whitespace",
        "header-whitespace",
        "header-case",
    ]
    merged = one(diffs, "header-merged")
    assert (merged.ours, merged.theirs) == ("X-Dup: a | X-Dup: b", "x-dup: a, b")
    unfold, pad = [d for d in diffs if d.field == "header-whitespace"]
    assert unfold.note == "httpx unfolds the obs-fold lines of X-Fold into single spaces."
    assert pad.note == "httpx exposes X-Pad with different whitespace."
    case = one(diffs, "header-case")
    assert case.ours.startswith("X-Dup, X-Fold") and case.note == "httpx lowercases header names."


def test_header_normalisation_value_order_hidden_and_extra_fields() -> None:
    """Another value, another order, a field not exposed, one invented, odd re-casing."""
    received = b"HTTP/1.1 200 OK\r\nA: 1\r\nb: 2\r\nC: 3\r\nC: 4\r\nContent-Length: 2\r\n\r\nok"
    lib = lib_ok(
        headers=[["B", "2"], ["A", "one"], ["C", "3"], ["Content-Length", "2"], ["Z", "9"]]
    )
    diffs = response_differences(
        "lib", make(received=received), make("lib", received=received, library=lib)
    )
    assert fields(diffs) == [
        "header-value",
        "header-removed",
        "header-added",
        "header-case",
        "header-order",
    ]
    assert one(diffs, "header-removed").ours == "C: 4"
    assert one(diffs, "header-added").theirs == "Z: 9"
    assert one(diffs, "header-case").note == "lib changes the case of header names."
    assert one(diffs, "header-order").theirs == "B, A, C, Content-Length"
    structural = response_differences(
        "lib", make(received=received), make("lib", received=received, library=lib), structural=True
    )
    assert "header-case" not in fields(structural) and "header-order" not in fields(structural)


def test_two_fields_not_merged_are_compared_one_by_one() -> None:
    """Two wire fields exposed as one value that is not their join: a value change, one hidden."""
    received = b"HTTP/1.1 200 OK\r\nX: a\r\nX: b\r\nContent-Length: 2\r\n\r\nok"
    lib = lib_ok(headers=[["X", "b"], ["Content-Length", "2"]])
    diffs = response_differences(
        "lib", make(received=received), make("lib", received=received, library=lib)
    )
    assert fields(diffs) == ["header-value", "header-removed"]


def test_status_reason_version_keep_alive_and_body() -> None:
    """Field by field against the library's own report."""
    lib = lib_ok(
        status=201,
        reason="Created",
        http_version="HTTP/1.0",
        keep_alive=False,
        body_b64=base64.b64encode(b"no").decode(),
    )
    diffs = response_differences("lib", make(), make("lib", library=lib))
    assert fields(diffs) == ["status", "reason", "http-version", "keep-alive", "body"]
    assert (one(diffs, "status").ours, one(diffs, "status").theirs) == ("200", "201")
    assert (
        one(diffs, "keep-alive").note == "lib would not reuse the connection; we decided otherwise."
    )
    assert one(diffs, "body").note == "lib read a different body from ours."
    closing = make(
        received=OK.replace(b"Content-Length: 2", b"Connection: close\r\nContent-Length: 2")
    )
    keep = response_differences("lib", closing, make("lib", library=lib_ok()))
    assert one(keep, "keep-alive").note == "lib would reuse the connection; we decided otherwise."


def test_when_we_read_nothing_our_side_is_none() -> None:
    """Our client got no response: its fields show as none against the library's."""
    ours = make(received=b"", error=ExchangeError(ErrorKind.RESET, "reset"))
    diffs = response_differences("lib", ours, make("lib", library=lib_ok()))
    assert fields(diffs)[:4] == ["outcome", "status", "reason", "http-version"]
    assert one(diffs, "status").ours == "none" and one(diffs, "body").ours == "(none)"
    assert one(diffs, "received").ours == "nothing"


def test_a_library_that_raised_before_the_head_only_differs_in_outcome() -> None:
    """httpx on conflicting lengths: the outcome is the difference; no field to compare."""
    received = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 12\r\n\r\nhello, world"
    ours = make(received=received, error=ExchangeError(ErrorKind.PROTOCOL, "conflict"))
    exc = {"type": "RemoteProtocolError", "message": "conflicting Content-Length headers"}
    theirs = make(
        "httpx",
        received=received,
        library=report(exception=exc),
        error=ExchangeError(ErrorKind.PROTOCOL, "RemoteProtocolError"),
    )
    diffs = response_differences("httpx", ours, theirs)
    assert fields(diffs) == ["outcome"]
    assert diffs[0].ours == "failed: protocol: conflict"
    assert diffs[0].theirs == "raised RemoteProtocolError: conflicting Content-Length headers"
    assert diffs[0].note == "httpx and we both failed, differently."


@pytest.mark.parametrize(
    ("ours_error", "theirs_lib", "theirs_error", "note"),
    [
        (
            None,
            report(expressed=False, not_expressed="raw"),
            None,
            "e cannot send this request at all.",
        ),
        (
            None,
            report(hung=True),
            ExchangeError(ErrorKind.READ_TIMEOUT, "t"),
            "e waited until the timeout; we did not.",
        ),
        (
            ExchangeError(ErrorKind.READ_TIMEOUT, "t"),
            lib_ok("e"),
            None,
            "We waited until the timeout; e did not.",
        ),
        (
            None,
            report(exception={"type": "X", "message": "m"}),
            ExchangeError(ErrorKind.PROTOCOL, "m"),
            "e failed where we read a whole response.",
        ),
        (
            ExchangeError(ErrorKind.PROTOCOL, "bad"),
            lib_ok("e"),
            None,
            "e accepted a response we did not.",
        ),
    ],
)
def test_outcome_notes(
    ours_error: ExchangeError | None,
    theirs_lib: dict[str, object],
    theirs_error: ExchangeError | None,
    note: str,
) -> None:
    """The outcome difference says in one sentence who failed how."""
    diffs = response_differences(
        "e", make(error=ours_error), make("e", library=theirs_lib, error=theirs_error)
    )
    assert one(diffs, "outcome").note == note


INTERIM = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\n"


def test_library_that_returns_an_interim_response_as_final() -> None:
    """http.client on 1xx: the 103 as the final response, and it stopped reading there."""
    ours = make(received=INTERIM + OK)
    lib = report(
        "http.client",
        status=103,
        reason="Early Hints",
        http_version="HTTP/1.1",
        headers=[["Link", "</s.css>"]],
        body_b64="",
        keep_alive=True,
    )
    theirs = make("http.client", received=INTERIM, library=lib)
    diffs = response_differences("http.client", ours, theirs)
    assert fields(diffs) == ["status", "reason", "interim", "body", "received"]
    interim = one(diffs, "interim")
    assert interim.ours == "100 Continue, 103 Early Hints, then 200"
    assert interim.theirs == "103 as the final response"
    received = one(diffs, "received")
    assert received.theirs == "no final response after 100, 103"
    assert (
        received.note
        == f"http.client stopped reading before the response ended ({len(INTERIM)} bytes read)."
    )
    # Without a final status of our own, the interim row names none.
    lone = response_differences("http.client", make(received=INTERIM), theirs)
    assert one(lone, "interim").ours == "100 Continue, 103 Early Hints"


def test_library_that_hides_interim_responses() -> None:
    """httpx on 1xx: the final response, the interim ones not exposed."""
    received = INTERIM + OK
    diffs = response_differences(
        "httpx", make(received=received), make("httpx", received=received, library=lib_ok())
    )
    assert fields(diffs) == ["interim"]
    assert one(diffs, "interim").theirs == "(not exposed)"


def test_without_a_library_our_parser_reads_both_transcripts() -> None:
    """Two exchanges of our own (a replay): interim, headers and body read by our parser."""
    theirs_bytes = (
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
        b"X-New: 1\r\nContent-Length: 3\r\n\r\nnew"
    )
    diffs = response_differences(
        "replay", make(received=INTERIM + OK), make("replay", received=theirs_bytes)
    )
    assert fields(diffs) == ["interim", "headers", "headers", "headers", "body"]
    assert one(diffs, "interim").theirs == "100 Continue"
    changed, length, added = [d for d in diffs if d.field == "headers"]
    assert (changed.ours, changed.theirs) == ("Content-Type: text/plain", "Content-Type: text/html")
    assert changed.note == "The response replay received had a different Content-Type."
    assert length.ours == "Content-Length: 2"
    assert (added.ours, added.theirs) == ("(absent)", "X-New: 1")
    assert added.note == "The response replay received had a X-New field ours did not."
    assert one(diffs, "body").note == "The server sent replay a different body."
    gone = response_differences(
        "replay", make(received=theirs_bytes), make("replay", received=INTERIM + OK)
    )
    assert "The response replay received had no X-New field." in [d.note for d in gone]


def test_library_that_failed_in_the_body() -> None:
    """A truncated body: the library reported the head, then raised, and gave no body."""
    received = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123"
    ours = make(
        received=received, error=ExchangeError(ErrorKind.INCOMPLETE, "closed after 4 of 10")
    )
    lib = lib_ok(
        "http.client",
        headers=[["Content-Length", "10"]],
        body_b64=None,
        exception=exception_doc(ValueError("IncompleteRead(4 bytes read)"), ErrorKind.INCOMPLETE),
        keep_alive=False,
    )
    theirs = make(
        "http.client",
        received=received,
        library=lib,
        error=ExchangeError(ErrorKind.INCOMPLETE, "x"),
    )
    diffs = response_differences("http.client", ours, theirs)
    assert fields(diffs) == ["outcome", "body"]
    assert (one(diffs, "body").ours, one(diffs, "body").theirs) == ("4 bytes: 0123", "(none)")
    assert one(diffs, "body").note == "http.client gave no body: it failed while reading it."


def test_decoded_body_is_compared_raw_and_decoded() -> None:
    """A library that undoes Content-Encoding: body-decoded shows the wire and its body."""
    received = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 3\r\n\r\n\x1f\x8b\x08"
    lib = lib_ok(
        headers=[["content-encoding", "gzip"], ["content-length", "3"]],
        body_b64=base64.b64encode(b"plain").decode(),
        body_decoded=True,
    )
    diffs = response_differences(
        "httpx", make(received=received), make("httpx", received=received, library=lib)
    )
    assert fields(diffs) == ["header-case", "body-decoded"]
    decoded = one(diffs, "body-decoded")
    assert (decoded.ours, decoded.theirs) == ("3 bytes: \\x1f\\x8b\\x08", "5 bytes: plain")


def test_library_head_without_a_transcript_parse() -> None:
    """A library report with no bytes recorded: every exposed field is one not received."""
    theirs = make("lib", received=b"", library=lib_ok())
    diffs = response_differences("lib", make(), theirs)
    assert fields(diffs)[:2] == ["header-added", "header-added"]
    assert one(diffs, "received").theirs == "nothing"


def test_received_summaries_name_odd_parses() -> None:
    """Our parser on their bytes: no status line, or a head without framing, is said so."""
    garbage = make("lib", received=b"garbage\r\n\r\n", library=lib_ok())
    diffs = response_differences("lib", make(), garbage)
    received = one(diffs, "received")
    assert received.theirs == "no status line"
    assert received.note.startswith("lib stopped reading")
    odd = make("lib", library=lib_ok(exception={"type": "X", "message": "m"}))
    assert odd.response is not None
    odd = replace(odd, response=replace(odd.response, framing=None))
    diffs = response_differences("lib", make(), odd)
    received = one(diffs, "received")
    assert received.theirs == "200, unknown framing, complete"
    assert received.note == f"Our parser reads the {len(OK)} bytes lib received differently."


def test_same_reading_without_a_library_has_no_difference() -> None:
    """Two exchanges of our own with the same bytes, interim responses included: nothing."""
    assert (
        response_differences(
            "replay", make(received=INTERIM + OK), make("replay", received=INTERIM + OK)
        )
        == ()
    )


def test_interim_head_is_found_whichever_it_was() -> None:
    """A library that stopped at the first interim response is compared with that head."""
    lib = report(status=100, reason="Continue", http_version="HTTP/1.1", headers=[], body_b64="")
    theirs = make("lib", received=INTERIM, library=lib)
    diffs = response_differences("lib", make(received=INTERIM + OK), theirs)
    assert one(diffs, "interim").theirs == "100 as the final response"
    assert not [d for d in diffs if d.field.startswith("header")]
