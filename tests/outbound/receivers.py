"""Hostile webhook receivers: real TCP servers on 127.0.0.1 that read a request's head and then misbehave.

- `trickle`: a status line, then one header byte every `interval` seconds, never ending the headers;
- `endless`: a 503 whose chunked body streams without end (so the sender retries);
- `hang`: never answers;
- `ok`: answers 204 at once (a healthy receiver, for comparison).

Each keeps every connection it got (the event id sent, when it opened and when the sender closed it) and
the most connections it had open at once.
"""

import select
import socket
import threading
import time
from dataclasses import dataclass, field


@dataclass
class Connection:
    event_id: str
    opened: float
    closed: float | None = None


@dataclass
class HostileReceiver:
    mode: str
    interval: float = 3.0
    connections: list[Connection] = field(default_factory=list)
    open_now: int = 0
    max_open: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def start(self) -> "HostileReceiver":
        self._server = socket.create_server(("127.0.0.1", 0), backlog=64)
        self.port = self._server.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        connection = Connection(event_id="", opened=time.monotonic())
        with self.lock:
            self.connections.append(connection)
            self.open_now += 1
            self.max_open = max(self.max_open, self.open_now)
        try:
            connection.event_id = _read_request(client)
            if self.mode == "ok":
                client.sendall(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            elif self.mode == "trickle":
                client.sendall(b"HTTP/1.1 200 OK\r\n")
                while not _closed_by_peer(client, wait=self.interval):
                    client.sendall(b"X")
            elif self.mode == "endless":
                client.sendall(b"HTTP/1.1 503 Busy\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n")
                while not _closed_by_peer(client, wait=0.001):
                    client.sendall(b"400\r\n" + b"x" * 1024 + b"\r\n")
            else:
                while not _closed_by_peer(client, wait=1.0):
                    pass
        except OSError:
            pass
        finally:
            connection.closed = time.monotonic()
            with self.lock:
                self.open_now -= 1
            client.close()


def _read_request(client: socket.socket) -> str:
    """Read the request (head and body); returns its Payproc-Event-Id."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = client.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    fields = {}
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        fields[name.strip().lower()] = value.strip()
    remaining = int(fields.get(b"content-length", b"0")) - len(body)
    while remaining > 0:
        chunk = client.recv(min(remaining, 65536))
        if not chunk:
            break
        remaining -= len(chunk)
    return fields.get(b"payproc-event-id", b"").decode()


def _closed_by_peer(client: socket.socket, *, wait: float) -> bool:
    readable, _, _ = select.select([client], [], [], wait)
    if not readable:
        return False
    try:
        return client.recv(65536) == b""  # the body (already sent) or the close
    except OSError:
        return True
