"""The only code that changes a record's status: publish, hide, accept, ask, reject, merge.

Every service here is keyword-only and atomic, checks the move against the model's
transition map (raising ``InvalidTransition`` with a message a moderator can read), keeps a
revision of what it changes with its reason (django-simple-history) and writes a
``ModerationLog`` entry: who, when, why. The admin, the public views, management commands
and tests all call these same functions. E-mails are sent only after the transaction
commits, so a family is never told about a decision that was rolled back.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from registry import dates
from registry.models import (
    Citation,
    Document,
    MediaStatus,
    ModerationLog,
    NamedRelative,
    NameVariant,
    Person,
    Photo,
    Relationship,
    RepressionEvent,
    Source,
    Submission,
    SubmissionPhoto,
)
from registry.models.media import MEDIA_TRANSITIONS
from registry.place_lookup import CampLookup, PlaceLookup


class InvalidTransition(Exception):
    """A status change the workflow does not allow; ``str()`` is a translated message."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


# Person fields a submission proposes, by their CSV / form name -> the model field.
PERSON_FIELDS = {
    "surname": "surname", "given_name": "given_name", "patronymic": "patronymic",
    "maiden_name": "maiden_name", "sex": "sex", "birth_date": "birth_date",
    "birth_place": "birth_place_name", "nationality": "nationality",
    "occupation": "occupation", "residence": "residence", "fate": "fate",
    "death_date": "death_date", "death_place": "death_place_name", "biography": "biography",
}
DATE_FIELDS = {"birth_date", "death_date"}
PART_LABELS = {"name_variants": _("other spellings"), "events": _("events"),
               "events_removed": _("events to remove"),
               "sources": _("sources"), "sources_removed": _("sources to remove"),
               "relatives": _("relatives")}
# Parts a correction may add; applied as a whole, each only adding what is new.
PART_FIELDS = ("name_variants", "events", "events_removed", "sources", "sources_removed",
               "relatives")
EVENT_FIELDS = ("kind", "date", "place", "camp", "authority", "article", "sentence", "notes")


# --- small helpers ----------------------------------------------------------------------

def _check(transitions: dict, current: str, target: str, labels) -> None:
    if target not in transitions.get(current, set()):
        raise InvalidTransition(
            _("This cannot be done: a record that is “%(current)s” cannot become "
              "“%(target)s”.") % {"current": labels(current).label,
                                  "target": labels(target).label})


def _log(*, action: str, actor=None, reason: str = "", person=None, submission=None,
         photo=None, data=None) -> ModerationLog:
    return ModerationLog.objects.create(action=action, actor=actor, reason=reason or "",
                                        person=person, submission=submission, photo=photo,
                                        data=data or {})


def _save(instance, *, moderator, reason: str, **kwargs):
    """Save with the revision naming who and why (simple-history reads these attributes)."""
    instance._change_reason = reason or ""
    if moderator is not None:
        instance._history_user = moderator
    adding = instance._state.adding
    instance.save(**kwargs)
    _remember(instance, instance.pk, "added" if adding else "changed")
    return instance


# The parts of a record an acceptance writes, each with the revision it made, so that the
# acceptance can be undone as a whole (``submission_undo``). Sources and places are shared
# by many records and stay.
UNDOABLE = (Person, NameVariant, RepressionEvent, Citation, Relationship, NamedRelative, Photo)
_written: ContextVar[list | None] = ContextVar("written", default=None)


def _remember(instance, pk: int, what: str) -> None:
    written = _written.get()
    if written is not None and isinstance(instance, UNDOABLE):
        model = type(instance)
        revision = (model.history.filter(**{model._meta.pk.attname: pk})
                    .order_by("-history_id").values_list("history_id", flat=True).first())
        written.append([model._meta.label_lower, pk, what, revision])


def _email_after_commit(submission: Submission, template: str, **context) -> None:
    """Send ``templates/registry/email/<template>_{subject,body}.txt`` once committed, in
    the language the family wrote in."""
    recipient = submission.submitter_email
    if not recipient:
        return
    language = submission.language or settings.LANGUAGE_CODE
    context = {"submission": submission,
               "status_url": settings.REGISTRY_SITE_URL.rstrip("/")
               + submission.get_absolute_url(), **context}
    if submission.person_id:
        context["person_url"] = (settings.REGISTRY_SITE_URL.rstrip("/")
                                 + submission.person.get_absolute_url())

    def send():
        with translation.override(language):
            subject = render_to_string(f"registry/email/{template}_subject.txt", context)
            body = render_to_string(f"registry/email/{template}_body.txt", context)
        send_mail(" ".join(subject.split()), body, settings.DEFAULT_FROM_EMAIL, [recipient])

    transaction.on_commit(send)


# --- people -----------------------------------------------------------------------------

def _set_person_status(person: Person, target: str, *, moderator, reason: str,
                       action: str, submission=None) -> Person:
    person = Person.objects.select_for_update().get(pk=person.pk)
    _check(Person.TRANSITIONS, person.status, target, Person.Status)
    previous = person.status
    person.status = target
    fields = ["status", "updated_at"]
    if target == Person.Status.PUBLISHED and person.published_at is None:
        person.published_at = timezone.now()
        fields.append("published_at")
    _save(person, moderator=moderator, reason=reason, update_fields=fields)
    _log(action=action, actor=moderator, reason=reason, person=person, submission=submission,
         data={"from": previous, "to": target})
    return person


@transaction.atomic
def person_publish(*, person: Person, moderator, reason: str = "", submission=None) -> Person:
    """Make a pending or hidden person visible to the public."""
    return _set_person_status(person, Person.Status.PUBLISHED, moderator=moderator,
                              reason=reason or str(_("published")), action="person.published",
                              submission=submission)


@transaction.atomic
def person_hide(*, person: Person, moderator, reason: str) -> Person:
    """Withdraw a published person from the public, keeping the record."""
    return _set_person_status(person, Person.Status.HIDDEN, moderator=moderator,
                              reason=reason, action="person.hidden")


@transaction.atomic
def person_reject(*, person: Person, moderator, reason: str) -> Person:
    """Decide that a pending person is not to be published (the record is kept)."""
    return _set_person_status(person, Person.Status.REJECTED, moderator=moderator,
                              reason=reason, action="person.rejected")


# What a merge does with an event of the duplicate that describes the same act as one of
# the survivor's ("same as" events): its values fill the survivor's event where that has
# none, or it is dropped in favour of the survivor's. Either way the duplicate's event goes
# (its revision keeps it) and its citations point at the survivor's event.
COMBINE, DROP = "combine", "drop"


@transaction.atomic
def person_merge(*, person: Person, into: Person, moderator, reason: str,
                 same_events: dict[int, tuple[str, int]] | None = None) -> ModerationLog:
    """Merge the duplicate ``person`` into ``into``: the survivor takes every name variant,
    event, photo, document, citation and relationship, and the duplicate's own name as a
    variant; blank fields of the survivor are filled from the duplicate. The duplicate is
    kept with status "merged" and its address redirects to the survivor. What moved is
    recorded in the log entry, so ``person_unmerge`` can put it back.

    ``same_events`` reconciles the two records' accounts of the same act, so the survivor
    does not end with two arrests and two contradicting sentences: the duplicate's event
    id -> (``COMBINE`` or ``DROP``, the id of the survivor's event of the same kind)."""
    return _merge(person, into, moderator=moderator, reason=reason,
                  same_events=same_events or {})


def _merge(person: Person, into: Person, *, moderator, reason: str,
           same_events: dict[int, tuple[str, int]]) -> ModerationLog:
    if person.pk == into.pk:
        raise InvalidTransition(_("A record cannot be merged into itself."))
    person = Person.objects.select_for_update().get(pk=person.pk)
    into = Person.objects.select_for_update().get(pk=into.pk)
    if into.status in (Person.Status.MERGED, Person.Status.REJECTED):
        raise InvalidTransition(_("The record to keep is itself merged or rejected; "
                                  "choose another."))
    _check(Person.TRANSITIONS, person.status, Person.Status.MERGED, Person.Status)
    why = reason or str(_("merged as a duplicate"))
    reconciled = _reconcile_events(person, into, same_events, moderator=moderator, reason=why)
    moved = {"variants": [], "events": [], "photos": [], "documents": [], "citations": [],
             "named_relatives": []}
    for key, queryset in (("variants", person.variants.all()), ("events", person.events.all()),
                          ("photos", person.photos.all()), ("documents", person.documents.all()),
                          ("citations", person.citations.all()),
                          ("named_relatives", person.named_relatives.all())):
        for part in queryset:
            moved[key].append(part.pk)
            part.person = into
            _save(part, moderator=moderator, reason=why)
    # Relationships: moved unless they would link the survivor to itself or repeat one it
    # has; those are deleted and remembered as values so an undo can recreate them.
    moved_links, dropped_links = [], []
    for link in Relationship.objects.filter(person=person):
        exists = Relationship.objects.filter(person=into, relative=link.relative,
                                             kind=link.kind).exists()
        if link.relative_id == into.pk or exists:
            dropped_links.append({"person": person.pk, "relative": link.relative_id,
                                  "kind": link.kind, "note": link.note})
            link._change_reason = why
            link.delete()
        else:
            moved_links.append(["person", link.pk])
            link.person = into
            _save(link, moderator=moderator, reason=why)
    for link in Relationship.objects.filter(relative=person):
        exists = Relationship.objects.filter(person=link.person, relative=into,
                                             kind=link.kind).exists()
        if link.person_id == into.pk or exists:
            dropped_links.append({"person": link.person_id, "relative": person.pk,
                                  "kind": link.kind, "note": link.note})
            link._change_reason = why
            link.delete()
        else:
            moved_links.append(["relative", link.pk])
            link.relative = into
            _save(link, moderator=moderator, reason=why)
    added_variant = _save(NameVariant(
        person=into, surname=person.surname, given_name=person.given_name,
        patronymic=person.patronymic, kind=NameVariant.Kind.OTHER,
        note=str(_("from merged record #%(id)s")) % {"id": person.pk},
    ), moderator=moderator, reason=why)
    filled = {}
    for field in PERSON_FIELDS.values():
        mine, theirs = getattr(into, field), getattr(person, field)
        blank = mine in ("", None) or (field == "fate" and mine == Person.Fate.UNKNOWN)
        if blank and theirs not in ("", None):
            filled[field] = "" if mine is None else str(mine)
            setattr(into, field, theirs)
    if filled:
        _save(into, moderator=moderator, reason=why)
    previous = person.status
    person.status = Person.Status.MERGED
    person.merged_into = into
    _save(person, moderator=moderator, reason=why,
          update_fields=["status", "merged_into", "updated_at"])
    return _log(action="person.merged", actor=moderator, reason=why, person=person, data={
        "into": into.pk, "from_status": previous, "moved": moved, "moved_links": moved_links,
        "dropped_links": dropped_links, "added_variant": added_variant.pk, "filled": filled,
        **reconciled,
    })


def _reconcile_events(person: Person, into: Person, same_events: dict[int, tuple[str, int]],
                      *, moderator, reason: str) -> dict:
    """Apply ``same_events`` (see ``person_merge``) before the rest moves. Returns, for the
    log and ``person_unmerge``: the duplicate's events that went, with the revision of
    their removal, the survivor's events that were filled, with their revision before,
    and the citations that were pointed at them."""
    theirs = {event.pk: event for event in person.events.all()}
    mine = {event.pk: event for event in into.events.all()}
    gone, filled, repointed = [], [], []
    for their_pk, (how, my_pk) in same_events.items():
        event, kept = theirs.get(their_pk), mine.get(my_pk)
        if event is None or kept is None or event.kind != kept.kind or how not in (COMBINE,
                                                                                  DROP):
            raise InvalidTransition(_("Only an event of the record merged away can be "
                                      "combined with, or dropped for, an event of the same "
                                      "kind of the record kept."))
        if how == COMBINE and _fill_blanks(kept, event):
            before = kept.history.order_by("-history_id").values_list(
                "history_id", flat=True).first()
            _save(kept, moderator=moderator, reason=reason)
            filled.append([kept.pk, before])
        for citation in event.citations.all():  # not lost with the event they are about
            repointed.append([citation.pk, event.pk])
            citation.event = kept
            _save(citation, moderator=moderator, reason=reason)
        pk = event.pk
        _remove([event], moderator=moderator, reason=reason)
        gone.append([pk, event.history.model.objects.filter(id=pk).order_by(
            "-history_id").values_list("history_id", flat=True).first()])
    return {"events_gone": gone, "events_filled": filled, "citations_repointed": repointed}


def _fill_blanks(kept: RepressionEvent, other: RepressionEvent) -> bool:
    """Give ``kept`` the values of ``other`` where it has none; whether any was given."""
    given = False
    for field in ("date", "place_name", "place", "camp_name", "camp", "authority",
                  "article", "sentence", "term_years", "notes"):
        if getattr(kept, field) in ("", None) and getattr(other, field) not in ("", None):
            setattr(kept, field, getattr(other, field))
            given = True
    return given


def _restore_reconciled_events(data: dict, person: Person, *, moderator, reason: str) -> None:
    """Undo ``_reconcile_events``: the duplicate's events come back as they were, the
    survivor's filled events lose what they were given, the citations point back."""
    for _pk, removal in data.get("events_gone", []):
        restored = RepressionEvent.history.get(history_id=removal).instance
        restored.person = person
        restored._state.adding = True
        _save(restored, moderator=moderator, reason=reason)
    for pk, before in data.get("events_filled", []):
        revision = RepressionEvent.history.filter(history_id=before).first()
        if revision is not None and RepressionEvent.objects.filter(pk=pk).exists():
            _save(revision.instance, moderator=moderator, reason=reason)
    for citation_pk, event_pk in data.get("citations_repointed", []):
        citation = Citation.objects.filter(pk=citation_pk).first()
        if citation is not None:
            citation.event_id = event_pk
            _save(citation, moderator=moderator, reason=reason)


@transaction.atomic
def person_unmerge(*, person: Person, moderator, reason: str) -> Person:
    """Undo the last merge of ``person``: its parts return, and so do its status and
    address."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.status != Person.Status.MERGED:
        raise InvalidTransition(_("This record is not merged into another."))
    entry = (ModerationLog.objects.filter(action="person.merged", person=person)
             .order_by("-at", "-id").first())
    if entry is None:
        raise InvalidTransition(_("No record of this merge was found; it cannot be undone "
                                  "automatically."))
    data = entry.data
    into = Person.objects.select_for_update().get(pk=data["into"])
    why = reason or str(_("merge undone"))
    models = {"variants": NameVariant, "events": RepressionEvent, "photos": Photo,
              "citations": Citation, "named_relatives": NamedRelative}
    for key, model in models.items():
        for part in model.objects.filter(pk__in=data["moved"].get(key, []), person=into):
            part.person = person
            _save(part, moderator=moderator, reason=why)
    for document in into.documents.filter(pk__in=data["moved"].get("documents", [])):
        document.person = person
        _save(document, moderator=moderator, reason=why)
    for side, pk in data.get("moved_links", []):
        link = Relationship.objects.filter(pk=pk).first()
        if link is not None:
            setattr(link, side, person)
            _save(link, moderator=moderator, reason=why)
    for values in data.get("dropped_links", []):
        Relationship.objects.get_or_create(
            person_id=values["person"], relative_id=values["relative"], kind=values["kind"],
            defaults={"note": values["note"]})
    _restore_reconciled_events(data, person, moderator=moderator, reason=why)
    variant = NameVariant.objects.filter(pk=data.get("added_variant"), person=into).first()
    if variant is not None:
        variant._change_reason = why
        variant.delete()
    if data.get("filled"):
        for field, value in data["filled"].items():
            setattr(into, field, value or ("" if field != "fate" else Person.Fate.UNKNOWN))
        _save(into, moderator=moderator, reason=why)
    person.status = data["from_status"]
    person.merged_into = None
    _save(person, moderator=moderator, reason=why,
          update_fields=["status", "merged_into", "updated_at"])
    _log(action="person.unmerged", actor=moderator, reason=why, person=person,
         data={"from": into.pk, "merge_entry": entry.pk})
    return person


# --- records entering in bulk (import, demo data) ---------------------------------------

FIRST_STATUSES = (Person.Status.PENDING, Person.Status.PUBLISHED)


def first_status(status: str, *, at) -> dict:
    """The status fields of a record entering the registry in bulk (an import, the demo
    data), written there with the rest of its row: pending, or published at ``at``. With
    the single-record services above, this is the only code that decides a status."""
    if status not in FIRST_STATUSES:
        raise InvalidTransition(_("A record enters the registry pending or published, not "
                                  "“%(status)s”.") % {"status": status})
    return {"status": status,
            "published_at": at if status == Person.Status.PUBLISHED else None}


def record_bulk_entry(*, counts: dict[str, int], reason: str, actor=None,
                      data: dict | None = None) -> list[ModerationLog]:
    """One log entry per first status for the records an import or the demo data made
    (``counts``: status → how many), so the log tells who brought them in, and when."""
    return [_log(action="people.entered", actor=actor, reason=reason,
                 data={"status": status, "count": count, **(data or {})})
            for status, count in counts.items() if count]


# --- photos -----------------------------------------------------------------------------

def _set_media_status(item, target: str, *, moderator, reason: str):
    """A photograph's or a document's own moderation status."""
    item = type(item).objects.select_for_update().get(pk=item.pk)
    _check(MEDIA_TRANSITIONS, item.status, target, MediaStatus)
    previous = item.status
    item.status = target
    _save(item, moderator=moderator, reason=reason, update_fields=["status"])
    kind = "photo" if isinstance(item, Photo) else "document"
    _log(action=f"{kind}.{target}", actor=moderator, reason=reason, person=item.person,
         photo=item if kind == "photo" else None,
         data={"from": previous, "to": target, kind: item.pk})
    return item


@transaction.atomic
def photo_approve(*, photo: Photo, moderator, reason: str = "") -> Photo:
    """Let a photograph be seen (when its person is published)."""
    return _set_media_status(photo, MediaStatus.APPROVED, moderator=moderator, reason=reason)


@transaction.atomic
def photo_reject(*, photo: Photo, moderator, reason: str = "") -> Photo:
    """Keep a photograph from the public."""
    return _set_media_status(photo, MediaStatus.REJECTED, moderator=moderator, reason=reason)


@transaction.atomic
def document_approve(*, document: Document, moderator, reason: str = "") -> Document:
    """Let a document be seen (when its person is published), as a photograph is."""
    return _set_media_status(document, MediaStatus.APPROVED, moderator=moderator,
                             reason=reason)


@transaction.atomic
def document_reject(*, document: Document, moderator, reason: str = "") -> Document:
    """Keep a document from the public."""
    return _set_media_status(document, MediaStatus.REJECTED, moderator=moderator,
                             reason=reason)


# --- submissions ------------------------------------------------------------------------

def _set_submission_status(submission: Submission, target: str, *, actor, reason: str,
                           action: str, decided: bool = False, message: dict | None = None,
                           log_data: dict | None = None, **fields) -> Submission:
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    _check(Submission.TRANSITIONS, submission.status, target, Submission.Status)
    previous = submission.status
    submission.status = target
    if message:
        submission.messages = [*submission.messages, message]
    for name, value in fields.items():
        setattr(submission, name, value)
    if decided:
        submission.decided_by = actor
        submission.decided_at = timezone.now()
    _save(submission, moderator=actor, reason=reason)
    _log(action=action, actor=actor, reason=reason, submission=submission,
         person=submission.person, data={"from": previous, "to": target, **(log_data or {})})
    return submission


def decision_version(submission: Submission) -> str:
    """What a moderator's page was made from: the submission as it was saved last and,
    for a correction, its record. A decision sent from a page whose version is no longer
    current is refused (``_locked_unchanged``), so two moderators never overwrite each
    other and nobody decides on what the family has since added to."""
    person = submission.person
    person_version = person.updated_at.isoformat() if person is not None else ""
    return f"{submission.updated_at.isoformat()}/{person_version}"


def _locked_unchanged(submission: Submission, seen: str = "") -> Submission:
    """The submission, locked for this transaction; refused when it changed since ``seen``
    (no ``seen``: the caller decides on what is there now, as a script or a test does)."""
    locked = Submission.objects.select_for_update(of=("self",)).select_related(
        "person").get(pk=submission.pk)
    if seen and decision_version(locked) != seen:
        raise InvalidTransition(_(
            "This submission or its record has changed since you opened it (another "
            "moderator decided or edited it, or the family wrote again). Nothing was "
            "applied: read it again, then decide."))
    return locked


@transaction.atomic
def submission_edit(*, submission: Submission, moderator, data: dict, seen: str = "",
                    reason: str = "") -> Submission:
    """Keep a moderator's corrections of the proposed record before the decision, as the
    moderator's version beside what the family sent (which stays as it came). The decision
    then applies the moderator's version."""
    locked = _locked_unchanged(submission, seen)
    if not locked.is_open:
        raise InvalidTransition(_("This submission has been decided; it can no longer be "
                                  "edited."))
    before = locked.proposal
    changed = sorted(name for name in set(before) | set(data)
                     if before.get(name) != data.get(name))
    if not changed:
        return locked
    locked.reviewed_data = {} if data == locked.data else data
    why = reason or str(_("edited by the moderator before publishing"))
    _save(locked, moderator=moderator, reason=why)
    _log(action="submission.edited", actor=moderator, reason=why, submission=locked,
         person=locked.person, data={"fields": changed})
    return locked


@transaction.atomic
def submission_attach(*, submission: Submission, person: Person, moderator,
                      seen: str = "") -> Submission:
    """The person a family sent as new is already in the registry: the submission becomes
    an addition to that record, reviewed field by field like a correction, and the
    family's page links to the record once accepted."""
    locked = _locked_unchanged(submission, seen)
    if not locked.is_open:
        raise InvalidTransition(_("This submission has been decided already."))
    if locked.kind != Submission.Kind.NEW:
        raise InvalidTransition(_("This submission is already about an existing record."))
    person = Person.objects.get(pk=person.pk)
    if person.status != Person.Status.PUBLISHED:
        raise InvalidTransition(_("Choose a published record: this one is “%(status)s”.")
                                % {"status": person.get_status_display()})
    locked.kind, locked.person = Submission.Kind.CORRECTION, person
    why = str(_("to be added to the existing record #%(id)s")) % {"id": person.pk}
    _save(locked, moderator=moderator, reason=why)
    _log(action="submission.attached", actor=moderator, reason=why, submission=locked,
         person=person, data={"person": person.pk})
    return locked


def was_attached(submission: Submission) -> bool:
    """Sent as a new record and added by a moderator to an existing one
    (``submission_attach``), not undone since."""
    return (submission.pk is not None and submission.kind == Submission.Kind.CORRECTION
            and submission.moderation_log.filter(action="submission.attached").exists())


@transaction.atomic
def submission_detach(*, submission: Submission, moderator, seen: str = "") -> Submission:
    """Undo ``submission_attach``: the submission proposes a new record again."""
    locked = _locked_unchanged(submission, seen)
    if not locked.is_open or not was_attached(locked):
        raise InvalidTransition(_("Only an open submission that a moderator added to a "
                                  "record can be made a new record again."))
    previous = locked.person
    locked.kind, locked.person = Submission.Kind.NEW, None
    why = str(_("a new record again, not an addition to #%(id)s")) % {
        "id": previous.pk if previous else "?"}
    _save(locked, moderator=moderator, reason=why)
    _log(action="submission.detached", actor=moderator, reason=why, submission=locked,
         person=previous)
    return locked


@transaction.atomic
def submission_create(*, kind: str, data: dict, submitter_name: str, submitter_email: str,
                      submitter_relationship: str = "", consent: bool, person=None,
                      ip_hash: str = "", language: str = "", upload_key: str = "",
                      ) -> Submission:
    """Record what a family sent, with the photos uploaded under ``upload_key``."""
    submission = Submission(kind=kind, data=data, person=person,
                            submitter_name=submitter_name, submitter_email=submitter_email,
                            submitter_relationship=submitter_relationship, consent=consent,
                            ip_hash=ip_hash, language=language)
    submission.full_clean()
    _save(submission, moderator=None, reason=str(_("sent by the family")))
    if upload_key:
        SubmissionPhoto.objects.filter(upload_key=upload_key, submission=None).update(
            submission=submission)
    _log(action="submission.received", submission=submission, person=person)
    _email_after_commit(submission, "received")
    return submission


@transaction.atomic
def submission_ask(*, submission: Submission, moderator, question: str,
                   seen: str = "") -> Submission:
    """Ask the family for more; they answer on their private page."""
    if not question.strip():
        raise InvalidTransition(_("Write the question for the family."))
    submission = _locked_unchanged(submission, seen)
    submission = _set_submission_status(submission, Submission.Status.NEEDS_INFO,
                                        actor=moderator, reason=question,
                                        action="submission.asked",
                                        message=_message("moderators", question))
    _email_after_commit(submission, "question", question=question)
    return submission


@transaction.atomic
def submission_answer(*, submission: Submission, answer: str) -> Submission:
    """The family writes to the moderators: the answer to a question, which returns the
    submission to the queue, or more news while it waits there. Either way it is marked
    answered in the queue and the moderators are told by email."""
    if not answer.strip():
        raise InvalidTransition(_("Write your answer."))
    message = _message("family", answer)
    locked = Submission.objects.select_for_update().get(pk=submission.pk)
    if locked.status == Submission.Status.NEW:  # no question pending: a message only
        locked.messages = [*locked.messages, message]
        _save(locked, moderator=None, reason=str(_("the family wrote again")))
        _log(action="submission.answered", submission=locked, person=locked.person,
             reason=str(_("the family wrote again")))
    else:
        locked = _set_submission_status(locked, Submission.Status.NEW, actor=None,
                                        reason=str(_("answered by the family")),
                                        action="submission.answered", message=message)
    _tell_moderators_after_commit(locked, "family_wrote", text=answer.strip())
    return locked


def _tell_moderators_after_commit(submission: Submission, template: str, **context) -> None:
    """Send ``templates/registry/email/<template>_{subject,body}.txt`` to every active
    moderator with an email address, once committed, in the site's language."""
    from django.contrib.auth import get_user_model

    moderators = get_user_model().objects.filter(is_active=True, is_staff=True).filter(
        Q(is_superuser=True) | Q(groups__permissions__codename="change_submission")
        | Q(user_permissions__codename="change_submission")).exclude(email="")
    recipients = sorted(set(moderators.values_list("email", flat=True)))
    if not recipients:
        return
    context = {"submission": submission, "admin_url": settings.REGISTRY_SITE_URL.rstrip("/")
               + reverse("admin:registry_submission_change", args=[submission.pk]),
               **context}

    def send():
        with translation.override(settings.LANGUAGE_CODE):
            subject = render_to_string(f"registry/email/{template}_subject.txt", context)
            body = render_to_string(f"registry/email/{template}_body.txt", context)
        send_mail(" ".join(subject.split()), body, settings.DEFAULT_FROM_EMAIL, recipients)

    transaction.on_commit(send)


@transaction.atomic
def submission_withdraw(*, submission: Submission) -> Submission:
    """The family takes the submission back before a decision."""
    return _set_submission_status(submission, Submission.Status.WITHDRAWN, actor=None,
                                  reason=str(_("withdrawn by the family")),
                                  action="submission.withdrawn", decided=True)


@transaction.atomic
def submission_reject(*, submission: Submission, moderator, reason: str,
                      note: str = "", seen: str = "") -> Submission:
    """Decline; ``reason`` is shown to the family, ``note`` only to moderators."""
    if not reason.strip():
        raise InvalidTransition(_("Give the family a reason."))
    submission = _locked_unchanged(submission, seen)
    submission = _set_submission_status(
        submission, Submission.Status.REJECTED, actor=moderator, reason=reason,
        action="submission.rejected", decided=True, decision_reason=reason,
        internal_note=note or submission.internal_note)
    _email_after_commit(submission, "rejected", reason=reason)
    return submission


@transaction.atomic
def submission_accept(*, submission: Submission, moderator, reason: str = "",
                      fields: list[str] | None = None,
                      photo_ids: list[int] | None = None, publish: bool = True,
                      seen: str = "") -> Person:
    """Accept: a new record becomes a Person with its names, events, sources, relatives and
    photos — published, or kept pending as a draft when ``publish`` is false; a correction
    (or a submission added to an existing record) applies the ``fields`` the moderator
    chose (all that differ when None). ``photo_ids`` are the submitted photos to approve
    (all when None). What is applied is the moderator's version when there is one. The
    log entry says what was applied and what was declined, and so does the family's page."""
    written: list = []
    remembering = _written.set(written)
    try:
        return _accept(submission, moderator=moderator, reason=reason, fields=fields,
                       photo_ids=photo_ids, publish=publish, seen=seen, written=written)
    finally:
        _written.reset(remembering)


def _accept(submission: Submission, *, moderator, reason: str, fields, photo_ids,
            publish: bool, seen: str, written: list) -> Person:
    locked = _locked_unchanged(submission, seen)
    _check(Submission.TRANSITIONS, locked.status, Submission.Status.ACCEPTED,
           Submission.Status)
    why = reason or str(_("from submission #%(id)s")) % {"id": submission.pk}
    if locked.reviewed_data:
        why = f"{why}; {_('edited by the moderator before publishing')}"
    data = locked.proposal
    declined = []
    if locked.kind == Submission.Kind.CORRECTION:
        if locked.person is None:
            raise InvalidTransition(_("The record this correction is about no longer "
                                      "exists."))
        person = locked.person
        if person.status != Person.Status.PUBLISHED:
            # A correction is about a published record; a hidden or merged one must be
            # dealt with first (republished, or the correction sent to the survivor).
            raise InvalidTransition(_("The record this correction is about is not "
                                      "published now (%(status)s).")
                                    % {"status": person.get_status_display()})
        proposed = [c.field for c in correction_diff(locked)]
        chosen = proposed if fields is None else [f for f in fields if f in proposed]
        declined = [f for f in proposed if f not in chosen]
        _apply_fields(person, data, [f for f in chosen if f in PERSON_FIELDS],
                      moderator=moderator, reason=why)
        parts = [f for f in chosen if f in PART_FIELDS]
    else:
        person = Person(status=Person.Status.PENDING)
        _apply_fields(person, data, list(PERSON_FIELDS), moderator=moderator, reason=why,
                      new=True)
        chosen = parts = list(PART_FIELDS)
    _add_parts(person, data, parts, moderator=moderator, reason=why)
    photos = _add_photos(person, locked, photo_ids, moderator=moderator, reason=why)
    if person.status == Person.Status.PENDING and publish:
        person = person_publish(person=person, moderator=moderator, reason=why,
                                submission=locked)
    # What the family is told was taken and what was not (their page, the email).
    record = {"applied": chosen, "declined": declined, "photos_approved": photos["approved"],
              "photos_declined": photos["declined"], "edited": bool(locked.reviewed_data),
              "published": person.status == Person.Status.PUBLISHED,
              "new_person": locked.kind == Submission.Kind.NEW,
              "written": written}
    locked = _set_submission_status(locked, Submission.Status.ACCEPTED, actor=moderator,
                                    reason=why, action="submission.accepted", decided=True,
                                    log_data=record, person=person)
    _email_after_commit(locked, "accepted", declined=declined_labels(record),
                        published=record["published"])
    return person


# --- undoing an acceptance ---------------------------------------------------------------

# A record's moderation state is never taken back from a revision: only the services here
# change it, with their checks and log.
MODERATION_STATE = ("status", "published_at", "merged_into", "created_at", "updated_at")


def can_undo(submission: Submission) -> bool:
    """Whether ``submission_undo`` may be tried: accepted, with a record of what it wrote."""
    return (submission.status == Submission.Status.ACCEPTED
            and "written" in accepted_record(submission))


@transaction.atomic
def submission_undo(*, submission: Submission, moderator, reason: str) -> Submission:
    """Undo an acceptance as a whole and put the submission back in the queue.

    A new record it made is hidden (or declined, when it was kept as a draft). On a record
    that existed, each part it added goes (its revision keeps it), and each field, event or
    source it changed or removed is restored as it was before; the photographs it added are
    refused. Refused, with nothing undone, when any of those was changed again since:
    undoing then would overwrite a later edit."""
    if not reason.strip():
        raise InvalidTransition(_("Say why the acceptance is undone."))
    locked = Submission.objects.select_for_update().get(pk=submission.pk)
    record = accepted_record(locked) if locked.status == Submission.Status.ACCEPTED else {}
    if "written" not in record:
        raise InvalidTransition(_("Only an accepted submission whose acceptance was recorded "
                                  "part by part can be undone; correct the record by hand."))
    why = str(_("undoing submission #%(id)s: %(reason)s")) % {"id": locked.pk,
                                                               "reason": reason.strip()}
    person = locked.person
    if record.get("new_person"):
        # The record it made is withdrawn whole, its parts with it; a moderator may still
        # publish it again.
        if person is not None and person.status == Person.Status.PUBLISHED:
            person_hide(person=person, moderator=moderator, reason=why)
        elif person is not None and person.status == Person.Status.PENDING:
            person_reject(person=person, moderator=moderator, reason=why)
        person = None
    else:
        touched = _touched(record["written"])
        changed_since = [instance for key, (_first, last) in touched.items()
                         if (instance := _changed_since(key, last)) is not None]
        if changed_since:
            raise InvalidTransition(
                _("Changed again since the acceptance: %(parts)s. Undo those changes first, "
                  "or correct the record by hand.")
                % {"parts": "; ".join(map(str, changed_since))})
        for (label, pk), (first, _last) in reversed(touched.items()):
            _undo_part(apps.get_model(label), pk, first, moderator=moderator, reason=why)
    return _set_submission_status(
        locked, Submission.Status.NEW, actor=moderator, reason=why,
        action="submission.undone", decision_reason="", decided_by=None, decided_at=None,
        person=person)


def _touched(written: list) -> dict[tuple[str, int], tuple[list, list]]:
    """Each part written, once, in the order first written: its first and last writes."""
    touched: dict[tuple[str, int], tuple[list, list]] = {}
    for entry in written:
        label, pk = entry[0], entry[1]
        first = touched[(label, pk)][0] if (label, pk) in touched else entry
        touched[(label, pk)] = (first, entry)
    return touched


def _changed_since(key: tuple[str, int], last: list):
    """The part, when something revised it after the acceptance's last write; else None."""
    model = apps.get_model(key[0])
    latest = (model.history.filter(**{model._meta.pk.attname: key[1]})
              .order_by("-history_id").first())
    if latest is None or latest.history_id == last[3]:
        return None
    return latest.instance


def _undo_part(model, pk: int, first: list, *, moderator, reason: str) -> None:
    """Put one part back as it was before the acceptance first wrote it."""
    what, revision = first[2], first[3]
    current = model.objects.filter(pk=pk).first()
    if what == "added":
        if isinstance(current, Photo):  # refused, not deleted: "moderators hide"
            if current.status != MediaStatus.REJECTED:
                photo_reject(photo=current, moderator=moderator, reason=reason)
        elif current is not None:
            _remove([current], moderator=moderator, reason=reason)
        return
    before = (model.history.filter(**{model._meta.pk.attname: pk},
                                   history_id__lt=revision)
              .order_by("-history_id").first())
    if before is None:
        return
    if what == "removed":
        before = model.history.get(history_id=revision)  # its values when it was removed
    restored = before.instance
    if current is not None:
        for name in MODERATION_STATE:
            if hasattr(current, name):
                setattr(restored, name, getattr(current, name))
    restored._state.adding = current is None
    _save(restored, moderator=moderator, reason=reason)


def accepted_record(submission: Submission) -> dict:
    """What the acceptance applied and declined (``submission_accept``), or {}."""
    entry = (submission.moderation_log.filter(action="submission.accepted")
             .order_by("-at", "-id").values_list("data", flat=True).first())
    return entry or {}


def declined_labels(record: dict) -> list:
    """What a family is told was not taken, in words (lazy: worded in the language of the
    page or email they end up in)."""
    labels = {**{name: Person._meta.get_field(field).verbose_name
                 for name, field in PERSON_FIELDS.items()}, **PART_LABELS}
    words = [labels.get(name, name) for name in record.get("declined", [])]
    if record.get("photos_declined"):
        words.append(_("photographs"))
    return words


def _message(author: str, text: str) -> dict:
    return {"from": author, "text": text.strip(), "at": timezone.now().isoformat()}


def _apply_fields(person: Person, data: dict, names: list[str], *, moderator, reason: str,
                  new: bool = False) -> None:
    places = PlaceLookup()
    for name in names:
        if name not in data:
            continue
        value = data[name]
        field = PERSON_FIELDS[name]
        if name in DATE_FIELDS:
            value = dates.parse(value) if value else None
        elif name == "fate":
            value = value or Person.Fate.UNKNOWN
        setattr(person, field, value if value is not None else None)
        if name in ("birth_place", "death_place", "residence"):
            link = {"birth_place": "birth_place_id", "death_place": "death_place_id",
                    "residence": "residence_place_id"}[name]
            setattr(person, link, places.find_or_add(value) if value else None)
    if new or names:
        person.full_clean()
        _save(person, moderator=moderator, reason=reason)


def _add_parts(person: Person, data: dict, parts: list[str], *, moderator,
               reason: str) -> None:
    if "name_variants" in parts:
        known = {(v.surname, v.given_name, v.patronymic) for v in person.variants.all()}
        for variant in data.get("name_variants", []):
            key = (variant.get("surname", ""), variant.get("given_name", ""),
                   variant.get("patronymic", ""))
            if any(key) and key not in known:
                known.add(key)
                _save(NameVariant(person=person, surname=key[0], given_name=key[1],
                                  patronymic=key[2], kind=NameVariant.Kind.OTHER,
                                  note=variant.get("note", "")[:300]),
                      moderator=moderator, reason=reason)
    if "events" in parts:
        _add_events(person, data.get("events", []), moderator=moderator, reason=reason)
    if "events_removed" in parts:
        _remove(_rows_to_remove(person.events.all(), data.get("events", []), "kind"),
                moderator=moderator, reason=reason)
    if "relatives" in parts:
        _add_relatives(person, data.get("relatives", []), moderator=moderator, reason=reason)
    if "sources" in parts:
        _add_sources(person, data.get("sources", []), moderator=moderator, reason=reason)
    if "sources_removed" in parts:
        _remove(_rows_to_remove(person.citations.all(), data.get("sources", []), "title"),
                moderator=moderator, reason=reason)


EVENT_VALUES = (("date", "date"), ("place", "place_name"), ("camp", "camp_name"),
                ("authority", "authority"), ("article", "article"),
                ("sentence", "sentence"), ("notes", "notes"))


def _own_row(row: dict, own: dict):
    """The person's event or citation a correction's row was prefilled from (its ``id``),
    if any; an id that is not one of this person's is ignored."""
    return own.get(str(row.get("id") or "").strip())


def _is_removal(row: dict, required: str = "kind") -> bool:
    """A row the family ticked for removal, or emptied of what it cannot be without."""
    return bool(row.get("remove")) or not (row.get(required) or "").strip()


def _rows_to_remove(own, rows: list[dict], required: str) -> list:
    """Those of ``own`` (the person's events or citations) that ``rows`` propose to remove."""
    own = {str(part.pk): part for part in own}
    return [part for row in rows if _is_removal(row, required)
            and (part := _own_row(row, own)) is not None]


def _remove(parts, *, moderator, reason: str) -> None:
    for part in parts:
        part._change_reason = reason
        part._history_user = moderator
        pk = part.pk
        part.delete()  # the revision of the deletion keeps it
        _remember(part, pk, "removed")


def _add_sources(person: Person, rows: list[dict], *, moderator, reason: str) -> None:
    """A row prefilled from a citation corrects that citation (its document and reference
    as proposed); any other row cites the document unless the person already cites it so."""
    own = {str(c.pk): c for c in person.citations.all()}
    for values in rows:
        if _is_removal(values, "title"):
            continue  # a removal is applied only when chosen (``sources_removed``)
        title = values["title"].strip()[:400]
        detail = (values.get("detail") or "").strip()[:300]
        source = Source.objects.filter(title=title).first() or _save(
            Source(title=title, kind=Source.Kind.FAMILY_DOCUMENT),
            moderator=moderator, reason=reason)
        citation = _own_row(values, own)
        if citation is None:
            if not person.citations.filter(source=source, detail=detail).exists():
                _save(Citation(person=person, source=source, detail=detail),
                      moderator=moderator, reason=reason)
        elif (citation.source_id, citation.detail) != (source.pk, detail):
            citation.source, citation.detail = source, detail
            _save(citation, moderator=moderator, reason=reason)


def _add_events(person: Person, rows: list[dict], *, moderator, reason: str) -> None:
    """A row prefilled from an event corrects that event (every value as proposed); any
    other row completes the event of the same kind and date, or adds a new one."""
    places, camps = PlaceLookup(), CampLookup()
    own = {str(e.pk): e for e in person.events.all()}
    by_kind_and_date = {(e.kind, str(e.date or "")): e for e in own.values()}
    for values in rows:
        event = _own_row(values, own)
        if _is_removal(values):
            continue  # a removal is applied only when chosen (``events_removed``)
        identified = event is not None
        if event is None:
            event = by_kind_and_date.get((values["kind"], values.get("date") or ""))
        if event is None:
            event = RepressionEvent(person=person, kind=values["kind"])
        changed = event.pk is None
        if identified and event.kind != values["kind"]:
            event.kind, changed = values["kind"], True
        for name, field in EVENT_VALUES:
            value = values.get(name) or ""
            if name == "date":
                value = dates.parse(value) if value else None
            # A row the event was prefilled from says all of it: a value cleared there is
            # cleared here. Any other row only completes.
            if (value or identified) and getattr(event, field) != value:
                if field in ("place_name", "camp_name"):
                    setattr(event, field.replace("_name", "_id"), None)  # found again below
                setattr(event, field, value)
                changed = True
        if changed:
            event.place_id = event.place_id or places.find_or_add(event.place_name)
            event.camp_id = event.camp_id or camps.find_or_add(event.camp_name)
            event.full_clean()
            _save(event, moderator=moderator, reason=reason)


def _add_relatives(person: Person, rows: list[dict], *, moderator, reason: str) -> None:
    """A relative the moderator found in the registry (``relative_id``) becomes a link
    between the two records; any other becomes a named relative on the profile."""
    for row in rows:
        name, kind = (row.get("name") or "").strip()[:300], row.get("relation") or ""
        relative = _registry_relative(person, row.get("relative_id"))
        if relative is not None and kind:
            if not Relationship.objects.filter(person=person, relative=relative,
                                               kind=kind).exists():
                _save(Relationship(person=person, relative=relative, kind=kind,
                                   note=(row.get("note") or "")[:300]),
                      moderator=moderator, reason=reason)
        elif name and not person.named_relatives.filter(name=name, kind=kind).exists():
            _save(NamedRelative(person=person, name=name, kind=kind,
                                note=(row.get("note") or "")[:300]),
                  moderator=moderator, reason=reason)


def linkable_people():
    """The records a relative may be linked to: any but merged-away and rejected ones."""
    return Person.objects.exclude(status__in=[Person.Status.MERGED, Person.Status.REJECTED])


def _registry_relative(person: Person, relative_id) -> Person | None:
    if not str(relative_id or "").isdigit() or int(relative_id) == person.pk:
        return None
    return linkable_people().filter(pk=int(relative_id)).first()


def _add_photos(person: Person, submission: Submission, photo_ids, *, moderator,
                reason: str) -> dict:
    """Copy the sent photographs to the record; approve the chosen ones. Returns the
    numbers of the approved and declined sent photographs."""
    outcome = {"approved": [], "declined": []}
    for sent in submission.photos.filter(photo=None):
        approved = photo_ids is None or sent.pk in photo_ids
        outcome["approved" if approved else "declined"].append(sent.pk)
        # The registry photo shares the stored (already re-encoded) file.
        photo = _save(Photo(person=person, image=sent.image.name,
                            thumbnail=sent.thumbnail.name, caption=sent.caption,
                            year=sent.year, status=MediaStatus.PENDING),
                      moderator=moderator, reason=reason)
        sent.photo = photo
        sent.save(update_fields=["photo"])
        if approved:
            photo_approve(photo=photo, moderator=moderator, reason=reason)
    return outcome


# --- corrections ------------------------------------------------------------------------

@dataclass(frozen=True)
class Change:
    """One proposed change of a correction: the field, its label, current and proposed."""

    field: str
    label: str
    current: str
    proposed: str


def correction_diff(submission: Submission) -> list[Change]:
    """What a correction would change, field by field, as text for the side-by-side view
    (from the moderator's version when there is one)."""
    person, data = submission.person, submission.proposal
    if person is None:
        return []
    # A record sent as new and added to this one was not prefilled from it: what it
    # leaves blank the family did not know, and is never proposed as a deletion.
    only_additions = was_attached(submission)
    changes = []
    for name, field in PERSON_FIELDS.items():
        unknown = not data.get(name) or (name == "fate" and data[name] == Person.Fate.UNKNOWN)
        if name not in data or (only_additions and unknown):
            continue
        current = getattr(person, field)
        current_text = "" if current is None else str(current)
        proposed = data[name] or ""
        if name == "fate":
            proposed = proposed or Person.Fate.UNKNOWN
        if name in DATE_FIELDS and proposed:
            proposed = str(dates.parse(proposed))
        if current_text != str(proposed):
            label = Person._meta.get_field(field).verbose_name
            changes.append(Change(name, str(label), current_text, str(proposed)))
    variants = {(v.surname, v.given_name, v.patronymic) for v in person.variants.all()}
    new_variants = [" ".join(filter(None, (v.get("surname"), v.get("given_name"),
                                           v.get("patronymic"))))
                    for v in data.get("name_variants", [])
                    if (v.get("surname", ""), v.get("given_name", ""),
                        v.get("patronymic", "")) not in variants]
    if new_variants:
        changes.append(Change("name_variants", str(_("other spellings to add")), "",
                              "; ".join(new_variants)))
    # Compared in the form's own shape, so an unchanged prefilled row is not "new".
    current_data = person_as_data(person)
    changes += _row_changes(
        data.get("events", []), current_data["events"], keys=EVENT_KEYS, text=_event_text,
        field="events", label=_("events to add or correct"), required="kind")
    known_relatives = {(r["name"], r["relation"]) for r in current_data["relatives"]}
    new_relatives = [r for r in data.get("relatives", []) if (r.get("name") or "").strip()
                     and ((r.get("name") or "").strip(), r.get("relation") or "")
                     not in known_relatives]
    if new_relatives:
        kinds = dict(Relationship.Kind.choices)
        changes.append(Change("relatives", str(_("relatives to add")), "", "; ".join(
            " ".join(filter(None, (r["name"].strip(), f"({kinds[r['relation']]})"
                                   if r.get("relation") in kinds else "")))
            for r in new_relatives)))
    changes += _row_changes(
        data.get("sources", []), current_data["sources"], keys=SOURCE_KEYS,
        text=_source_text, field="sources", label=_("sources to add or correct"))
    return changes


EVENT_KEYS = ("kind", "date", "place", "camp", "authority", "article", "sentence", "notes")


def _event_text(row: dict) -> str:
    kinds = dict(RepressionEvent.Kind.choices)
    return " ".join(filter(None, (str(kinds.get(row.get("kind"), row.get("kind") or "")),
                                  *(row.get(k) for k in EVENT_KEYS[1:-1]))))


SOURCE_KEYS = ("title", "detail")


def _source_text(row: dict) -> str:
    return ", ".join(filter(None, (row.get("title"), row.get("detail"))))


def _row_changes(rows: list[dict], current: list[dict], *, keys, text, field: str, label,
                 required: str = "title") -> list[Change]:
    """Events or sources a correction adds or corrects, and those it proposes to remove
    (``<field>_removed``). A row that carries the id of one of the person's own is about
    that one; ``current`` are the person's own in the same shape."""
    def key(row):
        return tuple((row.get(k) or "").strip() for k in keys)

    by_id = {row["id"]: row for row in current}
    unchanged = {key(row) for row in current}
    corrected, added, removed = [], [], []
    for row in rows:
        now = by_id.get(str(row.get("id") or "").strip())
        if now is not None and _is_removal(row, required):
            removed.append(now)
        elif now is not None and key(row) != key(now):
            corrected.append((now, row))
        elif now is None and (row.get(required) or "").strip() and key(row) not in unchanged:
            added.append(row)
    changes = []
    if corrected or added:
        changes.append(Change(
            field, str(label), "; ".join(text(now) for now, _row in corrected),
            "; ".join([*(text(row) for _now, row in corrected), *(text(row) for row in added)])))
    if removed:
        changes.append(Change(f"{field}_removed", str(PART_LABELS[f"{field}_removed"]),
                              "; ".join(text(row) for row in removed), ""))
    return changes


def person_as_data(person: Person) -> dict:
    """A published person in the submission's data shape: the correction form's start."""
    data = {}
    for name, field in PERSON_FIELDS.items():
        value = getattr(person, field)
        data[name] = "" if value is None else str(value)
    data["name_variants"] = [{"surname": v.surname, "given_name": v.given_name,
                              "patronymic": v.patronymic, "note": v.note}
                             for v in person.variants.all()]
    data["events"] = [{"id": str(e.pk), "kind": e.kind, "date": str(e.date or ""),
                       "place": e.place_name,
                       "camp": e.camp_name or (e.camp.name if e.camp else ""),
                       "authority": e.authority, "article": e.article,
                       "sentence": e.sentence, "notes": e.notes}
                      for e in person.events.select_related("camp")]
    data["sources"] = [{"id": str(c.pk), "title": c.source.title, "detail": c.detail}
                       for c in person.citations.select_related("source")]
    data["relatives"] = [
        # A link's note is the moderators' own; the form is public.
        *({"name": link.relative.full_name, "relation": link.kind, "note": ""}
          for link in person.relationships.select_related("relative")
          if link.relative.status == Person.Status.PUBLISHED),
        *({"name": named.name, "relation": named.kind, "note": named.note}
          for named in person.named_relatives.all()),
    ]
    return data
