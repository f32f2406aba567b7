"""The published gate, swept: a pending person, a pending photo and a declined submission
appear on no public URL the project has, while a published person does."""

import io

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from registry import moderation
from registry.importer import RecordImporter
from registry.models import Camp, MediaStatus, Person, Photo
from registry.sitemaps import SITEMAPS
from tests.factories import CampFactory, PendingSubmissionFactory

pytestmark = pytest.mark.django_db

CANARY = "Канареечкин"
DRAFT = "Черновиков"
PUBLISHED = "Светлицкий"
# Private by design (the holder of the token sees their own submission) or not pages.
PRIVATE = {"registry:submission-status", "registry:submission-thanks", "registry:media",
           "set_language"}


def walk(resolver=None, prefix="", namespace=""):
    """(name, route) of every URL pattern of the project, outside the admin."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if route.startswith("admin/"):
                continue
            space = pattern.namespace or namespace
            yield from walk(pattern, route, space)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace else (pattern.name or route)
            yield name, route


def fill(route: str, values: dict) -> list[str]:
    urls = ["/" + route.lstrip("^").rstrip("$")]
    for marker, options in values.items():
        urls = [url.replace(marker, str(option)) for url in urls for option in options]
    # A new kind of parameter must be given values here, or its pages go unchecked.
    assert not any("<" in url for url in urls), urls
    return urls


@pytest.fixture
def people(moderator):
    CampFactory(name="Карлаг", slug="karlag")  # known to the registry before anyone names it
    csv = ("external_id,surname,given_name,birth_date,birth_place,arrest_date,camp,fate\n"
           f"c1,{CANARY},Пётр,1900,Акмолинск,29.10.1937,Карлаг,executed\n").encode()
    RecordImporter(status="pending").run(io.BytesIO(csv))
    csv = csv.replace(CANARY.encode(), PUBLISHED.encode()).replace(b"c1,", b"p1,")
    RecordImporter(status="published").run(io.BytesIO(csv))
    declined = PendingSubmissionFactory(data={"surname": "Отклонённый"})
    moderation.submission_reject(submission=declined, moderator=moderator, reason="no")
    # Accepted without publishing: a draft the moderators finish later.
    draft = PendingSubmissionFactory(data={
        **PendingSubmissionFactory.build().data, "surname": DRAFT, "given_name": "Пётр",
        "birth_place": "Акмолинск", "relatives": [{"name": "Черновикова Анна",
                                                    "relation": "spouse", "note": ""}],
        "events": [{"kind": "arrest", "date": "1937-10-29", "camp": "Карлаг"}]})
    moderation.submission_accept(submission=draft, moderator=moderator, publish=False)
    return Person.objects.get(surname=CANARY), Person.objects.get(surname=PUBLISHED)


def test_no_public_url_shows_a_pending_person(client, people):
    canary, published = people
    camp = Camp.objects.get(slug="karlag")
    draft = Person.objects.get(surname=DRAFT)
    values = {"<pk:pk>": [canary.pk, published.pk, draft.pk], "<slug:slug>": [camp.slug],
              "<section>": list(SITEMAPS)}
    # The canary is looked for by what it shares with the published person (a search
    # echoes its own query, so its surname is never typed).
    queries = ["", "?q=Пётр", f"?q={PUBLISHED}", "?fate=executed", "?year=1937",
               "?place=Акмолинск", "?camp=karlag"]
    seen_published = set()
    checked = 0
    for name, route in walk():
        if name in PRIVATE:
            continue
        for url in fill(route, values):
            for query in queries:
                response = client.get(url + query)
                if response.status_code in (301, 302):
                    response = client.get(response["Location"])
                body = (b"".join(response.streaming_content) if response.streaming
                        else response.content).decode("utf-8", "replace")
                checked += 1
                assert CANARY not in body, f"{url}{query} shows the pending person"
                assert DRAFT not in body, f"{url}{query} shows a draft accepted unpublished"
                assert "Отклонённый" not in body, f"{url}{query} shows a declined submission"
                if PUBLISHED in body:
                    seen_published.add(name)
    assert checked > 50
    # The sweep is only proof if the same pages do show a published person.
    assert {"registry:person", "registry:search", "registry:api-people",
            "registry:api-person", "registry:export-people"} <= seen_published


def test_media_of_unpublished_photos_is_not_served_to_visitors(client, people, admin_client,
                                                              settings):
    canary, published = people
    files = {}
    for key, person, status in (("public", published, MediaStatus.APPROVED),
                                ("pending photo", published, MediaStatus.PENDING),
                                ("pending person", canary, MediaStatus.APPROVED)):
        photo = Photo(person=person, status=status)
        photo.image.save(f"{key}.jpg", io.BytesIO(b"\xff\xd8\xff"), save=True)
        files[key] = photo
    for photo in files.values():
        path = photo.image.path
        assert str(settings.REGISTRY_PROTECTED_MEDIA_ROOT) in path
        assert str(settings.MEDIA_ROOT) not in path  # never under what DEBUG serves
    assert client.get(files["public"].image.url).status_code == 200
    assert client.get(files["pending photo"].image.url).status_code == 404
    assert client.get(files["pending person"].image.url).status_code == 404
    assert client.get("/files/../../etc/passwd").status_code == 404
    assert admin_client.get(files["pending photo"].image.url).status_code == 200
    page = client.get(published.get_absolute_url()).content.decode()
    assert files["public"].image.url in page
    assert files["pending photo"].image.url not in page
