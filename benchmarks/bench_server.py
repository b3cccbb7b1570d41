"""Throughput of the built-in server's ``/bytes/{n}`` on loopback.

A plain script (no pytest): starts the server, downloads ``/bytes/104857600``
a few times with a raw-socket ``recv_into`` client reading into one reused
buffer, and prints MB/s (1 MB = 10**6 bytes) and the ratio to the 1 GB/s target
of issue 3. The best run counts; the runtime is bounded by ``--runs`` and a
per-run timeout.

    python benchmarks/bench_server.py [--size BYTES] [--runs N]
"""

from __future__ import annotations

import argparse
import socket
import sys
import time

from inspector.server import start_server

TARGET_BYTES_PER_SECOND = 1e9
BUFFER_SIZE = 1 << 20


def download(host: str, port: int, size: int, timeout: float) -> tuple[int, float]:
    """Fetch ``/bytes/{size}`` once; return the body bytes read and the seconds it took."""
    buf = bytearray(BUFFER_SIZE)
    view = memoryview(buf)
    request = f"GET /bytes/{size}?seed=1 HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode()
    with socket.create_connection((host, port), timeout=timeout) as sock:
        started = time.perf_counter()
        sock.sendall(request)
        head = b""
        while b"\r\n\r\n" not in head:
            n = sock.recv_into(view)
            if not n:
                raise RuntimeError("connection closed in the head")
            head += bytes(view[:n])
        head_end = head.index(b"\r\n\r\n") + 4
        received = len(head) - head_end
        while received < size:
            n = sock.recv_into(view)
            if not n:
                raise RuntimeError(f"connection closed after {received} of {size} body bytes")
            received += n
        elapsed = time.perf_counter() - started
    return received, elapsed


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100 * 1024 * 1024)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args(argv)
    with start_server() as server:
        download(server.host, server.port, 1 << 20, args.timeout)  # warm-up (buffer cache)
        rates = []
        for run in range(1, args.runs + 1):
            received, elapsed = download(server.host, server.port, args.size, args.timeout)
            rate = received / elapsed
            rates.append(rate)
            print(f"run {run}: {received} bytes in {elapsed:.3f} s = {rate / 1e6:,.0f} MB/s")
    best = max(rates)
    median = sorted(rates)[len(rates) // 2]
    print(
        f"/bytes/{args.size}: best {best / 1e6:,.0f} MB/s, median {median / 1e6:,.0f} MB/s; "
        f"ratio to the 1 GB/s target: {best / TARGET_BYTES_PER_SECOND:.2f} (best), "
        f"{median / TARGET_BYTES_PER_SECOND:.2f} (median)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
