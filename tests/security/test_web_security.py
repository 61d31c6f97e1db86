"""Web security: CSRF on every form, a Content-Security-Policy without inline script, secure
cookies and HSTS in production, and `manage.py check --deploy` clean with those settings."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted((ROOT / "regulars").rglob("templates/**/*.html"))


def test_templates_hold_no_inline_script_or_event_handler():
    offenders = []
    for template in TEMPLATES:
        text = template.read_text()
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag and "application/json" not in tag:
                offenders.append(f"{template.name}: {tag}")
        for handler in re.findall(r"\son[a-z]+\s*=", text):
            offenders.append(f"{template.name}: {handler.strip()}")
        if "javascript:" in text:
            offenders.append(f"{template.name}: javascript: URL")
    assert len(TEMPLATES) > 50 and offenders == []


def test_every_posting_form_carries_a_csrf_token():
    missing = []
    for template in TEMPLATES:
        text = template.read_text()
        for form in re.findall(r"<form\b[^>]*>.*?</form>", text, flags=re.S | re.I):
            if "{% url 'set_language' %}" in form:
                continue  # choosing a language is CSRF-exempt by design (regulars/urls.py)
            if re.search(r'method="post"', form, flags=re.I) and "{% csrf_token %}" not in form:
                missing.append(f"{template.relative_to(ROOT)}: {form[:80]}")
    assert missing == []


@pytest.mark.django_db
def test_a_post_without_the_csrf_token_is_refused(owner_a):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(owner_a.user)
    assert browser.post("/console/settings/", {"name": "改名"}).status_code == 403
    # The API with the session cookie checks it too (bearer tokens need none).
    answer = browser.put("/api/v1/merchant/me", data="{}", content_type="application/json")
    assert answer.status_code in (401, 403)
    owner_a.merchant.refresh_from_db()
    assert owner_a.merchant.name != "改名"


@pytest.mark.django_db
def test_pages_and_the_api_send_the_policy_and_the_usual_headers(client):
    for url in ("/", "/api/docs", "/accounts/login/"):
        answer = client.get(url)
        policy = answer["Content-Security-Policy"]
        script_src = re.search(r"script-src ([^;]*)", policy).group(1)
        assert script_src.strip() == "'self'", url
        assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
        assert answer["X-Frame-Options"] == "DENY"
        assert answer["X-Content-Type-Options"] == "nosniff"


def _production_environment(**extra) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("REGULARS_")
        and key not in ("DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")  # set by browser tests
    }
    env.update(
        REGULARS_DEBUG="0",
        REGULARS_SECRET_KEY=secrets.token_urlsafe(50),
        REGULARS_ALLOWED_HOSTS="regulars.example",
        REGULARS_VAR_DIR=str(extra.pop("var_dir")),
        **extra,
    )
    return env


def test_check_deploy_is_clean_with_the_production_settings(tmp_path):
    finished = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_production_environment(var_dir=tmp_path),
        capture_output=True,
        text=True,
    )
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert "no issues" in finished.stdout


def test_production_settings_are_https_only(tmp_path):
    probe = (
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT,"
        " s.SECURE_HSTS_SECONDS >= 31536000, s.SESSION_COOKIE_HTTPONLY)"
    )
    finished = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", probe],
        cwd=ROOT,
        env=_production_environment(var_dir=tmp_path),
        capture_output=True,
        text=True,
    )
    assert finished.stdout.split() == ["True"] * 5, finished.stderr
    # Without a secret key production refuses to start at all.
    env = _production_environment(var_dir=tmp_path)
    env.pop("REGULARS_SECRET_KEY")
    refused = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert refused.returncode != 0 and "REGULARS_SECRET_KEY" in refused.stderr


@pytest.mark.parametrize("hour", [8, 9, 21, 22])
def test_no_time_default_warns_at_its_own_time_of_day(hour):
    """Django warns (fields.W161) about a fixed time default within ten seconds of that time of
    day: the model checks must be clean at every hour a default names."""
    import datetime as dt
    from unittest import mock

    from django.core import checks

    at = dt.datetime.combine(dt.date(2026, 12, 3), dt.time(hour, 0))
    with mock.patch("django.db.models.fields._get_naive_now", return_value=at):
        found = [problem.id for problem in checks.run_checks() if problem.id == "fields.W161"]
    assert found == []
