"""The response side of the diff: our reading against each engine's, field by field.

Three readings meet here. *Ours*: our parser on our transcript. *Theirs*: what
the library itself reported (``Exchange.library``), or, for an engine without a
library, our parser on its transcript. *Wire*: our parser on the engine's
transcript, which tells a library's normalisation (the same bytes, read two
ways) apart from a server that answered it differently (different bytes).
"""

from __future__ import annotations

import base64
import binascii
from typing import NamedTuple

from inspector.compare.difference import Difference, outcome, show, show_body
from inspector.model import Exchange, HeaderField, ParsedResponse

Pair = tuple[bytes, bytes]


class Reading(NamedTuple):
    """One engine's understanding of a response."""

    status: int | None
    reason: bytes
    http_version: bytes
    headers: tuple[Pair, ...]
    body: bytes | None
    keep_alive: bool | None
    interim: tuple[tuple[int, bytes], ...] | None
    """1xx responses read before the final one; None when the engine does not expose them."""


def _as_bytes(value: object) -> bytes:
    text = value if isinstance(value, str) else ""
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape")


def parser_reading(exchange: Exchange) -> Reading | None:
    """Our parser's reading of an exchange's transcript, or None when nothing was parsed."""
    r = exchange.response
    if r is None:
        return None
    return Reading(
        r.status,
        r.reason,
        r.http_version,
        tuple((h.name, h.value) for h in r.headers),
        exchange.response_body(),
        r.keep_alive,
        tuple((i.status, i.reason) for i in r.interim),
    )


def library_reading(lib: dict[str, object]) -> Reading | None:
    """What a library reported (``Exchange.library``), or None when it reported no status."""
    status = lib.get("status")
    if not isinstance(status, int):
        return None
    headers = lib.get("headers")
    pairs = tuple(
        (_as_bytes(h[0]), _as_bytes(h[1]))
        for h in (headers if isinstance(headers, list) else [])
        if isinstance(h, list | tuple) and len(h) == 2
    )
    body: bytes | None = None
    b64 = lib.get("body_b64")
    if isinstance(b64, str):
        try:
            body = base64.b64decode(b64, validate=True)
        except binascii.Error:
            body = None
    keep = lib.get("keep_alive")
    return Reading(
        status,
        _as_bytes(lib.get("reason")),
        _as_bytes(lib.get("http_version")),
        pairs,
        body,
        keep if isinstance(keep, bool) else None,
        None,
    )


def _groups(pairs: tuple[Pair, ...] | list[Pair]) -> dict[bytes, list[Pair]]:
    out: dict[bytes, list[Pair]] = {}
    for name, value in pairs:
        out.setdefault(name.strip(b" \t").lower(), []).append((name, value))
    return out


def _fields_text(pairs: list[Pair]) -> str:
    return " | ".join(show(n + b": " + v) for n, v in pairs) if pairs else "(absent)"


def _interim_text(interim: tuple[tuple[int, bytes], ...]) -> str:
    return ", ".join(f"{s} {show(r)}".rstrip() for s, r in interim) or "(none)"


class _Out:
    def __init__(self, engine: str) -> None:
        self.engine = engine
        self.items: list[Difference] = []

    def add(self, field: str, ours: str, theirs: str, note: str) -> None:
        self.items.append(Difference("response", field, self.engine, ours, theirs, note))


def _outcome_note(engine: str, ours: str, theirs: str) -> str:
    if theirs.startswith("not expressible"):
        return f"{engine} cannot send this request at all."
    if theirs == "hung until the timeout":
        return f"{engine} waited until the timeout; we did not."
    if ours == "hung until the timeout":
        return f"We waited until the timeout; {engine} did not."
    if ours == "parsed":
        return f"{engine} failed where we read a whole response."
    if theirs == "parsed":
        return f"{engine} accepted a response we did not."
    return f"{engine} and we both failed, differently."


def _head_fields(ours: Reading | None, theirs: Reading, out: _Out) -> None:
    e = out.engine
    o_status = "none" if ours is None or ours.status is None else str(ours.status)
    if o_status != str(theirs.status):
        out.add("status", o_status, str(theirs.status), f"{e} reports a different status code.")
    o_reason = b"" if ours is None else ours.reason
    if o_reason != theirs.reason:
        out.add("reason", show(o_reason), show(theirs.reason), f"{e} reports another reason.")
    o_version = b"" if ours is None else ours.http_version
    if o_version != theirs.http_version:
        out.add(
            "http-version",
            show(o_version),
            show(theirs.http_version),
            f"{e} reports another protocol version.",
        )
    if ours is not None and ours.keep_alive is not None and theirs.keep_alive is not None:
        if ours.keep_alive != theirs.keep_alive:
            yes = {True: "yes", False: "no"}
            would = "would" if theirs.keep_alive else "would not"
            out.add(
                "keep-alive",
                yes[ours.keep_alive],
                yes[theirs.keep_alive],
                f"{e} {would} reuse the connection; we decided otherwise.",
            )


def _interim(ours: Reading | None, theirs: Reading, out: _Out) -> None:
    e = out.engine
    mine = () if ours is None or ours.interim is None else ours.interim
    status = theirs.status or 0
    if theirs.interim is None:
        if 100 <= status < 200 and status != 101:
            final = "" if ours is None or ours.status is None else f", then {ours.status}"
            out.add(
                "interim",
                _interim_text(mine) + final,
                f"{status} as the final response",
                f"{e} returned the {status} interim response as if it were the final one.",
            )
        elif mine:
            out.add(
                "interim",
                _interim_text(mine),
                "(not exposed)",
                f"{e} skipped the interim responses without exposing them.",
            )
    elif theirs.interim != mine:
        out.add(
            "interim",
            _interim_text(mine),
            _interim_text(theirs.interim),
            f"The interim responses {e} received differ from ours.",
        )


def _header_content(ours: Reading | None, wire: Reading, out: _Out) -> None:
    """Headers of the response we received against the one the engine received."""
    mine = _groups(() if ours is None else ours.headers)
    theirs = _groups(wire.headers)
    for key in [*mine, *(k for k in theirs if k not in mine)]:
        a, b = mine.get(key, []), theirs.get(key, [])
        if [v for _, v in a] == [v for _, v in b]:
            continue
        name = show((a or b)[0][0])
        if not b:
            note = f"The response {out.engine} received had no {name} field."
        elif not a:
            note = f"The response {out.engine} received had a {name} field ours did not."
        else:
            note = f"The response {out.engine} received had a different {name}."
        out.add("headers", _fields_text(a), _fields_text(b), note)


def _wire_head(wire: ParsedResponse | None, status: int | None) -> tuple[HeaderField, ...]:
    """The head the library read: the final one, or the interim one it took for final."""
    if wire is None:
        return ()
    if wire.status != status:
        for i in reversed(wire.interim):
            if i.status == status:
                return i.headers
    return wire.headers


def _value_change(engine: str, name: str, wire: HeaderField, value: bytes, out: _Out) -> None:
    if value == wire.value:
        return
    ours, theirs = show(wire.name + b": " + wire.value), show(wire.name + b": " + value)
    if b"\n" in wire.value and value == wire.unfolded_value:
        note = f"{engine} unfolds the obs-fold lines of {name} into single spaces."
        out.add("header-whitespace", ours, theirs, note)
    elif value.split() == wire.value.split():
        note = f"{engine} exposes {name} with different whitespace."
        out.add("header-whitespace", ours, theirs, note)
    else:
        note = f"{engine} exposes a value for {name} that is not the one it received."
        out.add("header-value", ours, theirs, note)


def _normalisation(
    fields: tuple[HeaderField, ...], lib: tuple[Pair, ...], out: _Out, structural: bool
) -> None:
    """How the library exposes the fields it received: case, merging, whitespace, order."""
    e = out.engine
    wire: dict[bytes, list[HeaderField]] = {}
    for f in fields:
        wire.setdefault(f.name.strip(b" \t").lower(), []).append(f)
    exposed = _groups(lib)
    renamed: list[tuple[bytes, bytes]] = []
    for key in [*wire, *(k for k in exposed if k not in wire)]:
        w, lv = wire.get(key, []), exposed.get(key, [])
        renamed += [(f.name, n) for f, (n, _) in zip(w, lv, strict=False) if f.name != n]
        if len(w) > 1 and len(lv) == 1:
            unfolded = [f.unfolded_value for f in w]
            if lv[0][1] in (b", ".join(unfolded), b",".join(unfolded)):
                out.add(
                    "header-merged",
                    " | ".join(show(f.name + b": " + f.value) for f in w),
                    show(lv[0][0] + b": " + lv[0][1]),
                    f"{e} merges the {len(w)} {show(w[0].name)} fields into one value.",
                )
                continue
        for f, (_, value) in zip(w, lv, strict=False):
            _value_change(e, show(f.name), f, value, out)
        for f in w[len(lv) :]:
            out.add(
                "header-removed",
                show(f.name + b": " + f.value),
                "(not exposed)",
                f"{e} does not expose this {show(f.name)} field.",
            )
        for n, v in lv[len(w) :]:
            out.add(
                "header-added",
                "(not received)",
                show(n + b": " + v),
                f"{e} exposes a {show(n)} field that is not in the bytes it received.",
            )
    if structural:
        return
    if renamed:
        ours_names = ", ".join(show(a) for a, _ in renamed)
        theirs_names = ", ".join(show(b) for _, b in renamed)
        how = "lowercases" if all(b == b.lower() for _, b in renamed) else "changes the case of"
        out.add("header-case", ours_names, theirs_names, f"{e} {how} header names.")
    common = [k for k in wire if k in exposed]
    if common != [k for k in exposed if k in wire]:
        out.add(
            "header-order",
            ", ".join(show(wire[k][0].name) for k in common),
            ", ".join(show(exposed[k][0][0]) for k in exposed if k in wire),
            f"{e} exposes the fields in another order than they arrived.",
        )


def _summary(resp: ParsedResponse | None) -> str:
    if resp is None:
        return "nothing"
    if resp.status is None:
        if resp.interim:
            return "no final response after " + ", ".join(str(i.status) for i in resp.interim)
        return "no status line"
    framing = resp.framing.value if resp.framing is not None else "unknown framing"
    return f"{resp.status}, {framing}, {'complete' if resp.complete else 'incomplete'}"


def _received(base: Exchange, other: Exchange, out: _Out) -> None:
    """Our parser on the engine's bytes, where it differs from our own response."""
    ours, theirs = _summary(base.response), _summary(other.response)
    if ours == theirs:
        return
    lib = other.library or {}
    size = len(other.transcript.received)
    resp = other.response
    if lib.get("exception") is None and (resp is None or not resp.complete):
        note = f"{out.engine} stopped reading before the response ended ({size} bytes read)."
    else:
        note = f"Our parser reads the {size} bytes {out.engine} received differently."
    out.add("received", ours, theirs, note)


def response_differences(
    engine: str, base: Exchange, other: Exchange, *, structural: bool = False
) -> tuple[Difference, ...]:
    """Every response-side difference between our exchange and another engine's.

    Args:
        engine: The other engine's name.
        base: Our exchange.
        other: The engine's exchange; ``library`` holds what a library reported.
        structural: Leave out the library's header-case and header-order changes.

    Returns:
        The outcome when it differs, then status, reason, version, keep-alive,
        interim responses, headers, the library's normalisation, body, and what
        our parser makes of the engine's bytes.
    """
    out = _Out(engine)
    ours_outcome, theirs_outcome = outcome(base), outcome(other)
    if ours_outcome != theirs_outcome:
        note = _outcome_note(engine, ours_outcome, theirs_outcome)
        out.add("outcome", ours_outcome, theirs_outcome, note)
    lib = other.library
    ours = parser_reading(base)
    wire = parser_reading(other)
    theirs = wire if lib is None else library_reading(lib)
    if theirs is None or theirs.status is None:
        return tuple(out.items)  # nothing was read; the outcome says why
    _head_fields(ours, theirs, out)
    _interim(ours, theirs, out)
    if wire is not None and wire.status is not None:
        _header_content(ours, wire, out)
    decoded = lib is not None and lib.get("body_decoded") is True
    if lib is not None:
        head = _wire_head(other.response, theirs.status)
        _normalisation(head, theirs.headers, out, structural)
    ours_body = None if ours is None else ours.body
    theirs_body = wire.body if decoded and wire is not None else theirs.body
    if ours_body != theirs_body:
        if theirs_body is None:
            note = f"{engine} gave no body: it failed while reading it."
        elif wire is not None and wire.body == theirs_body and wire.status == theirs.status:
            note = f"The server sent {engine} a different body."
        else:
            note = f"{engine} read a different body from ours."
        out.add("body", show_body(ours_body), show_body(theirs_body), note)
    if decoded and wire is not None and wire.body != theirs.body:
        out.add(
            "body-decoded",
            show_body(wire.body),
            show_body(theirs.body),
            f"{engine} undid the Content-Encoding; the bytes it received are still encoded.",
        )
    if lib is not None:
        _received(base, other, out)
    return tuple(out.items)
