"""Warnings about a request before it is sent. Lint suggests; it never changes anything.

Each check names the rule it enforces (RFC 9110 and RFC 9112). A spec built from
fields is checked as given; a raw spec is split and parsed leniently first, so any
bytes at all can be linted without raising.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from inspector.model.anomaly import Severity
from inspector.model.request import RequestSpec
from inspector.wire.serialize import find_head_end, request_target

__all__ = ["LintWarning", "lint", "split_request_line"]

# RFC 9110 §5.6.2: token = 1*tchar.
_TOKEN_RE = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# RFC 9112 §2.3: HTTP-version = "HTTP/" DIGIT "." DIGIT.
_VERSION_RE = re.compile(rb"HTTP/[0-9]\.[0-9]")
# RFC 9110 §5.5: field values hold no CTL except HTAB (obs-text is allowed).
_VALUE_CTL_RE = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")
# RFC 9112 §3.2: a request-target has no whitespace; RFC 3986 allows only ASCII.
_TARGET_BAD_RE = re.compile(rb"[\x00-\x20\x7f-\xff]")
_DIGITS_RE = re.compile(rb"[0-9]+")
_OWS = b" \t"
_SHOW_MAX = 40

# Header line: (index, name, value). For a raw spec the index counts every line
# between the request line and the end of the head, so it points at the line.
_Field = tuple[int, bytes, bytes]


@dataclass(frozen=True, slots=True)
class LintWarning:
    """One thing about a request that a server may reject or read differently."""

    code: str
    """Stable kebab-case name, e.g. ``missing-host`` or ``content-length-mismatch``."""
    message: str
    """One plain sentence for a person."""
    header_index: int | None = None
    """The header concerned: its index in ``spec.headers`` or, for a raw spec, the
    0-based index of its line after the request line. ``None`` for the whole request."""
    severity: Severity = Severity.WARNING
    """``info`` for things that are legal but probably unintended, else ``warning``."""


def _show(data: bytes) -> str:
    """Bytes as safe text for a message: printable ASCII kept, the rest escaped."""
    text = "".join(chr(b) if 0x20 <= b < 0x7F else f"\\x{b:02x}" for b in data[:_SHOW_MAX])
    return text + ("..." if len(data) > _SHOW_MAX else "")


def _describe_ctl(byte: int) -> str:
    names = {0x00: "a NUL byte", 0x0A: "a line feed (LF)", 0x0D: "a carriage return (CR)"}
    return names.get(byte, f"the control byte 0x{byte:02x}")


def _check_request_line(method: bytes, target: bytes, version: bytes) -> list[LintWarning]:
    out: list[LintWarning] = []
    if not _TOKEN_RE.fullmatch(method):
        what = "is empty" if not method else f"'{_show(method)}' is not a token"
        out.append(LintWarning("invalid-method", f"The method {what} (RFC 9110 §9.1)."))
    if not target:
        out.append(LintWarning("bad-request-target", "The request-target is empty."))
    elif bad := _TARGET_BAD_RE.search(target):
        out.append(
            LintWarning(
                "bad-request-target",
                f"The request-target contains the byte 0x{bad[0][0]:02x} (whitespace, control "
                "or non-ASCII), so servers may split or reject the request line.",
            )
        )
    if not _VERSION_RE.fullmatch(version):
        out.append(
            LintWarning(
                "bad-version",
                f"The version '{_show(version)}' does not have the form HTTP/d.d (RFC 9112 §2.3).",
            )
        )
    return out


def _check_fields(fields: list[_Field], *, check_whitespace: bool) -> list[LintWarning]:
    out: list[LintWarning] = []
    for index, name, value in fields:
        if not name:
            out.append(LintWarning("invalid-header-name", "A header has an empty name.", index))
        elif not _TOKEN_RE.fullmatch(name):
            out.append(
                LintWarning(
                    "invalid-header-name",
                    f"The header name '{_show(name)}' is not a token (RFC 9110 §5.1).",
                    index,
                )
            )
        if ctl := _VALUE_CTL_RE.search(value):
            out.append(
                LintWarning(
                    "ctl-in-value",
                    f"The value of '{_show(name)}' contains {_describe_ctl(ctl[0][0])}, "
                    "which can split or corrupt the header (RFC 9110 §5.5).",
                    index,
                )
            )
        if check_whitespace and value != value.strip(_OWS):
            out.append(
                LintWarning(
                    "value-whitespace",
                    f"The value of '{_show(name)}' starts or ends with whitespace, "
                    "which receivers strip.",
                    index,
                    Severity.INFO,
                )
            )
    return out


def _check_message(version: bytes, fields: list[_Field], body: bytes) -> list[LintWarning]:
    out: list[LintWarning] = []
    hosts = [i for i, name, _ in fields if name.lower() == b"host"]
    lengths = [(i, v.strip(_OWS)) for i, name, v in fields if name.lower() == b"content-length"]
    codings = [i for i, name, _ in fields if name.lower() == b"transfer-encoding"]
    if version == b"HTTP/1.1" and not hosts:
        out.append(
            LintWarning("missing-host", "An HTTP/1.1 request has no Host header (RFC 9112 §3.2).")
        )
    if len(hosts) > 1:
        out.append(
            LintWarning(
                "duplicate-host",
                f"The request has {len(hosts)} Host headers and servers must reject it.",
                hosts[1],
            )
        )
    if len(lengths) > 1:
        out.append(
            LintWarning(
                "duplicate-content-length",
                f"The request has {len(lengths)} Content-Length headers (RFC 9112 §6.3).",
                lengths[1][0],
            )
        )
    expected = str(len(body)).encode("ascii")
    for index, value in lengths:
        if not _DIGITS_RE.fullmatch(value):
            out.append(
                LintWarning(
                    "invalid-content-length",
                    f"The Content-Length '{_show(value)}' is not a decimal number.",
                    index,
                )
            )
        # Compared as digit strings: int() refuses numbers longer than 4300 digits.
        elif (value.lstrip(b"0") or b"0") != expected:
            out.append(
                LintWarning(
                    "content-length-mismatch",
                    f"Content-Length says {_show(value)} but the body has {len(body)} bytes.",
                    index,
                )
            )
    if lengths and codings:
        out.append(
            LintWarning(
                "cl-and-te",
                "The request has both Content-Length and Transfer-Encoding, "
                "a request smuggling risk (RFC 9112 §6.1).",
                lengths[0][0],
            )
        )
    if codings and version == b"HTTP/1.0":
        out.append(
            LintWarning(
                "te-in-http10",
                "Transfer-Encoding is not defined in HTTP/1.0, so the server may misread "
                "the body (RFC 9112 §6.1).",
                codings[0],
            )
        )
    if body and not lengths and not codings:
        out.append(
            LintWarning(
                "body-without-length",
                f"The {len(body)}-byte body has no Content-Length or Transfer-Encoding, "
                "so the server will not read it (RFC 9112 §6.3).",
            )
        )
    return out


def split_request_line(line: bytes) -> tuple[bytes, bytes, bytes]:
    """Method, target and version: first word, last word and what lies between."""
    parts = line.split(b" ")
    if len(parts) == 1:
        return line, b"", b""
    if len(parts) == 2:
        return parts[0], parts[1], b""
    return parts[0], b" ".join(parts[1:-1]), parts[-1]


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _lint_raw(raw: bytes) -> list[LintWarning]:
    if not raw:
        return [LintWarning("empty-request", "The raw request is empty.")]
    head = find_head_end(raw)
    head_stop = len(raw) if head is None else head.blank
    body = b"" if head is None else raw[head.body :]
    head_bytes = raw[:head_stop]
    lines = head_bytes.split(b"\n")
    # Every line but the last ended in LF; the last did too if the head ends in LF,
    # and split() then left an empty string after it.
    if head_bytes.endswith(b"\n"):
        lines.pop()
        terminated = lines
    else:
        terminated = lines[:-1]
    bare_lf = sum(1 for line in terminated if not line.endswith(b"\r"))
    if head is not None and raw[head.blank] == 0x0A:
        bare_lf += 1
    lines = [line.removesuffix(b"\r") for line in lines]

    leading = 0
    while leading < len(lines) and not lines[leading]:
        leading += 1
    method, target, version = split_request_line(lines[leading] if leading < len(lines) else b"")
    out: list[LintWarning] = []
    if leading:
        out.append(
            LintWarning(
                "leading-empty-line",
                f"The request starts with {_plural(leading, 'empty line')} "
                "before the request line (RFC 9112 §2.2).",
            )
        )
    out += _check_request_line(method, target, version)

    fields: list[_Field] = []
    for index, line in enumerate(lines[leading + 1 :]):
        line_no = leading + 2 + index
        if not line:
            continue  # only possible last, when a head ends in a lone CR: no-head-end covers it
        if line[:1] in (b" ", b"\t"):
            out.append(
                LintWarning(
                    "obs-fold",
                    f"Line {line_no} starts with whitespace (obsolete line folding), "
                    "which servers must reject or unfold (RFC 9112 §5.2).",
                    index,
                )
            )
            continue
        name, colon, value = line.partition(b":")
        if not colon:
            out.append(LintWarning("no-colon", f"Line {line_no} of the head has no colon.", index))
            continue
        fields.append((index, name, value.strip(_OWS)))

    out += _check_fields(fields, check_whitespace=False)
    out += _check_message(version, fields, body)
    if bare_lf:
        out.append(
            LintWarning(
                "bare-lf",
                f"{_plural(bare_lf, 'line')} of the head end with a bare LF instead of CRLF "
                "(RFC 9112 §2.2).",
            )
        )
    if head is None:
        out.append(
            LintWarning(
                "no-head-end",
                "The head does not end with an empty line, so the server will wait "
                "for more headers.",
            )
        )
    return out


def lint(spec: RequestSpec) -> list[LintWarning]:
    """Check a request for things servers may reject or read differently.

    Nothing is modified. For a raw spec the bytes are split at the first empty
    line, the request line and header lines are parsed leniently (this never
    raises, whatever the bytes), and the same checks run, plus raw-only ones:
    ``bare-lf``, ``no-head-end``, ``leading-empty-line``, ``obs-fold``,
    ``no-colon`` and ``empty-request``. Header values in a raw spec have their
    optional whitespace removed first, as a server would, so
    ``value-whitespace`` applies only to specs built from fields.

    Args:
        spec: The request, as it will be serialized.

    Returns:
        The warnings: request line first, then headers in order, then framing.
        Empty when nothing is wrong.
    """
    if spec.raw is not None:
        return _lint_raw(spec.raw)
    target = spec.request_target if spec.request_target is not None else request_target(spec.url)
    fields = [(i, name, value) for i, (name, value) in enumerate(spec.headers)]
    return [
        *_check_request_line(spec.method, target, spec.http_version),
        *_check_fields(fields, check_whitespace=True),
        *_check_message(spec.http_version, fields, spec.body),
    ]
