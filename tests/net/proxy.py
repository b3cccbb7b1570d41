"""A tiny threaded HTTP proxy on loopback: absolute-form forwarding and CONNECT tunnels.

It records the head of every request it receives, forwards only to loopback
origins, and relays bytes both ways until either side closes. With
``refuse_connect`` it answers CONNECT with that status instead of tunnelling.
"""

from __future__ import annotations

import select
import socket
import threading
from types import TracebackType
from urllib.parse import urlsplit

LOOPBACK = {"127.0.0.1", "::1", "localhost"}


class Proxy:
    """A forward proxy on 127.0.0.1:0 for tests.

    Args:
        refuse_connect: Answer CONNECT with this status (e.g. 403) instead of tunnelling.
    """

    def __init__(self, refuse_connect: int | None = None) -> None:
        self.refuse_connect = refuse_connect
        self.heads: list[bytes] = []
        """The head of each request the proxy received, in order."""
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._socks: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self.port: int = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._wake_r, self._wake_w = socket.socketpair()
        self._accepter = threading.Thread(target=self._accept_loop, daemon=True)
        self._accepter.start()

    def __enter__(self) -> Proxy:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop accepting, close every relayed connection, join the threads."""
        self._stop.set()
        self._wake_w.send(b"x")
        self._accepter.join(5)
        with self._lock:
            socks, threads = list(self._socks), list(self._threads)
        for sock in socks:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for thread in threads:
            thread.join(5)
        self._wake_r.close()
        self._wake_w.close()

    def _accept_loop(self) -> None:
        try:
            while True:
                readable, _, _ = select.select([self._listener, self._wake_r], [], [])
                if self._wake_r in readable:
                    return
                sock, _ = self._listener.accept()
                thread = threading.Thread(target=self._serve, args=(sock,), daemon=True)
                with self._lock:
                    self._socks.append(sock)
                    self._threads.append(thread)
                thread.start()
        except OSError:
            return
        finally:
            self._listener.close()

    def _serve(self, client: socket.socket) -> None:
        upstream: socket.socket | None = None
        try:
            client.settimeout(5)
            head = b""
            while b"\r\n\r\n" not in head:
                data = client.recv(65536)
                if not data:
                    return
                head += data
            head, rest = head.split(b"\r\n\r\n", 1)
            head += b"\r\n\r\n"
            with self._lock:
                self.heads.append(head)
            method, target, version = head.split(b"\r\n", 1)[0].split(b" ", 2)
            if method == b"CONNECT":
                if self.refuse_connect is not None:
                    client.sendall(
                        b"HTTP/1.1 %d Refused\r\nContent-Length: 0\r\n\r\n" % self.refuse_connect
                    )
                    return
                host, _, port = target.decode("ascii").rpartition(":")
                upstream = self._connect(host.strip("[]"), int(port))
                client.sendall(b"HTTP/1.1 200 Connection Established\r\n\r\n")
                if rest:
                    upstream.sendall(rest)
            else:
                url = urlsplit(target.decode("ascii"))
                upstream = self._connect(url.hostname or "", url.port or 80)
                origin_form = (url.path or "/") + (f"?{url.query}" if url.query else "")
                line = b"%s %s %s" % (method, origin_form.encode("ascii"), version)
                upstream.sendall(line + b"\r\n" + head.split(b"\r\n", 1)[1] + rest)
            self._relay(client, upstream)
        except (OSError, ValueError):
            return
        finally:
            client.close()
            if upstream is not None:
                upstream.close()

    def _connect(self, host: str, port: int) -> socket.socket:
        if host not in LOOPBACK:
            raise ValueError(f"the test proxy forwards to loopback only, not {host!r}")
        upstream = socket.create_connection((host, port), timeout=5)
        with self._lock:
            self._socks.append(upstream)
        return upstream

    def _relay(self, a: socket.socket, b: socket.socket) -> None:
        peers = {a: b, b: a}
        while not self._stop.is_set():
            readable, _, _ = select.select([a, b, self._wake_r], [], [], 5)
            if not readable or self._wake_r in readable:
                return
            for sock in readable:
                data = sock.recv(65536)
                if not data:
                    return
                peers[sock].sendall(data)
