"""The Celery application.

With REDIS_URL set, tasks go to Redis and run in `regulars worker` processes. Without it
(the embedded demo and the unit tests) tasks run eagerly in the calling process, so the
product works with nothing but a SQLite file.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "regulars.settings")

app = Celery("regulars")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
