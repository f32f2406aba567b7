"""Demo data: fictional, marked, reproducible, and shaped like the real registry."""

import pytest
from django.core.management import call_command

from registry.demo import DEMO_MARKER
from registry.models import Camp, ModerationLog, Person, Place, RepressionEvent
from registry.reference import load_reference_data

pytestmark = pytest.mark.django_db


def names():
    return list(Person.objects.order_by("external_id").values_list(
        "external_id", "surname", "given_name", "birth_date"))


def test_same_seed_same_people_and_a_rerun_adds_none():
    call_command("generate_demo", count=300, seed=7)
    first = names()
    call_command("generate_demo", count=300, seed=7)
    assert names() == first
    assert len(first) == 300


def test_another_seed_gives_other_people():
    call_command("generate_demo", count=100, seed=1)
    one = [row[1:] for row in names()]
    Person.objects.all().delete()
    call_command("generate_demo", count=100, seed=2)
    assert [row[1:] for row in names()] != one


def test_every_demo_person_is_marked_and_some_await_review():
    call_command("generate_demo", count=400, seed=3)
    people = Person.objects.all()
    assert all(p.is_demo and p.biography.startswith(DEMO_MARKER) for p in people)
    assert Person.objects.pending_review().exists()
    assert Person.history.count() == people.count()  # each has its first revision
    # Who brought them in, in the moderation log: one entry per first status.
    entered = {entry.data["status"]: entry.data["count"]
               for entry in ModerationLog.objects.filter(action="people.entered")}
    assert entered == {"published": people.published().count(),
                       "pending": people.pending_review().count()}
    assert all(p.published_at for p in people.published())


def test_women_carry_female_surname_forms():
    call_command("generate_demo", count=600, seed=4)
    women = Person.objects.filter(sex="female")
    assert women.exists()
    assert not [w.surname for w in women if w.surname.endswith(("ов", "ев", "ин", "ский"))]


def test_no_one_is_executed_before_arrest():
    call_command("generate_demo", count=500, seed=5)
    for execution in RepressionEvent.objects.filter(kind="execution"):
        arrest = execution.person.events.get(kind="arrest")
        assert arrest.date_lower <= execution.date_lower


def test_reference_data_loads_twice_without_duplicates():
    load_reference_data()
    load_reference_data()
    alzhir = Camp.objects.get(slug="alzhir")
    assert "АЛЖИР" in alzhir.all_names()
    astana = Place.objects.get(name="Astana")
    assert {"Akmolinsk", "Tselinograd", "Акмолинск"} <= set(astana.names.values_list(
        "name", flat=True))
    assert Camp.objects.count() == Camp.objects.values("slug").distinct().count()


def test_demo_people_are_found_by_the_years_of_their_dates():
    from registry.models import YearKey
    from registry.search_index import reindex_years

    call_command("generate_demo", count=200, seed=3)
    written = set(YearKey.objects.values_list("person_id", "first_year", "last_year"))
    reindex_years(Person.objects.values_list("pk", flat=True))  # what a save would make

    assert written == set(YearKey.objects.values_list("person_id", "first_year", "last_year"))
    assert YearKey.objects.values("person_id").distinct().count() == 200  # all born in a year
