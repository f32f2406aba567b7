"""Hostile input, sent the way an attacker would send it: through the public forms.

A family's text reaches the profile, the printable page, reading lists and their downloads,
the API, the moderators' admin and the family's own tracking page. Each payload below is
typed into every text field of /submit/, accepted by a moderator, and every one of those
pages must show it as text: nothing in them may run. Then SQL-looking searches, oversized
forms, paths out of the upload folder, posts without a CSRF token and guessed tracking
links: each must get an ordinary answer, never a server error, and never someone else's data.
"""

import base64
import csv
import io
import json
import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from registry import moderation
from registry.models import Document, MediaStatus, Person, Photo, Submission
from registry.models.submissions import new_token
from registry.storage import protected_storage
from tests.factories import PendingSubmissionFactory, PublishedPersonFactory
from tests.html import active_content, visible_text

pytestmark = pytest.mark.django_db

XSS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    "javascript:alert(1)",
    '<a href="javascript:alert(1)">click</a>',
    "<svg><script>alert(1)</script></svg>",
    "</script><script>alert(1)</script>",
    '<iframe src="//evil.example"></iframe><style>body{display:none}</style>',
    "{{ request.META }}{% debug %}{{ 7|add:7 }}",
]
# Every text field of /submit/ (formset rows: the first of each), with the plain word
# that comes before the payload (the surname's word is how the tests find the person).
PERSON_FIELDS = {"surname": "Враждебнов", "given_name": "Given", "patronymic": "Patronymic",
                 "maiden_name": "Maiden", "birth_place": "Birthplace",
                 "nationality": "Nationality", "occupation": "Occupation",
                 "residence": "Residence", "death_place": "Deathplace",
                 "biography": "Biography"}
ROW_FIELDS = {"variants-0-surname": "Variant", "variants-0-given_name": "Variantgiven",
              "variants-0-patronymic": "Variantpatronymic", "variants-0-note": "Variantnote",
              "events-0-place": "Eventplace", "events-0-authority": "Authority",
              "events-0-article": "Article", "events-0-sentence": "Sentence",
              "events-0-camp": "Campname", "events-0-notes": "Eventnotes",
              "relatives-0-name": "Relative", "relatives-0-note": "Relativenote",
              "sources-0-title": "Sourcetitle", "sources-0-detail": "Sourcedetail",
              "photos-0-caption": "Caption"}
SENDER_FIELDS = {"submitter_name": "Sender", "submitter_relationship": "Relationship"}
SHOWN_ON_PROFILE = [*PERSON_FIELDS, "variants-0-surname", "events-0-place",
                    "events-0-authority", "events-0-article", "events-0-sentence",
                    "events-0-camp", "events-0-notes", "sources-0-title",
                    "sources-0-detail", "photos-0-caption"]


def jpeg() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "gray").save(buffer, "JPEG")
    return SimpleUploadedFile("photo.jpg", buffer.getvalue(), content_type="image/jpeg")


def management(prefix, total):
    return {f"{prefix}-TOTAL_FORMS": str(total), f"{prefix}-INITIAL_FORMS": "0"}


def hostile_form(payload: str) -> tuple[dict, dict]:
    """The form data, and the value typed into each text field."""
    typed = {name: f"{word} {payload}"
             for name, word in {**PERSON_FIELDS, **ROW_FIELDS, **SENDER_FIELDS}.items()}
    data = {**typed, "sex": "male", "fate": "executed", "birth_date": "1890",
            "death_date": "29.10.1937", "events-0-kind": "arrest", "events-0-date": "1937",
            "relatives-0-relation": "spouse", "submitter_email": "family@example.org",
            "consent": "on", "photos-0-image": jpeg(),
            **management("variants", 1), **management("events", 1),
            **management("relatives", 1), **management("sources", 1),
            **management("photos", 1)}
    return data, typed


def body(response) -> str:
    content = (b"".join(response.streaming_content) if response.streaming
               else response.content)
    return content.decode("utf-8")


def assert_inert(response, *shown: str):
    """A page with nothing that could run, showing each of ``shown`` as text."""
    assert response.status_code == 200, response.status_code
    page = body(response)
    assert active_content(page) == []
    text = visible_text(page)
    for value in shown:
        assert value in text, value


@pytest.mark.parametrize("payload", XSS)
def test_hostile_text_in_every_field_is_shown_as_text_everywhere(client, admin_client,
                                                                  admin_user, payload):
    data, typed = hostile_form(payload)
    response = client.post("/submit/", data)
    assert response.status_code == 302, body(response)[:3000]
    submission = Submission.objects.get()
    status_url = submission.get_absolute_url()
    moderation.submission_ask(submission=submission, moderator=admin_user,
                              question=f"Question {payload}")
    assert client.post(status_url, {"action": "answer",
                                    "answer": f"Answer {payload}"}).status_code == 302
    assert_inert(client.get(status_url), f"Question {payload}", f"Answer {payload}",
                 f"Враждебнов {payload}")
    # The moderator's view of it: the proposed data, relatives, sender, conversation.
    assert_inert(admin_client.get(f"/admin/registry/submission/{submission.pk}/change/"),
                 typed["surname"], typed["relatives-0-name"], typed["submitter_name"],
                 f"Answer {payload}")

    submission.refresh_from_db()
    person = moderation.submission_accept(
        submission=submission, moderator=admin_user,
        photo_ids=list(submission.photos.values_list("pk", flat=True)))
    profile = client.get(person.get_absolute_url())
    assert_inert(profile, *(typed[name] for name in SHOWN_ON_PROFILE))
    assert_json_ld_is_data(body(profile), typed)
    assert_inert(client.get(f"/people/{person.pk}/print/"), typed["surname"],
                 typed["biography"])
    assert_inert(client.get(status_url), typed["surname"])
    assert_inert(client.get("/search/", {"q": "Враждебнов"}), typed["surname"],
                 typed["given_name"])
    assert_inert(client.get("/reading/list/", {"q": "Враждебнов"}), typed["surname"],
                 typed["occupation"])
    assert_inert(client.get("/reading/card/", {"q": "Враждебнов", "n": "1"}),
                 typed["surname"])
    assert_inert(client.get("/stats/"), typed["nationality"])
    for url in (f"/admin/registry/person/{person.pk}/change/",
                f"/admin/registry/person/{person.pk}/history/",
                "/admin/registry/person/?q=Враждебнов", "/admin/registry/moderationlog/"):
        assert_inert(admin_client.get(url))
    assert_data_is_exact(client, person, typed)


def assert_json_ld_is_data(page: str, typed: dict):
    """The profile's JSON-LD holds the name as data, and nothing closes its block early."""
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert len(blocks) == 1
    assert "<" not in blocks[0]
    data = json.loads(blocks[0])
    assert data["familyName"] == typed["surname"] and data["jobTitle"] == typed["occupation"]


def assert_data_is_exact(client, person, typed):
    """JSON and downloads carry the text exactly, as data, never as a page to render."""
    for url in ("/api/v1/people/?q=Враждебнов", f"/api/v1/people/{person.pk}/"):
        response = client.get(url)
        assert response["Content-Type"] == "application/json"
        assert response["X-Content-Type-Options"] == "nosniff"
        data = response.json()
        record = data["results"][0] if "results" in data else data
        assert record["surname"] == typed["surname"]
    export = client.get("/export/people.csv", {"q": "Враждебнов"})
    assert export["Content-Type"].startswith("text/csv")
    row = list(csv.DictReader(io.StringIO(body(export))))[0]
    assert (row["surname"], row["biography"]) == (typed["surname"], typed["biography"])
    text = client.get("/reading/list.txt", {"q": "Враждебнов"})
    assert text["Content-Type"] == "text/plain; charset=utf-8"
    assert text["X-Content-Type-Options"] == "nosniff"
    assert typed["surname"] in body(text)


# --- spreadsheets ------------------------------------------------------------------------

FORMULAS = {"given_name": '=HYPERLINK("http://evil.example","Details")',
            "patronymic": "+cmd|' /C calc'!A0", "occupation": "-2+3+cmd|' /C calc'!A0",
            "nationality": "@SUM(1+1)*cmd|' /C calc'!A0", "biography": "=1+1"}


def test_formulas_a_family_types_reach_spreadsheets_as_text(client, admin_user):
    data, _typed = hostile_form("")
    data.update(surname="Формулов", **FORMULAS)
    assert client.post("/submit/", data).status_code == 302
    moderation.submission_accept(submission=Submission.objects.get(), moderator=admin_user)
    export = list(csv.DictReader(io.StringIO(body(
        client.get("/export/people.csv", {"q": "Формулов"})))))
    reading = list(csv.DictReader(io.StringIO(body(
        client.get("/reading/list.csv", {"q": "Формулов"})))))
    for row, fields in ((export[0], FORMULAS), (reading[0], ("given_name", "patronymic",
                                                             "occupation"))):
        for field in fields:
            assert row[field] == "'" + FORMULAS[field], field
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row.values())


# --- search ------------------------------------------------------------------------------

SQL_LOOKING = [
    "' OR 1=1 --", "'; DROP TABLE registry_person; --", "%", "_", "\\", "%_%", "\\%",
    "\" OR \"\"=\"", "1937' UNION SELECT password FROM auth_user --", "\x00", "abc\x00def",
    "a" * 10_000, " ".join(["Иванов"] * 2000), " ".join(f"w{n}x" for n in range(500)),
    "\u202eвонавИ", "🙂" * 1000, "<script>alert(1)</script>",
]


@pytest.fixture
def registry():
    people = [PublishedPersonFactory(surname=name, nationality="казах", occupation="учитель")
              for name in ("Иванов", "Петров", "O'Brien")]
    return people


@pytest.mark.parametrize("query", SQL_LOOKING, ids=lambda q: repr(q[:20]))
def test_sql_looking_searches_get_an_ordinary_answer(client, admin_client, registry, query):
    # The search box everywhere it is; the other filters through the API, which shares
    # them with the page, the export and the reading lists (registry/filters.py).
    requests = [(url, "q") for url in ("/search/", "/api/v1/people/", "/export/people.csv",
                                        "/reading/list/", "/reading/list.txt")]
    requests += [("/api/v1/people/", name) for name in ("nationality", "place", "camp",
                                                         "article", "birth_year_min")]
    for url, name in requests:
        response = client.get(url, {name: query})
        assert response.status_code in (200, 400), (url, name, response.status_code)
        text = body(response)  # to the end, as a browser reads a download
        if response["Content-Type"].startswith("text/html"):
            assert active_content(text) == []
    assert admin_client.get("/admin/registry/person/", {"q": query}).status_code == 200
    assert Person.objects.count() == len(registry)  # nothing was dropped or changed


@pytest.mark.parametrize("query", ["%", "_", "' OR 1=1 --", "\\"])
def test_wildcards_and_quotes_are_searched_as_themselves(client, registry, query):
    # "%" matching everything would mean the text reached SQL as a pattern.
    for name in ("nationality", "occupation", "place"):
        data = client.get("/api/v1/people/", {name: query}).json()
        assert data.get("count", 0) == 0, (name, data)
    assert client.get("/api/v1/people/", {"nationality": "казах"}).json()["count"] == 3


# --- oversized forms ---------------------------------------------------------------------

def test_a_form_with_too_many_fields_is_refused_with_a_clear_page(client, settings):
    data, _typed = hostile_form("")
    data.update({f"extra{n}": "x" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS)})
    response = client.post("/submit/", data)
    assert response.status_code == 400
    assert "What was sent could not be read" in body(response)
    assert active_content(body(response)) == []
    assert not Submission.objects.exists()


def test_a_form_too_large_to_hold_in_memory_is_refused(client, settings):
    data, _typed = hostile_form("")
    data["biography"] = "Д" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    response = client.post("/submit/", data)
    assert response.status_code == 400 and "Nothing was saved" in body(response)
    # The same body sent urlencoded, as a plain HTML form without files would send it.
    response = client.post("/submit/", "biography=" + "x" * (
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1),
        content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert not Submission.objects.exists()


@pytest.mark.parametrize("total", ["1000000000", "-5", "many", "1e9", ""])
def test_hand_made_row_counts_get_the_form_back(client, total):
    data, _typed = hostile_form("")
    for prefix in ("variants", "events", "relatives", "sources", "photos"):
        data[f"{prefix}-TOTAL_FORMS"] = total
    response = client.post("/submit/", data)
    assert response.status_code in (302, 400)
    if response.status_code == 400:
        page = body(response)
        assert "Something needs your attention" in page
        # Never more rows than the form offers: a forged count builds no giant page.
        assert "events-30-" not in page and "photos-10-" not in page


def test_a_huge_answer_on_the_tracking_page_is_refused_whole_not_cut(client):
    submission = PendingSubmissionFactory(status=Submission.Status.NEEDS_INFO)
    response = client.post(submission.get_absolute_url(),
                           {"action": "answer", "answer": "я" * 100_000})
    assert response.status_code == 400 and "at most 5000 fit" in response.content.decode()
    submission.refresh_from_db()
    assert submission.status == Submission.Status.NEEDS_INFO
    assert not any(message.get("text", "").startswith("я") for message in submission.messages)


# --- files -------------------------------------------------------------------------------

TRAVERSALS = ["../../etc/passwd", "%2e%2e/%2e%2e/etc/passwd", "..%2f..%2fmemorial/settings.py",
              "photos/../../../etc/passwd", "/etc/passwd", "%2fetc%2fpasswd",
              "photos/%00.jpg", "photos/a.jpg%00.html", "..\\..\\etc\\passwd",
              "photos/%c0%ae%c0%ae/etc/passwd"]


@pytest.fixture
def files(settings):
    """A public photograph, and files only staff may fetch."""
    person = PublishedPersonFactory()
    photo = Photo(person=person, status=MediaStatus.APPROVED)
    photo.image.save("public.jpg", ContentFile(b"\xff\xd8\xff"), save=True)
    document = Document(person=person, title="Справка")
    document.file.save("certificate.pdf", ContentFile(b"%PDF-1.4"), save=True)
    storage = protected_storage()
    disguised = storage.save("photos/evil.svg", ContentFile(
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'))
    page = storage.save("photos/page.html", ContentFile(b"<script>alert(1)</script>"))
    return {"photo": photo.image.name, "document": document.file.name,
            "svg": disguised, "html": page}


@pytest.mark.parametrize("path", TRAVERSALS)
def test_paths_out_of_the_upload_folder_are_not_found(client, admin_client, files, path):
    for who in (client, admin_client):  # staff may see every upload, but only uploads
        assert who.get(f"/files/{path}").status_code == 404


def test_a_photograph_is_shown_and_anything_else_only_downloaded(client, admin_client,
                                                                  files):
    response = client.get(f"/files/{files['photo']}")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("inline; filename=")
    assert re.fullmatch(r'inline; filename="[A-Za-z0-9._-]+\.jpg"',
                        response["Content-Disposition"])
    assert response["X-Content-Type-Options"] == "nosniff"
    for key in ("document", "svg", "html"):
        assert client.get(f"/files/{files[key]}").status_code == 404  # not public at all
        response = admin_client.get(f"/files/{files[key]}")
        assert response.status_code == 200, key
        assert response["Content-Type"] == "application/octet-stream", key
        assert response["Content-Disposition"].startswith("attachment; filename="), key
        assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


# --- CSRF --------------------------------------------------------------------------------

def test_posts_without_a_csrf_token_are_refused(registry):
    person = registry[0]
    submission = PendingSubmissionFactory(status=Submission.Status.NEEDS_INFO)
    data, _typed = hostile_form("")
    posts = [("/submit/", data), (f"/people/{person.pk}/suggest/", data),
             (submission.get_absolute_url(), {"action": "withdraw"}),
             ("/reading/card/", {"fate": "unknown", "action": "next"}),
             ("/i18n/setlang/", {"language": "ru"}),
             ("/admin/login/", {"username": "x", "password": "y"})]
    browser = Client(enforce_csrf_checks=True)
    for url, form in posts:
        response = browser.post(url, form)
        assert response.status_code == 403, url
        assert "The form could not be accepted" in body(response)
        assert active_content(body(response)) == []
    submission.refresh_from_db()
    assert submission.status == Submission.Status.NEEDS_INFO
    assert Submission.objects.count() == 1
    # With the token the page gave, the same post goes through.
    page = browser.get(submission.get_absolute_url())
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body(page)).group(1)
    response = browser.post(submission.get_absolute_url(),
                            {"action": "withdraw", "csrfmiddlewaretoken": token})
    assert response.status_code == 302


# --- tracking links ----------------------------------------------------------------------

def test_tracking_tokens_are_256_random_bits():
    tokens = {new_token() for _ in range(1000)}
    assert len(tokens) == 1000
    for token in list(tokens)[:50]:
        assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)
        assert len(base64.urlsafe_b64decode(token + "=")) == 32  # secrets.token_urlsafe(32)


def test_a_wrong_or_partial_token_finds_nothing(client):
    submission = PendingSubmissionFactory()
    token = submission.token
    assert client.get(f"/submission/{token}/").status_code == 200
    for guess in (token[:-1], token[:20], token + "A", token.swapcase(), token[::-1],
                  "%00", token[:-1] + "%00", "*", "%25", "..", "' OR 1=1 --"):
        for page in ("", "thanks/"):
            response = client.get(f"/submission/{guess}/{page}")
            assert response.status_code == 404, (guess, page)
        assert client.post(f"/submission/{guess}/", {"action": "withdraw"}).status_code == 404
    submission.refresh_from_db()
    assert submission.status == Submission.Status.NEW


def test_a_status_page_shows_nothing_of_another_submission(client, admin_user):
    mine = PendingSubmissionFactory(data={"surname": "Моя"})
    other = PendingSubmissionFactory(data={"surname": "Чужая"},
                                     submitter_email="other@example.org",
                                     submitter_name="Другая Семья")
    moderation.submission_ask(submission=other, moderator=admin_user,
                              question="Вопрос только для другой семьи")
    response = client.get(mine.get_absolute_url())
    page = body(response)
    assert "Моя" in page
    for secret in ("Чужая", "other@example.org", "Другая Семья", "Вопрос только",
                   other.token, mine.submitter_email):
        assert secret not in page, secret
    # The private link never goes to another site (same-origin: with no-referrer at all,
    # browsers send "Origin: null" with the page's own forms and CSRF refuses them).
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-store" in response["Cache-Control"] or "private" in response["Cache-Control"]
    assert "noindex" in response["X-Robots-Tag"]
