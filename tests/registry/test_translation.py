"""The site in Russian: what a visitor who reads Russian sees, and a catalogue with no gaps."""

import ast
import gettext
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from registry.models import Person
from tests.factories import (
    CampFactory,
    CitationFactory,
    EventFactory,
    PublishedPersonFactory,
)

CATALOGUE_NAME = "locale/ru/LC_MESSAGES/django.po"
CATALOGUE = Path(settings.BASE_DIR) / CATALOGUE_NAME
COMPILED = CATALOGUE.with_suffix(".mo")
RUSSIAN_PLURALS = ("nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && "
                   "(n%100<10 || n%100>=20) ? 1 : 2);")


# --- Reading the catalogue with the standard library only ---------------------------------

def read_po(path: Path) -> list[dict]:
    """Entries of a .po file: msgctxt, msgid, msgid_plural, msgstr (a list: one item, or one
    per plural form), flags and the line where the entry starts. Obsolete entries are skipped."""
    entries, entry, current = [], None, None

    def finish():
        if entry is not None:
            entries.append(entry)

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            continue
        if line.startswith("#"):
            if entry is not None and "msgid" in entry:  # a comment starts the next entry
                finish()
                entry = None
            entry = entry or {"line": number, "flags": set(), "msgstr": {}}
            if line.startswith("#,"):
                entry["flags"].update(flag.strip() for flag in line[2:].split(","))
            continue
        match = re.match(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[(\d+)\])?)\s+(".*")$',
                         line)
        if match:
            starts = match.group(1) in ("msgctxt", "msgid")
            if starts and entry is not None and "msgid" in entry:
                finish()
                entry = None
            entry = entry or {"line": number, "flags": set(), "msgstr": {}}
            name, index, value = match.groups()
            if name.startswith("msgstr"):
                current = ("msgstr", int(index or 0))
                entry["msgstr"][current[1]] = ast.literal_eval(value)
            else:
                current = (name, None)
                entry[name] = ast.literal_eval(value)
        elif line.startswith('"') and current is not None:  # continuation of the last string
            if current[0] == "msgstr":
                entry["msgstr"][current[1]] += ast.literal_eval(line)
            else:
                entry[current[0]] += ast.literal_eval(line)
        else:
            raise AssertionError(f"{path}:{number}: cannot read {raw!r}")
    finish()
    for item in entries:
        item["msgstr"] = [item["msgstr"][i] for i in sorted(item["msgstr"])]
    return entries


def header(entries: list[dict]) -> dict[str, str]:
    text = next(e for e in entries if e["msgid"] == "")["msgstr"][0]
    return dict(line.split(": ", 1) for line in text.splitlines() if ": " in line)


def messages(entries: list[dict]) -> list[dict]:
    return [e for e in entries if e["msgid"] != ""]


def key(entry: dict) -> tuple[str | None, str]:
    return entry.get("msgctxt"), entry["msgid"]


def describe(entry: dict) -> str:
    context = f" (context {entry['msgctxt']!r})" if "msgctxt" in entry else ""
    return f"  line {entry['line']}: {entry['msgid']!r}{context}"


PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\w*\}|</?[a-zA-Z][^>]*>")


@pytest.fixture(scope="module")
def catalogue():
    assert CATALOGUE.exists(), f"{CATALOGUE} is missing: run makemessages -l ru"
    return read_po(CATALOGUE)


def test_catalogue_header_is_russian(catalogue):
    fields = header(catalogue)
    assert fields.get("Language") == "ru"
    assert fields.get("Content-Type") == "text/plain; charset=UTF-8"
    assert fields.get("Plural-Forms") == RUSSIAN_PLURALS
    head = next(e for e in catalogue if e["msgid"] == "")
    assert "fuzzy" not in head["flags"], "the catalogue header is still marked fuzzy"


def test_every_string_is_translated(catalogue):
    nplurals = 3
    untranslated = [
        describe(e) for e in messages(catalogue)
        if not e["msgstr"] or not all(s.strip() for s in e["msgstr"])
        or len(e["msgstr"]) != (nplurals if "msgid_plural" in e else 1)
    ]
    assert not untranslated, (
        f"{len(untranslated)} string(s) in {CATALOGUE_NAME} have no "
        "Russian translation (every plural needs msgstr[0], [1] and [2]):\n"
        + "\n".join(untranslated)
    )


def test_no_translation_is_left_fuzzy(catalogue):
    fuzzy = [describe(e) for e in messages(catalogue) if "fuzzy" in e["flags"]]
    assert not fuzzy, (
        "These translations are marked fuzzy (guessed by msgmerge): check each one, then "
        "remove its '#, fuzzy' line:\n" + "\n".join(fuzzy)
    )


def test_translations_keep_every_placeholder(catalogue):
    broken = []
    for entry in messages(catalogue):
        expected = sorted(PLACEHOLDER.findall(entry.get("msgid_plural") or entry["msgid"]))
        for text in entry["msgstr"]:
            if text and sorted(PLACEHOLDER.findall(text)) != expected:
                broken.append(f"{describe(entry)} -> {text!r}")
    assert not broken, "Placeholders or tags lost or changed:\n" + "\n".join(broken)


def test_compiled_catalogue_is_up_to_date(catalogue):
    """The .mo the site reads says what the .po says (``make messages`` compiles it)."""
    if not COMPILED.exists():
        pytest.fail(f"{COMPILED} is missing: run `make messages` (make test does it for you)")
    with COMPILED.open("rb") as file:
        compiled = gettext.GNUTranslations(file)
    stale = []
    for entry in messages(catalogue):
        context = entry.get("msgctxt")
        if "msgid_plural" in entry:
            forms = (entry["msgid"], entry["msgid_plural"])
            got = [compiled.npgettext(context, *forms, n) if context else
                   compiled.ngettext(*forms, n) for n in (1, 2, 5)]
        else:
            got = [compiled.pgettext(context, entry["msgid"]) if context else
                   compiled.gettext(entry["msgid"])]
        if got != entry["msgstr"]:
            stale.append(describe(entry))
    assert not stale, ("The compiled catalogue is older than django.po: run `make messages`.\n"
                       + "\n".join(stale))


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs gettext (xgettext)")
def test_catalogue_holds_every_string_of_the_code(tmp_path, catalogue):
    """A string marked for translation but never extracted would show in English: run
    makemessages on a copy of the project and check it finds nothing new."""
    root = Path(settings.BASE_DIR)
    copy = tmp_path / "project"
    ignore = shutil.ignore_patterns("__pycache__", "*.mo")
    for name in ("memorial", "registry", "templates", "locale"):
        shutil.copytree(root / name, copy / name, ignore=ignore)
    shutil.copy(root / "manage.py", copy / "manage.py")
    env = {**os.environ, "DEBUG": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("DATABASE_URL", None)  # makemessages needs no database
    subprocess.run([sys.executable, "manage.py", "makemessages", "-l", "ru", "--no-obsolete",
                    "-v0"], cwd=copy, env=env, check=True, capture_output=True)
    extracted = read_po(copy / "locale" / "ru" / "LC_MESSAGES" / "django.po")
    known = {key(e) for e in messages(catalogue)}
    new = [repr(e["msgid"]) for e in messages(extracted) if key(e) not in known]
    assert not new, (
        f"These strings are in the code but not in {CATALOGUE_NAME}: run "
        "`DEBUG=1 python manage.py makemessages -l ru --ignore=.venv --ignore=bench "
        "--ignore=tests --no-obsolete` and translate them:\n"
        + "\n".join(f"  {msgid}" for msgid in new)
    )


# --- What a visitor sees --------------------------------------------------------------------

pages = pytest.mark.django_db


@pytest.fixture
def person():
    """A published person with a whole record, as on a real profile page."""
    person = PublishedPersonFactory(
        surname="Байтурсынов", given_name="Ахмет", patronymic="", birth_date="около 1872",
        birth_place_name="Тургайская область", nationality="казах", occupation="поэт",
        residence="Алма-Ата", death_date="8.12.1937", fate=Person.Fate.EXECUTED,
        published_at=timezone.now(),
    )
    EventFactory(person=person, kind="arrest", date="2.10.1937")
    EventFactory(person=person, kind="sentence", date="8.12.1937", authority="тройка НКВД",
                 article="58-2", sentence="ВМН")
    EventFactory(person=person, kind="imprisonment", camp=CampFactory(name="Карлаг"))
    EventFactory(person=person, kind="rehabilitation", date="1988")
    CitationFactory(person=person, source__title="Книга памяти Казахстана",
                    source__fond="1", source__opis="2", source__delo="345")
    return person


def switch_language(client, code: str, next_url: str = "/"):
    """Use the language switcher as a visitor does: the form in the page header."""
    page = client.get(next_url).content.decode()
    form = re.search(r'<form class="language" action="([^"]+)" method="post">', page)
    assert form, "no language switcher in the page header"
    assert f'<option value="{code}"' in page
    response = client.post(form.group(1), {"language": code, "next": next_url})
    assert response.status_code == 302 and response["Location"] == next_url


@pages
def test_english_is_the_default(client, person):
    page = client.get("/").content.decode()
    assert '<html lang="en">' in page
    for text in ("Memorial registry of the victims of political repression",
                 "Recently published", "holds 1 name"):
        assert text in page, text
    assert "Недавно опубликованные" not in page
    profile = client.get(person.get_absolute_url()).content.decode()
    assert "What happened" in profile and "Что произошло" not in profile


@pages
def test_home_in_russian_after_the_language_switcher(client, person):
    switch_language(client, "ru")
    page = client.get("/").content.decode()
    assert '<html lang="ru">' in page
    for text in ("Мемориальный реестр жертв политических репрессий", "Поиск имён",
                 "В реестре 1 имя человека, расстрелянного", "В этот день",
                 "Недавно опубликованные", "Байтурсынов Ахмет", "расстрелян(а)",
                 "Фамилия, имя, отчество", "Главная", "Памяти расстрелянных"):
        assert text in page, text
    for english in ("Memorial registry", "Recently published", "Search the names",
                    "On this day", "executed", "In memory of"):
        assert english not in page, english


@pages
def test_switching_back_to_english(client, person):
    switch_language(client, "ru")
    switch_language(client, "en")
    page = client.get("/").content.decode()
    assert "Recently published" in page and "Недавно опубликованные" not in page


@pages
def test_profile_in_russian_for_a_russian_browser(client, person):
    page = client.get(person.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert '<html lang="ru">' in page
    for text in ("Сведения о человеке", "Родился(ась)", "около 1872", "Национальность",
                 "Последний адрес", "Судьба", "расстрелян(а)", "Умер(ла)", "8 декабря 1937",
                 "Что произошло", "Арест", "Приговор", "Заключение", "Реабилитация",
                 "Орган: тройка НКВД", "Статья: 58-2", "Лагерь:", "Источники",
                 "ф. 1, оп. 2, д. 345", "Как ссылаться", "дата обращения:",
                 "Жертва политических репрессий"):
        assert text in page, text
    for english in ("Life", "Born", "about 1872", "Fate", "executed", "December",
                    "What happened", "Arrest", "Rehabilitation", "By:", "How to cite",
                    "accessed", "f. 1, op. 2"):
        assert english not in page, english


@pages
def test_age_at_death_in_russian(client):
    person = PublishedPersonFactory(birth_date="12.03.1895", death_date="8.12.1937")
    page = client.get(person.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "(в возрасте 42 лет)" in page


@pages
@pytest.mark.parametrize(("count", "heading"), [
    (1, "Найден 1 человек"), (3, "Найдено 3 человека"), (5, "Найдено 5 человек"),
    (11, "Найдено 11 человек"), (21, "Найден 21 человек"),
])
def test_search_counts_people_in_russian(client, count, heading):
    for number in range(count):
        PublishedPersonFactory(surname=f"Сейфуллин{number:02d}")
    page = client.get("/search/", {"q": "Сейфуллин"}, HTTP_ACCEPT_LANGUAGE="ru")
    assert f">{heading}</h2>" in page.content.decode()


@pytest.mark.parametrize(("typed", "english", "russian"), [
    ("около 10.1900", "about October 1900", "около октября 1900"),
    ("до 3.1938", "before March 1938", "до марта 1938"),
    ("10.1937", "October 1937", "Октябрь 1937"),
])
def test_a_month_after_a_qualifier_reads_as_russian_is_spoken(typed, english, russian):
    from django.utils import translation

    from registry.dates import parse
    from registry.templatetags.registry import partial_date

    with translation.override("en"):
        assert partial_date(parse(typed)) == english
    with translation.override("ru"):
        assert partial_date(parse(typed)) == russian
