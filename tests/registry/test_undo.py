"""Undoing an accepted submission as a whole: what it added goes, what it changed or
removed comes back, and a later edit is never overwritten."""

import pytest

from registry import moderation
from registry.models import MediaStatus, Person, Photo, Submission, SubmissionPhoto
from registry.moderation import InvalidTransition
from tests.factories import (
    CitationFactory,
    EventFactory,
    PendingSubmissionFactory,
    PublishedPersonFactory,
)

pytestmark = pytest.mark.django_db

S, P = Submission.Status, Person.Status


@pytest.fixture
def corrected(moderator):
    """A published man, and a family's correction of him accepted whole: a birth date, an
    arrest's date corrected, an exile removed, a sentence, a source and a relative added,
    a photograph approved."""
    person = PublishedPersonFactory(surname="Дулатов", given_name="Миржакып", patronymic="",
                                    birth_date="1885")
    arrest = EventFactory(person=person, kind="arrest", date="1928", article="58-10")
    exile = EventFactory(person=person, kind="exile", date="1931")
    certificate = CitationFactory(person=person, detail="№ 12")
    data = moderation.person_as_data(person)
    data["birth_date"] = "25.10.1885"
    data["events"] = [
        {**row, "date": "29.12.1928"} if row["id"] == str(arrest.pk)
        else {"id": row["id"], "remove": "1"} for row in data["events"]]
    data["events"].append({"kind": "sentence", "date": "1930", "sentence": "10 лет ИТЛ"})
    data["sources"].append({"title": "Письмо из лагеря", "detail": "1934"})
    data["relatives"].append({"name": "Гайни Дулатова", "relation": "spouse", "note": ""})
    submission = PendingSubmissionFactory(kind=Submission.Kind.CORRECTION, person=person,
                                          data=data)
    SubmissionPhoto.objects.create(submission=submission, image="submissions/d.jpg",
                                   thumbnail="submissions/d_t.jpg", caption="1925")
    moderation.submission_accept(submission=submission, moderator=moderator)
    person.refresh_from_db()
    assert str(person.birth_date) == "1885-10-25"
    assert sorted(person.events.values_list("kind", flat=True)) == ["arrest", "sentence"]
    assert person.photos.get().status == MediaStatus.APPROVED
    return {"person": person, "arrest": arrest, "exile": exile, "certificate": certificate,
            "submission": submission}


def test_undoing_a_correction_puts_the_record_back_as_it_was(corrected, moderator, client):
    person, submission = corrected["person"], corrected["submission"]

    moderation.submission_undo(submission=submission, moderator=moderator,
                               reason="the family wrote about his brother")

    person.refresh_from_db()
    assert str(person.birth_date) == "1885" and person.status == P.PUBLISHED
    events = {event.pk: (event.kind, str(event.date)) for event in person.events.all()}
    assert events == {corrected["arrest"].pk: ("arrest", "1928"),
                      corrected["exile"].pk: ("exile", "1931")}  # the same exile, back
    assert list(person.citations.all()) == [corrected["certificate"]]
    assert not person.named_relatives.exists()
    assert not Photo.objects.filter(person=person).exclude(status=MediaStatus.REJECTED)
    revision = corrected["arrest"].history.first()
    assert revision.history_user == moderator
    assert "the family wrote about his brother" in revision.history_change_reason
    submission.refresh_from_db()
    assert (submission.status, submission.person, submission.decided_by) == (
        S.NEW, person, None)  # back in the queue, still about him
    page = client.get(person.get_absolute_url()).content.decode()
    assert "1931" in page and "10 лет ИТЛ" not in page and "Гайни" not in page
    assert [entry["id"] for entry in client.get(
        "/api/v1/people/", {"q": "Дулатов 1930"}).json()["results"]] == []


def test_an_undone_correction_can_be_decided_again(corrected, moderator):
    submission = corrected["submission"]
    moderation.submission_undo(submission=submission, moderator=moderator, reason="too fast")

    moderation.submission_accept(submission=submission, moderator=moderator,
                                 fields=["birth_date"])

    corrected["person"].refresh_from_db()
    assert str(corrected["person"].birth_date) == "1885-10-25"
    assert corrected["person"].events.count() == 2


def test_an_undo_that_would_overwrite_a_later_edit_is_refused(corrected, moderator):
    person = corrected["person"]
    sentence = person.events.get(kind="sentence")
    sentence.sentence = "8 лет ИТЛ"  # a moderator's later correction
    sentence.save()

    with pytest.raises(InvalidTransition, match="Changed again since the acceptance"):
        moderation.submission_undo(submission=corrected["submission"], moderator=moderator,
                                   reason="mistake")

    person.refresh_from_db()
    assert str(person.birth_date) == "1885-10-25"  # nothing undone
    assert person.events.filter(kind="sentence", sentence="8 лет ИТЛ").exists()
    assert corrected["submission"].__class__.objects.get(
        pk=corrected["submission"].pk).status == S.ACCEPTED


def test_undoing_a_new_record_withdraws_it_and_reopens_the_submission(moderator, client):
    submission = PendingSubmissionFactory()
    person = moderation.submission_accept(submission=submission, moderator=moderator)
    assert client.get(person.get_absolute_url()).status_code == 200

    moderation.submission_undo(submission=submission, moderator=moderator,
                               reason="a duplicate of an existing record")

    person.refresh_from_db()
    submission.refresh_from_db()
    assert person.status == P.HIDDEN and person.events.count() == 2  # kept whole, hidden
    assert client.get(person.get_absolute_url()).status_code == 404
    assert (submission.status, submission.person) == (S.NEW, None)
    again = moderation.submission_accept(submission=submission, moderator=moderator,
                                         publish=False)
    assert again.pk != person.pk and again.status == P.PENDING


def test_an_undo_needs_a_reason_and_an_accepted_submission(moderator):
    submission = PendingSubmissionFactory()
    with pytest.raises(InvalidTransition):
        moderation.submission_undo(submission=submission, moderator=moderator, reason="why")
    moderation.submission_accept(submission=submission, moderator=moderator)
    with pytest.raises(InvalidTransition):
        moderation.submission_undo(submission=submission, moderator=moderator, reason=" ")
    submission.refresh_from_db()
    assert submission.status == S.ACCEPTED


def test_a_moderator_undoes_an_acceptance_from_the_submissions_page(corrected, client,
                                                                     django_user_model):
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user("mod", "mod@example.org", "pw-12345",
                                                 is_staff=True)
    user.groups.add(Group.objects.get(name="Moderators"))
    client.force_login(user)
    submission, person = corrected["submission"], corrected["person"]
    url = f"/admin/registry/submission/{submission.pk}/"

    page = client.get(url + "change/").content.decode()
    assert f'href="{url}undo/"' in page
    assert "What it added to the record is removed" in client.get(url + "undo/").content.decode()
    assert client.post(url + "undo/", {"reason": ""}).status_code == 200  # asks why first
    assert client.post(url + "undo/", {"reason": "sent twice"}).status_code == 302

    person.refresh_from_db()
    submission.refresh_from_db()
    assert str(person.birth_date) == "1885" and submission.status == S.NEW
    page = client.get(url + "change/").content.decode()
    assert f'href="{url}undo/"' not in page and "Apply the ticked changes" in page
