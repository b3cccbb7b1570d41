"""The 261 response cases of ../shared/conformance, through our parser over real loopback."""

from __future__ import annotations

import base64
import random
from typing import Any

import pytest

from inspector.wire.parser import ResponseParser
from tests.conformance.adapter import adapter, outcome
from tests.conformance.corpus import cases, harness, needs_corpus

CASES = cases()
ALL_CAPS = {"reason", "http_version", "headers", "keep_alive", "interim", "trailers"}
pytestmark = needs_corpus


def _judge_over_loopback(case: dict[str, Any], split: int | None) -> tuple[bool, str]:
    """Serve the case on 127.0.0.1 with the shared harness and judge our outcome."""
    cl = harness()
    from serve_case import server_for_case  # type: ignore[import-not-found]

    srv = server_for_case(case, split=split, delay_ms=None, hold_s=3.0)
    srv.start()
    srv.ready.wait(5)
    try:
        out = adapter(srv.url, case["request_method"], 5.0)
    finally:
        srv.client_done.set()
        srv.join(10)
    act = cl.normalize_outcome(out)
    ok, how, detail, matched = cl.judge(case, act, ALL_CAPS, want_match=True)
    if ok and srv.result.get("hold_expired") and matched and matched.get("keep_alive"):
        return False, "waited for EOF on a self-delimited response"
    return ok, f"{how}: {detail}; got {act}"


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case_over_loopback(case: dict[str, Any]) -> None:
    """Our parser, reading from a real socket, gives a reading the corpus accepts."""
    ok, detail = _judge_over_loopback(case, split=None)
    assert ok, detail


STRICT = [c for c in CASES if c["class"] == "strict"]


@pytest.mark.parametrize("case", STRICT, ids=[c["id"] for c in STRICT])
def test_strict_case_delivered_byte_by_byte(case: dict[str, Any]) -> None:
    """Strict cases still pass when the server writes one byte per send()."""
    ok, detail = _judge_over_loopback(case, split=1)
    assert ok, detail


def _parse(raw: bytes, method: str, pieces: list[bytes]) -> dict[str, Any]:
    p = ResponseParser(method.encode())
    for piece in pieces:
        p.feed(piece)
    p.feed_eof()
    result = outcome(p.result(), p.leftover)
    result["anomalies"] = p.result().anomalies
    return result


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case_does_not_depend_on_splits(case: dict[str, Any]) -> None:
    """Whole, one byte at a time and random splits give the same parse, anomalies and spans."""
    raw = base64.b64decode(case["raw"])
    whole = _parse(raw, case["request_method"], [raw])
    by_byte = _parse(raw, case["request_method"], [raw[i : i + 1] for i in range(len(raw))])
    rng = random.Random(case["id"])
    cuts = sorted(rng.sample(range(1, len(raw)), min(len(raw) - 1, 5))) if len(raw) > 1 else []
    pieces = [raw[a:b] for a, b in zip([0, *cuts], [*cuts, len(raw)], strict=True)]
    assert by_byte == whole
    assert _parse(raw, case["request_method"], pieces) == whole
