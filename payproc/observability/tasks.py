"""Celery tasks of the observability plumbing."""

from celery import shared_task

from . import heartbeat


@shared_task
def beat_heartbeat() -> None:
    heartbeat.beat()
