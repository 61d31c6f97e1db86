"""The `regulars` command: `demo`, `serve`, `worker`, and everything `manage.py` does."""

import argparse
import os
import sys


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "regulars.settings")
    import django

    django.setup()


def demo(argv: list[str]) -> int:
    """Migrate, generate the demo city when the database is empty, print logins, serve."""
    parser = argparse.ArgumentParser(prog="regulars demo")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--merchants", type=int, default=2000)
    parser.add_argument("--consumers", type=int, default=5000)
    parser.add_argument("--no-serve", action="store_true", help="set up the data and stop")
    args = parser.parse_args(argv)
    _setup_django()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("demo_city", merchants=args.merchants, consumers=args.consumers, if_empty=True)
    if args.no_serve:
        return 0
    print(f"Regulars demo: http://{args.host}:{args.port}/  (Ctrl+C stops it)", flush=True)
    call_command("runserver", f"{args.host}:{args.port}", use_reloader=False, verbosity=1)
    return 0


def serve(argv: list[str]) -> int:
    """Production web server: gunicorn with the WSGI application."""
    from gunicorn.app.wsgiapp import run

    sys.argv = ["gunicorn", "regulars.wsgi:application", *argv]
    if not any(a.startswith("--bind") or a == "-b" for a in argv):
        sys.argv += ["--bind", os.environ.get("REGULARS_BIND", "127.0.0.1:8000")]
    if not any(a.startswith("--workers") or a == "-w" for a in argv):
        sys.argv += ["--workers", os.environ.get("REGULARS_WEB_WORKERS", "4")]
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
