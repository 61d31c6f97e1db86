"""The Celery application.

With REDIS_URL set, tasks go to Redis and run in `regulars worker` processes. Without it
(the embedded mode and the unit tests) tasks run eagerly in the calling process — except that
under `regulars serve` a task declared ``long_work=True`` goes to the process's background
pool (`regulars/core/embedded.py`), so the request that queued it returns at once.
"""

import os

from celery import Celery
from celery import Task as CeleryTask

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "regulars.settings")


class Task(CeleryTask):
    long_work = False  # an import, a fan-out, a batch of codes: never inside a request

    def apply_async(self, args=None, kwargs=None, **options):
        from regulars.core import embedded

        if embedded.takes(self):
            return embedded.submit(self.name, args, kwargs)
        return super().apply_async(args, kwargs, **options)


app = Celery("regulars", task_cls=Task)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
