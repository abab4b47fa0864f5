"""A merchant's webhook receiver: a real HTTP server on 127.0.0.1 that answers with the statuses a test
queues (200 once the queue is empty) and keeps every request it got."""

import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Receiver:
    url: str
    answers: deque = field(default_factory=deque)
    requests: list = field(default_factory=list)


@pytest.fixture
def receiver():
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            state.requests.append({"headers": dict(self.headers), "body": body, "path": self.path})
            self.send_response(state.answers.popleft() if state.answers else 200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def deliver_due() -> int:
    """Dispatch the due deliveries as beat does (the sends run eagerly in tests); how many were leased."""
    from outbound import channels, engine

    return engine.dispatch(channels.get("webhooks"))
