"""A minimal canned HTTP/1.1 responder, so that the server is not the bottleneck.

    python benchmarks/canned_server.py BASE64_RESPONSE

Listens on 127.0.0.1 (a free port, printed as a URL on the first line), reads
requests without bodies (up to the blank line) on any number of keep-alive
connections and answers each with the same bytes. It does no parsing beyond
finding the end of each head, so a request costs it a few microseconds:
small-request benchmarks then measure the clients, not the server (issue 4:
"on a local server that is not the bottleneck").
"""

from __future__ import annotations

import base64
import selectors
import socket
import sys


def main() -> int:
    response = base64.b64decode(sys.argv[1])
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    listener.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(listener, selectors.EVENT_READ, None)
    print(f"http://127.0.0.1:{listener.getsockname()[1]}/", flush=True)
    pending: dict[socket.socket, bytes] = {}
    while True:
        for key, _ in sel.select():
            sock = key.fileobj
            assert isinstance(sock, socket.socket)
            if sock is listener:
                conn, _ = listener.accept()
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                sel.register(conn, selectors.EVENT_READ, None)
                pending[conn] = b""
                continue
            try:
                data = sock.recv(65536)
            except OSError:
                data = b""
            if not data:
                sel.unregister(sock)
                pending.pop(sock, None)
                sock.close()
                continue
            buf = pending[sock] + data
            count = buf.count(b"\r\n\r\n")
            if count:
                buf = buf[buf.rindex(b"\r\n\r\n") + 4 :]
                sock.setblocking(True)
                sock.sendall(response * count)
                sock.setblocking(False)
            pending[sock] = buf


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    except KeyboardInterrupt:
        raise SystemExit(0) from None
