"""Reading lists for "Returning the Names": who is on them, how each name reads, portions,
downloads, read-by-date and the reader's card — and never an unpublished person."""

import csv
import io
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders

from registry import reading
from registry.models import Person, PlaceName, RepressionEvent
from tests.factories import (
    CampFactory,
    EventFactory,
    HiddenPersonFactory,
    PendingPersonFactory,
    PlaceFactory,
    PublishedPersonFactory,
)

pytestmark = pytest.mark.django_db
EXECUTED = Person.Fate.EXECUTED


def executed(surname, date="29.10.1937", **fields):
    return PublishedPersonFactory(surname=surname, fate=EXECUTED, death_date=date, **fields)


def page(client, path="/reading/list/", **params):
    response = client.get(path, params)
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


def streamed(response) -> str:
    return b"".join(response.streaming_content).decode()


@pytest.fixture
def moscow():
    place = PlaceFactory(name="Moscow")
    PlaceName.objects.create(place=place, name="Москва", language="ru")
    return place


@pytest.fixture
def unpublished(moscow):
    """A pending and a hidden person who match every list of these tests."""
    people = [PendingPersonFactory(surname="Pendingov"), HiddenPersonFactory(surname="Hiddenov")]
    camp = CampFactory(slug="karlag", name="Karlag")
    for person in people:
        person.fate, person.death_date, person.birth_place = EXECUTED, "29.10.1937", moscow
        person.save()
        EventFactory(person=person, kind=RepressionEvent.Kind.IMPRISONMENT, camp=camp)
    return people


def test_a_name_reads_as_on_the_card_in_russian_and_english(client, moscow):
    executed("Иванов", given_name="Иван", patronymic="Петрович", birth_date="12.03.1895",
             occupation="учитель", sex="male", birth_place=moscow)
    executed("Иванова", given_name="Мария", patronymic="Петровна", birth_date="1900",
             occupation="врач", sex="female", birth_place=moscow)
    english = page(client, place="Moscow")
    assert "Иван Петрович</a>, 42 years old, учитель, executed 29 October 1937" in english
    russian = client.get("/reading/list/", {"place": "Moscow"},
                         HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "42 года, учитель, расстрелян 29 октября 1937" in russian
    # Born in "1900" only: no age is said, since it could be wrong by a year.
    assert "Мария Петровна</a>, врач, расстреляна 29 октября 1937" in russian


def test_age_only_when_both_dates_are_exact_to_the_day():
    person = Person(surname="X", birth_date="12.03.1895", death_date="8.12.1937")
    assert reading.entry(person).age == 42
    for birth, death in (("1895", "8.12.1937"), ("около 12.03.1895", "8.12.1937"),
                         ("12.03.1895", "12.1937"), ("", "8.12.1937")):
        person = Person(surname="X", birth_date=birth or None, death_date=death)
        assert reading.entry(person).age is None, (birth, death)


def test_died_in_a_camp_names_the_camp_and_the_year(client):
    person = PublishedPersonFactory(surname="Lagernova", sex="female", death_date="1942",
                                    fate=Person.Fate.DIED_IN_CUSTODY)
    camp = CampFactory(slug="karlag", name="Karlag")
    EventFactory(person=person, kind=RepressionEvent.Kind.IMPRISONMENT, camp=camp, date="1938")
    assert "Lagernova Ivan Petrovich</a>, died in Karlag, 1942" in page(client, camp="karlag")
    russian = client.get("/reading/list/", {"camp": "karlag"}, HTTP_ACCEPT_LANGUAGE="ru")
    assert "умерла в Karlag, 1942" in russian.content.decode()


def test_place_selects_by_any_name_past_or_present_and_places_within(client):
    region = PlaceFactory(name="Akmola region")
    astana = PlaceFactory(name="Astana", parent=region)
    PlaceName.objects.create(place=astana, name="Акмолинск", year_from=1832, year_to=1961)
    PlaceName.objects.create(place=astana, name="Tselinograd", year_from=1961, year_to=1992)
    born = executed("Bornhere", birth_place=astana)
    lived = executed("Livedhere", residence_place=astana)
    shot = executed("Shothere")
    EventFactory(person=shot, kind=RepressionEvent.Kind.EXECUTION, place=astana)
    elsewhere = executed("Elsewhere", birth_place=PlaceFactory(name="Omsk"))
    for name in ("Astana", "акмолинск", "TSELINOGRAD", "Akmola region"):
        text = page(client, place=name)
        for person in (born, lived, shot):
            assert person.surname in text, (name, person.surname)
        assert elsewhere.surname not in text, name


def test_dates_select_a_month_a_year_or_a_range(client):
    october = executed("Octoberov", "29.10.1937")
    month_only = executed("Monthonly", "10.1937")
    year_only = executed("Yearonly", "1937")
    november = executed("Novemberov", "2.11.1937")
    survived = PublishedPersonFactory(surname="Survivor", death_date="29.10.1937",
                                      fate=Person.Fate.SURVIVED)
    text = page(client, executed_from="1937-10-01", executed_to="1937-10-31")
    assert october.surname in text and month_only.surname in text
    for person in (year_only, november, survived):
        assert person.surname not in text  # "1937" may be any month; not executed
    text = page(client, execution_year_min=1937, execution_year_max=1937)
    for person in (october, month_only, year_only, november):
        assert person.surname in text
    assert survived.surname not in text


def test_read_by_date_takes_everyone_executed_on_that_day_in_any_year(client):
    on_day = [executed("Thirtyseven", "29.10.1937"), executed("Thirtyeight", "29.10.1938")]
    vague = executed("Vague", "10.1937")
    other_day = executed("Otherday", "28.10.1937")
    text = page(client, execution_day=29, execution_month=10)
    assert all(person.surname in text for person in on_day)
    assert vague.surname not in text and other_day.surname not in text
    assert 'name="execution_day"' in page(client, "/reading/")


def test_a_list_from_a_search_is_the_same_query_string(client):
    found = executed("Сейфуллин")
    executed("Другой")
    search = client.get("/search/", {"q": "Seifullin"}).content.decode()
    assert "/reading/list/?q=Seifullin" in search
    text = page(client, q="Seifullin")
    assert found.surname in text and "Другой" not in text


def test_portions_by_count_by_readers_and_by_reading_time(client):
    for number in range(7):
        executed(f"Name{number}")
    text = page(client, fate="executed", size=3)
    assert "Reader 1: names 1–3" in text and "Reader 3: names 7–7" in text
    assert "Reader 4" not in text
    text = page(client, fate="executed", readers=2)
    assert "Reader 1: names 1–4" in text and "Reader 2: names 5–7" in text
    # Two minutes at three names a minute: six names a reader.
    text = page(client, fate="executed", minutes=2, pace=3)
    assert "Reader 1: names 1–6" in text and "Reader 2: names 7–7" in text
    assert reading.portion_size(1000, minutes=10) == 10 * reading.DEFAULT_PACE


def test_list_is_printable_one_portion_a_sheet(client):
    executed("Printov")
    text = page(client, fate="executed")
    assert '<section class="portion"' in text
    assert "registry/site.css" in text
    css = Path(finders.find("registry/site.css")).read_text()
    assert ".portion { break-after: page;" in css


def test_text_and_csv_downloads_hold_every_name_in_its_portion(client):
    for number in range(5):
        executed(f"Name{number}", occupation="=cmd|' /C calc'!A0" if number == 0 else "poet")
    text = streamed(client.get("/reading/list.txt", {"fate": "executed", "size": 2}))
    assert "Reader 1\n\n1. Name0 Ivan Petrovich" in text
    assert "\nReader 3\n\n5. Name4 Ivan Petrovich, poet, executed 29 October 1937\n" in text
    response = client.get("/reading/list.csv", {"fate": "executed", "size": 2})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(streamed(response))))
    assert rows[0] == list(reading.CSV_COLUMNS)
    assert [row[:3] for row in rows[1:]] == [["1", "1", "Name0"], ["1", "2", "Name1"],
                                             ["2", "3", "Name2"], ["2", "4", "Name3"],
                                             ["3", "5", "Name4"]]
    assert rows[1][6].startswith("'=")  # a formula stays text in a spreadsheet
    assert rows[2][7] == "executed 29 October 1937"


def test_the_published_gate_holds_on_every_list_and_download(client, unpublished):
    visible = executed("Visible", birth_place=unpublished[0].birth_place)
    selectors = [{"place": "Москва"}, {"camp": "karlag"}, {"fate": "executed"},
                 {"execution_day": 29, "execution_month": 10}, {"q": "Ivan"},
                 {"executed_from": "1937-10-29", "executed_to": "1937-10-29"}]
    for params in selectors:
        outputs = [page(client, **params),
                   streamed(client.get("/reading/list.txt", params)),
                   streamed(client.get("/reading/list.csv", params)),
                   page(client, "/reading/card/", n=1, **params)]
        for output in outputs:
            assert "Pendingov" not in output and "Hiddenov" not in output, params
    assert visible.surname in page(client, place="Москва")


def test_a_list_needs_a_choice_and_valid_values(client):
    assert client.get("/reading/list/").status_code == 400
    assert client.get("/reading/list/", {"size": 5}).status_code == 400
    assert client.get("/reading/list/", {"execution_month": 13}).status_code == 400
    assert client.get("/reading/list.txt", {"fate": "nonsense"}).status_code == 400


def test_readers_card_gives_each_reader_the_next_unread_name(client):
    people = [executed(f"Card{number}") for number in range(3)]
    start = page(client, "/reading/card/", fate="executed")
    assert "This list holds 3 names." in start
    seen = []
    for _ in range(3):
        response = client.post("/reading/card/", {"fate": "executed", "action": "next"})
        assert response.status_code == 302
        seen.append(client.get(response["Location"]).content.decode())
    for person, card in zip(people, seen, strict=True):
        assert f'<p class="card-name" aria-live="polite">{person.full_name}</p>' in card
    # Another reader, with the filters in another order, continues the same list.
    response = client.post("/reading/card/", {"action": "next", "fate": "executed",
                                              "size": 9})
    assert "Every name of this list has been read." in client.get(
        response["Location"]).content.decode()
    response = client.post("/reading/card/", {"fate": "executed", "action": "random"})
    card = client.get(response["Location"]).content.decode()
    assert any(person.full_name in card for person in people)


def test_a_list_follows_publication_at_once_and_the_card_survives_a_hidden_name(
        client, moderator):
    from registry import moderation

    first, second = executed("Alpha"), executed("Beta")
    assert "Beta" in page(client, fate="executed")  # the count of the list is now cached
    late = PendingPersonFactory(surname="Gamma", fate=EXECUTED, death_date="1937")
    moderation.person_publish(person=late, moderator=moderator)
    assert "Gamma" in page(client, fate="executed")  # counted at once, not in 5 minutes
    moderation.person_hide(person=second, moderator=moderator, reason="a duplicate")
    # A reader holding number 3 of what was a list of three gets "finished", not an error.
    assert "Every name of this list has been read." in page(
        client, "/reading/card/", fate="executed", n=3)
    assert first.full_name in page(client, "/reading/card/", fate="executed", n=1)


def test_navigation_leads_to_the_reading_lists(client):
    assert 'href="/reading/"' in page(client, "/")
    assert "Read by date" in page(client, "/reading/")
