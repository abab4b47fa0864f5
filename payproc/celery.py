"""The Celery app, defined once; apps' `tasks.py` are discovered."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "payproc.settings.local")

app = Celery("payproc")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
