"""/stats/: every figure counts published people only, and every bar's link finds exactly
the people it counts."""

import html
import re

import pytest

from registry.models import Person, RepressionEvent
from tests.factories import (
    CampFactory,
    EventFactory,
    HiddenPersonFactory,
    PendingPersonFactory,
    PublishedPersonFactory,
)

pytestmark = pytest.mark.django_db
ROW = re.compile(r'<tr><th scope="row">(.*?)</th><td><a href="([^"]+)">([\d,]+)</a></td></tr>')


def person(factory=PublishedPersonFactory, *, arrest=None, sentence=None, rehabilitation=None,
           **fields):
    someone = factory(**fields)
    if arrest:
        EventFactory(person=someone, kind=RepressionEvent.Kind.ARREST, date=arrest)
    if sentence:
        EventFactory(person=someone, kind=RepressionEvent.Kind.SENTENCE, **sentence)
    if rehabilitation:
        EventFactory(person=someone, kind=RepressionEvent.Kind.REHABILITATION,
                     date=rehabilitation)
    return someone


@pytest.fixture
def registry():
    executed = Person.Fate.EXECUTED
    troika = {"date": "1937", "authority": "тройка НКВД", "article": "58-10", "sentence": "ВМН"}
    osso = {"date": "1938", "authority": "Особое совещание", "article": "58-11",
            "sentence": "8 лет ИТЛ"}
    person(arrest="2.10.1937", sentence=troika, death_date="29.10.1937", fate=executed,
           nationality="казах", rehabilitation="1958")
    person(arrest="1937", sentence=troika, death_date="1937", fate=executed,
           nationality="казах", rehabilitation="1989")
    person(arrest="около 1938", sentence={**troika, "authority": "тройка НКВД по Карагандинской "
                                                                 "области"},
           death_date="3.1938", fate=executed, nationality="русский")
    # Arrested twice: counted once a year.
    twice = person(arrest="1.1937", sentence=osso, nationality="немец",
                   fate=Person.Fate.DIED_IN_CUSTODY, death_date="1942", rehabilitation="1956")
    EventFactory(person=twice, kind=RepressionEvent.Kind.ARREST, date="11.1937")
    EventFactory(person=twice, kind=RepressionEvent.Kind.IMPRISONMENT, camp=CampFactory())
    person(arrest="1949", sentence={**osso, "date": "1949", "sentence": "10 лет ИТЛ"},
           fate=Person.Fate.SURVIVED, nationality="русский", rehabilitation="1956–1961")
    # Never counted: these match every figure above.
    for factory in (PendingPersonFactory, HiddenPersonFactory):
        person(factory, arrest="1937", sentence=troika, death_date="29.10.1937", fate=executed,
               nationality="казах", rehabilitation="1958", surname=f"Secret{factory.__name__}")


def bars(page: str) -> dict[str, list[tuple[str, str, int]]]:
    """{chart heading id: [(label, search URL, count)]} from the tables under the charts."""
    found = {}
    for section in re.findall(r'<section class="chart" aria-labelledby="chart-(\w+)">(.*?)'
                              r"</section>", page, re.S):
        slug, body = section
        found[slug] = [(html.unescape(label), html.unescape(url), int(count.replace(",", "")))
                       for label, url, count in ROW.findall(body)]
    return found


def search_count(client, url: str) -> int:
    page = client.get(url).content.decode()
    match = re.search(r"<h2>([\d,]+) (?:person|people) found</h2>", page)
    assert match, url
    return int(match.group(1).replace(",", ""))


def test_figures_count_published_people_only(client, registry):
    figures = bars(client.get("/stats/").content.decode())
    counted = {slug: {label: count for label, _, count in rows}
               for slug, rows in figures.items()}
    assert counted["arrests"] == {"1936": 1, "1937": 4, "1938": 1, "1939": 1, "1940": 1,
                                  "1949": 1}
    assert counted["executions"] == {"1937": 2, "1938": 1}
    assert counted["nationality"] == {"казах": 2, "русский": 2, "немец": 1}
    assert counted["fate"] == {"executed": 3, "died in custody": 1, "survived": 1}
    assert counted["authority"]["тройка НКВД"] == 3  # the Karaganda troika too
    assert counted["article"] == {"58-10": 3, "58-11": 2}
    assert counted["sentence"] == {"ВМН": 3, "8 лет ИТЛ": 1, "10 лет ИТЛ": 1}
    assert counted["rehabilitation"] == {"1950–1959": 3, "1960–1969": 1, "1980–1989": 1}


def test_every_bar_links_to_a_search_that_finds_exactly_its_people(client, registry):
    figures = bars(client.get("/stats/").content.decode())
    checked = 0
    for slug, rows in figures.items():
        for label, url, count in rows:
            assert url.startswith("/search/?"), url
            assert search_count(client, url) == count, (slug, label, url)
            checked += 1
    assert checked >= 25


def test_charts_are_svg_drawn_on_the_server_with_a_table_for_screen_readers(client, registry):
    page = client.get("/stats/").content.decode()
    assert page.count("<svg") == 8 and "<script" not in page
    assert page.count('<table class="chart-table">') == 8
    assert '<a href="/search/?arrest_year_min=1937&amp;arrest_year_max=1937"' in page
    assert 'href="/stats/"' in client.get("/").content.decode()


def test_figures_refresh_when_a_record_is_published(client, registry):
    before = bars(client.get("/stats/").content.decode())
    pending = Person.objects.get(surname="SecretPendingPersonFactory")
    pending.status = Person.Status.PUBLISHED  # as moderation does, in one save
    pending.save()
    from django.core.cache import cache

    cache.delete("stats:fingerprint")  # the fingerprint itself lives a minute
    after = bars(client.get("/stats/").content.decode())
    assert {label: n for label, _, n in after["executions"]}["1937"] == 3
    assert {label: n for label, _, n in before["executions"]}["1937"] == 2
