"""The `regulars` command as a newcomer runs it: a fresh database, the demo city, the server."""

import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _env(tmp_path) -> dict:
    dropped = ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env["REGULARS_VAR_DIR"] = str(tmp_path / "var")
    env["REGULARS_TILE_URL"] = ""
    return env


def _regulars(*args, env, timeout=900):
    """Run `regulars …` in a fresh process. The timeout only guards against a hang: a first
    demo (migrations, the city, compressing the static files) takes minutes on a busy CI
    machine running two test processes."""
    return subprocess.run(
        [sys.executable, "-m", "regulars.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="the embedded demo runs on SQLite")
def test_demo_builds_a_city_once_and_serves_it(tmp_path):
    env = _env(tmp_path)
    first = _regulars("demo", "--no-serve", "--merchants", "60", "--consumers", "30", env=env)
    assert first.returncode == 0, first.stderr
    assert (
        "60 merchants" in first.stdout
        and "13800000001" in first.stdout
        and "regulars-demo" in first.stdout
    )
    again = _regulars("demo", "--no-serve", "--merchants", "60", "--consumers", "30", env=env)
    assert again.returncode == 0 and "Demo city ready" not in again.stdout  # generated only once

    server = subprocess.Popen(
        [sys.executable, "-m", "regulars.cli", "demo", "--port", "8765", "--merchants", "60"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(
                    "http://127.0.0.1:8765/api/v1/discovery/nearby?lat=31.2317&lng=121.4846&radius_m=5000"
                ) as r:
                    body = r.read().decode()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        assert '"distance_m"' in body
        # The demo runs as production does: the same server, with the embedded worker holding
        # the schedule, and static files compressed.
        deadline = time.monotonic() + 30
        while "schedule held by" not in (health := _get_json("http://127.0.0.1:8765/healthz")):
            assert time.monotonic() < deadline, health
            time.sleep(0.5)
        with urllib.request.urlopen("http://127.0.0.1:8765/") as response:
            assert (
                "Server" not in response.headers or "WSGIServer" not in response.headers["Server"]
            )
            css = re.search(r'href="(/static/css/app\.[0-9a-f]+\.css)"', response.read().decode())
        assert css, "the demo links the hashed stylesheet"
        asked = urllib.request.Request(
            "http://127.0.0.1:8765" + css.group(1), headers={"Accept-Encoding": "br"}
        )
        with urllib.request.urlopen(asked) as response:
            assert response.headers["Content-Encoding"] == "br"
    finally:
        server.terminate()
        server.wait(timeout=20)


def _get_json(url: str, headers: dict | None = None) -> str:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {})) as response:
            return response.read().decode()
    except urllib.error.HTTPError as failing:  # 503 while a check fails: its body says which
        return failing.read().decode()


def test_the_command_runs_django_management_commands(tmp_path):
    result = _regulars("check", env=_env(tmp_path), timeout=120)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_settings_pass_the_deploy_check(tmp_path):
    env = _env(tmp_path)
    env.update(
        REGULARS_DEBUG="0",
        REGULARS_SECRET_KEY="x" * 60 + "production-like-secret-for-the-check",
        REGULARS_ALLOWED_HOSTS="regulars.example.com",
        REGULARS_SSL_REDIRECT="1",
    )
    result = _regulars("check", "--deploy", "--fail-level", "WARNING", env=env, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_static_files_collect_and_serve(tmp_path):
    """collectstatic with the hashed, compressed storage (every asset and source map present),
    then gunicorn serves a page whose CSS comes from that manifest."""
    env = _env(tmp_path)
    env.update(
        REGULARS_DEBUG="0",
        REGULARS_SECRET_KEY="y" * 64,
        REGULARS_ALLOWED_HOSTS="127.0.0.1",
        REGULARS_SECURE_COOKIES="0",
        REGULARS_SSL_REDIRECT="0",  # plain HTTP on loopback; production redirects to HTTPS
    )
    for command in (("migrate", "-v0"), ("collectstatic", "--noinput", "-v0")):
        result = _regulars(*command, env=env)
        assert result.returncode == 0, result.stdout + result.stderr
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "regulars.cli",
            "serve",
            "--bind",
            "127.0.0.1:8766",
            "--workers",
            "1",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen("http://127.0.0.1:8766/") as response:
                    html = response.read().decode()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        css = re.search(r'href="(/static/css/app\.[0-9a-f]+\.css)"', html)
        assert css, "the page should link the hashed stylesheet"
        with urllib.request.urlopen("http://127.0.0.1:8766" + css.group(1)) as response:
            assert response.status == 200
            plain = len(response.read())
        # A phone that speaks brotli (every current one) gets the brotli file, one that only
        # speaks gzip the gzip file; a fingerprinted file never changes, so it is kept a year.
        for encoding in ("br", "gzip"):
            asked = urllib.request.Request(
                "http://127.0.0.1:8766" + css.group(1), headers={"Accept-Encoding": encoding}
            )
            with urllib.request.urlopen(asked) as response:
                assert response.headers["Content-Encoding"] == encoding
                assert len(response.read()) < plain / 2
                caching = response.headers["Cache-Control"]
                assert "immutable" in caching and "max-age=315360000" in caching, caching
        page = urllib.request.Request("http://127.0.0.1:8766/", headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(page) as response:
            assert response.headers["Content-Encoding"] == "gzip"
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_production_refuses_the_demo_secret(tmp_path):
    env = _env(tmp_path)
    env["REGULARS_DEBUG"] = "0"
    result = _regulars("check", env=env, timeout=120)
    assert result.returncode != 0
    assert "REGULARS_SECRET_KEY" in result.stderr


def _recipe_settings() -> dict:
    """The settings file of the README's one-machine recipe, as written there."""
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Running on one machine") :]
    block = re.search(r"```ini\n# /etc/regulars.env\n(.*?)```", section, re.S)
    assert block, "the README's recipe has its settings file"
    return dict(line.split("=", 1) for line in block.group(1).splitlines() if "=" in line)


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="the recipe runs on SQLite")
def test_the_one_machine_recipe_serves_schedules_and_backs_up(tmp_path):
    """The README's recipe with its directory and port moved: migrate, collectstatic, check
    --deploy, serve behind a proxy that forwards HTTPS, the schedule running, nightly backups."""
    settings = _recipe_settings()
    assert settings["REGULARS_DEBUG"] == "0" and "REDIS_URL" not in settings
    env = _env(tmp_path)
    env.pop("REDIS_URL", None)
    env.update(settings)
    env["REGULARS_VAR_DIR"] = str(tmp_path / "srv")
    env["REGULARS_SECRET_KEY"] = "r" * 64
    for command in (
        ("migrate", "-v0"),
        ("collectstatic", "--noinput", "-v0"),
        ("check", "--deploy"),
    ):
        result = _regulars(*command, env=env)
        assert result.returncode == 0, result.stdout + result.stderr
    server = subprocess.Popen(
        [sys.executable, "-m", "regulars.cli", "serve", "--bind", "127.0.0.1:8767"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # As Caddy forwards a visitor's request: the site's name, HTTPS, the client's address.
        forwarded = {
            "Host": settings["REGULARS_ALLOWED_HOSTS"],
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": "203.0.113.9",
        }
        deadline = time.monotonic() + 60
        while True:
            try:
                asked = urllib.request.Request("http://127.0.0.1:8767/", headers=forwarded)
                with urllib.request.urlopen(asked) as response:
                    assert response.status == 200
                    assert "Strict-Transport-Security" in response.headers
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        while "schedule held by" not in (
            health := _get_json("http://127.0.0.1:8767/healthz", forwarded)
        ):
            assert time.monotonic() < deadline + 30, health
            time.sleep(0.5)
    finally:
        server.terminate()
        server.wait(timeout=40)
    # The nightly backup with --keep 2, three nights running.
    for night in ("2026-11-21", "2026-11-22", "2026-11-23"):
        nightly = {**env, "REGULARS_CLOCK_AT": f"{night}T03:30:00+08:00"}
        result = _regulars("backup", "--keep", "2", env=nightly, timeout=120)
        assert result.returncode == 0, result.stdout + result.stderr
    kept = sorted(path.name for path in (tmp_path / "srv" / "backups").iterdir())
    assert [name[:17] for name in kept] == ["regulars-20261122", "regulars-20261123"], kept
