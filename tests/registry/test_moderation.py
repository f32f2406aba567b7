"""Moderation services: every allowed and illegal move, merge and its undo, corrections."""

import pytest
from django.core import mail

from registry import moderation
from registry.duplicates import find_duplicates
from registry.models import (
    MediaStatus,
    ModerationLog,
    NameVariant,
    Person,
    Photo,
    PlaceName,
    Relationship,
    Submission,
)
from registry.moderation import InvalidTransition
from tests.factories import (
    CampFactory,
    CitationFactory,
    CorrectionSubmissionFactory,
    EventFactory,
    HiddenPersonFactory,
    NameVariantFactory,
    NeedsInfoSubmissionFactory,
    PendingPersonFactory,
    PendingSubmissionFactory,
    PlaceFactory,
    PublishedPersonFactory,
    RelationshipFactory,
)

pytestmark = pytest.mark.django_db

S, P = Submission.Status, Person.Status


def run(service, **kwargs):
    return getattr(moderation, service)(**kwargs)


# --- people -----------------------------------------------------------------------------

@pytest.mark.parametrize(("factory", "service", "expected"), [
    (PendingPersonFactory, "person_publish", P.PUBLISHED),
    (HiddenPersonFactory, "person_publish", P.PUBLISHED),
    (PublishedPersonFactory, "person_hide", P.HIDDEN),
    (PendingPersonFactory, "person_reject", P.REJECTED),
])
def test_allowed_person_moves_keep_who_and_why(factory, service, expected, moderator):
    person = factory()
    result = run(service, person=person, moderator=moderator, reason="checked the file")
    assert result.status == expected
    revision = result.history.first()
    assert revision.history_user == moderator
    assert revision.history_change_reason == "checked the file"
    entry = ModerationLog.objects.get(person=person)
    assert (entry.actor, entry.reason, entry.data["to"]) == (moderator, "checked the file",
                                                             expected)


@pytest.mark.parametrize(("factory", "service"), [
    (PublishedPersonFactory, "person_publish"),
    (PendingPersonFactory, "person_hide"),
    (HiddenPersonFactory, "person_hide"),
    (PublishedPersonFactory, "person_reject"),
    (HiddenPersonFactory, "person_reject"),
])
def test_illegal_person_moves_raise_and_change_nothing(factory, service, moderator):
    person = factory()
    before = person.status
    with pytest.raises(InvalidTransition, match="cannot become"):
        run(service, person=person, moderator=moderator, reason="x")
    person.refresh_from_db()
    assert person.status == before
    assert not ModerationLog.objects.exists()


def test_publishing_sets_published_at_once(moderator):
    person = PendingPersonFactory()
    first = moderation.person_publish(person=person, moderator=moderator).published_at
    moderation.person_hide(person=person, moderator=moderator, reason="family asked")
    again = moderation.person_publish(person=person, moderator=moderator)
    assert first is not None and again.published_at == first


# --- submissions: transitions --------------------------------------------------------------

ALL = [S.NEW, S.NEEDS_INFO, S.ACCEPTED, S.REJECTED, S.WITHDRAWN]
ACTIONS = {
    "ask": (lambda s, m: moderation.submission_ask(submission=s, moderator=m,
                                                   question="Which year?"), S.NEEDS_INFO),
    "answer": (lambda s, m: moderation.submission_answer(submission=s, answer="1937"),
               S.NEW),
    "accept": (lambda s, m: moderation.submission_accept(submission=s, moderator=m),
               S.ACCEPTED),
    "reject": (lambda s, m: moderation.submission_reject(submission=s, moderator=m,
                                                         reason="No source."), S.REJECTED),
    "withdraw": (lambda s, m: moderation.submission_withdraw(submission=s), S.WITHDRAWN),
}
# A family may write again while its submission waits in the queue: a message, no move.
ALLOWED_IN_PLACE = {("answer", S.NEW)}


@pytest.mark.parametrize("start", ALL)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_every_submission_transition(start, action, moderator):
    submission = PendingSubmissionFactory(status=start)
    call, target = ACTIONS[action]
    if target in Submission.TRANSITIONS[start] or (action, start) in ALLOWED_IN_PLACE:
        call(submission, moderator)
        submission.refresh_from_db()
        assert submission.status == target
        assert ModerationLog.objects.filter(submission=submission).exists()
    else:
        with pytest.raises(InvalidTransition):
            call(submission, moderator)
        submission.refresh_from_db()
        assert submission.status == start


def test_accepting_a_new_submission_publishes_the_whole_record(moderator,
                                                                django_capture_on_commit_callbacks):
    submission = PendingSubmissionFactory()
    with django_capture_on_commit_callbacks(execute=True):
        person = moderation.submission_accept(submission=submission, moderator=moderator,
                                              reason="matches the Book of Memory")
    assert person.status == P.PUBLISHED and person.published_at
    assert (person.surname, person.given_name, str(person.birth_date)) == (
        "Сейфуллин", "Сакен", "1894-10-15")
    assert person.fate == Person.Fate.EXECUTED
    assert [v.surname for v in person.variants.all()] == ["Seifullin"]
    assert sorted(e.kind for e in person.events.all()) == ["arrest", "rehabilitation"]
    assert person.events.get(kind="arrest").article == "58-2"
    citation = person.citations.get()
    assert (citation.source.title, citation.detail) == ("Справка о реабилитации",
                                                        "№ 4н-0123/57")
    submission.refresh_from_db()
    assert (submission.status, submission.person, submission.decided_by) == (
        S.ACCEPTED, person, moderator)
    assert person.history.first().history_change_reason == "matches the Book of Memory"
    assert len(mail.outbox) == 1
    assert person.get_absolute_url() in mail.outbox[0].body
    assert mail.outbox[0].to == ["family@example.org"]


def test_an_accepted_person_is_linked_to_the_places_and_camps_the_family_named(moderator,
                                                                              client):
    akmolinsk = PlaceFactory(name="Акмолинск")
    PlaceName.objects.create(place=akmolinsk, name="Целиноград", year_from=1961, year_to=1992)
    alzhir = CampFactory(name="АЛЖИР", slug="alzhir",
                         other_names="Акмолинский лагерь жён изменников Родины")
    submission = PendingSubmissionFactory()
    submission.data.update(birth_place="Акмолинск, Казахская ССР")  # the town, then a comma
    submission.data["events"].append({
        "kind": "imprisonment", "date": "1938", "place": "Целиноград",  # a later name
        "camp": "акмолинский лагерь жён изменников родины", "authority": "", "article": "",
        "sentence": "", "notes": ""})
    submission.save()

    person = moderation.submission_accept(submission=submission, moderator=moderator)

    assert person.birth_place == akmolinsk
    imprisonment = person.events.get(kind="imprisonment")
    assert (imprisonment.place, imprisonment.camp) == (akmolinsk, alzhir)
    assert "Сейфуллин" in client.get("/camps/alzhir/").content.decode()
    for params in ({"camp": "alzhir"}, {"place": "Акмолинск"}):
        found = client.get("/api/v1/people/", params).json()["results"]
        assert [p["surname"] for p in found] == ["Сейфуллин"], params


def test_a_corrections_new_event_is_linked_to_its_camp(moderator):
    karlag = CampFactory(name="Карлаг", slug="karlag")
    submission = CorrectionSubmissionFactory()
    submission.data["events"] = [{"kind": "imprisonment", "date": "1939", "place": "",
                                  "camp": "Карлаг", "authority": "", "article": "",
                                  "sentence": "", "notes": ""}]
    submission.save()

    person = moderation.submission_accept(submission=submission, moderator=moderator,
                                          fields=["events"])

    assert person.events.get(kind="imprisonment").camp == karlag


def test_a_camp_the_registry_did_not_know_waits_for_a_moderator(moderator, admin_client,
                                                                client):
    submission = PendingSubmissionFactory()
    submission.data["events"].append({
        "kind": "imprisonment", "date": "1938", "place": "", "authority": "", "article": "",
        "camp": "Сиблаг НКВД, Мариинское отделение", "sentence": "", "notes": ""})
    submission.save()

    person = moderation.submission_accept(submission=submission, moderator=moderator)

    camp = person.events.get(kind="imprisonment").camp
    assert (camp.name, camp.verified) == ("Сиблаг НКВД, Мариинское отделение", False)
    assert camp.slug == "siblag-nkvd-mariinskoye-otdeleniye"  # its address in Latin letters
    home = admin_client.get("/admin/").content.decode()
    assert "1 new camp to check" in home and "?verified__exact=0" in home
    profile = client.get(person.get_absolute_url()).content.decode()
    assert "Сиблаг НКВД, Мариинское отделение" in profile  # as the family wrote it
    assert f"/camps/{camp.slug}/" not in profile  # no page until a moderator checks it
    assert client.get(f"/camps/{camp.slug}/").status_code == 404
    assert "Сиблаг" not in client.get("/camps/").content.decode()
    assert client.get("/api/v1/people/", {"camp": camp.slug}).status_code == 400
    [found] = client.get("/api/v1/people/", {"q": "Сейфуллин"}).json()["results"]
    detail = client.get(f"/api/v1/people/{found['id']}/").json()
    assert {event.get("camp_url") for event in detail["events"]} == {None}

    camp.verified = True  # checked by a moderator
    camp.save()
    assert "Сейфуллин" in client.get(f"/camps/{camp.slug}/").content.decode()
    again = PendingSubmissionFactory(data={**submission.data, "surname": "Сейфуллина"})
    other = moderation.submission_accept(submission=again, moderator=moderator)
    assert other.events.get(kind="imprisonment").camp == camp  # found by its name now


def test_no_email_when_the_decision_is_rolled_back(moderator,
                                                   django_capture_on_commit_callbacks):
    submission = PendingSubmissionFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        moderation.submission_reject(submission=submission, moderator=moderator,
                                     reason="Duplicate of #12.")
    assert len(callbacks) == 1 and not mail.outbox  # queued for after commit only


def test_question_and_answer_round_trip(moderator, django_capture_on_commit_callbacks):
    submission = PendingSubmissionFactory()
    with django_capture_on_commit_callbacks(execute=True):
        moderation.submission_ask(submission=submission, moderator=moderator,
                                  question="Do you have the arrest date?")
    assert "Do you have the arrest date?" in mail.outbox[0].body
    assert submission.get_absolute_url() in mail.outbox[0].body
    moderation.submission_answer(submission=submission, answer="24 September 1937")
    submission.refresh_from_db()
    assert submission.status == S.NEW
    assert [m["from"] for m in submission.messages] == ["moderators", "family"]


def test_a_family_writing_again_is_kept_marked_answered_and_told_to_the_moderators(
        moderator, django_capture_on_commit_callbacks):
    from django.contrib.auth.models import Group

    from tests.factories import PendingSubmissionFactory as Sent

    moderator.email = "moderator@example.org"
    moderator.save()
    in_group = type(moderator).objects.create_user("m2", "group@example.org", "x",
                                                    is_staff=True)
    in_group.groups.add(Group.objects.get(name="Moderators"))
    type(moderator).objects.create_user("visitor", "nobody@example.org", "x")
    submission = Sent()

    with django_capture_on_commit_callbacks(execute=True):
        moderation.submission_answer(submission=submission,
                                     answer="We found his arrest warrant: 24.09.1937")

    submission.refresh_from_db()
    assert submission.status == S.NEW and submission.answered  # no question was pending
    assert submission.messages[-1]["text"] == "We found his arrest warrant: 24.09.1937"
    [email] = mail.outbox
    assert sorted(email.to) == ["group@example.org", "moderator@example.org"]
    assert "arrest warrant" in email.body
    assert f"/admin/registry/submission/{submission.pk}/change/" in email.body


def test_rejecting_needs_a_reason_for_the_family(moderator):
    submission = NeedsInfoSubmissionFactory()
    with pytest.raises(InvalidTransition, match="reason"):
        moderation.submission_reject(submission=submission, moderator=moderator, reason=" ")
    moderation.submission_reject(submission=submission, moderator=moderator,
                                 reason="We could not confirm it.", note="spam?")
    submission.refresh_from_db()
    assert submission.decision_reason == "We could not confirm it."
    assert submission.internal_note == "spam?"


def test_submission_history_never_keeps_contact_data():
    submission = PendingSubmissionFactory()
    revision = submission.history.first()
    assert not hasattr(revision, "submitter_email")
    assert not hasattr(revision, "ip_hash")


# --- corrections ------------------------------------------------------------------------

def test_correction_shows_current_and_proposed_values():
    person = PublishedPersonFactory(birth_date="1895", occupation="")
    submission = CorrectionSubmissionFactory(person=person)
    changes = {c.field: (c.current, c.proposed) for c in moderation.correction_diff(
        submission)}
    assert changes == {"birth_date": ("1895", "1895~"), "occupation": ("", "учитель")}


def test_correction_applies_only_the_chosen_fields(moderator):
    person = PublishedPersonFactory(birth_date="1895", occupation="")
    submission = CorrectionSubmissionFactory(person=person)
    submission.data["name_variants"] = [{"surname": "Ivanoff", "given_name": "",
                                         "patronymic": "", "note": ""}]
    submission.save()
    result = moderation.submission_accept(submission=submission, moderator=moderator,
                                          fields=["occupation", "name_variants"])
    person.refresh_from_db()
    assert result == person and person.status == P.PUBLISHED
    assert person.occupation == "учитель"
    assert str(person.birth_date) == "1895"  # not chosen: left as it was
    assert [v.surname for v in person.variants.all()] == ["Ivanoff"]


def test_a_prefilled_unchanged_correction_proposes_nothing():
    person = PublishedPersonFactory()
    EventFactory(person=person, kind="arrest", date="1937", article="58-10")
    CitationFactory(person=person, detail="p. 12")
    submission = CorrectionSubmissionFactory(person=person,
                                             data=moderation.person_as_data(person))
    assert moderation.correction_diff(submission) == []


# --- photos -----------------------------------------------------------------------------

def _photo(status=MediaStatus.PENDING):
    return Photo.objects.create(person=PublishedPersonFactory(), image="photos/x.jpg",
                                status=status)


@pytest.mark.parametrize(("start", "service", "allowed"), [
    (MediaStatus.PENDING, "photo_approve", True), (MediaStatus.PENDING, "photo_reject", True),
    (MediaStatus.APPROVED, "photo_reject", True), (MediaStatus.REJECTED, "photo_approve", True),
    (MediaStatus.APPROVED, "photo_approve", False),
    (MediaStatus.REJECTED, "photo_reject", False),
])
def test_photo_moves(start, service, allowed, moderator):
    photo = _photo(start)
    if allowed:
        result = run(service, photo=photo, moderator=moderator, reason="ok")
        assert result.status != start
        assert ModerationLog.objects.get(photo=photo).actor == moderator
    else:
        with pytest.raises(InvalidTransition):
            run(service, photo=photo, moderator=moderator, reason="ok")


# --- merge and undo ---------------------------------------------------------------------

def test_merge_moves_everything_and_undo_puts_it_back(moderator, client):
    survivor = PublishedPersonFactory(surname="Дулатов", given_name="Миржакып",
                                      occupation="")
    duplicate = PublishedPersonFactory(surname="Dulatov", given_name="Mirzhakyp",
                                       occupation="поэт")
    variant = NameVariantFactory(person=duplicate, surname="Дулатулы")
    event = EventFactory(person=duplicate, kind="arrest", date="1928")
    citation = CitationFactory(person=duplicate)
    photo = Photo.objects.create(person=duplicate, image="photos/d.jpg",
                                 status=MediaStatus.APPROVED)
    wife = PublishedPersonFactory(surname="Дулатова", sex="female")
    RelationshipFactory(person=duplicate, relative=wife, kind="spouse")
    RelationshipFactory(person=duplicate, relative=survivor, kind="sibling")  # becomes self

    moderation.person_merge(person=duplicate, into=survivor, moderator=moderator,
                            reason="same man, two books")
    duplicate.refresh_from_db()
    survivor.refresh_from_db()
    assert duplicate.status == P.MERGED and duplicate.merged_into == survivor
    for part in (variant, event, citation, photo):
        part.refresh_from_db()
        assert part.person == survivor
    assert Relationship.objects.filter(person=survivor, relative=wife).exists()
    assert not Relationship.objects.filter(person=survivor, relative=survivor).exists()
    assert {v.surname for v in survivor.variants.all()} == {"Дулатулы", "Dulatov"}
    assert survivor.occupation == "поэт"  # a blank field filled from the duplicate
    assert search(client, "Дулатов Миржакып 1928") == [survivor.pk]  # the arrest moved
    response = client.get(f"/people/{duplicate.pk}/")
    assert response.status_code == 301
    assert response["Location"] == f"/people/{survivor.pk}/"

    moderation.person_unmerge(person=duplicate, moderator=moderator, reason="not the same")
    duplicate.refresh_from_db()
    survivor.refresh_from_db()
    assert duplicate.status == P.PUBLISHED and duplicate.merged_into is None
    for part in (variant, event, citation, photo):
        part.refresh_from_db()
        assert part.person == duplicate
    assert Relationship.objects.filter(person=duplicate, relative=wife).exists()
    assert Relationship.objects.filter(person=duplicate, relative=survivor).exists()
    assert not NameVariant.objects.filter(person=survivor, surname="Dulatov").exists()
    assert survivor.occupation == ""
    assert client.get(f"/people/{duplicate.pk}/").status_code == 200
    assert search(client, "Дулатов 1928") == [duplicate.pk]  # the arrest went back


def search(client, query):
    return [person["id"] for person in
            client.get("/api/v1/people/", {"q": query}).json()["results"]]


def test_merge_refuses_itself_and_a_merged_target(moderator):
    person, other = PublishedPersonFactory(), PublishedPersonFactory()
    with pytest.raises(InvalidTransition):
        moderation.person_merge(person=person, into=person, moderator=moderator, reason="")
    moderation.person_merge(person=other, into=person, moderator=moderator, reason="")
    with pytest.raises(InvalidTransition):
        moderation.person_merge(person=PublishedPersonFactory(), into=other,
                                moderator=moderator, reason="")
    with pytest.raises(InvalidTransition):
        moderation.person_unmerge(person=person, moderator=moderator, reason="")


# --- duplicates -------------------------------------------------------------------------

def test_duplicates_across_scripts_and_sex_forms_ranked():
    exact = PublishedPersonFactory(surname="Сейфуллин", given_name="Сакен", birth_date="1894")
    latin = PendingPersonFactory(surname="Seifullin", given_name="Saken", birth_date="1895")
    sister = PublishedPersonFactory(surname="Сейфуллина", given_name="Сакен",
                                    birth_date=None)
    PublishedPersonFactory(surname="Сейфуллин", given_name="Сакен", birth_date="1920")
    PublishedPersonFactory(surname="Сейфуллин", given_name="Мухтар", birth_date="1894")
    found = find_duplicates(surname="Сейфуллин", given_name="Сакен", birth_date="1894")
    assert [c.person for c in found] == [exact, latin, sister]
    assert found[0].score > found[1].score > found[2].score


def test_reverting_from_the_history_never_undoes_a_decision(moderator, rf):
    from django.contrib import admin

    person = PublishedPersonFactory(surname="Ким", occupation="учитель")
    moderation.person_hide(person=person, moderator=moderator, reason="duplicate found")
    published_revision = person.history.filter(status=P.PUBLISHED).earliest("history_date")
    request = rf.post("/")
    request.user = moderator

    reverted = published_revision.instance  # what simple-history's revert form saves
    reverted.occupation = "врач"
    admin.site._registry[Person].save_model(request, reverted, form=None, change=True)

    person.refresh_from_db()
    assert person.occupation == "врач"  # the text is reverted...
    assert person.status == P.HIDDEN  # ...the moderators' decision is not


def test_a_correction_to_a_hidden_record_is_refused_and_keeps_it_hidden(moderator):
    person = PublishedPersonFactory(occupation="")
    submission = CorrectionSubmissionFactory(person=person)
    moderation.person_hide(person=person, moderator=moderator, reason="checking a source")

    with pytest.raises(InvalidTransition):
        moderation.submission_accept(submission=submission, moderator=moderator)

    person.refresh_from_db()
    submission.refresh_from_db()
    assert person.status == P.HIDDEN and person.occupation == ""
    assert submission.status == Submission.Status.NEW


def test_a_merge_reconciles_two_accounts_of_the_same_arrest_and_undo_restores_both(moderator):
    survivor = PublishedPersonFactory(surname="Дулатов", given_name="Миржакып")
    duplicate = PublishedPersonFactory(surname="Dulatov", given_name="Mirzhakyp")
    my_arrest = EventFactory(person=survivor, kind="arrest", date="1928", article="")
    my_sentence = EventFactory(person=survivor, kind="sentence", date="1930",
                               sentence="расстрел, заменён 10 годами")
    their_arrest = EventFactory(person=duplicate, kind="arrest", date="1928",
                                article="58-2", authority="ОГПУ")
    their_sentence = EventFactory(person=duplicate, kind="sentence", date="1930",
                                  sentence="10 лет")
    their_exile = EventFactory(person=duplicate, kind="exile", date="1935")
    cited = CitationFactory(person=duplicate, event=their_arrest, detail="дело 1")

    moderation.person_merge(
        person=duplicate, into=survivor, moderator=moderator, reason="the same man",
        same_events={their_arrest.pk: (moderation.COMBINE, my_arrest.pk),
                     their_sentence.pk: (moderation.DROP, my_sentence.pk)})

    events = {(e.kind, e.article, e.authority, e.sentence) for e in survivor.events.all()}
    assert events == {("arrest", "58-2", "ОГПУ", ""),  # one arrest, its blanks filled
                      ("sentence", "", "", "расстрел, заменён 10 годами"),  # one sentence
                      ("exile", "", "", "")}  # what only the duplicate knew, moved
    cited.refresh_from_db()
    assert (cited.person, cited.event) == (survivor, my_arrest)  # the source still cited

    moderation.person_unmerge(person=duplicate, moderator=moderator, reason="two men")

    my_arrest.refresh_from_db()
    assert (my_arrest.article, my_arrest.authority) == ("", "")
    assert {(e.pk, e.kind, e.sentence) for e in duplicate.events.all()} == {
        (their_arrest.pk, "arrest", ""), (their_sentence.pk, "sentence", "10 лет"),
        (their_exile.pk, "exile", "")}
    assert survivor.events.count() == 2
    cited.refresh_from_db()
    assert (cited.person, cited.event_id) == (duplicate, their_arrest.pk)


def test_a_merge_pairs_only_events_of_the_same_kind(moderator):
    survivor, duplicate = PublishedPersonFactory(), PublishedPersonFactory()
    arrest = EventFactory(person=survivor, kind="arrest", date="1937")
    exile = EventFactory(person=duplicate, kind="exile", date="1937")

    with pytest.raises(InvalidTransition):
        moderation.person_merge(person=duplicate, into=survivor, moderator=moderator,
                                reason="", same_events={exile.pk: (moderation.DROP, arrest.pk)})

    duplicate.refresh_from_db()
    assert duplicate.status == P.PUBLISHED and duplicate.events.get() == exile
