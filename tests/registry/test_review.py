"""The moderators' workbench: edit before deciding, add to a record that exists, relatives,
a draft, decisions on a stale page, and what the family is told."""

import re

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.test import Client

from registry import moderation
from registry.models import ModerationLog, NamedRelative, Person, Relationship, Submission
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
def mod_client(client, django_user_model):
    """Logged in as a member of the "Moderators" group only."""
    user = django_user_model.objects.create_user("mod", "mod@example.org", "pw-12345",
                                                 is_staff=True)
    user.groups.add(Group.objects.get(name="Moderators"))
    client.force_login(user)
    client.user = user
    return client


def as_posted(context) -> dict:
    """What the edit page's forms post when the moderator changes nothing."""
    data = {"seen": context["seen"]}
    for form in [context["person_form"], *(
            part for formset in context["formsets"].values()
            for part in (formset.management_form, *formset.forms))]:
        for field in form:
            value = field.value()
            data[field.html_name] = "" if value is None else value
    return data


def corrected(submission, **changes) -> dict:
    data = {**submission.data, **changes}
    return data


# --- services ---------------------------------------------------------------------------

def test_a_moderators_edit_is_published_and_the_familys_original_kept(moderator):
    submission = PendingSubmissionFactory()
    sent = dict(submission.data)
    moderation.submission_edit(submission=submission, moderator=moderator,
                               data=corrected(submission, surname="Сейфуллин",
                                              given_name="Сакен", occupation="поэт, писатель"))

    person = moderation.submission_accept(submission=submission, moderator=moderator)

    submission.refresh_from_db()
    assert submission.data == sent  # what the family sent, untouched
    assert person.occupation == "поэт, писатель"
    assert "edited by the moderator before publishing" in (
        person.history.first().history_change_reason)
    edit = ModerationLog.objects.get(action="submission.edited", submission=submission)
    assert edit.actor == moderator and edit.data["fields"] == ["occupation"]
    assert moderation.accepted_record(submission)["edited"] is True


def test_editing_back_to_what_the_family_sent_leaves_no_moderators_version(moderator):
    submission = PendingSubmissionFactory()
    moderation.submission_edit(submission=submission, moderator=moderator,
                               data=corrected(submission, occupation="писатель"))
    moderation.submission_edit(submission=submission, moderator=moderator,
                               data=dict(submission.data))
    submission.refresh_from_db()
    assert submission.reviewed_data == {}


def test_a_decided_submission_cannot_be_edited(moderator):
    submission = PendingSubmissionFactory()
    moderation.submission_reject(submission=submission, moderator=moderator, reason="no")
    with pytest.raises(InvalidTransition):
        moderation.submission_edit(submission=submission, moderator=moderator,
                                   data=corrected(submission, occupation="x"))


def test_relatives_become_links_or_named_relatives_on_the_profile(moderator, client):
    husband = PublishedPersonFactory(surname="Сейфуллин", given_name="Абдулла", sex="male")
    submission = PendingSubmissionFactory()
    moderation.submission_edit(submission=submission, moderator=moderator, data=corrected(
        submission, relatives=[
            {"name": "Абдулла Сейфуллин", "relation": "sibling", "note": "",
             "relative_id": str(husband.pk)},
            {"name": "Гульбахрам Сейфуллина", "relation": "spouse",
             "note": "арестована в 1938", "relative_id": ""},
        ]))

    person = moderation.submission_accept(submission=submission, moderator=moderator)

    assert Relationship.objects.filter(person=person, relative=husband,
                                       kind="sibling").exists()
    named = NamedRelative.objects.get(person=person)
    assert (named.name, named.kind, named.note) == ("Гульбахрам Сейфуллина", "spouse",
                                                    "арестована в 1938")
    profile = client.get(person.get_absolute_url()).content.decode()
    assert "Гульбахрам Сейфуллина" in profile and "арестована в 1938" in profile
    assert husband.get_absolute_url() in profile
    # The link is seen from the other side too.
    assert person.get_absolute_url() in client.get(husband.get_absolute_url()).content.decode()


def test_a_submission_added_to_an_existing_record_applies_only_what_is_ticked(
        moderator, client, django_capture_on_commit_callbacks):
    existing = PublishedPersonFactory(surname="Сейфуллин", given_name="Сакен",
                                      birth_date="1894", occupation="", nationality="")
    EventFactory(person=existing, kind="arrest", date="1937-09-24", place_name="Алма-Ата",
                 article="58-2")
    submission = PendingSubmissionFactory(data={
        **PendingSubmissionFactory.build().data, "surname": "Seifullin", "given_name": "Saken"})

    submission = moderation.submission_attach(submission=submission, person=existing,
                                              moderator=moderator)
    proposed = {change.field for change in moderation.correction_diff(submission)}
    assert {"surname", "occupation", "nationality", "events", "relatives"} <= proposed
    with django_capture_on_commit_callbacks(execute=True):
        moderation.submission_accept(submission=submission, moderator=moderator,
                                     fields=["occupation", "events", "relatives"])

    existing.refresh_from_db()
    assert (existing.surname, existing.occupation, existing.nationality) == (
        "Сейфуллин", "поэт", "")  # the spelling and nationality were not ticked
    assert sorted(existing.events.values_list("kind", flat=True)) == [
        "arrest", "rehabilitation"]  # the same arrest is not added twice
    assert existing.named_relatives.get().name == "Гульбахрам Сейфуллина"
    assert Person.objects.count() == 1  # no second copy
    submission.refresh_from_db()
    assert (submission.status, submission.person) == (S.ACCEPTED, existing)
    status_page = client.get(submission.get_absolute_url()).content.decode()
    assert existing.get_absolute_url() in status_page
    assert "except the parts listed below" in status_page
    not_taken = re.search(r"Not taken:(.*?)</p>", status_page, re.S).group(1)
    assert "surname" in not_taken and "nationality" in not_taken
    assert "occupation" not in not_taken
    assert "nationality" in mail.outbox[-1].body and existing.get_absolute_url() in (
        mail.outbox[-1].body)


def test_what_a_family_left_blank_never_erases_the_record_it_is_added_to(moderator):
    existing = PublishedPersonFactory(patronymic="Сейфуллинович", fate="executed",
                                      death_place_name="Алма-Ата")
    sent = {**PendingSubmissionFactory.build().data, "patronymic": "", "fate": "unknown",
            "death_place": ""}
    submission = moderation.submission_attach(
        submission=PendingSubmissionFactory(data=sent), person=existing, moderator=moderator)
    proposed = {change.field for change in moderation.correction_diff(submission)}
    assert not {"patronymic", "fate", "death_place"} & proposed
    moderation.submission_accept(submission=submission, moderator=moderator)
    existing.refresh_from_db()
    assert (existing.patronymic, existing.fate, existing.death_place_name) == (
        "Сейфуллинович", "executed", "Алма-Ата")


def test_adding_to_a_record_that_is_not_published_is_refused(moderator):
    hidden = PublishedPersonFactory(status=P.HIDDEN)
    submission = PendingSubmissionFactory()
    with pytest.raises(InvalidTransition, match="published record"):
        moderation.submission_attach(submission=submission, person=hidden,
                                     moderator=moderator)
    submission.refresh_from_db()
    assert (submission.kind, submission.person) == (Submission.Kind.NEW, None)


def test_an_addition_can_be_made_a_new_record_again(moderator):
    existing = PublishedPersonFactory()
    submission = PendingSubmissionFactory()
    moderation.submission_attach(submission=submission, person=existing, moderator=moderator)
    moderation.submission_detach(submission=submission, moderator=moderator)
    submission.refresh_from_db()
    assert (submission.kind, submission.person) == (Submission.Kind.NEW, None)
    person = moderation.submission_accept(submission=submission, moderator=moderator)
    assert person != existing and person.surname == "Сейфуллин"


def test_a_draft_is_accepted_but_nowhere_public(moderator, client,
                                                django_capture_on_commit_callbacks):
    submission = PendingSubmissionFactory()
    with django_capture_on_commit_callbacks(execute=True):
        person = moderation.submission_accept(submission=submission, moderator=moderator,
                                              publish=False)
    assert person.status == P.PENDING
    assert client.get(person.get_absolute_url()).status_code == 404
    assert client.get("/api/v1/people/", {"q": "Сейфуллин"}).json()["results"] == []
    page = client.get(submission.get_absolute_url()).content.decode()
    assert "will finish the record before it is published" in page
    assert person.get_absolute_url() not in mail.outbox[-1].body
    moderation.person_publish(person=person, moderator=moderator)
    assert client.get(person.get_absolute_url()).status_code == 200


def test_a_decision_on_a_stale_page_is_refused_and_changes_nothing(moderator):
    submission = PendingSubmissionFactory()
    seen = moderation.decision_version(submission)
    moderation.submission_answer(submission=submission, answer="He was born in 1895.")

    for decide in (
        lambda: moderation.submission_accept(submission=submission, moderator=moderator,
                                             seen=seen),
        lambda: moderation.submission_reject(submission=submission, moderator=moderator,
                                             reason="no", seen=seen),
        lambda: moderation.submission_ask(submission=submission, moderator=moderator,
                                          question="?", seen=seen),
        lambda: moderation.submission_edit(submission=submission, moderator=moderator,
                                           data={"surname": "X"}, seen=seen),
    ):
        with pytest.raises(InvalidTransition, match="changed since you opened it"):
            decide()
    submission.refresh_from_db()
    assert submission.status == S.NEW and submission.reviewed_data == {}
    assert not Person.objects.exists()
    fresh = moderation.decision_version(submission)
    moderation.submission_accept(submission=submission, moderator=moderator, seen=fresh)


def test_a_correction_decided_after_its_record_changed_is_refused(moderator):
    existing = PublishedPersonFactory(occupation="")
    submission = PendingSubmissionFactory(kind=Submission.Kind.CORRECTION, person=existing)
    seen = moderation.decision_version(submission)
    existing.occupation = "учитель"  # another moderator edits the record meanwhile
    existing.save()
    with pytest.raises(InvalidTransition):
        moderation.submission_accept(submission=submission, moderator=moderator, seen=seen)


# --- the admin --------------------------------------------------------------------------

def test_edit_before_deciding_in_the_admin(mod_client):
    submission = PendingSubmissionFactory()
    url = f"/admin/registry/submission/{submission.pk}/edit/"
    page = mod_client.get(url).content.decode()
    assert 'value="Сейфуллин"' in page and 'value="58-2"' in page  # prefilled
    form = as_posted(mod_client.get(url).context)
    form.update({"person-birth_date": "15.10.1894 или 1895",  # not a date
                 "person-occupation": "поэт, писатель"})
    refused = mod_client.post(url, form)
    assert refused.status_code == 200
    text = refused.content.decode()
    assert "Nothing you typed is lost" in text and 'value="поэт, писатель"' in text

    form["person-birth_date"] = "1894-10-15"
    assert mod_client.post(url, form).status_code == 302
    submission.refresh_from_db()
    assert submission.reviewed_data["occupation"] == "поэт, писатель"
    assert submission.data["occupation"] == "поэт"
    edit = ModerationLog.objects.get(action="submission.edited")
    assert edit.data["fields"] == ["occupation"]  # only what the moderator changed
    change = mod_client.get(f"/admin/registry/submission/{submission.pk}/change/")
    assert "Show the family&#x27;s original" in change.content.decode()

    mod_client.post(f"/admin/registry/submission/{submission.pk}/accept/",
                    {"publish": "publish", "seen": change.context["seen"]})
    submission.refresh_from_db()
    assert submission.status == S.ACCEPTED
    assert submission.person.occupation == "поэт, писатель"


def test_find_a_record_by_another_spelling_and_add_to_it(mod_client):
    existing = PublishedPersonFactory(surname="Букейханов", given_name="Алихан")
    submission = PendingSubmissionFactory(data={
        **PendingSubmissionFactory.build().data, "surname": "Bokeikhanov",
        "given_name": "Alikhan"})
    url = f"/admin/registry/submission/{submission.pk}/"
    page = mod_client.get(url + "change/", {"find": "Bukeikhanov"})
    assert f'name="person" value="{existing.pk}"' in page.content.decode()
    mod_client.post(url + "attach/", {"person": existing.pk, "seen": page.context["seen"]})
    submission.refresh_from_db()
    assert submission.person == existing and submission.kind == Submission.Kind.CORRECTION
    page = mod_client.get(url + "change/").content.decode()
    assert 'name="apply_field" value="occupation"' in page
    assert "Make it a new record again" in page


def test_a_stale_page_in_the_admin_says_why_and_applies_nothing(mod_client):
    submission = PendingSubmissionFactory()
    url = f"/admin/registry/submission/{submission.pk}/"
    seen = mod_client.get(url + "change/").context["seen"]
    moderation.submission_answer(submission=submission, answer="One more thing.")
    response = mod_client.post(url + "reject/", {"reason": "no", "seen": seen}, follow=True)
    assert "changed since you opened it" in response.content.decode()
    response = mod_client.post(url + "accept/", {"seen": seen}, follow=True)
    assert "changed since you opened it" in response.content.decode()
    submission.refresh_from_db()
    assert submission.status == S.NEW


def test_accept_without_publishing_from_the_admin(mod_client):
    submission = PendingSubmissionFactory()
    mod_client.post(f"/admin/registry/submission/{submission.pk}/accept/",
                    {"publish": "draft"})
    submission.refresh_from_db()
    assert submission.status == S.ACCEPTED
    assert submission.person.status == P.PENDING


# --- corrections change what they mean to change ----------------------------------------

def suggestion_as_posted(client, person, **changes) -> dict:
    """The public "suggest a correction" form as its page prefills it, with ``changes``."""
    context = client.get(f"/people/{person.pk}/suggest/").context
    forms = [context["person_form"], context["photo_formset"].management_form]
    for formset in context["formsets"].values():
        forms += [formset.management_form, *formset.forms]
    data = {"submitter_name": "Айгуль", "submitter_email": "aigul@example.org",
            "consent": "on", "upload_key": context["upload_key"]}
    for form in forms:
        for field in form:
            value = field.value()
            if value is not None and value is not False:  # an unticked box is not sent
                data[field.html_name] = value
    data.update(changes)
    return data


def test_a_corrected_event_date_corrects_that_event(client, moderator):
    person = PublishedPersonFactory()
    arrest = EventFactory(person=person, kind="arrest", date="1937", article="58-10")
    posted = suggestion_as_posted(client, person)
    assert posted["events-0-id"] == str(arrest.pk)  # the row knows its event
    posted.update({"events-0-date": "29.10.1937", "events-0-article": ""})
    assert client.post(f"/people/{person.pk}/suggest/", posted).status_code == 302
    submission = Submission.objects.get()

    changes = {change.field: change for change in moderation.correction_diff(submission)}
    assert set(changes) == {"events"}
    assert "1937 58-10" in changes["events"].current
    moderation.submission_accept(submission=submission, moderator=moderator)

    event = person.events.get()  # corrected, not a second arrest beside the first
    assert (event.pk, str(event.date), event.article) == (arrest.pk, "1937-10-29", "")


def test_an_event_ticked_for_removal_goes_only_when_the_moderator_agrees(client, moderator):
    person = PublishedPersonFactory()
    EventFactory(person=person, kind="arrest", date="1937")
    wrong = EventFactory(person=person, kind="exile", date="1931")
    posted = suggestion_as_posted(client, person)
    row = next(key[:-3] for key, value in posted.items()
               if key.endswith("-id") and value == str(wrong.pk))
    posted[f"{row}-DELETE"] = "on"
    client.post(f"/people/{person.pk}/suggest/", posted)
    submission = Submission.objects.get()
    changes = {change.field: change for change in moderation.correction_diff(submission)}
    assert set(changes) == {"events_removed"} and "1931" in changes["events_removed"].current

    moderation.submission_accept(submission=submission, moderator=moderator, fields=[])
    assert person.events.filter(pk=wrong.pk).exists()  # not ticked: kept

    again = PendingSubmissionFactory(kind=Submission.Kind.CORRECTION, person=person,
                                     data=submission.data)
    moderation.submission_accept(submission=again, moderator=moderator,
                                 fields=["events_removed"], reason="no exile in 1931")
    assert list(person.events.values_list("kind", flat=True)) == ["arrest"]
    removed = wrong.history.filter(history_type="-").get()  # the revision keeps it
    assert (removed.history_user, removed.history_change_reason) == (moderator,
                                                                    "no exile in 1931")


def test_an_event_id_of_another_person_changes_nothing_of_theirs(moderator):
    other = EventFactory(kind="arrest", date="1938", article="58-1")
    person = PublishedPersonFactory()
    submission = PendingSubmissionFactory(
        kind=Submission.Kind.CORRECTION, person=person,
        data={**moderation.person_as_data(person), "events": [
            {"id": str(other.pk), "kind": "arrest", "date": "1940", "article": "58-6"}]})
    moderation.submission_accept(submission=submission, moderator=moderator)
    other.refresh_from_db()
    assert (str(other.date), other.article) == ("1938", "58-1")
    assert str(person.events.get().date) == "1940"  # a new event of this person's


# --- places the registry did not know ---------------------------------------------------

def test_a_place_the_registry_did_not_know_is_added_unverified_and_linked(moderator,
                                                                         client):
    from registry.models import Place

    known = Place.objects.create(name="Алма-Ата")
    submission = PendingSubmissionFactory()
    submission.data.update(birth_place="аул  Сарытургай, Акмолинский уезд",
                           residence="Алма-Ата", death_place="   ")
    submission.save()

    person = moderation.submission_accept(submission=submission, moderator=moderator)

    new = person.birth_place
    assert (new.name, new.verified) == ("аул Сарытургай", False)
    assert person.birth_place_name == "аул  Сарытургай, Акмолинский уезд"  # as written
    assert person.residence_place == known and known.verified
    assert person.death_place is None  # blank is no place
    assert person.events.get(kind="arrest").place == known
    found = client.get("/api/v1/people/", {"place": "аул Сарытургай"}).json()["results"]
    assert [p["surname"] for p in found] == ["Сейфуллин"]
    client.force_login(moderator)
    assert "1 new place to check" in client.get("/admin/").content.decode()


# --- records that did not come from a family --------------------------------------------

def test_a_pending_imported_person_can_be_declined_from_the_admin(mod_client):
    from tests.factories import PendingPersonFactory

    pending = PendingPersonFactory()
    url = f"/admin/registry/person/{pending.pk}/"
    assert f"{url}reject/" in mod_client.get(url + "change/").content.decode()
    mod_client.post(url + "reject/", {"reason": "not a victim of repression: a namesake"})
    pending.refresh_from_db()
    assert pending.status == P.REJECTED
    entry = ModerationLog.objects.get(action="person.rejected", person=pending)
    assert entry.actor == mod_client.user and "namesake" in entry.reason


def test_a_document_is_approved_like_a_photograph(mod_client):
    from registry.models import Document, MediaStatus

    person = PublishedPersonFactory()
    document = Document.objects.create(person=person, title="Справка о реабилитации",
                                       file="documents/x.pdf")
    mod_client.post("/admin/registry/document/", {
        "action": "approve_selected", "_selected_action": [document.pk]})
    document.refresh_from_db()
    assert document.status == MediaStatus.APPROVED
    entry = ModerationLog.objects.get(action="document.approved")
    assert (entry.actor, entry.person, entry.data["document"]) == (
        mod_client.user, person, document.pk)


def test_a_moderator_sees_who_else_has_the_submission_open(mod_client, django_user_model):
    other = django_user_model.objects.create_user("aigerim", "a@example.org", "pw-12345",
                                                  is_staff=True, first_name="Айгерим")
    other.groups.add(Group.objects.get(name="Moderators"))
    submission = PendingSubmissionFactory()
    url = f"/admin/registry/submission/{submission.pk}/change/"
    assert "also-reading" not in mod_client.get(url).content.decode()  # alone
    second = Client()
    second.force_login(other)
    page = second.get(url).content.decode()
    assert "also-reading" in page and "mod opened this submission" in page
    assert "Айгерим opened this submission" in mod_client.get(url).content.decode()


def test_a_persons_history_shows_what_changed_in_its_parts(mod_client, moderator):
    submission = PendingSubmissionFactory()
    person = moderation.submission_accept(submission=submission, moderator=moderator,
                                          reason="checked against the Book of Memory")
    arrest = person.events.get(kind="arrest")
    arrest.article = "58-10"
    arrest._change_reason = "the archive's reply names 58-10"
    arrest.save()

    page = mod_client.get(f"/admin/registry/person/{person.pk}/history/").content.decode()
    parts = page[page.index('id="parts-history"'):]
    assert "the archive&#x27;s reply names 58-10" in parts
    assert "Гульбахрам Сейфуллина" in parts  # the named relative added on acceptance
    assert "checked against the Book of Memory" in parts
    assert "added" in parts and "changed" in parts


def test_a_corrected_archive_reference_corrects_that_citation(client, moderator):
    person = PublishedPersonFactory()
    certificate = CitationFactory(person=person, detail="№ 12")
    posted = suggestion_as_posted(client, person)
    assert posted["sources-0-id"] == str(certificate.pk)  # the row knows its citation
    posted["sources-0-detail"] = "№ 12-п от 3.5.1958"
    assert client.post(f"/people/{person.pk}/suggest/", posted).status_code == 302
    submission = Submission.objects.get()

    changes = {change.field: change for change in moderation.correction_diff(submission)}
    assert set(changes) == {"sources"}
    assert changes["sources"].current.endswith("№ 12")
    moderation.submission_accept(submission=submission, moderator=moderator)

    citation = person.citations.get()  # corrected, not a second citation beside the first
    assert (citation.pk, citation.source_id, citation.detail) == (
        certificate.pk, certificate.source_id, "№ 12-п от 3.5.1958")
    assert citation.history.first().history_user == moderator


def test_a_source_ticked_for_removal_goes_only_when_the_moderator_agrees(client, moderator):
    person = PublishedPersonFactory()
    kept = CitationFactory(person=person, detail="дело 1")
    wrong = CitationFactory(person=person, detail="дело 2")
    posted = suggestion_as_posted(client, person)
    row = next(key[:-3] for key, value in posted.items()
               if key.startswith("sources-") and key.endswith("-id") and value == str(wrong.pk))
    posted[f"{row}-DELETE"] = "on"
    client.post(f"/people/{person.pk}/suggest/", posted)
    submission = Submission.objects.get()
    changes = {change.field: change for change in moderation.correction_diff(submission)}
    assert set(changes) == {"sources_removed"} and "дело 2" in changes["sources_removed"].current

    moderation.submission_accept(submission=submission, moderator=moderator, fields=[])
    assert person.citations.count() == 2  # not ticked: kept
    assert "sources to remove" in moderation.declined_labels(
        moderation.accepted_record(submission))

    again = PendingSubmissionFactory(kind=Submission.Kind.CORRECTION, person=person,
                                     data=submission.data)
    moderation.submission_accept(submission=again, moderator=moderator,
                                 fields=["sources_removed"], reason="another man's file")
    assert list(person.citations.all()) == [kept]
    removed = wrong.history.filter(history_type="-").get()  # the revision keeps it
    assert (removed.history_user, removed.history_change_reason) == (moderator,
                                                                    "another man's file")


def test_a_citation_id_of_another_person_changes_nothing_of_theirs(moderator):
    other = CitationFactory(detail="№ 7")
    person = PublishedPersonFactory()
    submission = PendingSubmissionFactory(
        kind=Submission.Kind.CORRECTION, person=person,
        data={**moderation.person_as_data(person), "sources": [
            {"id": str(other.pk), "title": "Справка", "detail": "№ 8"},
            {"id": str(other.pk), "remove": "1"}]})

    moderation.submission_accept(submission=submission, moderator=moderator)

    other.refresh_from_db()
    assert other.detail == "№ 7"
    assert [c.detail for c in person.citations.all()] == ["№ 8"]  # a new citation of theirs
