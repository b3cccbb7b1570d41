"""The phase waterfall and the sparkline of reads, with its stall rule."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inspector.model import EventKind, Timings, Transcript
from inspector.render.timeline import BLOCKS, Bar, format_seconds, sparkline, waterfall

_maybe = st.one_of(st.none(), st.floats(0, 10, allow_nan=False))


def test_waterfall_scales_phases_end_to_end() -> None:
    """Each phase takes its share of the width, in order, from column 0 to the last."""
    t = Timings(dns=0.1, connect=0.1, tls=0.2, send=0.0, ttfb=0.5, receive=0.1, total=9.0)
    bars = waterfall(t, 100)
    assert [b.phase for b in bars] == ["dns", "connect", "tls", "send", "wait", "receive"]
    assert [(b.start_col, b.end_col) for b in bars] == [
        (0, 10),
        (10, 20),
        (20, 40),
        (40, 41),  # zero seconds, but it happened: one cell
        (41, 90),
        (90, 100),
    ]
    assert bars[4] == Bar("wait", 41, 90, 0.5, "wait 500.0 ms")


def test_waterfall_leaves_out_phases_that_did_not_happen() -> None:
    """A reused plain connection has no dns, connect or tls bar."""
    bars = waterfall(Timings(send=0.001, ttfb=0.003, receive=0.0), 40)
    assert [(b.phase, b.start_col, b.end_col) for b in bars] == [
        ("send", 0, 10),
        ("wait", 10, 39),
        ("receive", 39, 40),
    ]
    assert waterfall(Timings(), 40) == []


def test_waterfall_narrower_than_its_phases_and_all_zero() -> None:
    """Every phase keeps one cell when the width is too small; all-zero phases share it evenly."""
    t = Timings(dns=0.0, connect=0.0, tls=0.0, send=0.0, ttfb=0.0, receive=0.0)
    assert [(b.start_col, b.end_col) for b in waterfall(t, 3)] == [(i, i + 1) for i in range(6)]
    assert [b.end_col - b.start_col for b in waterfall(t, 12)] == [2] * 6


@given(_maybe, _maybe, _maybe, _maybe, _maybe, _maybe, st.integers(1, 200))
def test_waterfall_bars_always_tile_the_width(
    dns: float | None,
    connect: float | None,
    tls: float | None,
    send: float | None,
    ttfb: float | None,
    receive: float | None,
    width: int,
) -> None:
    """Whatever the timings, bars are contiguous, at least one cell, and fill the width."""
    bars = waterfall(Timings(dns, connect, tls, send, ttfb, receive), width)
    present = [v for v in (dns, connect, tls, send, ttfb, receive) if v is not None]
    assert len(bars) == len(present)
    if bars:
        assert bars[0].start_col == 0 and bars[-1].end_col == max(width, len(bars))
        assert all(b.end_col > b.start_col for b in bars)
        assert all(a.end_col == b.start_col for a, b in zip(bars, bars[1:], strict=False))


def test_format_seconds() -> None:
    """Durations read in the unit that suits them."""
    assert [format_seconds(s) for s in (0.00035, 0.0123, 1.254)] == ["350 us", "12.3 ms", "1.25 s"]


def _reads(times: list[float], sizes: list[int] | None = None) -> Transcript:
    tr = Transcript()
    tr.record_send(b"GET / HTTP/1.1\r\n\r\n", t=tr.started)
    for i, t in enumerate(times):
        tr.record_recv(b"x" * (sizes[i] if sizes else 10), t=tr.started + t)
    return tr


def test_sparkline_buckets_bytes_and_marks_a_stall() -> None:
    """Bytes land in the bucket of their read's time; a 1 s pause among 10 ms gaps is a stall."""
    tr = _reads([0.1, 0.11, 0.12, 1.12, 1.13], [100, 100, 50, 400, 10])
    spark = sparkline(tr.events, tr.started, 10)
    assert sum(spark.buckets) == 660 and len(spark.text) == 10
    assert spark.buckets[0] == 250 and spark.buckets[9] == 410
    assert spark.text == "▅" + " " * 8 + "█"
    assert spark.threshold == 0.2  # 10 x the 10 ms median is under the floor
    assert len(spark.stalls) == 1
    stall = spark.stalls[0]
    assert stall.after_read == 2 and stall.seconds == pytest.approx(1.0)
    assert stall.start == pytest.approx(0.12) and stall.end == pytest.approx(1.12)
    assert (stall.start_bucket, stall.end_bucket) == (0, 9)
    assert spark.start == pytest.approx(0.1) and spark.end == pytest.approx(1.13)
    assert spark.bucket_seconds == pytest.approx(0.103)


def test_a_steady_slow_drip_is_not_all_stalls() -> None:
    """Reads every 0.5 s are the rhythm, not stalls; one 6 s pause among them is a stall."""
    times = [0.5 * i for i in range(10)]
    assert sparkline(_reads(times).events, 0.0, 20).stalls == []
    spark = sparkline(_reads([*times, times[-1] + 6.0]).events, 0.0, 20)
    assert spark.threshold == pytest.approx(5.0)
    assert [s.after_read for s in spark.stalls] == [9]


def test_a_pause_before_the_timeout_is_a_stall() -> None:
    """The gap from the last read to a timeout (or EOF) counts; a later close event does not."""
    tr = _reads([0.0, 0.01, 0.02])
    tr.record_event(EventKind.TIMEOUT, t=tr.started + 2.02)
    tr.record_event(EventKind.CLOSE, t=tr.started + 9.0)
    spark = sparkline(tr.events, tr.started, 8)
    assert spark.end == pytest.approx(2.02)
    assert [(s.after_read, round(s.seconds, 6), s.end_bucket) for s in spark.stalls] == [
        (2, 2.0, 7)
    ]


def test_sparkline_edge_cases() -> None:
    """No reads: blanks. One read: bucket 0. A small bucket still shows. Width must be positive."""
    empty = sparkline(Transcript().events, 0.0, 5)
    assert empty.text == "     " and empty.buckets == [0] * 5 and empty.stalls == []
    one = sparkline(_reads([0.3]).events, 0.0, 4)
    assert one.buckets == [10, 0, 0, 0] and one.text == "█   "
    small = sparkline(_reads([0.0, 0.01], [1, 1000]).events, 0.0, 2)
    assert small.text == BLOCKS[0] + BLOCKS[-1]
    with pytest.raises(ValueError, match="positive width"):
        sparkline([], 0.0, 0)
