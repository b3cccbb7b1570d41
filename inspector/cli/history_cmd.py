"""``inspector history list|show|export``: the exchange history, headless."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from inspector.cli.saved import load_entry
from inspector.cli.send_cmd import human
from inspector.cli.style import Style
from inspector.formats.code import PythonTarget, to_python
from inspector.formats.curl import to_curl
from inspector.formats.document import exchange_doc
from inspector.formats.har import exchanges_to_har, har_losses
from inspector.model import Exchange, InputError
from inspector.render.escape import safe_text
from inspector.store.atomic import atomic_write
from inspector.store.history import History, HistoryEntry, HistoryError, open_history

_PYTHON: dict[str, PythonTarget] = {
    "python-socket": "socket",
    "python-http.client": "http.client",
    "python-httpx": "httpx",
}
FORMATS = ("har", "curl", "python-socket", "python-http.client", "python-httpx", "sent", "received")


def add_parser(sub: Any) -> None:
    """Register the command and its three subcommands."""
    p = sub.add_parser(
        "history",
        help="list, show and export the exchanges kept in the history",
        description="Every exchange sent from the TUI, 'send' and 'replay' is kept in one SQLite "
        "database in the user data folder (set INSPECTOR_DATA_DIR to use another folder).",
    )
    what = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    ls = what.add_parser("list", help="newest first")
    ls.add_argument("query", nargs="?", default="", help="match URL, method, status or name")
    ls.add_argument("--limit", type=int, default=50, help="entries shown (default 50)")
    ls.add_argument("--json-out", action="store_true", help="one JSON object per entry, in a list")
    ls.set_defaults(handler=run_list)
    show = what.add_parser("show", help="one entry: its transcript and parsed response")
    show.add_argument("id", help="entry id, or 'last'")
    show.add_argument("--json-out", action="store_true", help="print the Exchange document")
    show.add_argument("--trace-limit", type=int, default=2048, metavar="N")
    show.set_defaults(handler=run_show)
    export = what.add_parser(
        "export",
        help="export entries as HAR 1.2, a curl command, Python code, or raw bytes",
        description="Formats: har (of one or more entries, with their compared engines; what "
        "HAR cannot hold is listed in log.comment and on stderr), curl, python-socket, "
        "python-http.client, python-httpx (the request; what the target cannot reproduce goes "
        "to stderr), sent, received (the exact bytes).",
    )
    export.add_argument("ids", nargs="+", metavar="ID", help="entry ids, or 'last'")
    export.add_argument("--format", "-f", choices=FORMATS, default="har")
    export.add_argument("--output", "-o", metavar="FILE", help="write here (atomically)")
    export.add_argument(
        "--raw", action="store_true", help="har: also keep both byte streams (base64)"
    )
    export.set_defaults(handler=run_export)


def _load(history: History, key: str) -> Exchange:
    return load_entry(history, key, f"bad history id {key!r}: give a number or 'last'")[1]


def _with_history(args: argparse.Namespace, action: Any) -> int:
    try:
        history = open_history()
    except HistoryError as exc:
        raise InputError(str(exc)) from None
    try:
        if history.notice:
            print(f"inspector: {history.notice}", file=sys.stderr)
        status: int = action(args, history)
        return status
    finally:
        history.close()


def _entry_doc(e: HistoryEntry) -> dict[str, Any]:
    return {
        "id": e.id,
        "created": e.created,
        "engine": e.engine,
        "method": e.method,
        "url": e.url,
        "name": e.name,
        "status": e.status,
        "reason": e.reason,
        "error": e.error_kind,
        "sent": e.sent_size,
        "received": e.received_size,
        "total": e.total_time,
        "anomalies": e.anomaly_count,
        "comparisons": e.comparison_count,
    }


def _entry_line(e: HistoryEntry) -> str:
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(e.created))
    outcome = e.error_kind or (f"{e.status} {e.reason}" if e.status is not None else "-")
    took = "-" if e.total_time is None else f"{e.total_time * 1000:.1f} ms"
    name = f"  [{e.name}]" if e.name else ""
    extra = f" +{e.comparison_count} compared" if e.comparison_count else ""
    return safe_text(
        f"{e.id:>6}  {when}  {e.method} {e.url}  -> {outcome}  {took}, "
        f"{e.received_size} B{extra}{name}"
    )


def run_list(args: argparse.Namespace) -> int:
    """Print the newest entries."""

    def action(args: argparse.Namespace, history: History) -> int:
        entries = history.list(args.query, limit=max(1, args.limit))
        if args.json_out:
            json.dump([_entry_doc(e) for e in entries], sys.stdout, indent=2)
            sys.stdout.write("\n")
        elif not entries:
            print("no entries" + (f" matching {args.query!r}" if args.query else ""))
        else:
            total = history.count(args.query)
            for e in entries:
                print(_entry_line(e))
            if total > len(entries):
                print(f"({total - len(entries)} more; --limit to see them)")
        return 0

    return _with_history(args, action)


def run_show(args: argparse.Namespace) -> int:
    """Print one entry as ``send`` would have."""

    def action(args: argparse.Namespace, history: History) -> int:
        exchange = _load(history, args.id)
        if args.json_out:
            json.dump(exchange_doc(exchange), sys.stdout, indent=2)
            sys.stdout.write("\n")
        else:
            limit = None if args.trace_limit == 0 else args.trace_limit
            print("\n".join(human(exchange, Style.for_stream(sys.stdout), limit)))
        exchange.transcript.close()
        return 0

    return _with_history(args, action)


def _export_bytes(args: argparse.Namespace, history: History) -> tuple[bytes, list[str]]:
    exchanges = [_load(history, key) for key in args.ids]
    fmt = args.format
    if fmt == "har":
        entries = [x for ex in exchanges for x in (ex, *ex.comparisons)]
        # startedDateTime comes from the monotonic start and today's clock offset:
        # exact until the machine reboots (monotonic time restarts then).
        doc = exchanges_to_har(entries, include_raw=args.raw)
        notes = [f"HAR loses: {loss}" for ex in entries for loss in har_losses(ex)]
        return (json.dumps(doc, indent=2) + "\n").encode("utf-8"), notes
    if len(exchanges) != 1:
        raise InputError(f"--format {fmt} exports one entry; give one id")
    ex = exchanges[0]
    if fmt == "sent":
        return ex.transcript.sent.read(), []
    if fmt == "received":
        return ex.transcript.received.read(), []
    export = to_curl(ex.spec) if fmt == "curl" else to_python(ex.spec, _PYTHON[fmt])
    text = export.text if export.text.endswith("\n") else export.text + "\n"
    return text.encode("utf-8"), [f"cannot reproduce: {c}" for c in export.caveats]


def run_export(args: argparse.Namespace) -> int:
    """Write the export to stdout or, atomically, to a file; caveats go to stderr."""

    def action(args: argparse.Namespace, history: History) -> int:
        data, notes = _export_bytes(args, history)
        if args.output:
            try:
                atomic_write(Path(args.output), data)
            except OSError as exc:
                raise InputError(f"cannot write {args.output}: {exc.strerror or exc}") from None
            print(f"wrote {len(data)} bytes to {args.output}", file=sys.stderr)
        else:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        for note in dict.fromkeys(notes):
            print(f"inspector: {safe_text(note)}", file=sys.stderr)
        return 0

    return _with_history(args, action)
