"""The camps directory, its map, a camp's page, and places' names over time."""

import re

import pytest

from registry import maps
from registry.models import Person, PlaceName, RepressionEvent
from registry.reference import load_reference_data
from tests.factories import (
    CampFactory,
    CitationFactory,
    EventFactory,
    HiddenPersonFactory,
    PendingPersonFactory,
    PlaceFactory,
    PublishedPersonFactory,
)

pytestmark = pytest.mark.django_db


def held(camp, person):
    EventFactory(person=person, kind=RepressionEvent.Kind.IMPRISONMENT, camp=camp)
    return person


@pytest.fixture
def alzhir():
    load_reference_data()
    from registry.models import Camp

    return Camp.objects.get(slug="alzhir")


def test_directory_lists_every_camp_with_its_published_people(client, alzhir):
    held(alzhir, PublishedPersonFactory(surname="Wife"))
    held(alzhir, PendingPersonFactory(surname="Pendingova"))
    held(alzhir, HiddenPersonFactory(surname="Hiddenova"))
    page = client.get("/camps/").content.decode()
    assert "<h1>Camps and special settlements</h1>" in page
    for name in ("ALZHIR", "Karlag", "Steplag", "Dallag", "Siblag"):
        assert f">{name}</a>" in page, name
    item = re.search(r'<li><a href="/camps/alzhir/">ALZHIR</a>.*?</li>', page, re.S).group(0)
    assert "camp for wives of traitors to the motherland" in item
    assert "1938–1953" in item and "· 1 person" in item
    assert 'href="/camps/"' in client.get("/").content.decode()


def test_map_is_inline_svg_with_a_link_per_camp_and_no_external_resource(client, alzhir):
    page = client.get("/camps/").content.decode()
    svg = page[page.index("<svg"):page.index("</svg>")]
    assert 'role="img"' in svg and "<title" in svg and 'class="land"' in svg
    assert svg.count("<circle") == 6  # every reference camp has a place with coordinates
    assert '<a href="/camps/karlag/">' in svg
    assert "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")
    # Numbers stay numbers in Russian too (no decimal commas in coordinates).
    russian = client.get("/camps/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert re.search(r'<circle cx="\d+(\.\d+)?" cy="\d+(\.\d+)?"', russian)


def test_projection_puts_north_up_and_east_right():
    projection = maps.fit([(73.09, 49.81), (135.08, 48.48)])
    karaganda, khabarovsk = projection.point(73.09, 49.81), projection.point(135.08, 48.48)
    astana = projection.point(71.45, 51.17)
    assert khabarovsk[0] > karaganda[0] > astana[0]
    assert astana[1] < karaganda[1]
    assert 0 <= khabarovsk[0] <= projection.width and 0 <= astana[1] <= projection.height


def test_camp_page_shows_the_place_names_over_time(client, alzhir):
    place = PlaceFactory(name="Astana", latitude=51.17, longitude=71.45)
    for name, start, end in (("Akmolinsk", 1832, 1961), ("Tselinograd", 1961, 1992),
                             ("Astana", 1998, None)):
        PlaceName.objects.create(place=place, name=name, language="en", year_from=start,
                                 year_to=end)
    camp = CampFactory(slug="akmolinsk-prison", name="Akmolinsk prison", place=place)
    page = client.get(camp.get_absolute_url()).content.decode()
    assert re.search(r"Akmolinsk <span class=\"years\">\(1832–1961\)</span> → "
                     r"Tselinograd <span class=\"years\">\(1961–1992\)</span> → Astana", page)


def test_camp_page_lists_searches_and_cites_its_published_people(client, alzhir):
    wife = held(alzhir, PublishedPersonFactory(surname="Сейфуллина", given_name="Гульбахрам",
                                               sex="female"))
    other = held(alzhir, PublishedPersonFactory(surname="Другая"))
    hidden = held(alzhir, HiddenPersonFactory(surname="Hiddenova"))
    CitationFactory(person=wife, source__title="Книга памяти АЛЖИР")
    CitationFactory(person=hidden, source__title="Secret source of a hidden person")
    page = client.get("/camps/alzhir/").content.decode()
    assert "Akmolinsk camp of wives of traitors to the motherland" in page
    assert wife.surname in page and other.surname in page and "Hiddenova" not in page
    assert "Книга памяти АЛЖИР" in page and "Secret source" not in page
    assert "/reading/list/?camp=alzhir" in page
    found = client.get("/camps/alzhir/", {"q": "Seifullina"}).content.decode()
    assert wife.surname in found and other.surname not in found


def test_camp_people_are_paginated(client, alzhir):
    for number in range(27):
        held(alzhir, PublishedPersonFactory(surname=f"Name{number:02d}", fate=Person.Fate.SURVIVED))
    page = client.get("/camps/alzhir/").content.decode()
    assert "27 people" in page and "Page 1 of 2" in page
    assert "Name26" in client.get("/camps/alzhir/", {"page": 2}).content.decode()


def test_unknown_camp_is_not_found(client):
    assert client.get("/camps/no-such-camp/").status_code == 404
