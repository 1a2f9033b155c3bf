"""English, French and Spanish: the catalogues cover every message the code
and templates use, placeholders survive translation, and pages come out in
the reader's language, with dates in their language and time zone."""

import os
import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_datetime
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from tests.conftest import PASSWORD
from tests.factories import TESTS_ACTOR

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "awards_app" / "translations"
TRANSLATED = ("fr", "es")
# The keywords `make`'s extraction uses: gettext's own plus the lazy forms.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrs%]")


def _catalogue(lang):
    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=lang)


def _compile(lang) -> None:
    """What `pybabel compile` does, written atomically so parallel workers
    never read half a file. Fuzzy entries are left out, as pybabel does."""
    po = TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"
    mo = po.with_suffix(".mo")
    if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        return
    fd, tmp = tempfile.mkstemp(dir=mo.parent, suffix=".mo.tmp")
    with os.fdopen(fd, "wb") as f:
        write_mo(f, _catalogue(lang))
    os.replace(tmp, mo)


@pytest.fixture(scope="session")
def compiled_catalogues():
    """The build compiles the catalogues; on a clean clone the tests do it."""
    for lang in TRANSLATED:
        _compile(lang)


@pytest.fixture
def i18n_client(app, compiled_catalogues):
    from awards_app.extensions import babel

    # A request made before the .mo files existed would have cached empty translations.
    with app.app_context():
        babel.domain_instance.cache.clear()
    return app.test_client()


def _extracted():
    """Every message in the sources, extracted with babel.cfg: {msgid: (plural?, where)}."""
    with open(ROOT / "babel.cfg") as f:
        method_map, options_map = parse_mapping_cfg(f, "babel.cfg")
    found = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS):
        plural = isinstance(message, tuple)
        msgid = message[0] if plural else message
        if msgid:
            found.setdefault(msgid, (plural, f"{filename}:{lineno}"))
    return found


def _strings(message):
    return list(message.string) if isinstance(message.string, tuple | list) else [message.string]


# -- the catalogues -------------------------------------------------------------------------------

def test_the_extraction_finds_templates_and_python_messages():
    found = _extracted()
    assert "Log in" in found  # a template
    assert "Wrong email or password." in found  # web/auth.py
    assert "Language" in found  # the language switch


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_message_of_the_sources_is_translated(lang):
    catalogue = _catalogue(lang)
    problems = []
    for msgid, (plural, where) in sorted(_extracted().items()):
        message = catalogue.get(msgid)
        if message is None:
            problems.append(f"missing: {msgid!r} ({where})")
        elif message.fuzzy:
            problems.append(f"fuzzy: {msgid!r} ({where})")
        elif not all(_strings(message)):
            problems.append(f"untranslated: {msgid!r} ({where})")
        elif plural and not message.pluralizable:
            problems.append(f"plural forms missing: {msgid!r} ({where})")
    assert not problems, (f"{lang} catalogue: {len(problems)} problem(s); run the extract and update "
                          f"commands in babel.cfg, then translate:\n" + "\n".join(problems))


@pytest.mark.parametrize("lang", TRANSLATED)
def test_no_fuzzy_or_empty_entry_is_left_in_the_catalogue(lang):
    bad = [m.id for m in _catalogue(lang) if m.id and (m.fuzzy or not all(_strings(m)))]
    assert not bad, f"{lang}: fuzzy or empty entries: {bad}"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_placeholders_are_the_same_in_the_translation(lang):
    problems = []
    for message in _catalogue(lang):
        if not message.id:
            continue
        ids = list(message.id) if message.pluralizable else [message.id]
        expected = sorted(PLACEHOLDER.findall(ids[-1]))
        for string in _strings(message):
            if sorted(PLACEHOLDER.findall(string)) != expected:
                problems.append(f"{message.id!r}: {string!r}")
    assert not problems, f"{lang}: placeholders differ:\n" + "\n".join(problems)


# -- pages in the reader's language ------------------------------------------------------------

@pytest.mark.parametrize(("accept", "lang", "text"), [
    ("fr-FR,fr;q=0.9,en;q=0.5", "fr", "Se connecter"),
    ("es-MX,es;q=0.9", "es", "Iniciar sesión"),
    ("en-GB", "en", "Log in"),
    ("de-DE,de;q=0.9", "en", "Log in"),  # a language MILSET does not use: English
])
def test_the_login_page_follows_the_browser_language(i18n_client, accept, lang, text):
    response = i18n_client.get("/login", headers={"Accept-Language": accept})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'<html lang="{lang}">' in page
    assert text in page


def test_without_accept_language_the_page_is_in_english(i18n_client):
    page = i18n_client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in page and "Log in" in page


def test_the_language_switch_is_on_the_page(i18n_client):
    page = i18n_client.get("/login", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert 'action="/language"' in page
    assert 'name="lang"' in page
    for name in ("English", "Français", "Español"):
        assert name in page  # each language named in itself
    assert '<option value="fr" lang="fr" selected>' in page


def test_the_switch_sets_the_language_of_the_next_pages(i18n_client):
    response = i18n_client.post("/language", data={"lang": "es", "next": "/login"},
                                headers={"Accept-Language": "fr"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/login"
    page = i18n_client.get("/login", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<html lang="es">' in page and "Iniciar sesión" in page


def test_the_switch_never_redirects_off_the_site(i18n_client):
    response = i18n_client.post("/language", data={"lang": "fr", "next": "https://evil.example/"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


def test_the_switch_refuses_an_unknown_language(i18n_client):
    response = i18n_client.post("/language", data={"lang": "de", "next": "/login"})
    assert response.status_code == 400
    page = i18n_client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in page


def _account(app, email, *, roles=("nominator",), locale=None, timezone="UTC"):
    from awards_app.extensions import db
    from awards_app.services import users

    with app.app_context():
        user = users.create_user(TESTS_ACTOR, email, "Ana Nominator", roles, password=PASSWORD)
        user.locale, user.timezone = locale, timezone  # fixture data: no profile page sets them yet
        db.session.commit()


def test_the_profile_language_wins_over_the_browser(app, i18n_client):
    _account(app, "ana@example.org", locale="fr")
    i18n_client.post("/login", data={"email": "ana@example.org", "password": PASSWORD})
    page = i18n_client.get("/home", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert '<html lang="fr">' in page and "Bienvenue, Ana Nominator" in page


def test_a_signed_in_user_without_a_profile_language_gets_the_browser_language(app, i18n_client):
    _account(app, "ana@example.org")
    i18n_client.post("/login", data={"email": "ana@example.org", "password": PASSWORD})
    page = i18n_client.get("/home", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "Le damos la bienvenida, Ana Nominator" in page


def test_the_switch_records_a_signed_in_users_choice_on_the_profile(app, i18n_client):
    from awards_app.services import users

    if not hasattr(users, "set_locale"):
        pytest.skip("users.set_locale is not there yet: the choice lasts for the session only")
    _account(app, "ana@example.org", locale="fr")
    i18n_client.post("/login", data={"email": "ana@example.org", "password": PASSWORD})
    i18n_client.post("/language", data={"lang": "es", "next": "/home"})
    page = i18n_client.get("/home").get_data(as_text=True)
    assert '<html lang="es">' in page
    with app.app_context():
        assert users.find_by_email("ana@example.org").locale == "es"


# -- dates in the reader's language and time zone ------------------------------------------------

DEADLINE = datetime(2031, 3, 14, 16, 30, tzinfo=UTC)


@pytest.fixture
def open_call(app):
    from tests import builders

    with app.app_context():
        builders.open_cycle("derek_gray_medal", year=2031, deadline=DEADLINE)


@pytest.mark.parametrize(("lang", "month"), [("en", "Mar 15, 2031"), ("fr", "15 mars 2031"),
                                             ("es", "15 mar 2031")])
def test_a_deadline_is_written_in_the_readers_language_and_time_zone(app, i18n_client, open_call,
                                                                      lang, month):
    _account(app, "ana@example.org", locale=lang, timezone="Asia/Tokyo")
    i18n_client.post("/login", data={"email": "ana@example.org", "password": PASSWORD})
    page = i18n_client.get("/nominate/").get_data(as_text=True)
    # 16:30 UTC is 01:30 the next day in Tokyo.
    expected = format_datetime(DEADLINE, "medium", tzinfo=ZoneInfo("Asia/Tokyo"), locale=lang)
    assert month in expected
    assert expected in page


def test_the_same_deadline_reads_differently_in_english_and_french(app, i18n_client, open_call):
    pages = {}
    for lang in ("en", "fr"):
        _account(app, f"{lang}@example.org", locale=lang)
        i18n_client.post("/login", data={"email": f"{lang}@example.org", "password": PASSWORD})
        page = i18n_client.get("/nominate/").get_data(as_text=True)
        pages[lang] = re.search(r"<strong>([^<]*2031[^<]*)</strong>", page).group(1)
        i18n_client.post("/logout")
    assert pages["en"] != pages["fr"]
    assert "Mar" in pages["en"] and "mars" in pages["fr"]
