"""Endpoint descriptions and routing.

Each endpoint module keeps a list of :class:`Endpoint` values filled by the
:func:`endpoint` decorator; :mod:`inspector.server.routes` puts them together
into the one registry that serves requests and that ``/`` lists.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from inspector.server.context import Ctx
from inspector.server.responses import Response, Written

Handler = Callable[[Ctx], Response | Written]

_PARAM = re.compile(r"\{(\w+)(\.\.\.)?\}")


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One endpoint: where it lives, what it does, what it teaches, and its handler."""

    pattern: str
    """Path pattern: ``{name}`` matches one segment, ``{name...}`` the rest of the path."""
    description: str
    """What it does, in one line."""
    lesson: str
    """What it shows about HTTP on the wire, in one line."""
    handler: Handler
    methods: tuple[str, ...] | None
    """The methods it answers, or None for any."""
    example: str
    """A ready-to-use path, with parameters filled in."""
    misbehaving: bool
    """Whether it deliberately breaks the protocol."""
    regex: re.Pattern[str]

    def match(self, path: str) -> dict[str, str] | None:
        """The path parameters when ``path`` matches, else None."""
        found = self.regex.fullmatch(path)
        return None if found is None else found.groupdict()


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """Turn ``/bytes/{n}`` into a regular expression with named groups."""
    out = []
    pos = 0
    for param in _PARAM.finditer(pattern):
        out.append(re.escape(pattern[pos : param.start()]))
        out.append(f"(?P<{param.group(1)}>{'.*' if param.group(2) else '[^/]+'})")
        pos = param.end()
    out.append(re.escape(pattern[pos:]))
    return re.compile("".join(out))


def endpoint(
    into: list[Endpoint],
    pattern: str,
    description: str,
    lesson: str,
    *,
    methods: tuple[str, ...] | None = None,
    example: str | None = None,
    misbehaving: bool = False,
) -> Callable[[Handler], Handler]:
    """Describe a handler and add it to ``into``.

    Args:
        into: the module's endpoint list.
        pattern: path pattern (see :attr:`Endpoint.pattern`).
        description: one line: what it does.
        lesson: one line: what it shows.
        methods: the methods it answers; None for any.
        example: a concrete path for the index; defaults to the pattern.
        misbehaving: whether it breaks the protocol on purpose.
    """

    def register(handler: Handler) -> Handler:
        into.append(
            Endpoint(
                pattern=pattern,
                description=description,
                lesson=lesson,
                handler=handler,
                methods=methods,
                example=example or pattern,
                misbehaving=misbehaving,
                regex=compile_pattern(pattern),
            )
        )
        return handler

    return register


class Router:
    """Finds the endpoint for a path: an exact path first, then patterns in order."""

    def __init__(self, endpoints: Sequence[Endpoint]) -> None:
        self.endpoints = tuple(endpoints)
        self._exact = {e.pattern: e for e in self.endpoints if "{" not in e.pattern}

    def match(self, path: str) -> tuple[Endpoint, dict[str, str]] | None:
        """The endpoint serving ``path`` and its parameters, or None."""
        exact = self._exact.get(path)
        if exact is not None:
            return exact, {}
        for candidate in self.endpoints:
            params = candidate.match(path)
            if params is not None:
                return candidate, params
        return None
