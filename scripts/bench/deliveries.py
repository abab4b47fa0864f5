"""Deliveries per second through the delivery engine (`make bench`): N webhook deliveries spread over E
endpoints, all due at once, sent by the `deliveries` role (docker/entrypoint.sh, production settings, the
real Redis broker) to a fast receiver on 127.0.0.1 that answers 204 at once. Prints deliveries/s and the
time from due to delivered. Usage: deliveries.py [deliveries] [endpoints]
Run by scripts/bench/deliveries.sh, which sets up the database and the environment."""

import asyncio
import os
import subprocess
import sys
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

from django.db.models import Max, Min  # noqa: E402
from django.utils import timezone  # noqa: E402

from transactions.api_keys import create_merchant  # noqa: E402
from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent  # noqa: E402


def serve(port_holder: list[int]) -> None:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            (int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")), 0
        )
        await reader.readexactly(length)
        writer.write(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        await writer.drain()
        writer.close()

    async def main() -> None:
        server = await asyncio.start_server(answer, "127.0.0.1", 0, backlog=512)
        port_holder.append(server.sockets[0].getsockname()[1])
        await server.serve_forever()

    asyncio.run(main())


def main() -> None:
    deliveries, endpoints = (int(arg) for arg in (sys.argv[1:] + ["2000", "8"][len(sys.argv) - 1 :])[:2])
    port: list[int] = []
    threading.Thread(target=serve, args=(port,), daemon=True).start()
    while not port:
        time.sleep(0.01)
    later = timezone.now() + timedelta(days=1)
    rows = []
    for index in range(endpoints):
        merchant, _ = create_merchant(name=f"bench-{index}", actor="bench")
        endpoint = WebhookEndpoint.objects.create(
            merchant=merchant, url=f"http://127.0.0.1:{port[0]}/hooks", events=["*"]
        )
        for number in range(deliveries // endpoints):
            event = WebhookEvent(merchant=merchant, type="payment.approved", source_event_id=uuid.uuid4())
            event.body = f'{{"id": "{event.id}", "type": "payment.approved", "n": {number}}}'
            rows.append((endpoint, event))
    WebhookEvent.objects.bulk_create([event for _, event in rows])
    WebhookDelivery.objects.bulk_create(
        [WebhookDelivery(endpoint=endpoint, event=event, next_attempt_at=later) for endpoint, event in rows]
    )
    worker, beat = (
        subprocess.Popen(["/bin/sh", "docker/entrypoint.sh", role], cwd=ROOT, start_new_session=True,  # noqa: S603
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for role in ("deliveries", "beat")
    )  # fmt: skip
    try:
        time.sleep(8)  # the worker's children up, beat's first tick past
        due = timezone.now()
        WebhookDelivery.objects.update(next_attempt_at=due)
        total = len(rows)
        until = time.monotonic() + 600
        while WebhookDelivery.objects.filter(status="succeeded").count() < total and time.monotonic() < until:
            time.sleep(0.5)
        done = WebhookDelivery.objects.filter(status="succeeded")
        span = done.aggregate(first=Min("delivered_at"), last=Max("delivered_at"))
        seconds = (span["last"] - due).total_seconds()
        attempts = sum(done.values_list("attempts", flat=True))
        print(
            f"deliveries: {done.count()}/{total} to {endpoints} endpoint(s) in {seconds:.1f} s = "
            f"{done.count() / seconds:.0f} deliveries/s ({attempts} attempts; first delivered "
            f"{(span['first'] - due).total_seconds():.2f} s after due; DELIVERY_CONCURRENCY="
            f"{os.environ.get('DELIVERY_CONCURRENCY', '8')}, MAX_IN_FLIGHT per endpoint "
            f"{os.environ.get('OUTBOUND_WEBHOOKS_MAX_IN_FLIGHT', '2')})"
        )
    finally:
        for process in (worker, beat):
            os.killpg(process.pid, 15)
            process.wait()


if __name__ == "__main__":
    main()
