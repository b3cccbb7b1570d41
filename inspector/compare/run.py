"""Run a spec through every reference engine; one failing never hides the others."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from inspector.compare.common import LibraryReport, exception_doc, finish
from inspector.model import ErrorKind, Exchange, ExchangeError, RequestSpec, Transcript
from inspector.net import SendOptions

# engine name -> module with run(spec, options) -> Exchange; httpx is imported only when used.
ENGINES = {
    "http.client": "inspector.compare.via_httpclient",
    "httpx": "inspector.compare.via_httpx",
}


def _engine(name: str) -> Callable[[RequestSpec, SendOptions], Exchange]:
    runner: Callable[[RequestSpec, SendOptions], Exchange] = importlib.import_module(
        ENGINES[name]
    ).run
    return runner


def compare(
    spec: RequestSpec, options: SendOptions, engines: tuple[str, ...] = tuple(ENGINES)
) -> tuple[Exchange, ...]:
    """The spec through each engine, in order. An engine that crashes is a result too."""
    out = []
    for name in engines:
        try:
            out.append(_engine(name)(spec, options))
        except Exception as exc:  # noqa: BLE001 - an engine bug must not hide the others
            transcript = Transcript(options.spill_threshold)
            report = LibraryReport(name, "")
            report.exception = exception_doc(exc, ErrorKind.PROTOCOL)
            report.crashed = True
            error = ExchangeError(ErrorKind.PROTOCOL, f"{name} failed: {type(exc).__name__}: {exc}")
            out.append(finish(name, spec, transcript, transcript.started, report, error, options))
    return tuple(out)
