"""What a visitor sees, and what they never see."""

import json
import re

import pytest
from django.utils import timezone

from registry.models import Person, RepressionEvent
from tests.factories import (
    CampFactory,
    CitationFactory,
    EventFactory,
    HiddenPersonFactory,
    NameVariantFactory,
    PendingPersonFactory,
    PlaceFactory,
    PublishedPersonFactory,
    RelationshipFactory,
)

pytestmark = pytest.mark.django_db


def today_text():
    today = timezone.localdate()
    return f"{today.day:02d}.{today.month:02d}.1937"


@pytest.fixture
def published():
    return PublishedPersonFactory(surname="Сейфуллин", given_name="Сакен",
                                  published_at=timezone.now())


@pytest.fixture
def unpublished():
    """A pending and a hidden person, each executed on this day in 1937."""
    people = [PendingPersonFactory(surname="Pendingov"), HiddenPersonFactory(surname="Hiddenov")]
    for person in people:
        EventFactory(person=person, kind=RepressionEvent.Kind.EXECUTION, date=today_text())
    return people


def test_home_counts_and_lists_only_published_people(client, published, unpublished):
    EventFactory(person=published, kind=RepressionEvent.Kind.EXECUTION, date=today_text())
    page = client.get("/").content.decode()
    assert "Сейфуллин" in page
    assert "holds 1 name" in page
    for person in unpublished:
        assert person.surname not in page


def test_on_this_day_shows_exact_days_only(client, published):
    EventFactory(person=published, kind=RepressionEvent.Kind.ARREST, date=today_text())
    vague = PublishedPersonFactory(surname="Vaguenko")
    EventFactory(person=vague, kind=RepressionEvent.Kind.ARREST,
                 date=f"около {today_text()}")
    page = client.get("/").content.decode()
    section = page[page.index('id="on-this-day"'):page.index('id="latest"')]
    assert "Сейфуллин" in section
    assert "Vaguenko" not in section


@pytest.mark.parametrize("factory", [PendingPersonFactory, HiddenPersonFactory])
def test_unpublished_profile_is_not_found(client, factory):
    person = factory()
    assert client.get(f"/people/{person.pk}/").status_code == 404


def test_unknown_profile_is_not_found(client):
    assert client.get("/people/999999/").status_code == 404


def test_search_finds_published_people_by_any_name(client, published, unpublished):
    NameVariantFactory(person=published, surname="Seifullin", given_name="Saken")
    for query in ("Сейф", "seifullin", "Saken Seifullin"):
        page = client.get("/search/", {"q": query}).content.decode()
        assert published.get_absolute_url() in page, query
    page = client.get("/search/", {"q": "Pendingov"}).content.decode()
    assert unpublished[0].get_absolute_url() not in page
    assert "0 people found" in page


def test_camp_page_lists_only_published_prisoners(client, published, unpublished):
    camp = CampFactory(name="Karlag")
    EventFactory(person=published, kind=RepressionEvent.Kind.IMPRISONMENT, camp=camp)
    EventFactory(person=unpublished[0], kind=RepressionEvent.Kind.IMPRISONMENT, camp=camp)
    page = client.get(camp.get_absolute_url()).content.decode()
    assert "Сейфуллин" in page and "Pendingov" not in page


def test_profile_shows_the_whole_record(client):
    place = PlaceFactory(name="Akmolinsk")
    person = PublishedPersonFactory(
        surname="Байтурсынов", given_name="Ахмет", patronymic="", birth_date="около 1872",
        birth_place=place, birth_place_name="Тургайская область", nationality="казах",
        occupation="поэт, учёный", residence="Алма-Ата", death_date="8.12.1937",
        fate=Person.Fate.EXECUTED, biography="Первый абзац.\n\nВторой абзац.",
    )
    NameVariantFactory(person=person, surname="Baitursynov", given_name="Akhmet")
    EventFactory(person=person, kind="arrest", date="2.10.1937")
    EventFactory(person=person, kind="sentence", date="8.12.1937", authority="тройка НКВД",
                 article="58-2", sentence="ВМН")
    EventFactory(person=person, kind="imprisonment", camp=CampFactory(name="Karlag"))
    EventFactory(person=person, kind="rehabilitation", date="1988")
    CitationFactory(person=person, source__title="Книга памяти", source__fond="1",
                    source__opis="2", source__delo="345", detail="с. 12")
    wife = PublishedPersonFactory(surname="Байтурсынова", given_name="Бадрисафа")
    RelationshipFactory(person=wife, relative=person, kind="spouse")
    pending_son = PendingPersonFactory(surname="Secretson")
    RelationshipFactory(person=person, relative=pending_son, kind="child")

    page = client.get(person.get_absolute_url()).content.decode()

    for text in ("Байтурсынов Ахмет", "Baitursynov Akhmet", "about 1872", "Тургайская область",
                 "казах", "поэт, учёный", "Алма-Ата", "8 December 1937", "тройка НКВД",
                 "58-2", "ВМН", "Karlag", "Книга памяти", "f. 1, op. 2, d. 345", "с. 12",
                 "<p>Первый абзац.</p>", "Бадрисафа", "How to cite"):
        assert text in page, text
    assert "Secretson" not in page  # an unpublished relative stays hidden
    timeline = page[page.index("What happened"):page.index("id=\"family-heading\"")]
    assert timeline.index("Arrest") < timeline.index("Sentence") < timeline.index(
        "Rehabilitation")
    assert f'href="http://testserver/people/{person.pk}/"' in page
    assert 'property="og:title"' in page


def test_profile_carries_schema_org_person(client, published):
    published.birth_date = "1894"
    published.save()
    page = client.get(published.get_absolute_url()).content.decode()
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    data = json.loads(block.group(1))
    assert data["@type"] == "Person"
    assert (data["familyName"], data["birthDate"]) == ("Сейфуллин", "1894")


def test_profile_escapes_hostile_text(client):
    person = PublishedPersonFactory(surname="<script>alert(1)</script>",
                                    biography="</script><img src=x onerror=alert(2)>")
    page = client.get(person.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in page
    assert "<img src=x" not in page


def test_age_at_death_only_from_exact_dates():
    exact = Person(birth_date="12.03.1895", death_date="29.10.1937")
    assert exact.age_at_death == 42
    assert Person(birth_date="1895", death_date="29.10.1937").age_at_death is None
    assert Person(birth_date="около 12.03.1895", death_date="29.10.1937").age_at_death is None


def test_demo_records_are_announced(client):
    demo = PublishedPersonFactory(is_demo=True)
    assert "Demonstration data" in client.get("/").content.decode()
    assert "Demo record" in client.get(demo.get_absolute_url()).content.decode()


def test_no_demo_banner_on_a_real_registry(client, published):
    assert "Demonstration data" not in client.get("/").content.decode()


def test_pages_switch_to_russian(client, published):
    client.post("/i18n/setlang/", {"language": "ru", "next": "/"})
    page = client.get("/").content.decode()
    assert '<html lang="ru">' in page
