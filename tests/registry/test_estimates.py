"""A broad selection of a large registry is counted from a sample and says so; a small one,
and any on SQLite, is counted exactly."""

import pytest
from django.db import connection
from django.urls import reverse

from registry import estimates
from registry.estimates import about
from registry.models import Person, RepressionEvent
from tests.factories import CampFactory, EventFactory, HiddenPersonFactory, PublishedPersonFactory

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql",
                                   reason="TABLESAMPLE is PostgreSQL's; SQLite counts exactly")
EXECUTED = Person.Fate.EXECUTED


@pytest.mark.parametrize(("number", "said"), [
    (7, 7), (99, 99), (150, 150), (1049, 1000), (1051, 1100), (123_456, 120_000),
    (987_654, 990_000),
])
def test_an_estimate_is_rounded_to_two_digits(number, said):
    assert about(number) == said


@pytest.fixture
def executed_in_karlag():
    karlag = CampFactory(slug="karlag", name="Karlag")
    for number in range(30):
        person = PublishedPersonFactory(surname=f"Иванов{number}", fate=EXECUTED)
        if number < 10:
            EventFactory(person=person, kind=RepressionEvent.Kind.IMPRISONMENT, camp=karlag)
    hidden = HiddenPersonFactory(surname="Скрытый", fate=EXECUTED)
    EventFactory(person=hidden, kind=RepressionEvent.Kind.IMPRISONMENT, camp=karlag)


@pytest.fixture
def sampled_at_any_size(monkeypatch):
    """As on a large registry: the sample is the whole of this small one, so the estimate
    must equal the exact count."""
    monkeypatch.setattr(estimates, "SMALLEST_SAMPLED_REGISTRY", 0)
    monkeypatch.setattr(estimates, "MIN_SAMPLED", 1)


@on_postgresql
def test_a_broad_selection_says_its_numbers_are_estimates(client, executed_in_karlag,
                                                          sampled_at_any_size):
    page = client.get(reverse("registry:search"), {"fate": "executed"}).content.decode()
    assert "About 30 people found" in page
    assert "estimates" in page
    assert "Скрытый" not in page
    facets = page[page.index("Among these people"):]
    assert 'camp=karlag">Karlag</a> <span class="count">10</span>' in facets


@on_postgresql
def test_the_api_marks_an_estimated_count(client, executed_in_karlag, sampled_at_any_size):
    answer = client.get(reverse("registry:api-people"), {"camp": "karlag"}).json()
    assert answer["count"] == 10 and answer["count_is_estimate"] is True


def test_a_small_registry_is_counted_exactly(client, executed_in_karlag):
    page = client.get(reverse("registry:search"), {"fate": "executed"}).content.decode()
    assert "30 people found" in page and "About" not in page
    answer = client.get(reverse("registry:api-people"), {"fate": "executed"}).json()
    assert answer["count"] == 30 and answer["count_is_estimate"] is False


@on_postgresql
def test_a_selection_too_rare_in_the_sample_is_counted_exactly(client, executed_in_karlag,
                                                               monkeypatch):
    monkeypatch.setattr(estimates, "SMALLEST_SAMPLED_REGISTRY", 0)
    monkeypatch.setattr(estimates, "MIN_SAMPLED", 11)  # the sample holds only 10
    answer = client.get(reverse("registry:api-people"), {"camp": "karlag"}).json()
    assert answer["count"] == 10 and answer["count_is_estimate"] is False
