"""Variables and line-level syntax of ``.http`` files (see :mod:`inspector.formats.httpfile`).

``{{name}}`` is replaced by a variable's value; whitespace inside the braces is
ignored. A value may itself refer to other variables; a loop is an error.
Dynamic variables, as in the JetBrains and VS Code REST clients:

- ``{{$uuid}}``, ``{{$guid}}``, ``{{$random.uuid}}``: a random UUID 4.
- ``{{$timestamp}}``: Unix time in whole seconds.
- ``{{$isoTimestamp}}``: UTC time, ISO 8601 with milliseconds and ``Z``.
- ``{{$randomInt}}``: 0 to 1000 (JetBrains); ``{{$randomInt MIN MAX}}``: MIN to
  MAX - 1 (VS Code).
- ``{{$processEnv NAME}}`` (VS Code) and ``{{$env.NAME}}`` (JetBrains): an OS
  environment variable.

Template text holds bytes as UTF-8 decoded with ``surrogateescape``
(:func:`text_of`), so any byte survives; :func:`bytes_of` is its inverse.
"""

from __future__ import annotations

import base64
import binascii
import functools
import os
import random
import re
import unicodedata
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from inspector.model import InputError

__all__ = [
    "Resolver",
    "bytes_of",
    "escape",
    "raise_missing",
    "references",
    "substitute",
    "text_of",
]

_REF = re.compile(r"\{\{\s*([^{}\r\n]*?)\s*\}\}")
_ESCAPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_UNUSUAL = re.compile(r"[^\x20-\x7e]")  # only these can need escaping
_SHORT_ESCAPES = {"\r": "\\r", "\n": "\\n", "\t": "\\t"}


def text_of(data: bytes) -> str:
    """Template text for bytes: UTF-8, each undecodable byte kept as a surrogate escape."""
    return data.decode("utf-8", "surrogateescape")


def bytes_of(text: str) -> bytes:
    """The bytes template text stands for (the inverse of :func:`text_of`).

    A lone surrogate that is not a byte escape (pasted, say) is written as
    ``surrogatepass`` would, instead of raising.
    """
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return b"".join(_char_bytes(ch) for ch in text)


def _char_bytes(ch: str) -> bytes:
    try:
        return ch.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return ch.encode("utf-8", "surrogatepass")


def escape(text: str, *, keep_tabs: bool = False) -> str:
    """A one-line, terminal-safe approximation of template text.

    Byte escapes become ``\\xNN``; CR, LF and tab become ``\\r``, ``\\n``,
    ``\\t``; other control, format, surrogate and line-separator characters
    become ``\\xNN``/``\\uNNNN``. Backslashes are not doubled: this is for people
    and other tools, not a reversible encoding.

    Args:
        text: Template text.
        keep_tabs: Leave tabs as they are (for body lines).

    Returns:
        The escaped text.
    """
    return _UNUSUAL.sub(lambda m: _escape_char(m[0], keep_tabs), text)


@functools.lru_cache(maxsize=1024)
def _escape_char(ch: str, keep_tabs: bool) -> str:
    code = ord(ch)
    if ch == "\t" and keep_tabs:
        return ch
    if ch in _SHORT_ESCAPES:
        return _SHORT_ESCAPES[ch]
    if 0xDC80 <= code <= 0xDCFF:
        return f"\\x{code - 0xDC00:02x}"
    if unicodedata.category(ch) in _ESCAPED_CATEGORIES:
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
    return ch


def references(text: str) -> list[str]:
    """The variable references in text, as written inside the braces (stripped), in order."""
    return [m.group(1) for m in _REF.finditer(text)]


class Resolver:
    """Resolves ``{{...}}`` references, collecting the names it cannot resolve.

    Args:
        variables: Variable values; values may refer to other variables.
        environ: The OS environment for ``$processEnv``/``$env.``; ``os.environ``
            when omitted.
    """

    def __init__(
        self, variables: Mapping[str, str], environ: Mapping[str, str] | None = None
    ) -> None:
        self._variables = variables
        self._environ = os.environ if environ is None else environ
        self.missing: list[str] = []
        """References that could not be resolved, each once, in the order met."""

    def text(self, text: str) -> str:
        """Text with every resolvable reference replaced; unresolved ones are left as typed.

        Raises:
            InputError: variables refer to each other in a loop.
        """
        return self._text(text, ())

    def _text(self, text: str, stack: tuple[str, ...]) -> str:
        return _REF.sub(lambda m: self._value(m.group(1), m.group(0), stack), text)

    def _value(self, ref: str, typed: str, stack: tuple[str, ...]) -> str:
        if ref.startswith("$"):
            value = self._dynamic(ref)
            if value is None:
                self._miss(ref)
                return typed
            return value
        if ref in stack:
            loop = " -> ".join((*stack[stack.index(ref) :], ref))
            raise InputError(f"variables refer to each other in a loop: {loop}")
        value = self._variables.get(ref)
        if value is None:
            self._miss(ref)
            return typed
        return self._text(value, (*stack, ref))

    def _miss(self, ref: str) -> None:
        if ref not in self.missing:
            self.missing.append(ref)

    def _dynamic(self, ref: str) -> str | None:
        name, *args = ref.split()
        if name in ("$uuid", "$guid", "$random.uuid") and not args:
            return str(uuid.uuid4())
        if name == "$timestamp" and not args:
            return str(int(datetime.now(UTC).timestamp()))
        if name == "$isoTimestamp" and not args:
            return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        if name == "$randomInt":
            return _random_int(args)
        if name == "$processEnv" and len(args) == 1:
            return self._environ.get(args[0])
        if name.startswith("$env.") and not args:
            return self._environ.get(name.removeprefix("$env."))
        return None


def _random_int(args: list[str]) -> str | None:
    if not args:
        return str(random.randint(0, 1000))
    try:
        low, high = (int(a) for a in args)
    except ValueError:
        return None
    return str(random.randrange(low, high)) if low < high else None


def substitute(
    text: str, variables: Mapping[str, str], *, environ: Mapping[str, str] | None = None
) -> str:
    """Replace every ``{{...}}`` reference in text.

    Args:
        text: Template text.
        variables: Variable values (file variables and the selected environment,
            merged by the caller).
        environ: The OS environment; ``os.environ`` when omitted.

    Returns:
        The text with all references replaced.

    Raises:
        InputError: a reference cannot be resolved (all such are named), or
            variables refer to each other in a loop.
    """
    resolver = Resolver(variables, environ)
    result = resolver.text(text)
    raise_missing(resolver.missing)
    return result


def raise_missing(missing: Iterable[str], what: str = "") -> None:
    """Raise the one-line error for unresolved references, if there are any.

    Args:
        missing: The unresolved references.
        what: What they were in (``request 'login'``), for the message.

    Raises:
        InputError: ``missing`` is not empty.
    """
    names = list(missing)
    if names:
        where = f"{what}: " if what else ""
        listed = ", ".join("{{" + n + "}}" for n in names)
        raise InputError(f"{where}undefined variable{'s' if len(names) > 1 else ''}: {listed}")


# ------------------------------------------------------------ line syntax

LINE_END = re.compile(r"\r\n|\r|\n")  # in a .http file: CRLF, CR or LF (JetBrains spec)
LINE_END_BYTES = re.compile(rb"\r?\n")  # in raw HTTP bytes, leniently
# ``# @key value`` (``# @name = x`` too), fullmatched on a stripped line.
DIRECTIVE = re.compile(r"(?:#|//)\s*@([A-Za-z0-9_.-]+)(?:\s*=\s*|\s+|$)(.*?)\s*")
VARIABLE = re.compile(r"@([A-Za-z_$][A-Za-z0-9_.$-]*)\s*=\s*(.*?)")  # fullmatched, stripped
HANDLER = re.compile(r">\s|>>|<>")  # response handler, redirect or reference, at column 0
SCRIPT_START = re.compile(r">\s*\{%")
FILE_REF = re.compile(r"<(@)?\s+(\S.*?)\s*")  # ``< path`` or ``<@ path``, fullmatched
METHOD = re.compile(r"[A-Za-z0-9][!#$%&'*+^_`|~0-9A-Za-z-]*")  # shown as is on a request line
VERSION = re.compile(r"HTTP/[0-9]+(?:\.[0-9]+)?")
IDENTIFIER = re.compile(r"[A-Za-z0-9_.-]+")  # written as ``# @name`` too, for VS Code
_METHOD_THEN_URL = re.compile(r"([!#$%&'*+^_`|~0-9A-Za-z-]+)\s+(\S.*)")
_PLAIN_TARGET = re.compile(r"[!-<>-~][!-~]*")  # no leading "=": it would read as "@key = v"
_NEUTRALIZE = ("#", "/", "<", ">", "?", "&")

EXACT_KEYS = {
    "inspector-name-b64": "name",
    "inspector-method-b64": "method",
    "inspector-url-b64": "url",
    "inspector-version-b64": "http_version",
    "inspector-body-b64": "body",
    "inspector-target": "request_target",
    "inspector-target-b64": "request_target",
    "inspector-header-b64": "headers",
    "inspector-raw-sha256": "raw_sha256",
    "inspector-raw": "raw",
}
"""Inspector directives (exact copies), and the saved-request field each sets."""
_TEXT_KEYS = frozenset({"inspector-name-b64", "inspector-url-b64"})


def is_comment(stripped: str) -> bool:
    """Whether a stripped line is a comment."""
    return stripped.startswith(("#", "//"))


def is_url_continuation(line: str) -> bool:
    """Whether a line right after the request line continues the URL (JetBrains)."""
    stripped = line.strip()
    if not stripped or is_comment(stripped):
        return False
    return line[0] in " \t\f" or line.startswith(("?", "&"))


def split_request_line(line: str) -> tuple[str, str, str]:
    """``(method, url, version)`` of a stripped request line, with the defaults filled in."""
    version = "HTTP/1.1"
    parts = line.rsplit(None, 1)
    if len(parts) == 2 and VERSION.fullmatch(parts[1]):
        line, version = parts
    match = _METHOD_THEN_URL.fullmatch(line)
    if match is None:
        return "GET", line, version
    return match[1], match[2], version


def request_line(method: str, url: str, version: str) -> str:
    """The readable request line (an approximation when a field cannot be shown)."""
    if not METHOD.fullmatch(method):
        method = "".join(c for c in method if c.isascii() and c.isalnum()) or "GET"
    shown = escape(url).strip()
    parts = [method, shown] if shown else [method]
    last = shown.rsplit(None, 1)[-1] if shown else ""
    if VERSION.fullmatch(version) and (version != "HTTP/1.1" or VERSION.fullmatch(last)):
        parts.append(version)
    return " ".join(parts)


def split_header_line(line: str) -> tuple[str, str] | None:
    """``(name, value)`` of a header line, stripped; None without a colon."""
    name, colon, value = line.strip().partition(":")
    return (name.strip(), value.strip()) if colon else None


def _neutralize(text: str) -> str:
    return f"\\x{ord(text[0]):02x}{text[1:]}"


def approx_header(name: str, value: str) -> str:
    """The readable line for a header; never blank, a comment or a continuation."""
    shown = escape(name).strip()
    if shown.startswith(_NEUTRALIZE):
        shown = _neutralize(shown)
    value = escape(value).strip()
    return f"{shown}: {value}" if value else f"{shown}:"


def body_lines(body: str) -> list[str]:
    """Readable body lines; none reads as a separator, handler or file reference."""
    out = []
    for line in LINE_END.split(body):
        shown = escape(line, keep_tabs=True)
        if shown.startswith("###") or HANDLER.match(shown) or FILE_REF.fullmatch(shown):
            shown = _neutralize(shown)
        out.append(shown)
    return out


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def encode_directive(key: str, value: str | bytes | tuple[str, str]) -> str:
    """The ``# @inspector-...`` line giving a field's exact value."""
    if isinstance(value, bytes):
        payload = _b64(value)
    elif isinstance(value, tuple):
        payload = f"{_b64(bytes_of(value[0]))}:{_b64(bytes_of(value[1]))}"
    elif key in _TEXT_KEYS:
        payload = _b64(value.encode("utf-8", "surrogatepass"))
    elif key == "inspector-target-b64" and _PLAIN_TARGET.fullmatch(value):
        key, payload = "inspector-target", value
    elif key.endswith("-b64"):
        payload = _b64(bytes_of(value))
    else:
        payload = value
    return f"# @{key} {payload}".rstrip()


def _unb64(key: str, value: str, where: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except binascii.Error:
        raise InputError(f"{where}: @{key}: not valid base64") from None


def decode_header(value: str, where: str) -> tuple[str, str]:
    """The header in an ``@inspector-header-b64 NAME:VALUE`` directive.

    Raises:
        InputError: it is not two base64 parts separated by ``:``.
    """
    name, colon, val = value.partition(":")
    if not colon:
        raise InputError(f"{where}: @inspector-header-b64: expected NAME:VALUE in base64")
    key = "inspector-header-b64"
    return text_of(_unb64(key, name, where)), text_of(_unb64(key, val, where))


def decode_directive(key: str, value: str, where: str) -> str | bytes:
    """The exact value in an inspector directive other than a header.

    Raises:
        InputError: bad base64, or a name or URL that is not UTF-8.
    """
    if key == "inspector-raw":
        return _unb64(key, value, where)
    if key in _TEXT_KEYS:
        try:
            return _unb64(key, value, where).decode("utf-8", "surrogatepass")
        except UnicodeDecodeError:
            raise InputError(f"{where}: @{key}: not UTF-8 text") from None
    if key.endswith("-b64"):
        return text_of(_unb64(key, value, where))
    return value
