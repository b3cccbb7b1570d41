"""Shell words as bytes: quoting for exported commands, splitting for imported ones.

Quoting writes plain single quotes when the bytes are printable text, and
bash/zsh ANSI-C quoting (``$'...'``) when they hold control characters or
bytes that are not UTF-8, so every byte but NUL survives. Splitting reads
what browsers' "copy as cURL (bash)" and our own exports produce: single and
double quotes, ``$'...'``, backslash escapes, line continuations and ``|``.
"""

from __future__ import annotations

import shlex

from inspector.model import InputError

_ANSI_C_OUT = {0x5C: "\\\\", 0x27: "\\'", 0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t"}
_ANSI_C_IN = {
    "n": b"\n",
    "r": b"\r",
    "t": b"\t",
    "a": b"\a",
    "b": b"\b",
    "e": b"\x1b",
    "E": b"\x1b",
    "f": b"\f",
    "v": b"\v",
    "\\": b"\\",
    "'": b"'",
    '"': b'"',
    "?": b"?",
}
_HEX = "0123456789abcdefABCDEF"
_OCTAL = "01234567"


def _plain_text(data: bytes) -> str | None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in text):
        return None
    return text


def needs_ansi_c(data: bytes) -> bool:
    """Whether :func:`quote` must use ``$'...'`` (bash, zsh) for these bytes."""
    return _plain_text(data) is None


def quote(data: bytes) -> str:
    """One shell word that stands for exactly these bytes (NUL aside: no argument holds one).

    Args:
        data: The bytes.

    Returns:
        ``shlex.quote`` of the text when it is printable UTF-8, else a ``$'...'``
        word with ``\\xHH`` escapes.
    """
    text = _plain_text(data)
    if text is not None:
        quoted = shlex.quote(text)
        # Quote even safe words (as browsers do) so that a header reads as one argument.
        return quoted if quoted[:1] == "'" or not text else f"'{text}'"
    out = []
    for b in data:
        if b in _ANSI_C_OUT:
            out.append(_ANSI_C_OUT[b])
        elif 0x20 <= b < 0x7F:
            out.append(chr(b))
        else:
            out.append(f"\\x{b:02x}")
    return "$'" + "".join(out) + "'"


def printf_word(data: bytes) -> str:
    """A single-quoted ``printf`` format that prints exactly these bytes, NUL included."""
    out = []
    for b in data:
        if b == 0x25:
            out.append("%%")
        elif b == 0x5C:
            out.append("\\\\")
        elif b == 0x27:
            out.append("'\\''")
        elif 0x20 <= b < 0x7F:
            out.append(chr(b))
        else:
            out.append(f"\\{b:03o}")
    return "'" + "".join(out) + "'"


def printf_output(fmt: bytes) -> bytes:
    """What ``printf FORMAT`` prints for a format without conversions (``%%`` and escapes only).

    Raises:
        InputError: the format holds a conversion such as ``%s``.
    """
    out = bytearray()
    i = 0
    while i < len(fmt):
        c = fmt[i : i + 1]
        if c == b"%":
            if fmt[i + 1 : i + 2] != b"%":
                raise InputError("printf formats with conversions are not supported")
            out += b"%"
            i += 2
        elif c == b"\\" and i + 1 < len(fmt):
            nxt = chr(fmt[i + 1])
            if nxt in _OCTAL:
                j = i + 1
                while j < len(fmt) and j < i + 4 and chr(fmt[j]) in _OCTAL:
                    j += 1
                out.append(int(fmt[i + 1 : j], 8) & 0xFF)
                i = j
            else:
                out += _ANSI_C_IN.get(nxt, b"\\" + nxt.encode("latin-1"))
                i += 2
        else:
            out += c
            i += 1
    return bytes(out)


def _ansi_c(text: str, i: int, word: bytearray) -> int:
    """Read a ``$'...'`` body starting at ``text[i]``; return the index after the quote."""
    while i < len(text):
        c = text[i]
        if c == "'":
            return i + 1
        if c != "\\" or i + 1 >= len(text):
            word += c.encode("utf-8", "surrogateescape")
            i += 1
            continue
        nxt = text[i + 1]
        if nxt == "x":
            j = i + 2
            while j < len(text) and j < i + 4 and text[j] in _HEX:
                j += 1
            word.append(int(text[i + 2 : j] or "0", 16))
            i = j
        elif nxt in _OCTAL:
            j = i + 1
            while j < len(text) and j < i + 4 and text[j] in _OCTAL:
                j += 1
            word.append(int(text[i + 1 : j], 8) & 0xFF)
            i = j
        else:
            word += _ANSI_C_IN.get(nxt, ("\\" + nxt).encode("utf-8", "surrogateescape"))
            i += 2
    raise InputError("unclosed $'...' quote in the command")


def split(text: str) -> list[bytes]:
    """Split a command line into words, as bash would (no expansions).

    A backslash-newline joins lines; ``|`` outside quotes is a word of its own.
    Non-ASCII text is UTF-8 (lone surrogates from ``surrogateescape`` become
    their original bytes).

    Raises:
        InputError: an unclosed quote.
    """
    words: list[bytes] = []
    word = bytearray()
    in_word = False
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n:
            if text[i + 1] != "\n":
                word += text[i + 1].encode("utf-8", "surrogateescape")
                in_word = True
            i += 2
        elif c == "'":
            end = text.find("'", i + 1)
            if end < 0:
                raise InputError("unclosed ' quote in the command")
            word += text[i + 1 : end].encode("utf-8", "surrogateescape")
            in_word = True
            i = end + 1
        elif c == "$" and text[i + 1 : i + 2] == "'":
            i = _ansi_c(text, i + 2, word)
            in_word = True
        elif c == '"':
            i += 1
            while i < n and text[i] != '"':
                if text[i] == "\\" and i + 1 < n and text[i + 1] in '"\\$`\n':
                    if text[i + 1] != "\n":
                        word += text[i + 1].encode()
                    i += 2
                    continue
                word += text[i].encode("utf-8", "surrogateescape")
                i += 1
            if i >= n:
                raise InputError('unclosed " quote in the command')
            in_word = True
            i += 1
        elif c in " \t\r\n|":
            if in_word:
                words.append(bytes(word))
                word.clear()
                in_word = False
            if c == "|":
                words.append(b"|")
            i += 1
        else:
            word += c.encode("utf-8", "surrogateescape")
            in_word = True
            i += 1
    if in_word:
        words.append(bytes(word))
    return words
