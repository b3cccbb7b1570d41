"""An exact, editable text form of request bytes (the Raw tab).

Bytes are shown with every CR and LF escaped (``\\r``, ``\\n``), followed by a
real line break after each ``\\n`` for layout; backslashes are doubled and
other unsafe bytes are ``\\xNN``. Reading the text back:

- a real line break right after an escaped ``\\n`` is layout only;
- any other real line break is a CRLF (the user pressed Enter to add a line);
- escapes are decoded; every other character is UTF-8.

So ``editable_to_bytes(bytes_to_editable(b)) == b`` for every ``b``, and a user
can still type a request naturally, line by line.
"""

from __future__ import annotations

import re

from inspector.render.escape import escape_bytes

_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|u\{[0-9a-fA-F]+\}|[rnt\\])")


def bytes_to_editable(data: bytes) -> str:
    """The editable text for exact bytes."""
    return escape_bytes(data, escape_backslash=True, newlines=True)


def _decode_piece(piece: str) -> bytes:
    out = bytearray()
    pos = 0
    for m in _ESCAPE.finditer(piece):
        out += piece[pos : m.start()].encode("utf-8", "surrogateescape")
        code = m.group(1)
        if code[0] == "x":
            out.append(int(code[1:], 16))
        elif code[0] == "u":
            out += chr(int(code[2:-1], 16)).encode("utf-8", "surrogatepass")
        else:
            out += {"r": b"\r", "n": b"\n", "t": b"\t", "\\": b"\\"}[code]
        pos = m.end()
    out += piece[pos:].encode("utf-8", "surrogateescape")
    return bytes(out)


def editable_to_bytes(text: str) -> bytes:
    """The exact bytes an editable text stands for."""
    out = bytearray()
    lines = text.split("\n")
    for i, line in enumerate(lines):
        decoded = _decode_piece(line)
        out += decoded
        if i < len(lines) - 1 and not _ends_with_escaped_lf(line):
            out += b"\r\n"
    return bytes(out)


def _ends_with_escaped_lf(line: str) -> bool:
    """True when the line ends with ``\\n`` whose backslash is not itself escaped."""
    if not line.endswith("\\n"):
        return False
    backslashes = len(line) - 1 - len(line[:-1].rstrip("\\"))
    return backslashes % 2 == 1
