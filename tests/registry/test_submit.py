"""What a family member does: send a person, fix a mistake, follow and answer."""

import io
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from PIL import Image

from registry import moderation
from registry.models import Submission, SubmissionPhoto
from tests.factories import PendingSubmissionFactory, PublishedPersonFactory

pytestmark = pytest.mark.django_db


def management(prefix, total=0):
    return {f"{prefix}-TOTAL_FORMS": str(total), f"{prefix}-INITIAL_FORMS": "0"}


def form_data(**overrides):
    data = {
        "surname": "Жургенов", "given_name": "Темирбек", "patronymic": "Каратаевич",
        "birth_date": "около 1898", "fate": "executed", "death_date": "25.02.1938",
        "biography": "Нарком просвещения Казахской АССР.",
        "submitter_name": "Айгуль", "submitter_email": "aigul@example.org",
        "submitter_relationship": "внучка", "consent": "on",
        **management("variants", 1), "variants-0-surname": "Zhurgenov",
        **management("events", 2), "events-0-kind": "arrest", "events-0-date": "2.08.1937",
        "events-0-article": "58-2", "events-1-kind": "", **management("relatives", 0),
        **management("sources", 1), "sources-0-title": "Справка о реабилитации",
        **management("photos", 1),
    }
    data.update(overrides)
    return data


def jpeg(name="grandfather.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "gray").save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def test_the_form_opens_in_english_and_russian(client):
    page = client.get("/submit/").content.decode()
    assert "Tell us about a person" in page and 'name="submitter_email"' in page
    assert "<legend>" in page and 'for="id_surname"' in page
    russian = client.get("/submit/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Расскажите о человеке" in russian


def test_sending_a_person_thanks_and_emails_a_private_link(client,
                                                           django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/submit/", form_data(**{"photos-0-image": jpeg(),
                                                         "photos-0-caption": "1930"}))
    assert response.status_code == 302
    submission = Submission.objects.get()
    assert response["Location"] == f"/submission/{submission.token}/thanks/"
    assert submission.data["surname"] == "Жургенов"
    assert submission.data["birth_date"] == "1898~"
    assert submission.data["events"] == [{
        "kind": "arrest", "date": "1937-08-02", "place": "", "authority": "",
        "article": "58-2", "sentence": "", "camp": "", "notes": ""}]
    assert submission.data["name_variants"][0]["surname"] == "Zhurgenov"
    assert submission.photos.get().caption == "1930"
    assert submission.ip_hash and "127.0.0.1" not in submission.ip_hash
    assert len(submission.token) >= 40
    thanks = client.get(response["Location"]).content.decode()
    assert "Thank you" in thanks and submission.token in thanks
    assert mail.outbox[0].to == ["aigul@example.org"]
    assert f"/submission/{submission.token}/" in mail.outbox[0].body


def test_an_error_keeps_everything_typed_and_the_photo(client):
    bad = form_data(birth_date="the spring after the war", submitter_email="",
                    **{"photos-0-image": jpeg(), "photos-0-caption": "at the school"})
    response = client.post("/submit/", bad)
    page = response.content.decode()
    assert response.status_code == 400
    assert "is not a date we understand" in page
    assert 'value="the spring after the war"' in page and 'value="Жургенов"' in page
    assert 'value="58-2"' in page and "Нарком просвещения" in page
    assert "already received" in page and 'value="at the school"' in page
    key = re.search(r'name="upload_key" value="([^"]+)"', page).group(1)
    # Corrected and sent again, without the file: the kept photograph goes with it.
    response = client.post("/submit/", form_data(upload_key=key))
    assert response.status_code == 302
    assert Submission.objects.get().photos.get().caption == "at the school"


def test_a_refused_photo_says_why_and_keeps_the_form(client):
    fake = SimpleUploadedFile("cat.jpg", b"<svg xmlns='http://www.w3.org/2000/svg'/>",
                              content_type="image/jpeg")
    response = client.post("/submit/", form_data(**{"photos-0-image": fake}))
    page = response.content.decode()
    assert response.status_code == 400 and "cat.jpg" in page and "JPEG, PNG or WebP" in page
    assert not Submission.objects.exists() and not SubmissionPhoto.objects.exists()


def test_honeypot_sends_nothing(client):
    response = client.post("/submit/", form_data(website="http://spam.example"))
    assert response.status_code == 200 and not Submission.objects.exists()


def test_rate_limit_per_client_with_a_clear_message(client, settings):
    settings.REGISTRY_SUBMISSION_RATE = "2/h"
    for _ in range(2):
        assert client.post("/submit/", form_data()).status_code == 302
    response = client.post("/submit/", form_data())
    assert response.status_code == 429
    assert "Too many submissions" in response.content.decode()
    assert 'value="Жургенов"' in response.content.decode()
    other = client.post("/submit/", form_data(), REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 302 and Submission.objects.count() == 3


def test_suggest_opens_the_form_prefilled_and_sends_a_correction(client):
    person = PublishedPersonFactory(surname="Байтурсынов", given_name="Ахмет",
                                    occupation="поэт")
    page = client.get(person.get_absolute_url()).content.decode()
    assert f"/people/{person.pk}/suggest/" in page
    form = client.get(f"/people/{person.pk}/suggest/").content.decode()
    assert 'value="Байтурсынов"' in form and 'value="поэт"' in form
    response = client.post(f"/people/{person.pk}/suggest/",
                           form_data(surname="Байтурсынов", given_name="Ахмет",
                                     occupation="поэт, учёный"))
    assert response.status_code == 302
    submission = Submission.objects.get()
    assert (submission.kind, submission.person) == (Submission.Kind.CORRECTION, person)
    person.refresh_from_db()
    assert person.occupation == "поэт"  # nothing changes until a moderator applies it


def test_suggest_is_only_for_published_people(client):
    from tests.factories import PendingPersonFactory

    assert client.get(f"/people/{PendingPersonFactory().pk}/suggest/").status_code == 404


def test_status_page_question_answer_and_withdraw(client, moderator):
    submission = PendingSubmissionFactory()
    url = f"/submission/{submission.token}/"
    page = client.get(url)
    assert page.status_code == 200 and "Received" in page.content.decode()
    # Its address never goes to another site; the page's own forms still carry their origin.
    assert page["Referrer-Policy"] == "same-origin"
    assert "family@example.org" not in page.content.decode()
    moderation.submission_ask(submission=submission, moderator=moderator,
                              question="Do you have his photograph?")
    page = client.get(url).content.decode()
    assert "Do you have his photograph?" in page and "Answer the moderators" in page
    assert client.post(url, {"action": "answer", "answer": "Yes, sent by post."}
                       ).status_code == 302
    submission.refresh_from_db()
    assert submission.status == Submission.Status.NEW
    assert client.post(url, {"action": "withdraw"}).status_code == 302
    submission.refresh_from_db()
    assert submission.status == Submission.Status.WITHDRAWN
    assert "You withdrew" in client.get(url).content.decode()
    assert client.get("/submission/not-a-real-token/").status_code == 404


def test_a_family_can_write_again_while_the_submission_waits(client):
    submission = PendingSubmissionFactory()
    url = f"/submission/{submission.token}/"
    assert "Write to the moderators" in client.get(url).content.decode()

    assert client.post(url, {"action": "answer", "answer": "Его сестру звали Гульжан"}
                       ).status_code == 302

    page = client.get(url).content.decode()
    assert "Его сестру звали Гульжан" in page and "You wrote" in page
    submission.refresh_from_db()
    assert submission.status == Submission.Status.NEW


def test_status_page_after_a_decision(client, moderator):
    accepted = PendingSubmissionFactory()
    person = moderation.submission_accept(submission=accepted, moderator=moderator)
    page = client.get(f"/submission/{accepted.token}/").content.decode()
    assert "Accepted" in page and person.get_absolute_url() in page
    declined = PendingSubmissionFactory()
    moderation.submission_reject(submission=declined, moderator=moderator,
                                 reason="We found no trace of this name in the archive.")
    page = client.get(f"/submission/{declined.token}/").content.decode()
    assert "Declined" in page and "no trace of this name" in page


def test_purge_erases_contact_data_after_the_configured_days(moderator, settings):
    old, recent, open_one = (PendingSubmissionFactory() for _ in range(3))
    for submission in (old, recent):
        moderation.submission_reject(submission=submission, moderator=moderator,
                                     reason="No.")
    Submission.objects.filter(pk=old.pk).update(decided_at=timezone.now() - timedelta(
        days=31))
    call_command("purge_submitter_data", "--days", "30", stdout=io.StringIO())
    old.refresh_from_db()
    recent.refresh_from_db()
    open_one.refresh_from_db()
    assert (old.submitter_name, old.submitter_email, old.ip_hash) == ("", "", "")
    assert old.contact_purged_at is not None and old.data["surname"] == "Сейфуллин"
    assert recent.submitter_email == open_one.submitter_email == "family@example.org"
    settings.REGISTRY_PURGE_AFTER_DAYS = 0
    call_command("purge_submitter_data", stdout=io.StringIO())
    recent.refresh_from_db()
    assert recent.submitter_email == ""


def test_behind_a_proxy_the_client_is_the_address_the_proxy_added(rf, settings):
    from registry.clients import client_address

    settings.REGISTRY_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    # A client can send its own X-Forwarded-For; the proxy appends the real address last.
    request = rf.post("/submit/", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9")

    assert client_address(request) == "203.0.113.9"


def test_a_hand_made_photo_count_is_refused_politely_not_a_server_error(client):
    response = client.post("/submit/", {"photos-TOTAL_FORMS": "many", "surname": "Ким"})

    assert response.status_code in (200, 400)


def test_photographs_are_rate_limited_even_in_forms_never_sent(client, settings):
    settings.REGISTRY_UPLOAD_RATE = "2/h"
    incomplete = {"surname": ""}  # the form comes back with an error each time
    for _ in range(2):
        client.post("/submit/", form_data(**incomplete, **{"photos-0-image": jpeg()}))
    response = client.post("/submit/", form_data(**incomplete, **{"photos-0-image": jpeg()}))

    assert "Too many photographs" in response.content.decode()
    assert SubmissionPhoto.objects.count() == 2


def test_a_honeypot_post_decodes_none_of_its_files(client):
    client.post("/submit/", form_data(website="http://spam.example",
                                      **{"photos-0-image": jpeg()}))

    assert not SubmissionPhoto.objects.exists()


def test_two_families_opening_the_form_get_their_own_keys_and_both_can_send():
    """The blank form is kept rendered; its CSRF token and upload key must still be each
    family's own, or one family's photographs would join another's submission."""
    families = [Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)]
    pages = [family.get("/submit/").content.decode() for family in families]
    keys = [re.search(r'name="upload_key" value="([^"]+)"', page).group(1) for page in pages]
    tokens = [re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
              for page in pages]
    assert keys[0] != keys[1] and tokens[0] != tokens[1]

    for family, key, token in zip(families, keys, tokens, strict=True):
        sent = family.post("/submit/", form_data(upload_key=key, csrfmiddlewaretoken=token))
        assert sent.status_code == 302
    assert Submission.objects.count() == 2
