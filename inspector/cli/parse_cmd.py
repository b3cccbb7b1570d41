"""``inspector parse FILE``: read a raw HTTP response captured with nc or ``curl --raw``."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from inspector.cli.human import describe
from inspector.cli.style import Style
from inspector.formats.document import anomaly_doc, b64, response_doc
from inspector.model import InputError
from inspector.wire.parser import ResponseParser


def add_parser(sub: Any) -> None:
    """Register the command."""
    p = sub.add_parser(
        "parse",
        help="parse a raw HTTP response saved in a file",
        description="Parse a raw HTTP response (as captured by nc or curl --raw) and print "
        "its fields, anomalies and byte spans. The end of the file counts as the server "
        "closing the connection.",
    )
    p.add_argument("file", metavar="FILE", help="the file, or - for standard input")
    p.add_argument(
        "--method",
        default="GET",
        help="the request method it answered (HEAD responses have no body)",
    )
    p.add_argument(
        "--json-out",
        action="store_true",
        help="print the response and anomalies members of the Exchange document",
    )
    p.set_defaults(handler=run)


def read_input(path: str) -> bytes:
    """Read a file, or standard input for ``-``.

    Raises:
        InputError: the file cannot be read or is empty.
    """
    if path == "-":
        data = sys.stdin.buffer.read()
        name = "standard input"
    else:
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError as exc:
            raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
        name = path
    if not data:
        raise InputError(f"{name} is empty: there is no response to parse")
    return data


def run(args: argparse.Namespace) -> int:
    """Parse the file; exit 0 when a response was read, 1 when the parse failed."""
    data = read_input(args.file)
    parser = ResponseParser(args.method.encode("latin-1", "replace"))
    parser.feed(data)
    parser.feed_eof()
    parsed = parser.result()
    body = parsed.body or b""
    if args.json_out:
        doc: dict[str, Any] = {
            "response": response_doc(parsed, body),
            "anomalies": [anomaly_doc(a) for a in parsed.anomalies],
            "leftover_b64": b64(parser.leftover) if parser.leftover else None,
        }
        json.dump(doc, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        style = Style.for_stream(sys.stdout)
        print("\n".join(describe(parsed, body, len(parser.leftover), style)))
    return 1 if parsed.error else 0
