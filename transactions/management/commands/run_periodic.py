import logging
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from payproc.celery import app
from payproc.processes import stop_on_signals

logger = logging.getLogger("payproc.periodic")


class Command(BaseCommand):
    help = (
        "Run the beat schedule's tasks in this process (the embedded default has no broker for Celery beat): "
        "escalations, notification retries, the outbox safety net. Stops on SIGTERM/SIGINT."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Run every task once, then exit.")

    def handle(self, *args: Any, once: bool, **options: Any) -> None:
        stop = stop_on_signals()
        app.loader.import_default_modules()  # the apps' tasks modules, which Celery discovers lazily
        schedule = {
            name: (entry["task"], float(entry["schedule"])) for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
        }
        due = dict.fromkeys(schedule, 0.0)
        while not stop.is_set():
            now = time.monotonic()
            for name, (task, interval) in schedule.items():
                if due[name] <= now:
                    result = app.tasks[task].apply()
                    if result.failed():
                        logger.warning("periodic task %s failed: %s", name, result.result)
                    due[name] = now + interval
            if once:
                return
            stop.wait(max(0.5, min(due.values()) - time.monotonic()))
