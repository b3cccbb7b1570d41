"""The 261 cases of ../shared/conformance through the real client (``inspector.net``).

Each case is served on 127.0.0.1 by the shared harness, fetched with
``inspector.net.send`` and judged by the harness; strict cases also pass when
the server writes one byte per send().
"""

from __future__ import annotations

from typing import Any

import pytest

from inspector.model import ErrorKind, EventKind, Exchange, RequestSpec, Target
from inspector.net import SendOptions, send
from tests.conformance.adapter import outcome
from tests.conformance.corpus import cases, harness, needs_corpus

CASES = cases()
STRICT = [c for c in CASES if c["class"] == "strict"]
ALL_CAPS = {"reason", "http_version", "headers", "keep_alive", "interim", "trailers"}
pytestmark = needs_corpus

# Kinds whose partial response the parser already judged: the parse is the outcome.
_PARSED = {ErrorKind.INCOMPLETE, ErrorKind.PROTOCOL, ErrorKind.LIMIT}
# Other kinds in the harness's own vocabulary (timeouts always fail a case).
_HARNESS = {
    ErrorKind.READ_TIMEOUT: "timeout",
    ErrorKind.TIMEOUT: "timeout",
    ErrorKind.RESET: "connection-reset",
    ErrorKind.INCOMPLETE: "empty-response",
}


def exchange_outcome(ex: Exchange) -> dict[str, Any]:
    """The corpus outcome of one Exchange of the real client."""
    err = ex.error
    if ex.response is not None and (err is None or err.kind in _PARSED):
        return outcome(ex.response, b"")
    if err is None:
        return {"error": "crash", "detail": "no response and no error"}
    return {"error": _HARNESS.get(err.kind, err.kind.value), "detail": err.message}


def fetch(url: str, method: str, timeout: float = 5.0) -> Exchange:
    """One request like the shared adapters send: the method, ``/``, and a Host field."""
    host = Target.from_url(url).authority.encode()
    spec = RequestSpec(method=method.encode("ascii"), url=url, headers=((b"Host", host),))
    return send(spec, SendOptions(read_timeout=timeout, keep_body=True))


def client_adapter(url: str, method: str, timeout: float = 5.0) -> dict[str, Any]:
    """``adapter(url, method, timeout)`` for ``run_client.py --client``: the real client."""
    return exchange_outcome(fetch(url, method, timeout))


def _judge(case: dict[str, Any], split: int | None) -> tuple[bool, str, Exchange]:
    cl = harness()
    from serve_case import server_for_case  # type: ignore[import-not-found]

    srv = server_for_case(case, split=split, delay_ms=None, hold_s=3.0)
    srv.start()
    srv.ready.wait(5)
    try:
        ex = fetch(srv.url, case["request_method"], 5.0)
    finally:
        srv.client_done.set()
        srv.join(10)
    act = cl.normalize_outcome(exchange_outcome(ex))
    ok, how, detail, matched = cl.judge(case, act, ALL_CAPS, want_match=True)
    if ok and srv.result.get("hold_expired") and matched and matched.get("keep_alive"):
        return False, "waited for EOF on a self-delimited response", ex
    return ok, f"{how}: {detail}; got {act}", ex


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case_through_the_client(case: dict[str, Any]) -> None:
    """The real client, on a real loopback socket, gives a reading the corpus accepts."""
    ok, detail, _ = _judge(case, split=None)
    assert ok, detail


@pytest.mark.parametrize("case", STRICT, ids=[c["id"] for c in STRICT])
def test_strict_case_byte_by_byte(case: dict[str, Any]) -> None:
    """Strict cases still pass when the server writes one byte per send()."""
    ok, detail, ex = _judge(case, split=1)
    assert ok, detail
    if len(ex.transcript.received) >= 50:
        # Written a byte per millisecond, so it cannot all have come in one read.
        assert sum(e.kind is EventKind.RECV for e in ex.transcript.events) >= 2
