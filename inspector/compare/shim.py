"""A socket-like object over RecordingSocket, for libraries that want ``makefile``."""

from __future__ import annotations

import io
import time
from typing import Any

from inspector.model import EventKind
from inspector.net.recorder import RecordingSocket


class _RawReader(io.RawIOBase):
    def __init__(self, shim: SocketShim) -> None:
        self._shim = shim

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        rsock = self._shim.rsock
        n = rsock.recv_into(buffer)
        if not n:
            rsock.transcript.record_event(EventKind.EOF, "the server closed", time.monotonic())
        return n

    def close(self) -> None:
        if not self.closed:
            super().close()
            self._shim.release()


class SocketShim:
    """Looks enough like a socket for http.client; every byte goes through the recorder.

    Like a real socket, closing it while a file made by ``makefile`` is still
    open only closes the descriptor once that file is closed too (http.client
    closes the connection early and keeps reading the response from the file).
    """

    def __init__(self, rsock: RecordingSocket) -> None:
        self.rsock = rsock
        self._files = 0
        self._close_wanted = False

    def sendall(self, data: bytes) -> None:
        self.rsock.sendall(data)

    def makefile(self, mode: str = "rb", *args: Any, **kwargs: Any) -> io.BufferedReader:
        self._files += 1
        return io.BufferedReader(_RawReader(self))

    def release(self) -> None:
        self._files -= 1
        if self._close_wanted and self._files <= 0:
            self.rsock.sock.close()

    def close(self) -> None:
        self._close_wanted = True
        if self._files <= 0:
            self.rsock.sock.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.rsock.sock, name)
