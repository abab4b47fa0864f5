"""POST /transaction in-process, counted by callgrind: instructions per request after a warm-up.

On a shared machine wall-clock figures swing by a third between runs of the same code; instruction
counts repeat to a fraction of a per cent, so a change of a few per cent in the request's own cost can
be seen. Run by instructions.sh under `valgrind --tool=callgrind --instr-atstart=no`; the counting is
switched on for the measured requests only (callgrind_control), so start-up and warm-up are left out.
"""

import io
import os
import subprocess
import sys
import uuid

from payproc.wsgi import application

BODY = (
    b'{"amount": "49.99", "currency": "USD", "card_number": "4242424242424242", "expiry_month": 12, '
    b'"expiry_year": 2034, "cvv": "123", "merchant_reference": "order-1", '
    b'"customer": {"email": "jane@example.com", "ip": "203.0.113.7", "country": "US"}}'
)


def post() -> str:
    statuses: list[str] = []
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/transaction",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8080",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1:8080",
        "HTTP_AUTHORIZATION": f"Bearer {os.environ['KEY']}",
        "HTTP_IDEMPOTENCY_KEY": f"instructions-{uuid.uuid4().hex}",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(BODY)),
        "wsgi.input": io.BytesIO(BODY),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
    }
    b"".join(application(environ, lambda status, headers, exc_info=None: statuses.append(status)))
    return statuses[0]


def callgrind(command: str) -> None:
    # valgrind's own tool, found on PATH; the arguments are fixed here.
    subprocess.run(["callgrind_control", command, str(os.getpid())], check=True, capture_output=True)  # noqa: S603, S607


def main(requests: int, warm_up: int = 50) -> None:
    for _ in range(warm_up):
        status = post()
        if not status.startswith("202"):
            sys.exit(f"POST /transaction answered {status}")
    callgrind("--instr=on")
    for _ in range(requests):
        post()
    callgrind("--instr=off")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100)
