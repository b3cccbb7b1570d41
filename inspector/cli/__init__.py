"""Command line: argument parsing and headless commands. The TUI is imported lazily."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import NoReturn

from inspector.model import InputError

PROG = "inspector"
COMMANDS = ("send", "parse", "serve", "replay", "history")


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line on stderr, never a usage dump."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {PROG} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The whole command line."""
    from inspector.cli import history_cmd, parse_cmd, replay_cmd, send_cmd, serve_cmd

    parser = _Parser(
        prog=PROG,
        description="See what really goes over the wire in HTTP. With no command, opens the "
        "terminal UI: 'inspector' alone starts the built-in test server and fills in a request "
        "to it; 'inspector URL' fills in that URL. '--collection DIR' shows the .http files of "
        "DIR in the sidebar (default: requests/ in the user data folder).",
        usage="inspector [URL] [--collection DIR] | inspector COMMAND ...",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser, prog=PROG)
    send_cmd.add_parser(sub)
    parse_cmd.add_parser(sub)
    serve_cmd.add_parser(sub)
    replay_cmd.add_parser(sub)
    history_cmd.add_parser(sub)
    return parser


def _is_url(word: str) -> bool:
    """Whether a first argument names a URL to open in the TUI (not a mistyped command)."""
    if word in COMMANDS or word.startswith("-"):
        return False
    return "://" in word or "." in word or ":" in word or word.startswith("localhost")


def _tui_args(argv: list[str]) -> tuple[str | None, Path | None] | None:
    """``[URL] [--collection DIR]`` for the TUI, or None when argv is something else.

    Raises:
        InputError: ``--collection`` without a folder, or a folder that is a file.
    """
    rest = list(argv)
    collection: Path | None = None
    for i, word in enumerate(rest):
        if word == "--collection" or word.startswith("--collection="):
            value = word.partition("=")[2] if "=" in word else None
            if value is None:
                if i + 1 >= len(rest):
                    raise InputError("--collection needs a folder")
                value = rest.pop(i + 1)
            rest.pop(i)
            collection = Path(value)
            if collection.exists() and not collection.is_dir():
                raise InputError(f"--collection {value}: not a folder")
            break
    if len(rest) > 1 or (rest and not _is_url(rest[0])):
        return None
    return (rest[0] if rest else None), collection


def run(argv: list[str]) -> int:
    """Run one command line and return its exit status. Never raises."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:  # a terminal that is not UTF-8 still gets every line
            reconfigure(errors="backslashreplace")
    try:
        if not argv or argv[0] not in COMMANDS and not argv[0].startswith("-h"):
            tui_args = _tui_args(argv)
            if tui_args is not None:
                from inspector.tui.launch import launch  # Textual loads only for the TUI

                url, collection = tui_args
                return launch(url, collection=collection)
        parser = build_parser()
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return 0
        status: int = args.handler(args)
        return status
    except InputError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (``| head``): nothing more to say, and nowhere to say it.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except Exception as exc:  # noqa: BLE001 - the promise is: never a traceback
        if os.environ.get("INSPECTOR_DEBUG"):
            raise
        print(
            f"{PROG}: internal error: {type(exc).__name__}: {exc} "
            "(set INSPECTOR_DEBUG=1 to see the traceback)",
            file=sys.stderr,
        )
        return 70
