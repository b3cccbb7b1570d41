"""Client speed and memory: ours against the raw-socket limit, http.client and httpx.

    python benchmarks/bench_client.py [--quick] [--repeat N]
                                      [--pin | --unpinned | --placements apart,together,unpinned]

One run, side by side, ratios printed (DESIGN.md section 6, issue 4):

1. a 100 MiB download (``/bytes/104857600``) with every byte recorded, in MB/s
   (1 MB = 10**6 bytes), plus each engine's peak memory in a fresh subprocess;
2. 2000 small GETs on one keep-alive connection, in requests/s;
3. 200 GETs, each on a new connection, in requests/s.

Engines: ``limit`` (a raw socket: ``recv_into`` into a reused buffer for the
download, a minimal Content-Length reader for small responses), ``ours``
(``inspector.net``, default options: the body is not kept in memory, the
transcript spills to disk), ``http.client`` and ``httpx``.

The server is ``inspector serve`` in a subprocess (its own GIL). On 2 cores
the CPU placement changes small-request rates several times over, so by
default every test runs three times: server and client pinned to different
CPUs ("pinned apart", ``--pin`` alone), both pinned to one CPU ("pinned
together"), and unpinned (``--unpinned`` alone). Each figure is the best of
``--repeat`` runs, the engines taking turns within a run. Client and server CPU
time are printed too, to show which side is the bottleneck.

    python benchmarks/bench_client.py --child ENGINE URL

is the memory probe: one download in this process, one JSON line out.
"""

from __future__ import annotations

import argparse
import base64
import gc
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from urllib.parse import urlsplit

from _shared import INSPECTOR_SERVE, BenchError, ServerProcess, peak_bytes, reset_peak

from inspector.model import RequestSpec
from inspector.net import Client, SendOptions, send, wire_bytes
from inspector.wire.serialize import with_default_headers

MiB = 1024 * 1024
ENGINES = ("limit", "ours", "http.client", "httpx")
DEFAULT_SMALL_PATH = "/status/200"
"""The smallest well-behaved endpoint: a 200 with Content-Length: 0 and a 5-field head."""
TIMEOUT = 30.0
LIMIT_READ_SIZE = MiB
"""The raw limit's reused buffer (as in bench_server.py); ours uses SendOptions.read_size."""
_CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:[ \t]*(\d+)", re.IGNORECASE)

Finish = Callable[[], None]
"""Verifies a download outside the timed part (and frees what it holds)."""


# --- the server and CPU placement --------------------------------------------------------


@dataclass
class Server(ServerProcess):
    """``inspector serve`` running in a subprocess, with its address split out."""

    host: str = ""
    port: int = 0

    @classmethod
    def start(cls, cmd: list[str] | None = None) -> Server:
        proc, url = cls.spawn(cmd or INSPECTOR_SERVE, wait=20.0)
        parts = urlsplit(url)
        assert parts.hostname is not None and parts.port is not None
        return cls(proc, url, parts.hostname, parts.port)

    def cpu_seconds(self) -> float | None:
        """User plus system CPU time of the whole server process (every thread)."""
        try:
            with open(f"/proc/{self.proc.pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def set_affinity(self, cpus: set[int]) -> None:
        """Pin every thread of the server; threads it starts later inherit the mask."""
        for tid in os.listdir(f"/proc/{self.proc.pid}/task"):
            try:
                os.sched_setaffinity(int(tid), cpus)
            except (ProcessLookupError, FileNotFoundError):
                pass  # a connection thread that just ended


@dataclass(frozen=True)
class Placement:
    name: str
    server_cpus: set[int]
    client_cpus: set[int]

    def describe(self) -> str:
        if self.server_cpus == self.client_cpus and len(self.client_cpus) == 1:
            return f"{self.name} (server and client both on CPU {_cpus(self.client_cpus)})"
        if self.server_cpus == self.client_cpus:
            return f"{self.name} (server and client may use CPUs {_cpus(self.client_cpus)})"
        return (
            f"{self.name} (server on CPU {_cpus(self.server_cpus)}, "
            f"client on CPU {_cpus(self.client_cpus)})"
        )

    def apply(self, server: Server) -> None:
        server.set_affinity(self.server_cpus)
        os.sched_setaffinity(0, self.client_cpus)


def _cpus(cpus: set[int]) -> str:
    return ",".join(str(c) for c in sorted(cpus))


PLACEMENTS = ("apart", "together", "unpinned")


def placements(names: list[str], cpus: set[int]) -> list[Placement]:
    """The placements asked for, in order; the pinned ones need two CPUs."""
    allowed = sorted(cpus)
    out = []
    for name in names:
        if name == "unpinned":
            out.append(Placement("unpinned", set(allowed), set(allowed)))
        elif len(allowed) < 2:
            print(f"only CPU {_cpus(cpus)} available: no '{name}' placement")
        elif name == "apart":
            out.append(Placement("pinned apart", {allowed[0]}, {allowed[1]}))
        else:
            out.append(Placement("pinned together", {allowed[1]}, {allowed[1]}))
    return out


# --- measuring ---------------------------------------------------------------------------


@dataclass
class Meter:
    """Wall, client CPU and server CPU time of the timed part of one run."""

    server: Server | None
    wall: float = 0.0
    cpu: float = 0.0
    server_cpu: float | None = None

    @contextmanager
    def timed(self) -> Iterator[None]:
        s0 = self.server.cpu_seconds() if self.server else None
        c0 = time.process_time()
        t0 = time.perf_counter()
        yield
        self.wall = time.perf_counter() - t0
        self.cpu = time.process_time() - c0
        s1 = self.server.cpu_seconds() if self.server else None
        self.server_cpu = s1 - s0 if s0 is not None and s1 is not None else None


@dataclass
class Best:
    """The fastest of the repeats of one engine, and CPU totals over all of them.

    The server's CPU time comes from /proc in clock ticks (10 ms), too coarse for
    one short run: both CPU figures are therefore means over every run.
    """

    wall: float = float("inf")
    runs: int = 0
    total_wall: float = 0.0
    total_cpu: float = 0.0
    total_server_cpu: float | None = 0.0

    def add(self, m: Meter) -> None:
        self.wall = min(self.wall, m.wall)
        self.runs += 1
        self.total_wall += m.wall
        self.total_cpu += m.cpu
        if self.total_server_cpu is not None and m.server_cpu is not None:
            self.total_server_cpu += m.server_cpu
        else:
            self.total_server_cpu = None


def _head_end_and_length(head: bytes | bytearray) -> tuple[int, int]:
    end = head.find(b"\r\n\r\n")
    if end < 0:
        return -1, 0
    found = _CONTENT_LENGTH.search(head, 0, end + 2)
    if found is None:
        raise BenchError("a response without Content-Length")
    return end + 4, int(found.group(1))


def read_response(sock: socket.socket, buf: bytearray) -> bytes:
    """Read one Content-Length-framed response; bytes past its end stay in ``buf``."""
    while True:
        head_end, length = _head_end_and_length(buf)
        if head_end >= 0:
            break
        data = sock.recv(65536)
        if not data:
            raise BenchError("the server closed the connection in a response head")
        buf += data
    total = head_end + length
    while len(buf) < total:
        data = sock.recv(max(65536, total - len(buf)))
        if not data:
            raise BenchError("the server closed the connection in a response body")
        buf += data
    response = bytes(buf[:total])
    del buf[:total]
    return response


def _check_status(status: int | None, engine: str) -> None:
    if status != 200:
        raise BenchError(f"{engine}: status {status}, expected 200")


# --- 1. the download ---------------------------------------------------------------------


def download_limit(url: str, size: int, meter: Meter) -> Finish:
    parts = urlsplit(url)
    assert parts.hostname is not None and parts.port is not None
    request = f"GET {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n\r\n".encode()
    buf = bytearray(LIMIT_READ_SIZE)
    view = memoryview(buf)
    body = 0
    with meter.timed():
        with socket.create_connection((parts.hostname, parts.port), TIMEOUT) as sock:
            sock.sendall(request)
            head = bytearray()
            head_end = -1
            while head_end < 0:
                n = sock.recv_into(buf)
                if not n:
                    raise BenchError("limit: closed in the head")
                head += view[:n]
                head_end, length = _head_end_and_length(head)
            body = len(head) - head_end
            while body < length:
                n = sock.recv_into(buf)
                if not n:
                    raise BenchError(f"limit: closed after {body} of {length} body bytes")
                body += n

    def finish() -> None:
        if body != size:
            raise BenchError(f"limit: {body} body bytes, expected {size}")

    return finish


def download_ours(url: str, size: int, meter: Meter) -> Finish:
    spec = with_default_headers(RequestSpec(url=url))
    client = Client()
    with meter.timed():
        exchange = client.send(spec)
    client.close()

    def finish() -> None:
        try:
            if exchange.error is not None or exchange.response is None:
                raise BenchError(f"ours: {exchange.error}")
            _check_status(exchange.response.status, "ours")
            if exchange.response.body_size != size:
                raise BenchError(f"ours: body_size {exchange.response.body_size} != {size}")
            got = len(exchange.response_body())
            if got != size:
                raise BenchError(f"ours: response_body() has {got} bytes, expected {size}")
        finally:
            exchange.transcript.close()

    return finish


def download_http_client(url: str, size: int, meter: Meter) -> Finish:
    parts = urlsplit(url)
    assert parts.hostname is not None
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=TIMEOUT)
    with meter.timed():
        conn.request("GET", parts.path)
        response = conn.getresponse()
        body = response.read()
    conn.close()

    def finish() -> None:
        _check_status(response.status, "http.client")
        if len(body) != size:
            raise BenchError(f"http.client: {len(body)} bytes, expected {size}")

    return finish


def download_httpx(url: str, size: int, meter: Meter) -> Finish:
    import httpx

    with httpx.Client(timeout=TIMEOUT) as client:
        with meter.timed():
            response = client.get(url)
            body = response.content

    def finish() -> None:
        _check_status(response.status_code, "httpx")
        if len(body) != size:
            raise BenchError(f"httpx: {len(body)} bytes, expected {size}")

    return finish


DOWNLOADS: dict[str, Callable[[str, int, Meter], Finish]] = {
    "limit": download_limit,
    "ours": download_ours,
    "http.client": download_http_client,
    "httpx": download_httpx,
}


def child(engine: str, url: str) -> int:
    """The memory probe: one download, peak RSS before and after, as one JSON line."""
    size = int(urlsplit(url).path.rsplit("/", 1)[1])
    download = DOWNLOADS[engine]
    if engine == "httpx":
        import httpx  # noqa: F401  (its import is not the download's memory)
    gc.collect()
    how = reset_peak()
    before = peak_bytes(how)
    meter = Meter(None)
    finish = download(url, size, meter)
    after = peak_bytes(how)
    finish()
    print(
        json.dumps(
            {
                "engine": engine,
                "size": size,
                "seconds": meter.wall,
                "method": how,
                "baseline": before,
                "peak": after,
            }
        )
    )
    return 0


def measure_memory(server: Server, size: int) -> tuple[dict[str, int], str]:
    """Each engine's peak RSS increase during one download, each in a fresh process."""
    url = f"{server.url}/bytes/{size}"
    out: dict[str, int] = {}
    how = "?"
    for engine in ENGINES:
        result = subprocess.run(
            [sys.executable, os.path.abspath(__file__), "--child", engine, url],
            capture_output=True,
            text=True,
            timeout=120,
        )
        if result.returncode != 0:
            raise BenchError(f"memory probe {engine} failed: {result.stderr.strip()}")
        data = json.loads(result.stdout.strip().splitlines()[-1])
        out[engine] = int(data["peak"]) - int(data["baseline"])
        how = str(data["method"])
    return out, how


# --- 2. small GETs on one keep-alive connection ------------------------------------------


@dataclass
class Small:
    """What the small-request tests need: the URL, its spec and its exact request bytes."""

    url: str
    host: str
    port: int
    path: str
    spec: RequestSpec
    wire: bytes

    @classmethod
    def make(cls, server: Server, path: str) -> Small:
        url = server.url + path
        spec = with_default_headers(RequestSpec(url=url))
        return cls(url, server.host, server.port, path, spec, wire_bytes(spec, SendOptions()))


def start_canned(small: Small) -> Server:
    """The canned responder, answering every request with the built-in server's reply."""
    buf = bytearray()
    with socket.create_connection((small.host, small.port), TIMEOUT) as sock:
        sock.sendall(small.wire)
        reply = read_response(sock, buf)
    script = str(Path(__file__).with_name("canned_server.py"))
    return Server.start([sys.executable, script, base64.b64encode(reply).decode("ascii")])


def _re_aim(small: Small, server: Server) -> Small:
    """The same small request, sent to another server."""
    return Small.make(server, small.path)


def keepalive_limit(s: Small, n: int, meter: Meter) -> None:
    buf = bytearray()
    with socket.create_connection((s.host, s.port), TIMEOUT) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with meter.timed():
            for _ in range(n):
                sock.sendall(s.wire)
                response = read_response(sock, buf)
    if not response.startswith(b"HTTP/1.1 200 "):
        raise BenchError(f"limit: {response[:40]!r}")


def keepalive_ours(s: Small, n: int, meter: Meter) -> None:
    spec = s.spec
    bad = 0
    with Client() as client:
        with meter.timed():
            for i in range(n):
                ex = client.send(spec)
                if (
                    ex.error is not None
                    or ex.connection is None
                    or (i and not ex.connection.reused)
                ):
                    bad += 1
    if bad:
        raise BenchError(f"ours: {bad} of {n} exchanges failed or did not reuse the connection")
    _check_status(ex.response.status if ex.response else None, "ours")


def keepalive_http_client(s: Small, n: int, meter: Meter) -> None:
    conn = http.client.HTTPConnection(s.host, s.port, timeout=TIMEOUT)
    status = 0
    with meter.timed():
        for _ in range(n):
            conn.request("GET", s.path)
            response = conn.getresponse()
            response.read()
            status |= response.status
    conn.close()
    _check_status(status, "http.client")


def keepalive_httpx(s: Small, n: int, meter: Meter) -> None:
    import httpx

    status = 0
    with httpx.Client(timeout=TIMEOUT) as client:
        with meter.timed():
            for _ in range(n):
                status |= client.get(s.url).status_code
    _check_status(status, "httpx")


KEEPALIVE: dict[str, Callable[[Small, int, Meter], None]] = {
    "limit": keepalive_limit,
    "ours": keepalive_ours,
    "http.client": keepalive_http_client,
    "httpx": keepalive_httpx,
}


# --- 3. GETs each on a new connection ----------------------------------------------------


def fresh_limit(s: Small, n: int, meter: Meter) -> None:
    status = b""
    with meter.timed():
        for _ in range(n):
            buf = bytearray()
            with socket.create_connection((s.host, s.port), TIMEOUT) as sock:
                sock.sendall(s.wire)
                status = read_response(sock, buf)[:13]
    if status != b"HTTP/1.1 200 ":
        raise BenchError(f"limit: {status!r}")


def fresh_ours(s: Small, n: int, meter: Meter) -> None:
    spec = s.spec
    bad = 0
    with meter.timed():
        for _ in range(n):
            ex = send(spec)
            if ex.error is not None or ex.connection is None or ex.connection.reused:
                bad += 1
    if bad:
        raise BenchError(f"ours: {bad} of {n} exchanges failed or reused a connection")
    _check_status(ex.response.status if ex.response else None, "ours")


def fresh_http_client(s: Small, n: int, meter: Meter) -> None:
    status = 0
    with meter.timed():
        for _ in range(n):
            conn = http.client.HTTPConnection(s.host, s.port, timeout=TIMEOUT)
            conn.request("GET", s.path)
            response = conn.getresponse()
            response.read()
            status |= response.status
            conn.close()
    _check_status(status, "http.client")


def fresh_httpx(s: Small, n: int, meter: Meter) -> None:
    # One Client (building one costs an SSL context: ~10 ms), Connection: close per request.
    import httpx

    status = 0
    headers = {"Connection": "close"}
    with httpx.Client(timeout=TIMEOUT) as client:
        with meter.timed():
            for _ in range(n):
                status |= client.get(s.url, headers=headers).status_code
    _check_status(status, "httpx")


FRESH: dict[str, Callable[[Small, int, Meter], None]] = {
    "limit": fresh_limit,
    "ours": fresh_ours,
    "http.client": fresh_http_client,
    "httpx": fresh_httpx,
}


# --- running and reporting ---------------------------------------------------------------


@dataclass
class Verdict:
    what: str
    placement: str
    measured: float
    target: float
    higher_is_better: bool = True

    @property
    def met(self) -> bool:
        if self.higher_is_better:
            return self.measured >= self.target
        return self.measured <= self.target


@dataclass
class Report:
    verdicts: list[Verdict] = field(default_factory=list)

    def add(
        self, what: str, placement: str, measured: float, target: float, higher: bool = True
    ) -> None:
        self.verdicts.append(Verdict(what, placement, measured, target, higher))


def best_of(repeat: int, run: Callable[[str, Meter], None], server: Server) -> dict[str, Best]:
    """Best of ``repeat`` runs per engine, the engines taking turns within each run."""
    best = {engine: Best() for engine in ENGINES}
    for _ in range(repeat):
        for engine in ENGINES:
            meter = Meter(server)
            gc.collect()
            run(engine, meter)
            best[engine].add(meter)
    return best


def _pct(part: float | None, whole: float) -> str:
    return "-" if part is None else f"{100 * part / whole:.0f}%"


def _per_request(seconds: float | None, requests: int) -> str:
    return "-" if seconds is None else f"{1e6 * seconds / requests:.0f}"


def bench_download(
    server: Server, size: int, repeat: int, placement: Placement, report: Report
) -> None:
    url = f"{server.url}/bytes/{size}"
    for engine in ENGINES:  # warm-up: imports, page cache, first connection
        DOWNLOADS[engine](f"{server.url}/bytes/{MiB}", MiB, Meter(server))()

    def run(engine: str, meter: Meter) -> None:
        DOWNLOADS[engine](url, size, meter)()

    best = best_of(repeat, run, server)
    print(f"\n1. Download of {size / MiB:g} MiB, every byte recorded; best of {repeat}")
    print(f"   placement: {placement.describe()}")
    opts = SendOptions()
    print(
        f"   limit: recv_into a reused {LIMIT_READ_SIZE // 1024} KiB buffer; ours: read_size "
        f"{opts.read_size // 1024} KiB, spill_threshold {opts.spill_threshold // MiB} MiB"
    )
    print(
        f"   {'engine':<12}{'MB/s':>9}{'seconds':>9}{'vs limit':>10}{'ours is':>9}"
        f"{'client CPU':>12}{'server CPU':>12}"
    )
    print(f"   {'':<49}(% of the wall time, mean of all runs)")
    ours = size / best["ours"].wall
    limit = size / best["limit"].wall
    for engine in ENGINES:
        b = best[engine]
        rate = size / b.wall
        print(
            f"   {engine:<12}{rate / 1e6:9,.0f}{b.wall:9.3f}{rate / limit:10.2f}"
            f"{ours / rate:8.2f}x{_pct(b.total_cpu, b.total_wall):>12}"
            f"{_pct(b.total_server_cpu, b.total_wall):>12}"
        )
    name = placement.name
    report.add("download: ours / limit", name, ours / limit, 0.8)
    report.add("download: ours / http.client", name, ours / (size / best["http.client"].wall), 2)
    report.add("download: ours / httpx", name, ours / (size / best["httpx"].wall), 3)


def bench_requests(
    title: str,
    engines: dict[str, Callable[[Small, int, Meter], None]],
    small: Small,
    n: int,
    repeat: int,
    placement: Placement,
    report: Report,
    server: Server,
    key: str,
) -> None:
    for engine in ENGINES:  # warm-up
        engines[engine](small, min(n, 20), Meter(server))

    def run(engine: str, meter: Meter) -> None:
        engines[engine](small, n, meter)

    best = best_of(repeat, run, server)
    print(f"\n{title}: {n} x GET {small.path}; best of {repeat}")
    print(f"   placement: {placement.describe()}")
    print(
        f"   {'engine':<12}{'req/s':>9}{'us/req':>9}{'vs limit':>10}{'ours is':>9}"
        f"{'client CPU':>12}{'server CPU':>12}"
    )
    print(f"   {'':<49}(us per request, mean of all runs)")
    ours = n / best["ours"].wall
    limit = n / best["limit"].wall
    for engine in ENGINES:
        b = best[engine]
        rate = n / b.wall
        print(
            f"   {engine:<12}{rate:9,.0f}{1e6 / rate:9.0f}{rate / limit:10.2f}{ours / rate:8.2f}x"
            f"{_per_request(b.total_cpu, n * b.runs):>12}"
            f"{_per_request(b.total_server_cpu, n * b.runs):>12}"
        )
    report.add(f"{key}: ours / limit", placement.name, ours / limit, 0.8)


def print_memory(mem: dict[str, int], how: str, size: int, report: Report) -> None:
    print(f"\n1b. Peak memory of one {size / MiB:g} MiB download, each engine in a fresh process")
    print(f"   (peak RSS increase over the process's baseline after its imports; {how})")
    print(f"   {'engine':<12}{'MiB':>9}{'x body':>9}")
    for engine in ENGINES:
        print(f"   {engine:<12}{mem[engine] / MiB:9.1f}{mem[engine] / size:9.2f}")
    report.add("download: ours peak memory / body", "-", mem["ours"] / size, 1.5, higher=False)


def print_verdicts(report: Report) -> bool:
    print("\nTargets (DESIGN.md section 6, issue 4)")
    print(f"   {'target':<44}{'placement':<17}{'measured':>9}{'target':>9}  met")
    for v in report.verdicts:
        sign = ">=" if v.higher_is_better else "<="
        print(
            f"   {v.what:<44}{v.placement:<17}{v.measured:9.2f}{sign:>5}{v.target:4g}  "
            f"{'yes' if v.met else 'NO'}"
        )
    return all(v.met for v in report.verdicts)


def _busy_seconds() -> float | None:
    """CPU seconds spent in user and system mode on every CPU since boot (/proc/stat)."""
    try:
        with open("/proc/stat") as f:
            fields = f.readline().split()
    except OSError:
        return None
    return (int(fields[1]) + int(fields[2]) + int(fields[3])) / os.sysconf("SC_CLK_TCK")


def _own_seconds() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


class Others:
    """How busy other processes keep the CPUs: every figure is suspect when they do."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.during: float | None = None
        self._start = self._sample()

    def _sample(self) -> tuple[float, float | None, float, float | None]:
        return time.perf_counter(), _busy_seconds(), _own_seconds(), self.server.cpu_seconds()

    def _others(self, a: tuple[float, float | None, float, float | None]) -> float | None:
        b = self._sample()
        if a[1] is None or b[1] is None or a[3] is None or b[3] is None:
            return None
        own = (b[2] - a[2]) + (b[3] - a[3])
        return max(0.0, (b[1] - a[1] - own) / (b[0] - a[0]))

    def idle_sample(self) -> float | None:
        """CPUs used by others over half a second while this benchmark waits."""
        start = self._sample()
        time.sleep(0.5)
        others = self._others(start)
        self._start = self._sample()
        return others

    def stop(self) -> None:
        """Take the figure for the run so far (before the server stops)."""
        self.during = self._others(self._start)

    @staticmethod
    def report(when: str, cpus: float | None, threshold: float) -> None:
        """Print the figure; warn above ``threshold`` CPUs.

        During the run the figure includes kernel threads working for this
        benchmark (softirq, writeback of the spilled transcript), hence a
        higher threshold than before it.
        """
        if cpus is None:
            return
        print(f"other processes and kernel threads used {cpus:.2f} CPUs {when}")
        if cpus > threshold:
            print(
                "WARNING: other processes are busy: the figures may be off and swing between "
                "runs; run again on a quiet machine"
            )


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise BenchError("the time limit passed")


def main(argv: list[str] | None = None) -> int:
    """Run every benchmark and print the results."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--child", nargs=2, metavar=("ENGINE", "URL"), help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help="smoke run: 10 MiB, 200, 20 GETs")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (best counts)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--placements",
        default=",".join(PLACEMENTS),
        help="CPU placements to run, in order, from: apart (server and client pinned to "
        "different CPUs), together (both pinned to one CPU), unpinned (default: all three)",
    )
    where.add_argument(
        "--pin",
        action="store_const",
        dest="placements",
        const="apart",
        help="only server and client pinned to different CPUs",
    )
    where.add_argument(
        "--unpinned",
        action="store_const",
        dest="placements",
        const="unpinned",
        help="only unpinned",
    )
    parser.add_argument("--small-path", default=DEFAULT_SMALL_PATH, help="the small GETs' path")
    parser.add_argument("--time-limit", type=float, default=600, help="give up after seconds")
    args = parser.parse_args(argv)
    if args.child:
        return child(*args.child)
    names = [name.strip() for name in args.placements.split(",") if name.strip()]
    unknown = sorted(set(names) - set(PLACEMENTS))
    if unknown or not names:
        parser.error(f"--placements: choose from {', '.join(PLACEMENTS)}")

    size = 10 * MiB if args.quick else 100 * MiB
    keepalive_n = 200 if args.quick else 2000
    fresh_n = 20 if args.quick else 200
    started = time.perf_counter()
    allowed = set(os.sched_getaffinity(0))
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(max(1, int(args.time_limit)))
    report = Report()
    canned: Server | None = None
    try:
        server = Server.start()
    except BenchError as exc:
        print(f"bench_client: {exc}", file=sys.stderr)
        return 1
    print(
        f"server: {server.url} (inspector serve, pid {server.proc.pid}); client pid {os.getpid()}"
    )
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, allowed {_cpus(allowed)}")
    others = Others(server)
    try:
        others.report("before the run", others.idle_sample(), 0.1)
        small = Small.make(server, args.small_path)
        canned = start_canned(small)
        smalls = [
            ("built-in server", server, small),
            ("canned server", canned, _re_aim(small, canned)),
        ]
        print(f"canned server: {canned.url} (benchmarks/canned_server.py, pid {canned.proc.pid})")
        for placement in placements(names, allowed):
            placement.apply(server)
            placement.apply(canned)
            bench_download(server, size, args.repeat, placement, report)
            for label, srv, sm in smalls:
                bench_requests(
                    f"2. Small GETs on one keep-alive connection, {label}",
                    KEEPALIVE,
                    sm,
                    keepalive_n,
                    args.repeat,
                    placement,
                    report,
                    srv,
                    f"keep-alive, {label}",
                )
                bench_requests(
                    f"3. GETs each on a new connection, {label}",
                    FRESH,
                    sm,
                    fresh_n,
                    args.repeat,
                    placement,
                    report,
                    srv,
                    f"new conns, {label}",
                )
        Placement("unpinned", allowed, allowed).apply(server)
        print_memory(*measure_memory(server, size), size, report)
    except BenchError as exc:
        print(f"bench_client: {exc}", file=sys.stderr)
        return 1
    finally:
        signal.alarm(0)
        others.stop()
        server.stop()
        if canned is not None:
            canned.stop()
    others.report("during the run", others.during, 0.3)
    ok = print_verdicts(report)
    print(
        f"\n{'every target met' if ok else 'some targets missed'}; "
        f"{time.perf_counter() - started:.0f} s in all"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
