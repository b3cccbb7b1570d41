"""A socket whose every send() and recv() lands in a Transcript as it happens."""

from __future__ import annotations

import socket
import ssl
import time

from inspector.model import Transcript


class RecordingSocket:
    """Wraps a connected socket (plain or TLS). Reads and writes are recorded in order.

    For TLS the wrapped object is the SSLSocket, so the transcript holds the
    plaintext above TLS. The transcript can be switched between exchanges on a
    reused connection.
    """

    def __init__(self, sock: socket.socket, transcript: Transcript) -> None:
        self.sock = sock
        self.transcript = transcript

    def settimeout(self, timeout: float | None) -> None:
        """Set the timeout of every following call."""
        sock = self.sock
        # Setting it costs a syscall (the fd's blocking mode) and keep-alive
        # exchanges set the same read timeout again and again: skip no-ops.
        if sock.gettimeout() != timeout:
            sock.settimeout(timeout)

    def sendall(self, data: bytes | memoryview) -> None:
        """Write everything, recording each send() call that the kernel accepted."""
        if not data:
            return
        send = self.sock.send
        n = send(data)
        record = self.transcript.record_send
        if n == len(data):  # the common case: one call took it all
            record(data, time.monotonic())
            return
        view = memoryview(data)
        record(view[:n], time.monotonic())
        view = view[n:]
        while view:
            n = send(view)
            record(view[:n], time.monotonic())
            view = view[n:]

    def recv_into(self, buf: bytearray | memoryview, nbytes: int = 0) -> int:
        """Read once into ``buf``; record what arrived (0 means EOF and records nothing)."""
        n = self.sock.recv_into(buf, nbytes)
        if n:
            self.transcript.record_recv(memoryview(buf)[:n], time.monotonic())
        return n

    @property
    def is_tls(self) -> bool:
        """Whether the wrapped socket speaks TLS."""
        return isinstance(self.sock, ssl.SSLSocket)
