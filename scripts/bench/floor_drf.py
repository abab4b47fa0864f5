"""The floor `make bench` also compares the web role with: the bare-DRF POST plus the I/O a payment
cannot do without, one Redis round trip and one PostgreSQL transaction of four pipelined INSERTs
(idempotency record, payment, history row, outbox row), nothing else. payproc's web role does that
and authenticates, rate-limits, validates and records more; the floor is what this machine allows."""

import json
import os
import uuid

import psycopg
import redis
from bare_drf import PaymentIn  # Django configured as for the ceiling, and the same serializer
from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.urls import path
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

SCHEMA = """
CREATE TABLE IF NOT EXISTS floor_idempotency (id bigserial PRIMARY KEY, key text UNIQUE, body text);
CREATE TABLE IF NOT EXISTS floor_payment (id uuid PRIMARY KEY, amount bigint, currency text,
  created_at timestamptz DEFAULT now());
CREATE TABLE IF NOT EXISTS floor_history (id bigserial PRIMARY KEY, payment_id uuid REFERENCES floor_payment,
  to_status text);
CREATE TABLE IF NOT EXISTS floor_outbox (id bigserial PRIMARY KEY, key text, envelope text, published_at timestamptz);
"""


class Connections:
    """One PostgreSQL and one Redis connection per gunicorn worker, opened on its first request."""

    database: psycopg.Connection | None = None
    store: redis.Redis | None = None

    @classmethod
    def get(cls) -> tuple[psycopg.Connection, redis.Redis]:
        if cls.database is None:
            cls.database = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True)
            cls.store = redis.Redis.from_url(os.environ["REDIS_URL"])
        return cls.database, cls.store  # type: ignore[return-value]


class Create(APIView):
    def post(self, request: Request) -> Response:
        data = PaymentIn(data=request.data)
        data.is_valid(raise_exception=True)
        postgres, store = Connections.get()
        store.incr(f"floor:{request.headers.get('Authorization', '')}")
        payment = uuid.uuid4()
        shown = {k: str(v) for k, v in data.validated_data.items() if k not in {"card_number", "cvv"}}
        answer = {"id": str(payment), "status": "pending", **shown}
        body = json.dumps(answer)
        with postgres.transaction(), postgres.pipeline():
            postgres.execute(
                "INSERT INTO floor_idempotency (key, body) VALUES (%s, %s)", (request.headers["Idempotency-Key"], body)
            )
            postgres.execute(
                "INSERT INTO floor_payment (id, amount, currency) VALUES (%s, %s, %s)", (payment, 4999, "USD")
            )
            postgres.execute("INSERT INTO floor_history (payment_id, to_status) VALUES (%s, 'pending')", (payment,))
            postgres.execute("INSERT INTO floor_outbox (key, envelope) VALUES (%s, %s)", (str(payment), body))
        return Response(answer, status=202)


urlpatterns = [path("transaction", Create.as_view())]
settings.ROOT_URLCONF = __name__
application = get_wsgi_application()

if __name__ == "__main__":
    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as connection:
        connection.execute(SCHEMA)
