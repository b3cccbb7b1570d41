"""Make untrusted bytes safe to show: no byte from the network reaches a terminal raw.

Printable ASCII stays as it is. CR, LF and TAB become ``\\r``, ``\\n`` and ``\\t``;
other control bytes and DEL become ``\\xNN``. Valid UTF-8 is decoded, but
characters that can hide or reorder text (C1 controls, bidi overrides,
zero-width and format characters, line separators) are shown as ``\\u{NNNN}``,
and bytes that are not valid UTF-8 as ``\\xNN``. The result never contains an
escape sequence a terminal would act on.
"""

from __future__ import annotations

import unicodedata

_PRINTABLE_ASCII = bytes(range(0x20, 0x7F))
_NAMED = {0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r"}
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def _escape_char(ch: str) -> str:
    code = ord(ch)
    if code < 0x80:
        return _NAMED.get(code) or f"\\x{code:02x}"
    if unicodedata.category(ch) in _UNSAFE_CATEGORIES:
        return f"\\u{{{code:04x}}}"
    return ch


def escape_bytes(data: bytes, *, escape_backslash: bool = False, newlines: bool = False) -> str:
    """Render bytes as text that is safe for a terminal and never read as markup by us.

    Args:
        data: Untrusted bytes.
        escape_backslash: Double backslashes so that the rendering is
            unambiguous (a literal ``\\x00`` in the data cannot be confused
            with an escaped NUL).
        newlines: After each ``\\n`` escape, also start a new line.

    Returns:
        Text with every unsafe byte or character escaped.
    """
    if not data.translate(None, _PRINTABLE_ASCII):
        text = data.decode("ascii")
        return text.replace("\\", "\\\\") if escape_backslash else text
    out: list[str] = []
    text = data.decode("utf-8", "surrogateescape")
    for ch in text:
        code = ord(ch)
        if 0x20 <= code < 0x7F:
            out.append("\\\\" if escape_backslash and ch == "\\" else ch)
        elif 0xDC80 <= code <= 0xDCFF:  # an undecodable byte, carried by surrogateescape
            out.append(f"\\x{code - 0xDC00:02x}")
        else:
            out.append(_escape_char(ch))
            if newlines and code == 0x0A:
                out.append("\n")
    return "".join(out)


def safe_text(text: str) -> str:
    """Escape unsafe characters in text that came from the network already decoded."""
    return escape_bytes(text.encode("utf-8", "surrogatepass"))
