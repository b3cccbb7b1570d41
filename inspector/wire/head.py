"""Reading one response head: status line, field lines and the framing rules.

Pure functions over complete lines; the incremental parser hands them a
whole head once its blank line has arrived. Anomalies are appended to the
list the caller passes, so one list collects a whole message's findings.
"""

from __future__ import annotations

import re
from itertools import repeat
from operator import itemgetter

from inspector.model import Anomaly, Framing, HeaderField, Severity
from inspector.wire.limits import Limits

# RFC 9110 §5.6.2: tchar.
TCHAR = b"!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
# Bytes allowed inside a line of a clean head: VCHAR, SP, HTAB, obs-text.
_LINE_OK = bytes([9, *range(0x20, 0x7F), *range(0x80, 0x100)])
# Bytes allowed in a field value (RFC 9110 §5.5): VCHAR, SP, HTAB, obs-text.
_VALUE_OK = bytes([9, *range(0x20, 0x7F), *range(0x80, 0x100)])
_HEXDIG = b"0123456789abcdefABCDEF"

_STATUS = re.compile(rb"(HTTP/[^ \t]*)([ \t]+)([^ \t]*)(?:([ \t]+)(.*))?\Z", re.S)
_VERSION = re.compile(rb"HTTP/([0-9]+)\.([0-9]+)\Z")
_CHUNK_EXT = re.compile(
    rb"(?:[ \t]*;[ \t]*[-!#$%&\'*+.^_`|~0-9A-Za-z]+"
    rb'(?:[ \t]*=[ \t]*(?:[-!#$%&\'*+.^_`|~0-9A-Za-z]+|"(?:[^"\\\r\n]|\\[^\r\n])*"))?)*'
    rb"[ \t]*\Z"
)
_MAX_CONTENT_LENGTH = 2**63 - 1
_KNOWN_TRANSFER_CODINGS = {b"chunked", b"gzip", b"x-gzip", b"deflate", b"compress", b"x-compress"}


class Head:
    """One response head as read; mutable while the parser builds it."""

    __slots__ = (
        "version",
        "status",
        "reason",
        "fields",
        "start",
        "end",
        "status_line_span",
        "fatal",
    )

    def __init__(self, start: int, end: int) -> None:
        self.version = b""
        self.status: int | None = None
        self.reason = b""
        self.fields: list[HeaderField] = []
        self.start = start
        self.end = end
        self.status_line_span = (start, start)
        self.fatal = False


def _flag(
    out: list[Anomaly],
    code: str,
    start: int,
    end: int,
    message: str,
    rfc: str,
    severity: Severity = Severity.WARNING,
) -> None:
    out.append(Anomaly(code, severity, start, end, message, rfc))


def parse_head(block: bytes, start: int, end: int, limits: Limits, out: list[Anomaly]) -> Head:
    """Read a head.

    Args:
        block: The head from the status line through the line ending of the
            last field line; the blank line is not included.
        start: Absolute offset of ``block[0]``.
        end: Absolute offset one past the blank line.
        limits: The field-count limit applies here.
        out: Anomalies are appended here.

    Returns:
        The head; ``status`` is None and ``fatal`` True when the status line
        could not be read.
    """
    lines = clean_lines(block)
    if lines is not None:
        return parse_clean_head(lines, start, end, limits, out)
    head = Head(start, end)
    lines = block.split(b"\n")
    lines.pop()
    first, eol = _line_ending(lines[0], start, out, "the status line")
    _status_line(head, first, start, out)
    if head.fatal:
        return head
    off = start + len(first) + eol
    fields = head.fields
    for line in lines[1:]:
        content, eol = _line_ending(line, off, out, "a header line")
        field_line(content, off, eol, fields, out)
        off += len(content) + eol
    _check_field_count(head, limits, out)
    return head


def clean_lines(block: bytes) -> list[bytes] | None:
    """The lines of a clean head block, line endings removed; None if it is not clean.

    Clean: every line ends with CRLF, and there is no other CR or LF and no
    control byte (HTAB aside). One pass in C.
    """
    lines = block.split(b"\r\n")
    if lines[-1] or b"".join(lines).translate(None, _LINE_OK):
        return None
    lines.pop()
    return lines


def parse_clean_head(
    lines: list[bytes], start: int, end: int, limits: Limits, out: list[Anomaly]
) -> Head:
    """Read a head from the lines :func:`clean_lines` gave; the rest as :func:`parse_head`."""
    head = Head(start, end)
    first = lines[0]
    if (
        first[:9] in _COMMON_VERSIONS
        and first[12:13] == b" "
        and first[9:12].isdigit()
        and 100 <= (status := int(first[9:12])) <= 599
    ):
        # The common status line in a clean head: no control byte can be in
        # its reason phrase, and its status is in range: nothing to flag.
        head.status_line_span = (start, start + len(first))
        head.version = first[:8]
        head.status = status
        head.reason = first[13:]
    else:
        _status_line(head, first, start, out)
        if head.fatal:
            return head
    off = start + len(first) + 2
    fast = _simple_fields(lines, off)
    if fast is not None:
        head.fields = fast
    else:
        fields = head.fields
        for line in lines[1:]:
            field_line(line, off, 2, fields, out)
            off += len(line) + 2
    if len(head.fields) > limits.max_fields:
        _check_field_count(head, limits, out)
    return head


def _check_field_count(head: Head, limits: Limits, out: list[Anomaly]) -> None:
    count = len(head.fields)
    if count > limits.max_fields:
        _flag(
            out,
            "too-many-headers",
            head.start,
            head.end,
            f"the head has {count} header fields, more than the limit of {limits.max_fields}",
            "RFC 9110 §5.4",
            Severity.ERROR,
        )
        head.fatal = True


_COMMON_VERSIONS = (b"HTTP/1.1 ", b"HTTP/1.0 ")
_first = itemgetter(0)
_new_tuple = tuple.__new__


def _simple_fields(lines: list[bytes], off: int) -> list[HeaderField] | None:
    """Build the fields of a clean head: the hot path, one short loop.

    The head has CRLF endings and no control bytes; every line must be
    ``token:value``. Returns None when any line is not, so the careful
    per-line path can flag it.
    """
    field_lines = lines[1:]
    parts = list(map(bytes.partition, field_lines, repeat(b":")))
    names = list(map(_first, parts))
    # Every name is a non-empty token (one translate for all of them).
    if b"" in names or b"".join(names).translate(None, TCHAR):
        return None
    fields: list[HeaderField] = []
    append = fields.append
    new = _new_tuple
    for (name, colon, value), line in zip(parts, field_lines, strict=False):
        if not colon:
            return None
        end = off + len(line)
        # strip() also strips CR, LF, VT and FF, none of which is in a clean head:
        # the same as strip(b" \t") (RFC 9112 §5: OWS), and cheaper.
        append(new(HeaderField, (name, value.strip(), line, off, end)))
        off = end + 2
    return fields


def _line_ending(line: bytes, off: int, out: list[Anomaly], what: str) -> tuple[bytes, int]:
    """Strip one line's CR; flag a bare LF ending and bare CRs inside."""
    if line.endswith(b"\r"):
        content, eol = line[:-1], 2
    else:
        content, eol = line, 1
        _flag(
            out,
            "bare-lf",
            off + len(line),
            off + len(line) + 1,
            f"{what} ended with a bare LF instead of CRLF",
            "RFC 9112 §2.2",
        )
    cr = content.find(b"\r")
    if cr >= 0:
        _flag(out, "bare-cr", off + cr, off + cr + 1, f"{what} holds a bare CR", "RFC 9112 §2.2")
    return content, eol


def _status_line(head: Head, line: bytes, start: int, out: list[Anomaly]) -> None:
    head.status_line_span = (start, start + len(line))
    end = start + len(line)
    if (
        line[:9] in _COMMON_VERSIONS
        and len(line) >= 12
        and line[9:12].isdigit()
        and (len(line) == 12 or line[12] == 32)
    ):
        head.version = line[:8]
        head.status = int(line[9:12])
        head.reason = line[13:]
        if len(line) == 12:
            _flag(
                out,
                "missing-reason-sp",
                end,
                end,
                "the status line has no space before the (empty) reason phrase",
                "RFC 9112 §4",
                Severity.INFO,
            )
        _status_range(head, start, end, out)
        return
    m = _STATUS.match(line)
    if not line.startswith(b"HTTP/") or m is None:
        _flag(
            out,
            "invalid-status-line",
            start,
            end,
            "the response does not start with an HTTP/1.x status line",
            "RFC 9112 §4",
            Severity.ERROR,
        )
        head.fatal = True
        return
    version, sep, code, sep2, reason = m.groups()
    vm = _VERSION.match(version)
    if vm is None:
        _flag(
            out,
            "invalid-version",
            start,
            start + len(version),
            f"{version.decode('latin-1')!r} is not an HTTP version",
            "RFC 9112 §2.3",
            Severity.ERROR,
        )
        head.fatal = True
        return
    if (vm.group(1), vm.group(2)) not in ((b"1", b"1"), (b"1", b"0")):
        _flag(
            out,
            "unsupported-version",
            start,
            start + len(version),
            f"{version.decode('latin-1')} is not HTTP/1.0 or HTTP/1.1; read as HTTP/1.1",
            "RFC 9112 §2.3",
        )
    if sep != b" " or (sep2 is not None and sep2 != b" "):
        _flag(
            out,
            "status-line-whitespace",
            start,
            end,
            "the status line separates its parts with something other than one space",
            "RFC 9112 §4",
        )
    if len(code) != 3 or not code.isdigit():
        _flag(
            out,
            "invalid-status-line",
            start,
            end,
            f"{code.decode('latin-1')!r} is not a three-digit status code",
            "RFC 9112 §4",
            Severity.ERROR,
        )
        head.fatal = True
        return
    head.version = version
    head.status = int(code)
    head.reason = reason or b""
    if sep2 is None:
        _flag(
            out,
            "missing-reason-sp",
            end,
            end,
            "the status line has no space before the (empty) reason phrase",
            "RFC 9112 §4",
            Severity.INFO,
        )
    _status_range(head, start, end, out)


def _status_range(head: Head, start: int, end: int, out: list[Anomaly]) -> None:
    assert head.status is not None
    bad = head.reason.translate(None, _VALUE_OK)
    if bad and bad.strip(b"\r"):
        _flag(
            out,
            "ctl-in-reason",
            end - len(head.reason),
            end,
            "the reason phrase holds a control character",
            "RFC 9112 §4",
        )
    if not 100 <= head.status <= 599:
        _flag(
            out,
            "status-out-of-range",
            start,
            end,
            f"status {head.status} is outside 100-599",
            "RFC 9110 §15",
        )


def _odd_name(name: bytes, off: int, out: list[Anomaly]) -> bytes:
    """Flag a field name that is not a token; strip whitespace before the colon."""
    stripped = name.rstrip(b" \t")
    if stripped and not stripped.translate(None, TCHAR):
        _flag(
            out,
            "ws-before-colon",
            off + len(stripped),
            off + len(name),
            "whitespace between a field name and its colon",
            "RFC 9112 §5.1",
        )
        return stripped
    _flag(
        out,
        "invalid-header-name",
        off,
        off + len(name),
        f"the field name {name.decode('latin-1')!r} holds characters a token cannot",
        "RFC 9110 §5.1",
    )
    return name


def field_line(
    content: bytes, off: int, eol: int, fields: list[HeaderField], out: list[Anomaly]
) -> None:
    """Read one field line (line ending already stripped) into ``fields``."""
    colon = content.find(b":")
    if colon <= 0 or content[0] in b" \t":
        odd_field_line(content, off, eol, fields, out)
        return
    name = content[:colon]
    if name.translate(None, TCHAR):
        name = _odd_name(name, off, out)
    value = content[colon + 1 :].strip(b" \t")
    bad = value.translate(None, _VALUE_OK)
    if bad and bad.strip(b"\r"):
        vstart = off + colon + 1
        if b"\x00" in bad:
            _flag(
                out,
                "nul-in-value",
                vstart,
                off + len(content),
                "a field value holds a NUL byte",
                "RFC 9110 §5.5",
            )
        else:
            _flag(
                out,
                "ctl-in-value",
                vstart,
                off + len(content),
                "a field value holds a control character",
                "RFC 9110 §5.5",
            )
    fields.append(HeaderField(name, value, content, off, off + len(content)))


def odd_field_line(
    content: bytes, off: int, eol: int, fields: list[HeaderField], out: list[Anomaly]
) -> None:
    """A line that is not ``name: value``: obs-fold, or an invalid line."""
    end = off + len(content)
    if content[:1] in (b" ", b"\t"):
        # Only a line right after a field line continues it (its ending is 1 or 2 bytes).
        if fields and off - fields[-1].end <= 2:
            prev = fields[-1]
            # RFC 9112 §5.2: a user agent may replace obs-fold with SP; we keep
            # the bytes and let HeaderField.unfolded_value do the replacing.
            # The previous line's own ending sits between its end and this line.
            sep = b"\r\n" if off - prev.end == 2 else b"\n"
            raw = prev.raw + sep + content
            if content.strip(b" \t"):
                after = raw[raw.index(b":") + 1 :]
                value = after.lstrip(b" \t\r\n").rstrip(b" \t")
            else:
                value = prev.value
            fields[-1] = HeaderField(prev.name, value, raw, prev.start, end)
            _flag(
                out,
                "obs-fold",
                off,
                end,
                "a field value continues on a line that starts with whitespace (obs-fold)",
                "RFC 9112 §5.2",
            )
            return
        _flag(
            out,
            "ws-line-after-start-line",
            off,
            end,
            "a line starting with whitespace came before the first field; it was skipped"
            if not fields
            else "a line starting with whitespace does not follow a field line; it was skipped",
            "RFC 9112 §2.2",
        )
        return
    if content.startswith(b":"):
        message = "a field line has an empty name; it was skipped"
    else:
        message = "a field line has no colon; it was skipped"
    _flag(out, "invalid-header-line", off, end, message, "RFC 9112 §5")


def _lower_tokens(values: list[bytes]) -> list[bytes]:
    return [t.strip(b" \t").lower() for v in values for t in v.split(b",")]


_F_NONE = Framing.NONE
_F_CLOSE = Framing.CLOSE
_F_CONTENT_LENGTH = Framing.CONTENT_LENGTH
_OLD_VERSIONS = (b"HTTP/1.0", b"HTTP/0.9")
# len(b"connection"), len(b"content-length"), len(b"transfer-encoding")
_FRAMING_NAME_LENGTHS = frozenset({10, 14, 17})


def _joined_values(fields: list[HeaderField]) -> bytes:
    return fields[0][1] if len(fields) == 1 else b",".join([f[1] for f in fields])


def framing_for(
    head: Head, method: bytes, upgrade_requested: bool, out: list[Anomaly]
) -> tuple[Framing, int | None, bool]:
    """Decide how the body is delimited (RFC 9112 §6.3) and whether the connection persists.

    Returns:
        ``(framing, content_length, keep_alive)``. A fatal framing problem is
        appended to ``out`` as an error anomaly.
    """
    status = head.status
    assert status is not None
    te: list[HeaderField] | None = None
    cl: list[HeaderField] | None = None
    connection: list[HeaderField] | None = None
    for f in head.fields:
        name = f[0]
        if len(name) in _FRAMING_NAME_LENGTHS:
            name = name.lower()
            if name == b"content-length":
                if cl is None:
                    cl = [f]
                else:
                    cl.append(f)
            elif name == b"transfer-encoding":
                if te is None:
                    te = [f]
                else:
                    te.append(f)
            elif name == b"connection":
                if connection is None:
                    connection = [f]
                else:
                    connection.append(f)
    http10 = head.version in _OLD_VERSIONS
    if connection is None:
        keep_alive = not http10
    elif not http10 and b"close" not in _joined_values(connection).lower():
        # No "close" anywhere in the values, so no token is "close" (unfolding an
        # obs-fold only adds spaces): the common "keep-alive", without splitting.
        keep_alive = True
    else:
        tokens = _lower_tokens([f.unfolded_value for f in connection])
        if http10:
            keep_alive = b"keep-alive" in tokens and b"close" not in tokens
        else:
            keep_alive = b"close" not in tokens
    if status == 101:
        if not upgrade_requested:
            _flag(
                out,
                "unsolicited-101",
                *head.status_line_span,
                "101 Switching Protocols answered a request that asked for no upgrade",
                "RFC 9110 §15.2.2",
            )
        return _F_NONE, None, False
    if method == b"HEAD" or status == 204 or status == 304 or 100 <= status < 200:
        return _F_NONE, None, keep_alive
    if method == b"CONNECT" and 200 <= status < 300:
        return _F_NONE, None, False
    if te:
        return _transfer_encoding(head, te, cl or [], http10, keep_alive, out)
    if cl:
        if len(cl) == 1:
            only = cl[0].value
            if only.isdigit() and len(only) < 19:  # the common case: one plain number
                return _F_CONTENT_LENGTH, int(only), keep_alive
        return _content_length(cl, keep_alive, out)
    return _F_CLOSE, None, False


def _transfer_encoding(
    head: Head,
    te: list[HeaderField],
    cl: list[HeaderField],
    http10: bool,
    keep_alive: bool,
    out: list[Anomaly],
) -> tuple[Framing, int | None, bool]:
    span = (te[0].start, te[-1].end)
    codings = [c for c in _lower_tokens([f.unfolded_value for f in te]) if c]
    if not codings:
        _flag(
            out,
            "empty-transfer-encoding",
            *span,
            "Transfer-Encoding is present but empty; the body runs to the close",
            "RFC 9112 §6.1",
        )
    if cl:
        _flag(
            out,
            "cl-te-conflict",
            cl[0].start,
            cl[-1].end,
            "both Content-Length and Transfer-Encoding are present; Transfer-Encoding "
            "wins and the connection cannot be reused",
            "RFC 9112 §6.3",
        )
        keep_alive = False
    if http10:
        _flag(
            out,
            "te-in-http10",
            *span,
            "an HTTP/1.0 response used Transfer-Encoding",
            "RFC 9112 §6.1",
        )
        keep_alive = False
    if codings and codings[-1] == b"chunked":
        if len(codings) > 1:
            _flag(
                out,
                "transfer-coding-besides-chunked",
                *span,
                "the body has transfer codings besides chunked: "
                + ", ".join(c.decode("latin-1") for c in codings),
                "RFC 9112 §6.1",
            )
        return Framing.CHUNKED, None, keep_alive
    if b"chunked" in codings:
        _flag(
            out,
            "non-final-chunked",
            *span,
            "chunked is not the last transfer coding; the body runs to the close",
            "RFC 9112 §6.3",
        )
    elif codings:
        unknown = [c for c in codings if c not in _KNOWN_TRANSFER_CODINGS]
        what = "unknown" if unknown else "not chunked"
        _flag(
            out,
            "unknown-transfer-coding",
            *span,
            f"the transfer coding is {what} "
            f"({', '.join(c.decode('latin-1') for c in codings)}); the body runs to the close",
            "RFC 9112 §6.3",
        )
    return Framing.CLOSE, None, False


def _content_length(
    cl: list[HeaderField], keep_alive: bool, out: list[Anomaly]
) -> tuple[Framing, int | None, bool]:
    values = [v.strip(b" \t") for f in cl for v in f.value.split(b",")]
    span = (cl[0].start, cl[-1].end)
    for v in values:
        if not v.isdigit():
            _flag(
                out,
                "invalid-content-length",
                *span,
                f"Content-Length {v.decode('latin-1')!r} is not a number",
                "RFC 9110 §8.6",
                Severity.ERROR,
            )
            return Framing.CONTENT_LENGTH, None, False
    numbers = {int(v) for v in values}
    if len(numbers) > 1:
        _flag(
            out,
            "invalid-content-length",
            *span,
            "Content-Length has conflicting values: "
            + ", ".join(v.decode("latin-1") for v in values),
            "RFC 9110 §8.6",
            Severity.ERROR,
        )
        return Framing.CONTENT_LENGTH, None, False
    length = numbers.pop()
    if length > _MAX_CONTENT_LENGTH:
        _flag(
            out,
            "invalid-content-length",
            *span,
            f"Content-Length {length} is too large",
            "RFC 9110 §8.6",
            Severity.ERROR,
        )
        return Framing.CONTENT_LENGTH, None, False
    if len(values) > 1:
        _flag(
            out,
            "duplicate-content-length",
            *span,
            "Content-Length is repeated (with the same value)",
            "RFC 9110 §8.6",
        )
    return Framing.CONTENT_LENGTH, length, keep_alive


def parse_chunk_line(line: bytes, start: int, out: list[Anomaly]) -> int | None:
    """Read a chunk-size line (its line ending stripped); None when it is fatal."""
    end = start + len(line)
    semi = line.find(b";")
    size_part = line if semi < 0 else line[:semi]
    digits = size_part.rstrip(b" \t")
    if not digits or digits.translate(None, _HEXDIG):
        _flag(
            out,
            "invalid-chunk-size",
            start,
            end,
            f"{line.decode('latin-1')!r} is not a chunk size",
            "RFC 9112 §7.1",
            Severity.ERROR,
        )
        return None
    if len(digits.lstrip(b"0")) > 15:
        _flag(
            out,
            "invalid-chunk-size",
            start,
            end,
            f"the chunk size {digits.decode('latin-1')} is too large",
            "RFC 9112 §7.1",
            Severity.ERROR,
        )
        return None
    if len(digits) != len(size_part):
        _flag(
            out,
            "chunk-line-syntax",
            start + len(digits),
            start + len(size_part),
            "whitespace follows the chunk size",
            "RFC 9112 §7.1",
        )
    if semi >= 0 and not _CHUNK_EXT.match(line, semi):
        _flag(
            out,
            "chunk-line-syntax",
            start + semi,
            end,
            "the chunk extension is malformed",
            "RFC 9112 §7.1.1",
        )
    return int(digits, 16)


def parse_trailer_line(
    line: bytes, start: int, trailers: list[HeaderField], out: list[Anomaly]
) -> None:
    """Read one trailer line (with its CR, if any) into ``trailers``."""
    content, eol = _line_ending(line, start, out, "a trailer line")
    field_line(content, start, eol, trailers, out)
