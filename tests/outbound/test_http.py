"""One HTTP attempt against real receivers on 127.0.0.1: a total deadline whatever the receiver does, a
capped body, no redirects, and the connection pinned to the address the check accepted."""

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from outbound import http
from outbound.addresses import AddressRefused

from .receivers import HostileReceiver


def _post(url: str, *, deadline: float = 1.5, public_only: bool = False, cap: int = 4096) -> http.Answer:
    return http.post(
        http.Request(url=url, body=b"{}", headers={"Payproc-Event-Id": "evt_1"}, deadline_seconds=deadline,
                     public_only=public_only, max_response_bytes=cap)
    )  # fmt: skip


@pytest.mark.parametrize("mode", ["trickle", "hang"])
def test_a_receiver_that_trickles_or_never_answers_is_cut_off_at_the_deadline(mode):
    receiver = HostileReceiver(mode, interval=0.3).start()
    began = time.monotonic()
    with pytest.raises(http.SendFailed, match=r"1\.5 s deadline"):
        _post(receiver.url, deadline=1.5)
    took = time.monotonic() - began
    assert 1.4 <= took < 2.0
    time.sleep(0.5)
    assert [c.closed is not None for c in receiver.connections] == [True]  # the connection was closed
    receiver.stop()


def test_an_endless_body_is_read_up_to_the_cap_and_no_further():
    receiver = HostileReceiver("endless").start()
    began = time.monotonic()
    answer = _post(receiver.url, cap=4096)
    assert answer.status_code == 503 and len(answer.body_start) == 4096
    assert time.monotonic() - began < 1.0
    receiver.stop()


@pytest.fixture
def answering():
    """A receiver that answers each POST with a redirect to the cloud metadata address."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            hits.append(self.headers["Host"])
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/latest/meta-data")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1], hits
    server.shutdown()
    server.server_close()


def test_redirects_are_not_followed(answering):
    port, hits = answering
    assert _post(f"http://127.0.0.1:{port}/hooks").status_code == 302
    assert hits == [f"127.0.0.1:{port}"]


@pytest.fixture
def stand_in_dns(monkeypatch):
    """A stand-in resolver: names in `answers` resolve to the next address queued for them, everything
    else as the system resolves it. Records every question."""
    real = socket.getaddrinfo
    answers: dict[str, list[str]] = {}
    asked: list[str] = []

    def getaddrinfo(host, port, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else host  # httpcore asks with bytes
        asked.append(name)
        if name in answers:
            address = answers[name].pop(0) if len(answers[name]) > 1 else answers[name][0]
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            return [(family, socket.SOCK_STREAM, 6, "", (address, port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers, asked


def test_a_dns_answer_that_turns_private_after_the_check_never_reaches_the_private_address(stand_in_dns, answering):
    port, hits = answering
    answers, asked = stand_in_dns
    # Rebinding: public when checked, the receiver on loopback for every question after that.
    answers["rebind.example"] = ["8.8.8.8", "127.0.0.1"]

    with pytest.raises(http.SendFailed):
        _post(f"http://rebind.example:{port}/hooks", public_only=True, deadline=1.0)

    assert hits == []  # the loopback receiver was never reached
    assert asked.count("rebind.example") == 1  # resolved once: the connection went to the checked address


def test_the_pinned_connection_still_sends_the_hostname(stand_in_dns, answering):
    port, hits = answering
    answers, _ = stand_in_dns
    answers["shop.internal.example"] = ["127.0.0.1"]

    assert _post(f"http://shop.internal.example:{port}/hooks").status_code == 302
    assert hits == [f"shop.internal.example:{port}"]


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.0.0.5",
        "169.254.169.254",
        "::1",
        "::ffff:127.0.0.1",  # IPv4-mapped
        "::127.0.0.1",  # IPv4-compatible
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
        "64:ff9b:1::a00:5",  # NAT64, local-use prefix
        "2002:7f00:1::1",  # 6to4 of 127.0.0.1
        "fd00::1",
    ],
)
def test_every_form_of_a_private_address_is_refused_without_naming_it(stand_in_dns, address):
    answers, _ = stand_in_dns
    answers["inside.example"] = [address]

    with pytest.raises(AddressRefused) as refused:
        _post("http://inside.example/hooks", public_only=True)
    assert refused.value.message == "host inside.example resolves to a non-public address."
    assert address not in refused.value.message


def test_public_forms_are_accepted():
    from ipaddress import ip_address

    from outbound.addresses import is_public

    for address in ("93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946", "64:ff9b::5db8:d822", "2002:5db8:d822::1"):
        assert is_public(ip_address(address)), address


@pytest.fixture
def tls_receiver(monkeypatch):
    """An HTTPS receiver on 127.0.0.1 whose certificate names hooks.example.test, issued by a test CA the
    sender trusts (in place of the public CAs)."""
    import ssl

    import trustme

    authority = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("hooks.example.test").configure_cert(context)
    trusting = ssl.create_default_context()
    authority.configure_trust(trusting)
    monkeypatch.setattr(http, "_tls", lambda: trusting)
    hosts: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            hosts.append(self.headers["Host"])
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1], hosts
    server.shutdown()
    server.server_close()


def test_a_pinned_tls_connection_checks_the_certificate_against_the_hostname(stand_in_dns, tls_receiver):
    port, hosts = tls_receiver
    answers, _ = stand_in_dns
    answers["hooks.example.test"] = ["127.0.0.1"]  # the connection goes to this address ...
    answers["other.example.test"] = ["127.0.0.1"]

    # ... and TLS still verifies the name: SNI and the certificate are the hostname's, not the address's.
    assert _post(f"https://hooks.example.test:{port}/hooks").status_code == 204
    assert hosts == [f"hooks.example.test:{port}"]
    with pytest.raises(http.SendFailed, match=r"certificate|hostname"):
        _post(f"https://other.example.test:{port}/hooks")  # the same address, a name the certificate lacks
