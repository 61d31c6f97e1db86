"""The `regulars` command: `demo`, `serve`, `worker`, and everything `manage.py` does."""

import argparse
import os
import sys


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "regulars.settings")
    import django

    django.setup()


def _demo_environment(host: str) -> None:
    """The demo runs as production does — the same server, DEBUG off, compressed static files —
    except that it speaks plain HTTP on this machine and pays through the sandbox. Its secrets
    are made once and kept in the var directory. Anything already in the environment wins."""
    import secrets
    from pathlib import Path

    var_dir = Path(
        os.environ.get("REGULARS_VAR_DIR", Path(__file__).resolve().parent.parent / "var")
    )
    var_dir.mkdir(parents=True, exist_ok=True)

    def kept_secret(name: str) -> str:
        path = var_dir / name
        if not path.exists():
            path.write_text(secrets.token_urlsafe(50))
            path.chmod(0o600)
        return path.read_text().strip()

    hosts = (
        "*"
        if host in ("0.0.0.0", "::")
        else ",".join(dict.fromkeys([host, "127.0.0.1", "localhost"]))
    )
    for name, value in {
        "REGULARS_DEBUG": "0",
        "REGULARS_SECRET_KEY": kept_secret("demo-secret-key"),
        "REGULARS_ALLOWED_HOSTS": hosts,
        "REGULARS_SECURE_COOKIES": "0",
        "REGULARS_SSL_REDIRECT": "0",
        "REGULARS_HSTS_SECONDS": "0",
        "REGULARS_SERVE_MEDIA": "1",
        "REGULARS_SANDBOX_PAYMENTS": "1",
        "REGULARS_SANDBOX_PAY_SECRET": kept_secret("demo-sandbox-secret"),
        "REGULARS_LOG_FORMAT": "text",
    }.items():
        os.environ.setdefault(name, value)


def collect_static_once() -> None:
    """Fingerprinted, gzip and brotli copies of the static files, as production serves them.
    Compressing them all takes half a minute, so it is redone only when a source file changed
    (their names, sizes and times are compared with the last collection's)."""
    import hashlib

    from django.conf import settings
    from django.contrib.staticfiles.finders import get_finders
    from django.core.management import call_command

    sources = hashlib.sha256()
    for finder in get_finders():
        for path, storage in sorted(finder.list(["CVS", ".*", "*~"]), key=lambda found: found[0]):
            stat = os.stat(storage.path(path))
            sources.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    stamp = settings.STATIC_ROOT / ".collected-from"
    manifest = settings.STATIC_ROOT / "staticfiles.json"
    if manifest.exists() and stamp.exists() and stamp.read_text() == sources.hexdigest():
        return
    call_command("collectstatic", interactive=False, verbosity=0)
    stamp.write_text(sources.hexdigest())


def demo(argv: list[str]) -> int:
    """Migrate, generate the demo city when the database is empty, print logins, serve it with
    `regulars serve` (gunicorn and the embedded worker: the schedule runs, long work leaves the
    request)."""
    parser = argparse.ArgumentParser(prog="regulars demo")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--merchants", type=int, default=2000)
    parser.add_argument("--consumers", type=int, default=5000)
    parser.add_argument("--no-serve", action="store_true", help="set up the data and stop")
    args = parser.parse_args(argv)
    _demo_environment(args.host)
    _setup_django()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("demo_city", merchants=args.merchants, consumers=args.consumers, if_empty=True)
    collect_static_once()
    if args.no_serve:
        return 0
    print(f"Regulars demo: http://{args.host}:{args.port}/  (Ctrl+C stops it)", flush=True)
    bind = f"[{args.host}]:{args.port}" if ":" in args.host else f"{args.host}:{args.port}"
    # A fresh process: gunicorn forks its workers, which must not inherit this one's connections.
    os.execv(sys.executable, [sys.executable, "-m", "regulars.cli", "serve", "--bind", bind])
    return 0  # not reached


def serve(argv: list[str]) -> int:
    """The web server: gunicorn with the WSGI application (and, without Redis, the embedded
    worker in each process: `regulars/serving.py`)."""
    from gunicorn.app.wsgiapp import run

    embedded = not os.environ.get("REDIS_URL")
    sys.argv = ["gunicorn", "regulars.wsgi:application", *argv]
    if not any(a in ("-c", "--config") or a.startswith("--config=") for a in argv):
        sys.argv += ["--config", "python:regulars.serving"]
    if not any(a.startswith("--bind") or a == "-b" for a in argv):
        sys.argv += ["--bind", os.environ.get("REGULARS_BIND", "127.0.0.1:8000")]
    if not any(a.startswith("--workers") or a == "-w" for a in argv):
        # SQLite has one writer at a time: two processes of four threads serve a shop or a
        # district; PostgreSQL takes a process per core and more.
        default_workers = "2" if embedded else "4"
        sys.argv += ["--workers", os.environ.get("REGULARS_WEB_WORKERS", default_workers)]
    run()
    return 0


def worker(argv: list[str]) -> int:
    """A Celery worker (and, with --beat, the scheduler) on REDIS_URL."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "regulars.settings")
    from regulars.celery import app

    app.worker_main(["worker", "--loglevel=INFO", *argv])
    return 0


COMMANDS = {"demo": demo, "serve": serve, "worker": worker}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    if len(argv) > 1 and argv[1] in COMMANDS:
        return COMMANDS[argv[1]](argv[2:])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "regulars.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
