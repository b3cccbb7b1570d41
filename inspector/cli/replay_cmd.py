"""``inspector replay SAVED``: send a saved request or a history entry again, headless.

SAVED is ``FILE.http`` (every request in it, in order), ``FILE.http#name`` (or
``#N``, 1-based), ``history:ID`` or ``history:last``. Each replay is kept in
the history. With ``--diff`` each response is compared with the previous one
of the same request (the history entry itself for ``history:ID``); volatile
headers such as Date are ignored unless ``--include-volatile``.

Exit status: 0 when every replay ran; with ``--diff``, 0 when every response is
the same as before, 1 when one differs, 2 on an error (a transport failure
included). Without ``--diff`` a transport failure is 1, like ``send``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from inspector.cli.saved import (
    HISTORY_PREFIX,
    Resolved,
    exact_replay,
    previous_exchange,
    resolve_file,
    resolve_history,
)
from inspector.cli.send_cmd import human
from inspector.cli.style import Style
from inspector.compare.exchange_diff import VOLATILE_HEADERS, ExchangeDiff, diff_exchanges
from inspector.formats.document import exchange_doc
from inspector.model import ErrorKind, Exchange, InputError, RequestSpec
from inspector.net import Client, SendOptions
from inspector.store.env import mask
from inspector.store.history import History, HistoryError, open_history


def add_parser(sub: Any) -> None:
    """Register the command."""
    p = sub.add_parser(
        "replay",
        help="send a saved request (.http) or a history entry again",
        description="Replay FILE.http (every request), FILE.http#name (or #N), history:ID or "
        "history:last. Each exchange is kept in the history. Exit 0 when it ran; with --diff, "
        "0 when the response is the same as the previous one, 1 when it differs, 2 on error.",
    )
    p.add_argument("saved", metavar="SAVED", help="FILE.http[#name] or history:ID|last")
    p.add_argument("--env", metavar="NAME", help="environment from http-client.env.json")
    p.add_argument(
        "--diff",
        action="store_true",
        help="compare with the previous response of the same request (exit 1 if it differs)",
    )
    p.add_argument(
        "--include-volatile",
        action="store_true",
        help="with --diff: also compare Date, Age, X-Request-Id and other volatile headers",
    )
    p.add_argument(
        "--ignore-header",
        action="append",
        default=[],
        metavar="NAME",
        help="with --diff: ignore this header too (repeatable)",
    )
    p.add_argument(
        "--bytes",
        dest="exact",
        action="store_true",
        help="history:ID only: send exactly the bytes sent the first time",
    )
    p.add_argument(
        "--keep-timing",
        action="store_true",
        help="history:ID only: byte for byte, with the original write boundaries and pauses",
    )
    p.add_argument(
        "--allow-hash-mismatch",
        action="store_true",
        help="send a raw request even if its bytes no longer match their saved hash",
    )
    p.add_argument("--show-secrets", action="store_true", help="do not mask secret values")
    p.add_argument("--no-history", action="store_true", help="do not keep the replay in history")
    p.add_argument("--timeout", type=float, default=30.0, help="read timeout in seconds")
    p.add_argument("--insecure", "-k", action="store_true", help="do not verify certificates")
    p.add_argument("--cacert", metavar="FILE", help="trust the CA certificates in this PEM file")
    p.add_argument(
        "--trace-limit", type=int, default=2048, metavar="N", help="bytes shown per block"
    )
    p.add_argument(
        "--json-out",
        action="store_true",
        help="print the Exchange document (one, or {'replays': [...]}; bytes exact, unmasked)",
    )
    p.set_defaults(handler=run)


def _requests(args: argparse.Namespace, history: History | None) -> list[Resolved]:
    if args.saved.startswith(HISTORY_PREFIX):
        if history is None:
            raise InputError("history:ID needs the history (drop --no-history)")
        return [resolve_history(args.saved, history)]
    if args.exact or args.keep_timing:
        raise InputError("--bytes and --keep-timing replay a history entry: give history:ID")
    return resolve_file(args.saved, args.env, allow_hash_mismatch=args.allow_hash_mismatch)


def _spec_and_options(
    item: Resolved, args: argparse.Namespace, options: SendOptions
) -> tuple[RequestSpec, SendOptions]:
    source = item.source
    if source is None or not (args.exact or args.keep_timing):
        return item.spec, options
    return exact_replay(source, options, keep_timing=args.keep_timing, meta=item.spec.meta)


class _Outcome:
    def __init__(self) -> None:
        self.failed = False
        self.differs = False
        self.docs: list[dict[str, Any]] = []


def _ignored(args: argparse.Namespace) -> tuple[str, ...]:
    base = () if args.include_volatile else tuple(VOLATILE_HEADERS)
    return (*base, *args.ignore_header)


def _one(
    item: Resolved,
    client: Client,
    history: History | None,
    args: argparse.Namespace,
    options: SendOptions,
    out: _Outcome,
) -> None:
    spec, opts = _spec_and_options(item, args, options)
    before = item.source
    if args.diff and before is None and history is not None:
        before = previous_exchange(history, item.label)
    exchange = client.send(spec, opts)
    if exchange.error is not None and exchange.error.kind is ErrorKind.INVALID_REQUEST:
        raise InputError(f"{item.label}: {exchange.error.message}")
    if history is not None and not args.no_history:
        history.add(exchange)
    delta = diff_exchanges(before, exchange, ignore=_ignored(args)) if before else None
    if exchange.error is not None:
        out.failed = True
        print(
            f"inspector: {item.label}: {exchange.error.kind.value}: {exchange.error.message}",
            file=sys.stderr,
        )
    if delta is not None and not delta.same:
        out.differs = True
    if args.json_out:
        doc = exchange_doc(exchange)
        doc["replay_of"] = item.label
        doc["diff"] = _diff_doc(delta) if args.diff else None
        out.docs.append(doc)
    else:
        _print_human(item, exchange, delta, args)
    exchange.transcript.close()


def _diff_doc(delta: ExchangeDiff | None) -> dict[str, Any] | None:
    if delta is None:
        return {"baseline": True, "same": None, "changes": []}
    return {
        "baseline": False,
        "same": delta.same,
        "changes": [{"kind": c.kind.value, "text": c.text} for c in delta.changes],
        "ignored": [{"kind": c.kind.value, "text": c.text} for c in delta.ignored],
    }


def _print_human(
    item: Resolved, exchange: Exchange, delta: ExchangeDiff | None, args: argparse.Namespace
) -> None:
    style = Style.for_stream(sys.stdout)
    limit = None if args.trace_limit == 0 else args.trace_limit
    secrets = {} if args.show_secrets else item.secrets
    print(style(f"== replay {item.label}", "bold"))
    for line in human(exchange, style, limit):
        print(mask(line, secrets) if secrets else line)
    if args.diff:
        if delta is None:
            print(
                style("diff: no earlier response of this request: this one is the baseline", "dim")
            )
        else:
            colour = "green" if delta.same else "yellow"
            lines = delta.lines()
            print(style(f"diff with the previous response: {lines[0]}", colour))
            for line in lines[1:]:
                print(mask(line, secrets) if secrets else line)
    print()


def run(args: argparse.Namespace) -> int:
    """Replay; see the module docstring for the exit status."""
    try:
        history = None if args.no_history and not args.diff else open_history()
    except HistoryError as exc:
        raise InputError(str(exc)) from None
    try:
        return _run(args, history)
    finally:
        if history is not None:
            history.close()


def _run(args: argparse.Namespace, history: History | None) -> int:
    if history is not None and history.notice:
        print(f"inspector: {history.notice}", file=sys.stderr)
    items: Sequence[Resolved] = _requests(args, history)
    options = SendOptions(read_timeout=args.timeout, verify=not args.insecure, cacert=args.cacert)
    out = _Outcome()
    with Client(options) as client:
        for item in items:
            _one(item, client, history, args, options, out)
    if args.json_out:
        doc: Any = out.docs[0] if len(out.docs) == 1 else {"replays": out.docs}
        json.dump(doc, sys.stdout, indent=2)
        sys.stdout.write("\n")
    if args.diff:
        return 2 if out.failed else (1 if out.differs else 0)
    return 1 if out.failed else 0
