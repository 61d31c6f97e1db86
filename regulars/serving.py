"""Gunicorn's settings for `regulars serve` (`-c python:regulars.serving`).

In the embedded mode (no REDIS_URL) each web process also runs the embedded worker: the long
work its requests queue and, in the one process holding the lease, the schedule
(`regulars/core/embedded.py`). With Redis, Celery workers and beat do that instead.
"""

import os

EMBEDDED = not os.environ.get("REDIS_URL")

# Embedded: threads, not only processes. SQLite lets one process write at a time, so a few
# processes of several threads each answer more than many single-threaded ones, and the
# embedded worker's threads live beside them. With Redis (and PostgreSQL), gunicorn's own
# synchronous workers as before; give --worker-class gthread --threads N for more (the load
# benchmark does). Command-line options win over everything here.
worker_class = "gthread" if EMBEDDED else "sync"
threads = int(os.environ.get("REGULARS_WEB_THREADS", "4" if EMBEDDED else "1"))
# Long work may still run when a process is asked to stop; what is cut short resumes later.
graceful_timeout = 30


def post_worker_init(worker) -> None:
    if EMBEDDED:
        from regulars.core import embedded

        embedded.start()


def worker_exit(server, worker) -> None:
    from regulars.core import embedded

    if embedded.running():
        embedded.stop(wait=False)
