"""Misbehaving endpoints: exact bytes, written in chosen pieces with pauses.

Each handler writes to the raw socket itself. Those whose bytes are a valid
message honour keep-alive; the others close the connection afterwards.
"""

from __future__ import annotations

from inspector.server.context import Ctx
from inspector.server.registry import Endpoint, endpoint
from inspector.server.responses import Written

ENDPOINTS: list[Endpoint] = []

MAX_HOLD = 120.0
MAX_DELAY = 2.0

TRICKLE_BODY = b"This response arrives a few bytes at a time.\n"
NO_LENGTH_BODY = b"This body has no length, and the connection stays open.\n"
CLOSE_BODY = b"This body ends when the server closes the connection.\n"
BARE_LF_BODY = b"Every line of this head ends with a bare LF.\n"
OBS_FOLD_BODY = b"X-Folded spans three lines (obs-fold).\n"
HTTP10_BODY = b"An HTTP/1.0 response: no keep-alive, the body ends at close.\n"
ESCAPE_BODY = (
    b"Colours: \x1b[31mred\x1b[0m \x1b[1;32mbold green\x1b[0m\n"
    b"Window title (OSC 0): \x1b]0;inspector was here\x07\n"
    b"Hyperlink (OSC 8): \x1b]8;;https://example.invalid/\x1b\\click me\x1b]8;;\x1b\\\n"
    b"A line that is overwritten\r\x1b[2KThis line erased the one before it\n"
    b"Cursor up: \x1b[1Ahere; bell: \x07; backspace: abc\x08\x08\x08XYZ\n"
    b"C1 CSI (UTF-8 encoded U+009B): \xc2\x9b7mreverse\xc2\x9b0m\n"
    b"Rich markup: [bold red]not markup[/bold red] [link=https://example.invalid]x[/link]\n"
)
ENDLESS_LINE = b"endless body: stop reading whenever you like\n"


@endpoint(
    ENDPOINTS,
    "/trickle",
    "The whole response in 1-byte writes (?size=N bytes, ?delay=s between writes)",
    "recv() returns whatever has arrived: one call is never one message",
    misbehaving=True,
)
def trickle(ctx: Ctx) -> Written:
    size = ctx.int_arg("size", 1, 1, 65536)
    delay = ctx.float_arg("delay", 0.005, 0.0, MAX_DELAY)
    data = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n%b\r\n%b" % (
        len(TRICKLE_BODY),
        ctx.connection_header(),
        TRICKLE_BODY,
    )
    ctx.conn.send_pieces(data, size, delay)
    return Written(200, ctx.keep_alive)


@endpoint(
    ENDPOINTS,
    "/keepalive-no-length",
    "No Content-Length, no chunking, and the connection held open (?hold=s, default 10)",
    "Such a body ends only at close: a naive recv() loop hangs; stop by your own rule or timeout",
    misbehaving=True,
)
def keepalive_no_length(ctx: Ctx) -> Written:
    hold = ctx.float_arg("hold", 10.0, 0.0, MAX_HOLD)
    ctx.conn.send(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: keep-alive\r\n\r\n"
        + NO_LENGTH_BODY
    )
    ctx.conn.hold(hold)
    return Written(200)


@endpoint(
    ENDPOINTS,
    "/close-delimited",
    "A body without length or chunking that ends when the server closes",
    "Legal (RFC 9112 §6.3 rule 8), but a truncated body looks exactly the same",
    misbehaving=True,
)
def close_delimited(ctx: Ctx) -> Written:
    ctx.conn.send(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n" + CLOSE_BODY
    )
    return Written(200)


@endpoint(
    ENDPOINTS,
    "/truncated",
    "Content-Length: 100 (?length=N) but only 40 bytes (?sent=N), then close",
    "EOF before Content-Length is reached means an incomplete body, not a short one",
    misbehaving=True,
)
def truncated(ctx: Ctx) -> Written:
    length = ctx.int_arg("length", 100, 1, 1 << 30)
    sent = ctx.int_arg("sent", 40, 0, length - 1)
    body = (b"0123456789" * (sent // 10 + 1))[:sent]
    ctx.conn.send(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
        b"Connection: close\r\n\r\n%b" % (length, body)
    )
    return Written(200)


@endpoint(
    ENDPOINTS,
    "/reset",
    "Content-Length: 1000, 100 bytes of it, then a TCP RST (?delay=s before the reset)",
    "An RST surfaces as ECONNRESET, and may even discard data the client has not read yet",
    misbehaving=True,
)
def reset(ctx: Ctx) -> Written:
    delay = ctx.float_arg("delay", 0.05, 0.0, MAX_DELAY)
    ctx.conn.send(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n" + b"r" * 100
    )
    ctx.conn.pause(delay)
    ctx.conn.reset()
    return Written(200)


_BAD_SIZES = {
    "nonhex": b"zz\r\nworld\r\n0\r\n\r\n",
    "huge": b"ffffffffffffffffffff\r\nworld\r\n0\r\n\r\n",
    "negative": b"-5\r\nworld\r\n0\r\n\r\n",
    "mismatch": b"10\r\nworld\r\n0\r\n\r\n",
}
CHUNKED_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n"


@endpoint(
    ENDPOINTS,
    "/chunked/bad-size",
    "A good chunk, then a bad chunk size (?kind=nonhex|huge|negative|mismatch), then close",
    "Chunk sizes are hex and must be checked: an overflow or a lie desynchronises the reader",
    example="/chunked/bad-size?kind=huge",
    misbehaving=True,
)
def chunked_bad_size(ctx: Ctx) -> Written:
    kind = ctx.arg("kind", "nonhex") or "nonhex"
    tail = _BAD_SIZES.get(kind)
    if tail is None:
        tail = _BAD_SIZES["nonhex"]
    ctx.conn.send(CHUNKED_HEAD + b"Connection: close\r\n\r\n5\r\nhello\r\n" + tail)
    return Written(200)


@endpoint(
    ENDPOINTS,
    "/chunked/no-terminator",
    "Two chunks and no last chunk (0): the connection closes (or is held: ?hold=s)",
    "Without the zero-size chunk the body is incomplete, even if it looks whole",
    misbehaving=True,
)
def chunked_no_terminator(ctx: Ctx) -> Written:
    hold = ctx.float_arg("hold", 0.0, 0.0, MAX_HOLD)
    ctx.conn.send(CHUNKED_HEAD + b"Connection: close\r\n\r\n5\r\nhello\r\n7\r\n, world\r\n")
    ctx.conn.hold(hold)
    return Written(200)


@endpoint(
    ENDPOINTS,
    "/chunked/extensions-trailers",
    "A valid chunked body with chunk extensions and trailer fields",
    "Extensions (;name=value) must be skipped, and trailers are fields after the body",
    misbehaving=True,
)
def chunked_extensions_trailers(ctx: Ctx) -> Written:
    ctx.conn.send(
        CHUNKED_HEAD
        + b"Trailer: X-Checksum, X-Note\r\n"
        + ctx.connection_header()
        + b'\r\n5;ext=1\r\nhello\r\n7;name="quoted;value";flag\r\n, world\r\n'
        + b"0;last\r\nX-Checksum: crc32=3a48f7b4\r\nX-Note: trailers come after the body\r\n\r\n"
    )
    return Written(200, ctx.keep_alive)


@endpoint(
    ENDPOINTS,
    "/bare-lf",
    "Status line and header lines end with a bare LF instead of CRLF",
    "RFC 9112 §2.2 lets a recipient accept bare LF; strict parsers refuse it",
    misbehaving=True,
)
def bare_lf(ctx: Ctx) -> Written:
    ctx.conn.send(
        b"HTTP/1.1 200 OK\nContent-Type: text/plain\nContent-Length: %d\n"
        b"X-Line-Endings: LF only\nConnection: close\n\n%b" % (len(BARE_LF_BODY), BARE_LF_BODY)
    )
    return Written(200)


@endpoint(
    ENDPOINTS,
    "/obs-fold",
    "A header value continued on indented lines (obsolete line folding)",
    "obs-fold is deprecated (RFC 9112 §5.2): unfold with spaces, or reject",
    misbehaving=True,
)
def obs_fold(ctx: Ctx) -> Written:
    ctx.conn.send(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
        b"X-Folded: first part,\r\n second part,\r\n\tthird part\r\n"
        b"Content-Length: %d\r\nConnection: close\r\n\r\n%b" % (len(OBS_FOLD_BODY), OBS_FOLD_BODY)
    )
    return Written(200)


@endpoint(
    ENDPOINTS,
    "/cl-te-conflict",
    "Both Content-Length: 6 and Transfer-Encoding: chunked, with a chunked body",
    "Transfer-Encoding wins (RFC 9112 §6.3); disagreeing readers are how smuggling works",
    misbehaving=True,
)
def cl_te_conflict(ctx: Ctx) -> Written:
    ctx.conn.send(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n"
        b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n7\r\nchunked\r\n0\r\n\r\n"
    )
    return Written(200)


@endpoint(
    ENDPOINTS,
    "/duplicate-cl",
    "Two Content-Length fields, 5 and 12 (?same=1: both 12), and a 12-byte body",
    "Differing lengths are an unrecoverable error (RFC 9112 §6.3); identical ones may be merged",
    misbehaving=True,
)
def duplicate_cl(ctx: Ctx) -> Written:
    first = b"12" if ctx.flag("same") else b"5"
    ctx.conn.send(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %b\r\n"
        b"Content-Length: 12\r\nConnection: close\r\n\r\nhello, world" % first
    )
    return Written(200)


@endpoint(
    ENDPOINTS,
    "/huge-header",
    "One header field of ?kb=N KiB (default 64, at most 16384)",
    "Clients cap header sizes (http.client: 64 KiB a line): a limit needs a clear error",
    example="/huge-header?kb=64",
    misbehaving=True,
)
def huge_header(ctx: Ctx) -> Written:
    kb = ctx.int_arg("kb", 64, 0, 16384)
    ctx.conn.send(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Huge: %b\r\nContent-Length: 3\r\n"
        b"%b\r\nok\n" % (b"a" * (kb * 1024), ctx.connection_header())
    )
    return Written(200, ctx.keep_alive)


@endpoint(
    ENDPOINTS,
    "/many-headers",
    "?n=N header fields (default 200, at most 100000)",
    "Clients cap the number of fields (http.client: 100)",
    example="/many-headers?n=200",
    misbehaving=True,
)
def many_headers(ctx: Ctx) -> Written:
    n = ctx.int_arg("n", 200, 0, 100_000)
    fields = b"".join(b"X-Header-%05d: value %d\r\n" % (i, i) for i in range(1, n + 1))
    ctx.conn.send(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n%bContent-Length: 3\r\n%b\r\nok\n"
        % (fields, ctx.connection_header())
    )
    return Written(200, ctx.keep_alive)


INTERIM_100 = b"HTTP/1.1 100 Continue\r\n\r\n"
INTERIM_103 = b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload; as=style\r\n\r\n"
INTERIM_BODY = b"The final response, after 100 and 103.\n"


@endpoint(
    ENDPOINTS,
    "/interim",
    "100 Continue and 103 Early Hints before the 200 (?delay=s between them)",
    "A 1xx is not the response: read on until a final status (none is sent to HTTP/1.0)",
    misbehaving=True,
)
def interim(ctx: Ctx) -> Written:
    delay = ctx.float_arg("delay", 0.02, 0.0, MAX_DELAY)
    if ctx.request.minor >= 1:
        ctx.conn.send(INTERIM_100)
        ctx.conn.pause(delay)
        ctx.conn.send(INTERIM_103)
        ctx.conn.pause(delay)
    ctx.conn.send(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n%b\r\n%b"
        % (len(INTERIM_BODY), ctx.connection_header(), INTERIM_BODY)
    )
    return Written(200, ctx.keep_alive)


SLOW_FIELDS = (
    b"Content-Type: text/plain\r\n",
    b"X-Slow-1: one\r\n",
    b"X-Slow-2: two\r\n",
    b"X-Slow-3: three\r\n",
)
SLOW_BODY = b"The head arrived one line at a time.\n"


@endpoint(
    ENDPOINTS,
    "/slow-headers",
    "The head one line at a time, ?delay=s (default 0.05) between lines",
    "A head can span many reads; a per-read timeout is not a deadline for the whole head",
    misbehaving=True,
)
def slow_headers(ctx: Ctx) -> Written:
    delay = ctx.float_arg("delay", 0.05, 0.0, MAX_DELAY)
    lines = [
        b"HTTP/1.1 200 OK\r\n",
        *SLOW_FIELDS,
        b"Content-Length: %d\r\n%b" % (len(SLOW_BODY), ctx.connection_header()),
        b"\r\n" + SLOW_BODY,
    ]
    for i, line in enumerate(lines):
        if i:
            ctx.conn.pause(delay)
        ctx.conn.send(line)
    return Written(200, ctx.keep_alive)


@endpoint(
    ENDPOINTS,
    "/http10",
    "An HTTP/1.0 response without length: the body ends at close",
    "The response version matters: 1.0 means no keep-alive unless asked, no chunked",
    misbehaving=True,
)
def http10(ctx: Ctx) -> Written:
    ctx.conn.send(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n" + HTTP10_BODY)
    return Written(200)


@endpoint(
    ENDPOINTS,
    "/escape",
    "ANSI CSI and OSC escape sequences and Rich markup in header values and body",
    "Bytes from the network must never reach a terminal as control sequences or markup",
    misbehaving=True,
)
def escape(ctx: Ctx) -> Written:
    ctx.conn.send(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n"
        b"X-Escape-CSI: \x1b[31mred\x1b[0m \x1b[2K\r\n"
        b"X-Escape-OSC: \x1b]0;inspector was here\x07\r\n"
        b"X-Escape-Link: \x1b]8;;https://example.invalid/\x1b\\click\x1b]8;;\x1b\\\r\n"
        b"X-Rich-Markup: [bold red]not markup[/bold red]\r\n"
        b"Content-Length: %d\r\n%b\r\n%b" % (len(ESCAPE_BODY), ctx.connection_header(), ESCAPE_BODY)
    )
    return Written(200, ctx.keep_alive)


@endpoint(
    ENDPOINTS,
    "/endless",
    "A close-delimited body that never ends (?chunked=1 for chunks, ?delay=s between writes)",
    "Only the client can end this: a size limit, a time limit, or a cancel button",
    misbehaving=True,
)
def endless(ctx: Ctx) -> Written:
    delay = ctx.float_arg("delay", 0.0, 0.0, MAX_DELAY)
    chunked = ctx.flag("chunked")
    block = ENDLESS_LINE * (65536 // len(ENDLESS_LINE))
    if chunked:
        ctx.conn.send(CHUNKED_HEAD + b"Connection: close\r\n\r\n")
        block = b"%x\r\n%b\r\n" % (len(block), block)
    else:
        ctx.conn.send(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n")
    view = memoryview(block)
    while True:  # ends with OSError when the client goes away, or Stopping
        ctx.conn.send(view)
        ctx.conn.pause(delay)
