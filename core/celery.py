from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")

app = Celery("appeal_desk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
