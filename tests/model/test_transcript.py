"""The Transcript: every byte in order, readable by range, spilling to disk when large."""

from __future__ import annotations

import os
import threading

import pytest

from inspector.model import ByteStream, EventKind, InputError, RequestSpec, Target, Transcript


@pytest.mark.parametrize("threshold", [10**9, 100])
def test_reads_any_range_in_memory_and_after_spill(threshold: int) -> None:
    """Ranges read back exactly, whether the bytes are in memory or spilled to a file."""
    stream = ByteStream(spill_threshold=threshold)
    pieces = [bytes([i]) * (i * 7 % 50 + 1) for i in range(40)]
    offsets = [stream.append(p) for p in pieces]
    whole = b"".join(pieces)
    assert stream.spilled is (threshold == 100)
    assert offsets == [sum(len(p) for p in pieces[:i]) for i in range(len(pieces))]
    assert len(stream) == len(whole) and stream.read() == whole
    for start, end in [(0, 1), (5, 95), (99, 101), (len(whole) - 3, len(whole) + 50), (7, 7)]:
        assert stream.read(start, end) == whole[start:end]
    assert stream.read(len(whole) + 5) == b""


def test_memoryview_input_is_copied() -> None:
    """Appending a view of a reused buffer keeps the bytes as they were at that moment."""
    buf = bytearray(b"abcdef")
    stream = ByteStream()
    stream.append(memoryview(buf)[:3])
    buf[:3] = b"xyz"
    assert stream.read() == b"abc"


def test_reader_thread_sees_consistent_prefixes() -> None:
    """A reader thread (the TUI) can read while the writer (a worker) appends and spills."""
    stream = ByteStream(spill_threshold=5000)
    errors: list[BaseException] = []
    done = threading.Event()

    def reader() -> None:
        try:
            while not done.is_set():
                n = len(stream)
                data = stream.read(0, n)
                assert len(data) >= n and data == bytes(i % 251 for i in range(len(data)))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    t = threading.Thread(target=reader)
    t.start()
    expected = bytes(i % 251 for i in range(20000))
    for i in range(0, len(expected), 97):
        stream.append(expected[i : i + 97])
    done.set()
    t.join()
    assert not errors and stream.read() == expected and stream.spilled


def test_close_while_another_thread_writes_leaks_no_file() -> None:
    """Spilled reads and writes run without the lock; a close() racing them frees the file once."""
    fd_dir = "/proc/self/fd"
    if not os.path.isdir(fd_dir):
        pytest.skip("needs /proc/self/fd")
    before = len(os.listdir(fd_dir))
    for _ in range(20):
        stream = ByteStream(spill_threshold=10)
        started = threading.Event()
        errors: list[BaseException] = []

        def writer(
            stream: ByteStream = stream,
            started: threading.Event = started,
            errors: list[BaseException] = errors,
        ) -> None:
            try:
                for _ in range(200):
                    stream.append(b"y" * 65536)
                    started.set()
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        def reader(
            stream: ByteStream = stream,
            started: threading.Event = started,
            errors: list[BaseException] = errors,
        ) -> None:
            try:
                started.wait()
                while True:
                    n = len(stream)
                    data = stream.read(0, n)
                    assert data == b"y" * len(data)
                    if not data and stream.read() == b"":
                        return  # closed
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=writer), threading.Thread(target=reader)]
        for t in threads:
            t.start()
        started.wait()
        stream.close()
        for t in threads:
            t.join()
        assert not errors
        assert stream.read() == b"" and not stream.spilled
    assert len(os.listdir(fd_dir)) == before


def test_events_record_each_call_in_order() -> None:
    """Each send and recv is an event with its offset and size; connection events interleave."""
    tr = Transcript()
    tr.record_event(EventKind.CONNECT, "127.0.0.1:80")
    tr.record_send(b"GET / HTTP/1.1\r\n\r\n")
    tr.record_recv(b"HTTP/1.1 200 OK\r\n")
    tr.record_recv(b"\r\n")
    tr.record_event(EventKind.EOF)
    kinds = [(e.kind, e.offset, e.size) for e in tr.events]
    assert kinds == [
        (EventKind.CONNECT, 0, 0),
        (EventKind.SEND, 0, 18),
        (EventKind.RECV, 0, 17),
        (EventKind.RECV, 17, 2),
        (EventKind.EOF, 0, 0),
    ]
    assert [c.direction for c in tr.chunks()] == ["send", "recv", "recv"]
    times = [e.t for e in tr.events]
    assert times == sorted(times) and times[0] >= tr.started
    assert tr.received.read() == b"HTTP/1.1 200 OK\r\n\r\n"


def test_spilled_transcript_frees_its_file_on_close() -> None:
    """close() releases the temporary file; later reads return nothing."""
    tr = Transcript(spill_threshold=10)
    tr.record_recv(b"x" * 100)
    assert tr.received.spilled
    tr.close()
    assert tr.received.read() == b"" and not tr.received.spilled


@pytest.mark.parametrize(
    ("url", "target"),
    [
        ("http://example.test/", Target("http", "example.test", 80)),
        ("HTTPS://Example.test:8443/x", Target("https", "example.test", 8443)),
        ("http://[::1]:8080/", Target("http", "::1", 8080)),
    ],
)
def test_target_from_url(url: str, target: Target) -> None:
    """The connection target is read from the URL, with default ports."""
    assert RequestSpec(url=url).target == target


def test_target_authority_leaves_out_default_port() -> None:
    """authority is what belongs in Host: no default port, brackets for IPv6."""
    assert Target("http", "a.test", 80).authority == "a.test"
    assert Target("https", "a.test", 80).authority == "a.test:80"
    assert Target("http", "::1", 8080).authority == "[::1]:8080"


@pytest.mark.parametrize("url", ["ftp://x/", "http:///path", "http://x:99999/", "nonsense"])
def test_bad_urls_raise_input_error(url: str) -> None:
    """A URL we cannot connect to is an InputError with the URL in its message."""
    with pytest.raises(InputError, match="bad URL"):
        Target.from_url(url)
