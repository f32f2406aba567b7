"""Names and places shown as they were written, and texts of a sensible length.

An invisible right-to-left override in a surname showed it reversed on the profile and in
the admin; a zero-width space split a name so that it no longer matched its own spelling;
a 200,000-character story was accepted; an answer to a moderator was cut at 5,000
characters without a word. Now the invisible characters are never stored, whatever the way
in, and a text too long is refused with a message and kept as typed.
"""

import importlib

import pytest
from django.apps import apps
from django.db import connection

from registry import moderation
from registry.forms import STORY_MAX_LENGTH
from registry.models import Person, RepressionEvent, Submission
from registry.search import search_people
from registry.text import visible_text
from registry.views.submit import ANSWER_MAX_LENGTH
from tests.factories import EventFactory, PendingSubmissionFactory, PublishedPersonFactory
from tests.registry.test_submit import form_data

pytestmark = pytest.mark.django_db

RLO, PDF, ZWSP, ZWNJ, BOM, LRI, PDI = "\u202e", "\u202c", "\u200b", "\u200c", "\ufeff", \
    "\u2066", "\u2069"


def test_invisible_controls_are_removed_and_joiners_kept_between_letters():
    assert visible_text(f"{RLO}Иванов{PDF}") == "Иванов"
    assert visible_text(f"Жур{ZWSP}генов{BOM}") == "Жургенов"
    assert visible_text(f"{LRI}Akmolinsk{PDI}") == "Akmolinsk"
    assert visible_text(f"می{ZWNJ}خواهم") == f"می{ZWNJ}خواهم"  # Persian needs it there
    assert visible_text(f"{ZWNJ}Ким {ZWNJ}") == "Ким "


def test_a_familys_submission_keeps_no_invisible_controls_to_the_profile(client, moderator):
    response = client.post("/submit/", form_data(
        surname=f"{RLO}Жургенов{PDF}", given_name=f"Темир{ZWSP}бек",
        birth_place=f"{LRI}Акмолинск{PDI}", **{"events-0-place": f"Алма{BOM}-Ата"}))
    assert response.status_code == 302
    submission = Submission.objects.get()
    assert submission.data["surname"] == "Жургенов"
    assert submission.data["given_name"] == "Темирбек"

    person = moderation.submission_accept(submission=submission, moderator=moderator)

    person.refresh_from_db()
    assert (person.surname, person.given_name, person.birth_place_name) == (
        "Жургенов", "Темирбек", "Акмолинск")
    assert person.events.get(kind="arrest").place_name == "Алма-Ата"
    assert list(search_people(Person.objects.published(), "Темирбек Жургенов")) == [person]
    assert RLO not in client.get(person.get_absolute_url()).content.decode()


def test_no_way_of_writing_a_record_stores_them():
    saved = PublishedPersonFactory(surname=f"{RLO}Иванов{PDF}")
    assert saved.surname == "Иванов"  # the record in memory too
    bulk, = Person.objects.bulk_create([Person(surname=f"Пет{ZWSP}ров",
                                               status=Person.Status.PUBLISHED)])
    Person.objects.filter(pk=saved.pk).update(given_name=f"{BOM}Иван")
    event = EventFactory(person=saved, place_name=f"{RLO}Karlag")
    event.sentence = f"10 лет{ZWSP}"
    RepressionEvent.objects.bulk_update([event], ["sentence"])

    assert set(Person.objects.values_list("surname", "given_name")) >= {
        ("Иванов", "Иван"), ("Петров", bulk.given_name)}
    assert RepressionEvent.objects.values_list("place_name", "sentence").get() == (
        "Karlag", "10 лет")
    # Asked with the invisible character, the name is found as stored.
    assert Person.objects.filter(surname=f"Ива{ZWSP}нов").get() == saved


def test_the_migration_cleans_what_was_stored_before(moderator):
    person = PublishedPersonFactory(surname="Байтурсынов", occupation="поэт")
    with connection.cursor() as cursor:  # as an older version of the registry stored it
        cursor.execute("UPDATE registry_person SET surname = %s, occupation = %s "
                       "WHERE id = %s", [f"{RLO}Байтурсынов{PDF}", f"по{ZWSP}эт", person.pk])
    migration = importlib.import_module(
        "registry.migrations.0018_names_and_places_without_hidden_controls")

    migration.clean_existing_texts(apps, None)

    assert Person.objects.values_list("surname", "occupation").get(pk=person.pk) == (
        "Байтурсынов", "поэт")


def test_a_story_too_long_is_refused_and_kept_as_typed(client):
    story = "Он учил детей. " * (STORY_MAX_LENGTH // 15 + 10)
    response = client.post("/submit/", form_data(biography=story))

    assert response.status_code == 400 and not Submission.objects.exists()
    page = response.content.decode()
    assert "Ensure this value has at most 20000 characters" in page
    assert story.strip() in page  # nothing typed is lost


def test_an_answer_too_long_is_refused_whole_and_kept_as_typed(client, moderator):
    submission = PendingSubmissionFactory()
    moderation.submission_ask(submission=submission, moderator=moderator,
                              question="Where was he held?")
    url = f"/submission/{submission.token}/"
    answer = "В Карлаге, потом в Степлаге. " * (ANSWER_MAX_LENGTH // 28 + 5)

    response = client.post(url, {"action": "answer", "answer": answer})

    assert response.status_code == 400
    page = response.content.decode()
    assert "at most 5000 fit" in page and answer.strip() in page
    submission.refresh_from_db()
    assert submission.status == Submission.Status.NEEDS_INFO
    assert client.post(url, {"action": "answer", "answer": answer[:ANSWER_MAX_LENGTH]}
                       ).status_code == 302
