"""Every string a person sees exists in Chinese: a new untranslated string fails here."""

import os
import re
import shutil
from pathlib import Path

import polib
import pytest
from django.core.management import call_command
from django.test import override_settings

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "regulars" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def _untranslated(po: polib.POFile) -> list[str]:
    return [e.msgid for e in po if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)]


def test_the_chinese_catalogue_translates_every_entry():
    assert _untranslated(polib.pofile(str(CATALOG))) == []


def test_the_compiled_catalogue_matches_the_source():
    po = polib.pofile(str(CATALOG))
    mo = polib.mofile(str(CATALOG.with_suffix(".mo")))
    compiled = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural for e in mo}
    for entry in po:
        if entry.obsolete:
            continue
        want = entry.msgstr or {int(k): v for k, v in entry.msgstr_plural.items()}
        got = compiled.get((entry.msgctxt, entry.msgid))
        if isinstance(got, dict):
            got = {int(k): v for k, v in got.items()}
        assert got == want, f"run `regulars compilemessages`: {entry.msgid!r} is stale"


def test_no_string_in_the_code_is_missing_from_the_catalogue(tmp_path):
    """Extract the strings afresh from a copy of the code and merge them into the catalogue."""
    if shutil.which("xgettext") is None:
        pytest.fail("gettext is not installed: `./dev test` installs it (apt-get install gettext)")
    source = tmp_path / "src"
    shutil.copytree(
        ROOT / "regulars",
        source / "regulars",
        ignore=shutil.ignore_patterns("locale", "__pycache__"),
    )
    locale = source / "locale" / "zh_Hans" / "LC_MESSAGES"
    locale.mkdir(parents=True)
    shutil.copy(CATALOG, locale / "django.po")
    cwd = os.getcwd()
    os.chdir(source)
    try:
        with override_settings(LOCALE_PATHS=[str(source / "locale")]):
            call_command("makemessages", locale=["zh_Hans"], verbosity=0, no_location=True)
    finally:
        os.chdir(cwd)
    missing = _untranslated(polib.pofile(str(locale / "django.po")))
    assert missing == [], f"translate these into regulars/locale/zh_Hans: {missing}"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("zh-hans", ["附近", "使用我的位置", "距离最近", "洗衣"]),
        ("en", ["Nearby", "Use my location", "Nearest", "Laundry"]),
    ],
)
def test_pages_speak_the_chosen_language(client, language, expected):
    client.cookies["django_language"] = language
    page = client.get("/").content.decode()
    for text in expected:
        assert text in page


@pytest.mark.django_db
def test_the_language_switch_remembers_the_choice(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "Use my location" in client.get("/").content.decode()
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "使用我的位置" in client.get("/").content.decode()


CJK = "\u4e00-\u9fff"
ASCII_PUNCTUATION_IN_CHINESE = re.compile(rf"[{CJK}][,;:!?(]|[,;:!?)] ?[{CJK}]")
# A person's, shop's or service's name sits in a Chinese sentence without spaces around it
# (numbers, codes and dates keep theirs).
NAMES = "shop|customer|store|item|name|names|file|services|task|subject|tiers|merchant|campaign"
SPACED_NAME = re.compile(rf"[{CJK}：，] %\(({NAMES})\)s|%\(({NAMES})\)s [{CJK}]")


def test_chinese_sentences_use_chinese_punctuation_and_hold_names_without_spaces():
    found = []
    for entry in polib.pofile(str(CATALOG)):
        for text in [entry.msgstr, *entry.msgstr_plural.values()]:
            if ASCII_PUNCTUATION_IN_CHINESE.search(text) or SPACED_NAME.search(text):
                found.append(text)
    assert found == []


def test_translations_keep_every_placeholder():
    """msgfmt refuses a translation whose %(name)s placeholders differ from the original's."""
    if shutil.which("msgfmt") is None:
        pytest.fail("gettext is not installed: `./dev test` installs it (apt-get install gettext)")
    import subprocess

    for catalog in (CATALOG, CATALOG.parents[2] / "en" / "LC_MESSAGES" / "django.po"):
        result = subprocess.run(
            ["msgfmt", "--check-format", "-o", "/dev/null", str(catalog)],
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stderr


@pytest.mark.django_db
def test_chinese_words_fit_their_place(client, owner_a):
    """休息中 is a closed shop, not a closed complaint; 发送给 is a message's recipient, not the
    end of a date range; the till is 收银台 (收银员 is the role)."""
    from django.utils import translation

    from regulars.audit.forms import AuditFilterForm
    from regulars.orders.models import SettlementEntry
    from regulars.servicedesk.models import TicketStage

    with translation.override("zh-hans"):
        assert str(TicketStage.CLOSED.label) == "已结案"
        assert str(AuditFilterForm().fields["until"].label) == "至"
        assert str(SettlementEntry._meta.verbose_name_plural) == "结算记录"
    client.force_login(owner_a.user)
    client.cookies["django_language"] = "zh-hans"
    page = client.get("/console/").content.decode()
    assert "收银台" in page
