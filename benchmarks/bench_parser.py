"""Parser speed: ours against h11 and http.client, in one run, ratios printed.

    python benchmarks/bench_parser.py [--quick]

(a) a 20-header, ~1.3 KB response parsed 10,000 times (our parse includes the
byte span of every field and the anomaly checks); (b) a 1 MiB chunked body in
4 KiB chunks. Each figure is the best of several repeats, in microseconds per
response. Targets (DESIGN.md §6, issue 2): (a) <= 15 us, (b) >= 3x h11.
"""

from __future__ import annotations

import argparse
import http.client
import io
import sys
import timeit
from collections.abc import Callable

import h11

from inspector.wire.parser import ResponseParser

HEADERS = b"".join(
    b"X-Header-%02d: some-value-%02d-abcdefghijklmnopqrstuvwxyz0123456789\r\n" % (i, i)
    for i in range(17)
)
SMALL = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n"
    + HEADERS
    + b"Date: Sat, 21 Nov 2026 10:00:00 GMT\r\n\r\n"
    + b"x" * 100
)
CHUNK = 4096
BODY = bytes(range(256)) * (1024 * 1024 // 256)
CHUNKED = (
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    + b"".join(
        b"%x\r\n" % CHUNK + BODY[i : i + CHUNK] + b"\r\n" for i in range(0, len(BODY), CHUNK)
    )
    + b"0\r\n\r\n"
)
# A network delivers bytes in reads: feed the chunked response in 64 KiB pieces.
READS = [CHUNKED[i : i + 65536] for i in range(0, len(CHUNKED), 65536)]


def ours(pieces: list[bytes]) -> bytes:
    p = ResponseParser()
    for piece in pieces:
        p.feed(piece)
    r = p.result()
    assert r.complete
    return r.body or b""


def with_h11(pieces: list[bytes]) -> bytes:
    c = h11.Connection(h11.CLIENT)
    c.send(h11.Request(method="GET", target="/", headers=[("Host", "x")]))
    body = []
    for piece in pieces:
        c.receive_data(piece)
        while True:
            ev = c.next_event()
            if ev is h11.NEED_DATA:
                break
            if isinstance(ev, h11.Data):
                body.append(ev.data)
            elif isinstance(ev, h11.EndOfMessage):
                return b"".join(body)
    raise AssertionError("h11 did not finish")


class _Sock:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def makefile(self, mode: str) -> io.BytesIO:
        return io.BytesIO(self._data)


def with_http_client(pieces: list[bytes]) -> bytes:
    r = http.client.HTTPResponse(_Sock(b"".join(pieces)), method="GET")  # type: ignore[arg-type]
    r.begin()
    return r.read()


def best(fn: Callable[[], object], number: int, repeat: int) -> float:
    """Best time per call, in microseconds."""
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number * 1e6


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="fewer repeats (a smoke run)")
    args = ap.parse_args()
    n_small, n_big, repeat = (1000, 3, 2) if args.quick else (10000, 20, 5)

    engines = {"inspector": ours, "h11": with_h11, "http.client": with_http_client}
    for fn in engines.values():  # every engine reads the same bytes the same way
        assert fn([SMALL]) == b"x" * 100
        assert fn(READS) == BODY

    print(f"python {sys.version.split()[0]}; best of {repeat} repeats")
    print(f"(a) {len(SMALL)}-byte response with 20 header fields, {n_small} times")
    small = {name: best(lambda f=fn: f([SMALL]), n_small, repeat) for name, fn in engines.items()}
    for name, us in small.items():
        print(f"    {name:12s} {us:8.1f} us/response")
    print(
        f"    ours vs h11: {small['h11'] / small['inspector']:.1f}x faster, vs http.client: "
        f"{small['http.client'] / small['inspector']:.1f}x faster; "
        f"target <= 15 us: {'met' if small['inspector'] <= 15 else 'NOT met'}"
    )
    print(f"(b) 1 MiB chunked body in {CHUNK}-byte chunks, fed in 64 KiB reads")
    big = {name: best(lambda f=fn: f(READS), n_big, repeat) for name, fn in engines.items()}
    for name, us in big.items():
        print(f"    {name:12s} {us / 1000:8.2f} ms/response ({len(BODY) / us:8.1f} MB/s)")
    ratio = big["h11"] / big["inspector"]
    print(
        f"    ours vs h11: {ratio:.1f}x faster, vs http.client: "
        f"{big['http.client'] / big['inspector']:.1f}x faster; "
        f"target >= 3x h11: {'met' if ratio >= 3 else 'NOT met'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
