"""Pages served again from the cache: never showing what was withdrawn, and not all
rendered again because a moderator published someone.

A profile, a search or the home page is rendered once and then served from the cache; any
moderator's change to what those pages show must be visible on the very next request. A
publication must not retire pages it cannot have changed: on the day of "Returning the
Names" moderators publish every few seconds while visitors search.
"""

import re

import pytest
from django.test import Client
from django.urls import reverse

from registry import moderation, page_cache
from registry.importer import RecordImporter
from registry.models import MediaStatus, Person, Photo
from tests.factories import (
    EventFactory,
    PendingPersonFactory,
    PublishedPersonFactory,
    RelationshipFactory,
)

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def profile_of(client, person):
    return client.get(reverse("registry:person", args=[person.pk]))


def test_a_kept_profile_is_served_without_reading_the_person_again(
        client, django_assert_num_queries):
    person = PublishedPersonFactory(surname="Сейфуллин")
    first = profile_of(client, person)
    # The generation of everything (the shared cache) and the profile's version.
    with django_assert_num_queries(2):
        again = profile_of(client, person)
    assert again.status_code == 200
    assert "Сейфуллин" in again.content.decode()
    assert TOKEN.sub("", again.content.decode()) == TOKEN.sub("", first.content.decode())


def test_a_hidden_person_is_gone_from_a_kept_profile_at_once(client, moderator):
    person = PublishedPersonFactory(surname="Сейфуллин")
    assert profile_of(client, person).status_code == 200

    moderation.person_hide(person=person, moderator=moderator, reason="the family asked")

    assert profile_of(client, person).status_code == 404


def test_a_corrected_event_shows_on_a_kept_profile_at_once(client):
    event = EventFactory(article="58-10")
    assert "58-10" in profile_of(client, event.person).content.decode()

    event.article = "58-6"
    event.save()

    page = profile_of(client, event.person).content.decode()
    assert "58-6" in page and "58-10" not in page


def test_an_approved_photo_shows_on_a_kept_profile_at_once(client, moderator):
    person = PublishedPersonFactory()
    photo = Photo.objects.create(person=person, image="photos/x.jpg", caption="На даче, 1935",
                                 status=MediaStatus.PENDING)
    assert "На даче" not in profile_of(client, person).content.decode()

    moderation.photo_approve(photo=photo, moderator=moderator)

    assert "На даче" in profile_of(client, person).content.decode()


def test_a_kept_search_finds_a_person_published_after_it(client, moderator):
    PublishedPersonFactory(surname="Байтурсынов")
    waiting = PublishedPersonFactory(surname="Байтурсынов", given_name="Ахмет",
                                     status=Person.Status.PENDING)
    search = reverse("registry:search") + "?q=Байтурсынов"
    assert "1 person found" in client.get(search).content.decode()

    moderation.person_publish(person=waiting, moderator=moderator)

    assert "2 people found" in client.get(search).content.decode()


def test_an_imported_book_of_memory_shows_in_a_kept_search_at_once(client):
    search = reverse("registry:search") + "?q=Жургенов"
    assert "No published person" in client.get(search).content.decode()

    RecordImporter(status="published").run(
        "surname,given_name\nЖургенов,Темирбек\n".encode().splitlines(keepends=True))

    assert "1 person found" in client.get(search).content.decode()


def test_each_visitor_gets_their_own_csrf_token_from_a_kept_page():
    """The language switcher is a form: a kept page must not hand one visitor's token to
    another, and the token it does hand out must work."""
    person = PublishedPersonFactory()
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first_token = TOKEN.search(profile_of(first, person).content.decode()).group(1)
    second_page = profile_of(second, person)
    second_token = TOKEN.search(second_page.content.decode()).group(1)

    assert second_token != first_token
    switched = second.post(reverse("set_language"), {
        "language": "ru", "next": person.get_absolute_url(),
        "csrfmiddlewaretoken": second_token})
    assert switched.status_code == 302
    assert '<html lang="ru">' in profile_of(second, person).content.decode()


def test_a_page_is_kept_per_language(client):
    person = PublishedPersonFactory()
    english = profile_of(client, person).content.decode()
    client.cookies["django_language"] = "ru"
    russian = profile_of(client, person).content.decode()
    assert '<html lang="en">' in english and '<html lang="ru">' in russian


def test_a_kept_search_is_served_without_searching_again(client, django_assert_num_queries):
    PublishedPersonFactory(surname="Байтурсынов")
    search = reverse("registry:search") + "?q=Байтурсынов"
    client.get(search)
    with django_assert_num_queries(2):  # the generation only
        assert "1 person found" in client.get(search).content.decode()


def test_a_hidden_person_is_no_longer_counted_beside_the_filters(client, moderator):
    PublishedPersonFactory(surname="Шмидт", nationality="немец")
    hidden = PublishedPersonFactory(surname="Шмидт", nationality="поляк")
    search = reverse("registry:search") + "?q=Шмидт"
    assert "поляк" in client.get(search).content.decode()

    moderation.person_hide(person=hidden, moderator=moderator, reason="the family asked")

    page = client.get(search).content.decode()
    assert "1 person found" in page and "немец" in page and "поляк" not in page


def test_a_page_whose_token_cannot_be_found_is_not_kept():
    """A template that wrote the token some other way would otherwise hand the first
    visitor's token to everyone."""
    from django.http import HttpResponse

    from registry.page_cache import CSRF_TOKEN, _kept

    usual = HttpResponse('<input type="hidden" name="csrfmiddlewaretoken" value="abc">')
    other = HttpResponse('<input name="csrfmiddlewaretoken" type="hidden" value="abc">')
    assert _kept(usual, (CSRF_TOKEN,)) is not None
    assert _kept(other, (CSRF_TOKEN,)) is None


def test_publishing_someone_keeps_the_profiles_of_everyone_else(
        client, moderator, django_assert_num_queries):
    person = PublishedPersonFactory(surname="Сейфуллин")
    waiting = PendingPersonFactory(surname="Жургенов")
    profile_of(client, person)

    moderation.person_publish(person=waiting, moderator=moderator)

    with django_assert_num_queries(2):  # served as kept: nothing of the person read again
        assert "Сейфуллин" in profile_of(client, person).content.decode()


def test_changing_a_pending_record_retires_no_kept_page(client, django_assert_num_queries):
    PublishedPersonFactory(surname="Байтурсынов")
    event = EventFactory(person=PendingPersonFactory(surname="Байтурсынов"), article="58-10")
    search = reverse("registry:search") + "?q=Байтурсынов"
    client.get(search)

    event.article = "58-6"
    event.save()

    with django_assert_num_queries(2):
        assert "1 person found" in client.get(search).content.decode()


def test_hiding_a_relative_changes_the_kept_profile_that_named_them(client, moderator):
    link = RelationshipFactory(relative=PublishedPersonFactory(surname="Плисецкая"))
    assert "Плисецкая" in profile_of(client, link.person).content.decode()

    moderation.person_hide(person=link.relative, moderator=moderator, reason="the family asked")

    assert "Плисецкая" not in profile_of(client, link.person).content.decode()


def test_a_list_late_by_a_publication_is_served_while_another_visitor_renders_it(
        client, moderator, monkeypatch):
    PublishedPersonFactory(surname="Байтурсынов")
    waiting = PendingPersonFactory(surname="Байтурсынов", given_name="Ахмет")
    search = reverse("registry:search") + "?q=Байтурсынов"
    client.get(search)
    moderation.person_publish(person=waiting, moderator=moderator)

    # Someone else renders it.
    monkeypatch.setattr(page_cache, "_take_turn", lambda key, everywhere=True: False)
    assert "1 person found" in client.get(search).content.decode()
    monkeypatch.undo()
    assert "2 people found" in client.get(search).content.decode()


def test_a_list_that_showed_a_hidden_person_is_never_served_again(
        client, moderator, monkeypatch):
    PublishedPersonFactory(surname="Байтурсынов")
    hidden = PublishedPersonFactory(surname="Байтурсынов", given_name="Ахмет")
    search = reverse("registry:search") + "?q=Байтурсынов"
    assert "2 people found" in client.get(search).content.decode()
    moderation.person_hide(person=hidden, moderator=moderator, reason="the family asked")

    # Another visitor renders it and never finishes: this one waits, then is asked to
    # come back, rather than shown the kept page or made to render it too.
    monkeypatch.setattr(page_cache, "_take_turn", lambda key, everywhere=True: False)
    monkeypatch.setattr(page_cache, "WAIT_SECONDS", 0.2)
    busy = client.get(search)
    assert busy.status_code == 503 and int(busy["Retry-After"]) > 0
    assert "Ахмет" not in busy.content.decode()


@pytest.fixture
def renders(monkeypatch):
    """The pages rendered (rather than served as kept) from now on."""
    rendered = []
    render = page_cache._render_and_keep

    def counted(view, request, *args, **kwargs):
        rendered.append(request.get_full_path())
        return render(view, request, *args, **kwargs)

    monkeypatch.setattr(page_cache, "_render_and_keep", counted)
    return rendered


def test_hiding_someone_a_list_does_not_answer_leaves_it_as_kept(client, moderator, renders):
    PublishedPersonFactory(surname="Сейфуллин")
    hidden = PublishedPersonFactory(surname="Байтурсынов")
    search = reverse("registry:search") + "?q=Сейфуллин"
    client.get(search)
    moderation.person_hide(person=hidden, moderator=moderator, reason="the family asked")

    assert "1 person found" in client.get(search).content.decode()
    assert len(renders) == 1  # the first time only


def test_hiding_someone_a_list_answers_but_does_not_show_makes_it_late(client, moderator,
                                                                       renders):
    PublishedPersonFactory(surname="Сейфуллин", given_name="Сакен")
    hidden = PublishedPersonFactory(surname="Сейфуллина", given_name="Гульбахрам")
    first_of_two = reverse("registry:api-people") + "?q=Сейфуллин&page_size=1"
    assert client.get(first_of_two).json()["count"] == 2  # she is second, not on the page
    moderation.person_hide(person=hidden, moderator=moderator, reason="the family asked")

    assert client.get(first_of_two).json()["count"] == 1  # rendered again: it was cheap
    assert len(renders) == 2


def test_an_expensive_late_list_is_served_on_while_late(client, monkeypatch, renders):
    PublishedPersonFactory(surname="Сейфуллин")
    event = EventFactory(person=PublishedPersonFactory(surname="Байтурсынов"), article="58-10")
    search = reverse("registry:search") + "?q=Сейфуллин"
    monkeypatch.setattr(page_cache, "EXPENSIVE_SECONDS", 0)  # as if it took long to render
    monkeypatch.setattr(page_cache, "LATE_FACTOR", 10**6)
    client.get(search)
    event.article = "58-6"  # a correction: what it changes is not known, every list is late
    event.save()

    assert "1 person found" in client.get(search).content.decode()
    assert len(renders) == 1


@pytest.mark.parametrize("query", [
    "Байтурсынов", "Baitursynov", "Bajtursynow", "Байтурсынова", "Baitur", "Ахмет Байтурсынов",
    "Baitursinov", "Байтурсынұлы",
])
def test_a_person_a_search_finds_is_never_said_not_to_answer_it(query):
    """What a kept list asks after a publication: a wrong no would keep it without them."""
    from registry.search import might_answer, search_people

    person = PublishedPersonFactory(surname="Байтурсынов", given_name="Ахмет")
    found = search_people(Person.objects.filter(pk=person.pk), query).exists()
    assert found  # the search does find him so; then the quick check must say so too
    assert might_answer(query, [person.pk])


def test_someone_of_another_name_does_not_answer_a_name_search():
    from registry.search import might_answer

    person = PublishedPersonFactory(surname="Сейфуллин", given_name="Сакен")
    assert not might_answer("Байтурсынов", [person.pk])
