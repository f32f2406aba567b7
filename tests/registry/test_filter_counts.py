"""Every filter's count, on the search page and in the API, is the exact number of published
people it describes, also after moderators publish, hide and merge while the pages are kept.
"""

import re

import pytest
from django.urls import reverse

from registry import moderation
from registry.models import Person, RepressionEvent
from tests.factories import CampFactory, EventFactory, PendingPersonFactory, PublishedPersonFactory

pytestmark = pytest.mark.django_db

Kind = RepressionEvent.Kind
# Each filter with what it means for a person described as below.
FILTERS = {
    "fate=executed": lambda p: p["fate"] == Person.Fate.EXECUTED,
    "nationality=немец": lambda p: p["nationality"] == "немец",
    "kind=deportation": lambda p: any(e["kind"] == Kind.DEPORTATION for e in p["events"]),
    "camp=karlag": lambda p: any(e.get("camp") for e in p["events"]),
    "arrest_year_min=1937&arrest_year_max=1937":
        lambda p: any(e["kind"] == Kind.ARREST and e["date"] == "1937" for e in p["events"]),
    "article=58": lambda p: any(e.get("article", "").startswith("58") for e in p["events"]),
    "rehabilitated=true":
        lambda p: any(e["kind"] == Kind.REHABILITATION for e in p["events"]),
    "fate=survived&nationality=поляк":
        lambda p: p["fate"] == Person.Fate.SURVIVED and p["nationality"] == "поляк",
}
PEOPLE = [  # (status, fate, nationality, events)
    ("published", "executed", "немец", [(Kind.ARREST, "1937", "58-10", False),
                                        (Kind.REHABILITATION, "1957", "", False)]),
    ("published", "executed", "поляк", [(Kind.ARREST, "1938", "58-6", True)]),
    ("published", "survived", "поляк", [(Kind.DEPORTATION, "1936", "", False)]),
    ("published", "survived", "немец", [(Kind.DEPORTATION, "1941", "", False),
                                        (Kind.IMPRISONMENT, "1942", "", True)]),
    ("published", "died_in_custody", "казах", [(Kind.ARREST, "1937", "58-2", True)]),
    ("pending", "executed", "немец", [(Kind.ARREST, "1937", "58-10", True)]),
    ("pending", "survived", "поляк", [(Kind.REHABILITATION, "1989", "", False)]),
]


@pytest.fixture
def registry():
    karlag = CampFactory(slug="karlag", name="Karlag")
    people = []
    for number, (status, fate, nationality, events) in enumerate(PEOPLE):
        factory = PublishedPersonFactory if status == "published" else PendingPersonFactory
        record = factory(surname=f"Фамилия{number}", fate=fate, nationality=nationality)
        described = {"record": record, "fate": fate, "nationality": nationality, "events": []}
        for kind, date, article, in_karlag in events:
            EventFactory(person=record, kind=kind, date=date, article=article,
                         camp=karlag if in_karlag else None)
            described["events"].append({"kind": kind, "date": date, "article": article,
                                        "camp": in_karlag})
        people.append(described)
    return people


def expected(people, predicate) -> int:
    return sum(1 for p in people
               if p["record"].status == Person.Status.PUBLISHED and predicate(p))


def counts_shown(client, query: str) -> tuple[int, int]:
    """(the search page's count, the API's count) for a query string."""
    page = client.get(f"{reverse('registry:search')}?{query}").content.decode()
    found = re.search(r"(\d+) (?:person|people) found", page)
    shown = int(found.group(1)) if found else 0
    return shown, client.get(f"{reverse('registry:api-people')}?{query}").json()["count"]


def assert_every_count_exact(client, people):
    for query, predicate in FILTERS.items():
        want = expected(people, predicate)
        assert counts_shown(client, query) == (want, want), query


def test_counts_stay_exact_as_moderators_publish_hide_and_merge(client, moderator, registry):
    assert_every_count_exact(client, registry)  # and every page is kept now

    moderation.person_publish(person=registry[5]["record"], moderator=moderator)
    registry[5]["record"].refresh_from_db()
    assert_every_count_exact(client, registry)

    moderation.person_hide(person=registry[0]["record"], moderator=moderator, reason="asked")
    registry[0]["record"].refresh_from_db()
    assert_every_count_exact(client, registry)

    # The duplicate's events move to the survivor, which now counts for their filters.
    duplicate, survivor = registry[2], registry[4]
    moderation.person_merge(person=duplicate["record"], into=survivor["record"],
                            moderator=moderator, reason="the same man")
    duplicate["record"].refresh_from_db()
    survivor["events"] += duplicate["events"]
    assert_every_count_exact(client, registry)
