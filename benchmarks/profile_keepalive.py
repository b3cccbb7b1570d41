"""Client CPU per keep-alive exchange, against the raw-socket loop (issue 4).

    python benchmarks/profile_keepalive.py [-n 3000] [--rounds 5] [--profile]

Wall-clock rates swing on a shared 2-core machine; CPU time per exchange
(``time.process_time()``) does much less. The canned responder
(``benchmarks/canned_server.py``, pinned to the first allowed CPU, this
process to the second) answers with the built-in server's ``/status/200``
reply. Each round times ``n`` exchanges of ``Client().send`` on one connection
and ``n`` of the raw loop (``sendall`` + ``recv_into`` until the known length),
the best round counting. ``--profile`` prints cProfile's top functions for our
client instead, with the Python calls made per exchange.
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import os
import pstats
import socket
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

from _shared import ServerProcess

from inspector.model import RequestSpec
from inspector.net import Client, SendOptions, wire_bytes
from inspector.wire.serialize import with_default_headers

RESPONSE = (
    b"HTTP/1.1 200 OK\r\nServer: inspector\r\nDate: Sat, 21 Nov 2026 10:00:00 GMT\r\n"
    b"Content-Type: text/plain\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n"
)
"""Shaped like ``inspector serve``'s /status/200 reply: a 5-field head, no body."""


def ours(url: str, n: int, profile: bool = False) -> float:
    """CPU microseconds per exchange of our client, on one keep-alive connection."""
    spec = with_default_headers(RequestSpec(url=url))
    with Client() as client:
        for _ in range(100):  # warm up: connect, caches
            client.send(spec)
        prof = cProfile.Profile() if profile else None
        if prof is not None:
            prof.enable()
        start = time.process_time()
        for _ in range(n):
            ex = client.send(spec)
        cpu = time.process_time() - start
        if prof is not None:
            prof.disable()
            stats = pstats.Stats(prof)
            print(f"{stats.total_calls / n:.0f} Python-level calls per exchange")
            stats.sort_stats("tottime").print_stats(25)
    if ex.error is not None or ex.connection is None or not ex.connection.reused:
        raise SystemExit(f"ours: the exchange failed or did not reuse: {ex.error}")
    return cpu / n * 1e6


def raw(url: str, n: int) -> float:
    """CPU microseconds per exchange of the raw loop (the limit), same request bytes."""
    parts = urlsplit(url)
    assert parts.hostname is not None and parts.port is not None
    request = wire_bytes(with_default_headers(RequestSpec(url=url)), SendOptions())
    buf = bytearray(65536)
    with socket.create_connection((parts.hostname, parts.port), 30.0) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        start = time.process_time()
        for _ in range(n):
            sock.sendall(request)
            got = 0
            while got < len(RESPONSE):
                got += sock.recv_into(buf)
        cpu = time.process_time() - start
    return cpu / n * 1e6


def main() -> int:
    """Start the canned responder, measure, print."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("-n", type=int, default=3000, help="exchanges per round")
    parser.add_argument("--rounds", type=int, default=5, help="rounds (the best counts)")
    parser.add_argument("--profile", action="store_true", help="cProfile our client instead")
    args = parser.parse_args()
    script = str(Path(__file__).with_name("canned_server.py"))
    server = ServerProcess.start([sys.executable, script, base64.b64encode(RESPONSE).decode()])
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) >= 2:
        os.sched_setaffinity(server.proc.pid, {cpus[0]})
        os.sched_setaffinity(0, {cpus[1]})
    url = server.url + "/status/200"
    try:
        if args.profile:
            ours(url, args.n, profile=True)
            return 0
        best_ours = best_raw = float("inf")
        for _ in range(args.rounds):
            best_ours = min(best_ours, ours(url, args.n))
            best_raw = min(best_raw, raw(url, args.n))
        print(f"CPU per exchange, best of {args.rounds} x {args.n}:")
        print(f"   raw loop  {best_raw:7.1f} us")
        print(f"   ours      {best_ours:7.1f} us   ({best_ours / best_raw:.2f}x the raw loop)")
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
