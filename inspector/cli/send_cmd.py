"""``inspector send URL``: one request through our recording client, headless."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from inspector.cli.compare_view import Sent, render_comparison, render_dry_run
from inspector.cli.human import anomaly_lines, describe
from inspector.cli.style import Style
from inspector.compare import compare
from inspector.compare.diff import Comparison, EngineDiff, diff, request_differences
from inspector.compare.dryrun import dry_run
from inspector.formats.document import b64, exchange_doc
from inspector.model import ErrorKind, Exchange, InputError, RequestSpec, Target
from inspector.net import Client, SendOptions, wire_bytes
from inspector.render.trace import trace
from inspector.wire.serialize import update_content_length, with_default_headers


def add_parser(sub: Any) -> None:
    """Register the command."""
    p = sub.add_parser(
        "send",
        help="send one request and show every byte written and read",
        description="Send one request through inspector's own socket-level client and print "
        "each send()/recv() call with its time and size, then the parsed response, its "
        "anomalies and the timing phases. Exit 0 when the exchange completed, whatever the "
        "HTTP status; 1 on a transport or protocol failure; 2 on bad input.",
    )
    p.add_argument("url", metavar="URL", help="http:// or https:// URL")
    p.add_argument("-X", "--request", dest="method", help="method (default GET, POST with a body)")
    p.add_argument(
        "-H",
        "--header",
        dest="headers",
        action="append",
        default=[],
        metavar="'NAME: VALUE'",
        help="add a header (repeatable; order and case kept)",
    )
    body = p.add_mutually_exclusive_group()
    body.add_argument("-d", "--data", help="body text (@FILE reads a file)")
    body.add_argument("--data-file", metavar="FILE", help="body bytes from a file")
    body.add_argument(
        "--json", metavar="JSON", help="JSON body; adds Content-Type and Accept: application/json"
    )
    body.add_argument(
        "--raw-file", metavar="FILE", help="send this file's bytes exactly, as the whole request"
    )
    p.add_argument(
        "--fix-length",
        action="store_true",
        help="with --raw-file: set Content-Length to the body's real length",
    )
    p.add_argument(
        "--no-auto-headers",
        action="store_true",
        help="do not add Host, User-Agent, Accept and Content-Length",
    )
    p.add_argument("--http1.0", dest="http10", action="store_true", help="speak HTTP/1.0")
    p.add_argument(
        "--timeout",
        type=float,
        default=30.0,
        help="seconds a read may wait with nothing arriving (default 30)",
    )
    p.add_argument(
        "--connect-timeout",
        type=float,
        default=10.0,
        help="seconds for DNS and connect (default 10)",
    )
    p.add_argument(
        "--total-timeout",
        type=float,
        default=None,
        help="seconds for the whole exchange (default: none)",
    )
    p.add_argument(
        "--max-body",
        type=int,
        default=SendOptions().max_body,
        help="stop reading after this many body bytes (default 1 GiB)",
    )
    p.add_argument(
        "--insecure", "-k", action="store_true", help="do not verify the server certificate"
    )
    p.add_argument("--cacert", metavar="FILE", help="trust the CA certificates in this PEM file")
    p.add_argument("--proxy", metavar="URL", help="send through this HTTP proxy (http://host:port)")
    p.add_argument(
        "--trace-limit",
        type=int,
        default=2048,
        metavar="N",
        help="bytes shown per send/recv block (0: all; default 2048)",
    )
    p.add_argument("--json-out", action="store_true", help="print the Exchange document (JSON)")
    p.add_argument(
        "--compare",
        action="store_true",
        help="also send the request through http.client and httpx and show what each wrote "
        "and understood next to ours (with --json-out: in comparisons)",
    )
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="send nothing to the server: show the exact bytes we would write (with "
        "--compare, also those of http.client and httpx, captured by a local sink)",
    )
    p.add_argument(
        "--no-history", action="store_true", help="do not keep this exchange in the history"
    )
    p.set_defaults(handler=run)


def _read_file(path: str, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {what} {path}: {exc.strerror or exc}") from None


def _header(text: str) -> tuple[bytes, bytes]:
    name, sep, value = text.partition(":")
    if not sep or not name.strip():
        raise InputError(f"bad header {text!r}: write it as 'Name: value'")
    return name.encode("utf-8"), value.lstrip(" ").encode("utf-8")


def build_spec(args: argparse.Namespace) -> RequestSpec:
    """The request the options describe, default headers added unless turned off.

    Raises:
        InputError: the URL, a header or a file is unusable.
    """
    Target.from_url(args.url)
    if args.raw_file:
        raw = _read_file(args.raw_file, "--raw-file")
        if args.fix_length:
            raw = update_content_length(raw)
        return RequestSpec(url=args.url, raw=raw)
    if args.fix_length:
        raise InputError("--fix-length goes with --raw-file")
    headers = [_header(h) for h in args.headers]
    body = b""
    if args.data is not None:
        body = (
            _read_file(args.data[1:], "-d")
            if args.data.startswith("@")
            else args.data.encode("utf-8")
        )
    elif args.data_file:
        body = _read_file(args.data_file, "--data-file")
    elif args.json is not None:
        try:
            json.loads(args.json)
        except ValueError as exc:
            raise InputError(f"--json is not valid JSON: {exc}") from None
        body = args.json.encode("utf-8")
        names = {n.lower() for n, _ in headers}
        if b"content-type" not in names:
            headers.append((b"Content-Type", b"application/json"))
        if b"accept" not in names:
            headers.append((b"Accept", b"application/json"))
    method = args.method or ("POST" if body else "GET")
    spec = RequestSpec(
        method=method.encode("utf-8"),
        url=args.url,
        http_version=b"HTTP/1.0" if args.http10 else b"HTTP/1.1",
        headers=tuple(headers),
        body=body,
    )
    return spec if args.no_auto_headers else with_default_headers(spec)


def _options(args: argparse.Namespace) -> SendOptions:
    return SendOptions(
        connect_timeout=args.connect_timeout,
        read_timeout=args.timeout,
        total_timeout=args.total_timeout,
        verify=not args.insecure,
        cacert=args.cacert,
        proxy=args.proxy,
        max_body=args.max_body,
    )


def _fmt_time(value: float | None) -> str:
    return "-" if value is None else f"{value * 1000:.2f} ms"


def human(exchange: Exchange, style: Style, trace_limit: int | None) -> list[str]:
    """The trace, then the parsed response, anomalies, timings, connection and TLS."""
    colour = {"send": "cyan", "recv": "green", "event": "dim", "more": "dim"}
    out = [style(line.text, colour[line.kind]) for line in trace(exchange.transcript, trace_limit)]
    out.append("")
    resp = exchange.response
    if resp is not None:
        leftover = len(exchange.transcript.received) - resp.end
        out += describe(resp, exchange.response_body(), max(0, leftover), style)
    elif exchange.anomalies:
        out += anomaly_lines(exchange.anomalies, style)
    t = exchange.timings
    out.append(
        style("timings:", "bold")
        + f" dns {_fmt_time(t.dns)}, connect {_fmt_time(t.connect)}, tls {_fmt_time(t.tls)}, "
        f"send {_fmt_time(t.send)}, wait {_fmt_time(t.ttfb)}, receive {_fmt_time(t.receive)}, "
        f"total {_fmt_time(t.total)}"
    )
    c = exchange.connection
    if c is not None:
        via = f" via proxy {c.proxy}" if c.proxy else ""
        out.append(
            style("connection:", "bold")
            + f" #{c.id} {'reused' if c.reused else 'new'} {c.local} -> {c.remote}{via}, "
            f"ended: {c.closed_by}"
        )
    if exchange.tls is not None:
        tls = exchange.tls
        out.append(style("tls:", "bold") + f" {tls.version} {tls.cipher} alpn={tls.alpn}")
        if tls.peer_cert is not None:
            pc = tls.peer_cert
            out.append(f"  subject {pc.subject}; issuer {pc.issuer}; expires {pc.not_after}")
    return out


def _tls_note(spec: RequestSpec) -> str:
    if spec.url.lower().startswith("https:"):
        return "the plaintext that would go inside TLS"
    return ""


def _comparison_lines(
    exchange: Exchange,
    others: tuple[Exchange, ...],
    style: Style,
    limit: int | None,
) -> list[str]:
    sent = [Sent(ex.engine, ex.transcript.sent.read()) for ex in (exchange, *others)]
    width = shutil.get_terminal_size().columns
    return render_comparison(sent, diff(exchange, others), style, width, limit)


def _dry_run(spec: RequestSpec, options: SendOptions, args: argparse.Namespace) -> int:
    """Show the bytes each engine would write; nothing reaches the server."""
    ours = wire_bytes(spec, options)
    sent = [Sent("inspector", ours, _tls_note(spec))]
    comparison = None
    if args.compare:
        runs = dry_run(spec, options)
        engines = []
        for dr in runs:
            sent.append(Sent(dr.engine, dr.sent, dr.note))
            request, first = request_differences(dr.engine, ours, dr.sent)
            engines.append(EngineDiff(dr.engine, dr.note, first, request, (), ()))
            dr.exchange.transcript.close()
        comparison = Comparison("inspector", tuple(engines), "dry run")
    if args.json_out:
        doc = {
            "dry_run": True,
            "url": spec.url,
            "engines": [
                {"engine": s.engine, "sent_b64": b64(s.data), "note": s.note} for s in sent
            ],
        }
        json.dump(doc, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    style = Style.for_stream(sys.stdout)
    limit = None if args.trace_limit == 0 else args.trace_limit
    width = shutil.get_terminal_size().columns
    print("\n".join(render_dry_run(sent, comparison, style, width, limit)))
    return 0


def _remember(exchange: Exchange) -> None:
    """Keep the exchange in the history; a history problem is a warning, never a failure."""
    from inspector.store.history import (
        HistoryError,
        open_history,  # sqlite3 loads only when needed
    )

    try:
        with open_history() as history:
            if history.notice:
                print(f"inspector: {history.notice}", file=sys.stderr)
            history.add(exchange)
    except (HistoryError, OSError) as exc:
        print(f"inspector: not kept in history: {exc}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    """Send; exit 0 when the exchange completed, 1 on failure, 2 on bad input.

    With ``--compare`` the reference engines run after ours; what they do never
    changes the exit status. ``--dry-run`` sends nothing to the server.
    """
    spec = build_spec(args)
    options = _options(args)
    if args.dry_run:
        return _dry_run(spec, options, args)
    with Client(options) as client:
        exchange = client.send(spec)
    error = exchange.error
    if error is not None and error.kind is ErrorKind.INVALID_REQUEST:
        raise InputError(error.message)
    others = compare(spec, options) if args.compare else ()
    if not args.no_history:
        _remember(replace(exchange, comparisons=others))
    style = Style.for_stream(sys.stdout)
    limit = None if args.trace_limit == 0 else args.trace_limit
    if args.json_out:
        doc = exchange_doc(replace(exchange, comparisons=others))
        json.dump(doc, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print("\n".join(human(exchange, style, limit)))
        if args.compare:
            print()
            print("\n".join(_comparison_lines(exchange, others, style, limit)))
    for ex in (exchange, *others):
        ex.transcript.close()
    if error is not None:
        print(f"inspector: {error.kind.value}: {error.message}", file=sys.stderr)
        return 1
    return 0
