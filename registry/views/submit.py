"""What a family member does: send a person or a correction, then follow the decision.

Nothing here publishes anything: a submission is data waiting for a moderator
(``registry/moderation.py``). A form with an error comes back with everything typed; the
photographs that were fine are already kept under the form's ``upload_key`` and listed, so
they are not asked for again.
"""

from __future__ import annotations

import re
import secrets

from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django_ratelimit.core import is_ratelimited

from registry import moderation
from registry.budgets import give_back, take_slot
from registry.clients import ip_hash, rate_key
from registry.forms import FORMSETS, PersonForm, PhotoFormSet, SubmitterForm, proposed_data
from registry.images import ImageRejected, clean_upload, pixels_of
from registry.models import Person, Submission, SubmissionPhoto
from registry.page_cache import CSRF_TOKEN, PerVisitorValue, cached_public_page

UPLOAD_KEY = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
RATE_GROUP = "registry.submit"
# A family's answer to a moderator's question: a few pages at most.
ANSWER_MAX_LENGTH = 5_000
UPLOAD_RATE_GROUP = "registry.upload"
PHOTO_RATE_GROUP = "registry.photo"
DECODE_SECONDS = 60  # a decoding slot whose worker died frees itself after this
PHOTO_ROW = re.compile(r"^photos-(\d{1,4})-image$")


def _limited(request) -> bool:
    """Count this submission for its client; True once the client is over the rate. Only
    complete submissions count: fixing a mistake in the form costs nothing."""
    return is_ratelimited(request, group=RATE_GROUP, key=rate_key,
                          rate=settings.REGISTRY_SUBMISSION_RATE, method="POST",
                          increment=True)


def _uploads_limited(request) -> bool:
    """Decoding photographs is the costly part of a form: every post that carries files
    counts, complete or not, at a more generous rate than submissions."""
    return is_ratelimited(request, group=UPLOAD_RATE_GROUP, key=rate_key,
                          rate=settings.REGISTRY_UPLOAD_RATE, method="POST", increment=True)


# The blank form is the same for every family but for two values: it is kept rendered
# (~40 ms of its 73 fields) and each family gets its own CSRF token and upload key.
UPLOAD_KEY_FIELD = PerVisitorValue(
    re.compile(rb'<input type="hidden" name="upload_key" value="([^"]*)">'),
    lambda request: new_upload_key(), b'"upload_key"')


def new_upload_key() -> str:
    """What ties the photographs of one form together across its posts."""
    return secrets.token_urlsafe(24)


@cached_public_page(per_visitor=(CSRF_TOKEN, UPLOAD_KEY_FIELD))
def submit(request):
    """A new person."""
    return _submission_form(request, kind=Submission.Kind.NEW, person=None)


def suggest(request, pk: int):
    """A correction or addition to a published person: the same form, prefilled."""
    person = get_object_or_404(Person.objects.published(), pk=pk)
    return _submission_form(request, kind=Submission.Kind.CORRECTION, person=person)


@never_cache
def _submission_form(request, *, kind: str, person: Person | None):
    initial = moderation.person_as_data(person) if person else {}
    post = request.POST if request.method == "POST" else None
    upload_key = request.POST.get("upload_key", "") if post else ""
    if not UPLOAD_KEY.match(upload_key):
        upload_key = new_upload_key()
    person_form = PersonForm(post, initial=initial or None)
    formsets = {key: formset_class(post, prefix=prefix, initial=initial.get(key) or None)
                for key, (formset_class, prefix) in FORMSETS.items()}
    photo_formset = PhotoFormSet(post, request.FILES if post else None, prefix="photos")
    submitter_form = SubmitterForm(post)
    notice = ""
    status = 200
    if post is not None:
        if request.POST.get("website"):
            # The hidden field was filled in: an automated sender. Say nothing useful, and
            # decode none of what it sent.
            return render(request, "registry/submit_thanks.html", {"submission": None})
        if request.FILES and _uploads_limited(request):
            request._failed_photos = [_("Too many photographs have come from your connection "
                                        "in a short time; please send them again in an "
                                        "hour. Nothing else you typed is lost.")]
        else:
            _keep_photos(request, upload_key)
        forms_valid = all([person_form.is_valid(), submitter_form.is_valid(),
                           photo_formset.is_valid(),
                           *(formset.is_valid() for formset in formsets.values())])
        photo_errors = bool(request._failed_photos)
        if forms_valid and not photo_errors and _limited(request):
            notice = _("Too many submissions have come from your connection in a short "
                       "time. Nothing you typed is lost: please try again in an hour.")
            status = 429
        elif forms_valid and not photo_errors:
            submitter = submitter_form.cleaned_data
            submission = moderation.submission_create(
                kind=kind, person=person, data=proposed_data(person_form, formsets),
                submitter_name=submitter["submitter_name"],
                submitter_email=submitter["submitter_email"],
                submitter_relationship=submitter["submitter_relationship"],
                consent=submitter["consent"], ip_hash=ip_hash(request),
                language=get_language() or "", upload_key=upload_key)
            return redirect("registry:submission-thanks", token=submission.token)
        else:
            notice = _("Something needs your attention: see the messages next to the "
                       "fields below. Nothing you typed is lost.")
            status = 400
        # Files cannot be put back into a file input: the kept ones are listed instead.
        photo_formset = PhotoFormSet(prefix="photos")
    kept = SubmissionPhoto.objects.filter(upload_key=upload_key, submission=None)
    return render(request, "registry/submit.html", {
        "person": person, "kind": kind, "person_form": person_form, "formsets": formsets,
        "photo_formset": photo_formset, "submitter_form": submitter_form,
        "upload_key": upload_key, "kept_photos": kept, "notice": notice,
        "failed_photos": getattr(request, "_failed_photos", []),
    }, status=status)


def _keep_photos(request, upload_key: str) -> None:
    """Check and store every photograph sent now; note the ones refused, with why."""
    removed = set(request.POST.getlist("remove_photo"))
    for photo in SubmissionPhoto.objects.filter(upload_key=upload_key, submission=None):
        if str(photo.pk) in removed:
            photo.image.delete(save=False)
            photo.thumbnail.delete(save=False)
            photo.delete()
            continue
        caption = request.POST.get(f"kept-{photo.pk}-caption")
        if caption is not None and caption[:500] != photo.caption:
            photo.caption = caption[:500]
            photo.save(update_fields=["caption"])
    uploads = _uploads_in(request)
    failed = []
    if len(uploads) > settings.REGISTRY_PHOTOS_PER_POST:
        failed.append(ngettext(
            "%(count)s more photograph was not read: at most %(limit)s can be sent at once. "
            "Please send it with your next changes.",
            "%(count)s more photographs were not read: at most %(limit)s can be sent at "
            "once. Please send them with your next changes.",
            len(uploads) - settings.REGISTRY_PHOTOS_PER_POST) % {
                "count": len(uploads) - settings.REGISTRY_PHOTOS_PER_POST,
                "limit": settings.REGISTRY_PHOTOS_PER_POST})
        uploads = uploads[:settings.REGISTRY_PHOTOS_PER_POST]
    room = settings.REGISTRY_PHOTOS_PER_FORM - SubmissionPhoto.objects.filter(
        upload_key=upload_key, submission=None).count()
    pixels_left = settings.REGISTRY_PHOTO_PIXELS_PER_POST
    for upload, caption, year in uploads:
        pixels = pixels_of(upload)
        refusal = (_("This form already holds as many photographs as one submission can "
                     "take.") if room <= 0
                   else _("The photographs sent at once are too large together: please "
                          "send this one again on its own.") if pixels > pixels_left
                   else _("Too many photographs have come from your connection in a short "
                          "time; please send this one again in an hour.")
                   if _photos_limited(request) else None)
        if refusal is None:
            refusal, clean = _decoded(upload)
        if refusal is not None:
            failed.append(f"{upload.name[:80]}: {refusal}")
            continue
        room, pixels_left = room - 1, pixels_left - pixels
        SubmissionPhoto.objects.create(upload_key=upload_key, image=clean.image,
                                       thumbnail=clean.thumbnail, caption=caption[:500],
                                       year=year)
    request._failed_photos = failed


def _uploads_in(request) -> list[tuple]:
    """(file, caption, year) of every photograph of the post: the form's rows in order,
    then those sent as ``photos`` (the contract of DESIGN.md: one or several files)."""
    uploads = []
    for name, upload in request.FILES.items():
        row = PHOTO_ROW.match(name)
        if row:
            year = request.POST.get(f"photos-{row[1]}-year", "")
            uploads.append((int(row[1]), upload, request.POST.get(
                f"photos-{row[1]}-caption", ""), int(year) if year.isdigit()
                and 1800 <= int(year) <= 2100 else None))
    in_rows = [(upload, caption, year) for _, upload, caption, year in sorted(
        uploads, key=lambda row: row[0])]
    return in_rows + [(upload, "", None) for upload in request.FILES.getlist("photos")]


def _decoded(upload) -> tuple[str | None, object]:
    """(why refused, or None; the cleaned image). Decoded in one of the site's few decoding
    slots (``registry.budgets``): a large photograph takes a core for a second or more."""
    slot = take_slot("photo-decode", settings.REGISTRY_PHOTO_DECODES_AT_ONCE,
                     DECODE_SECONDS)
    if slot is None:
        return _("Many photographs are arriving right now; please send this one again in "
                 "a minute."), None
    try:
        return None, clean_upload(upload)
    except ImageRejected as error:
        return error.message, None
    finally:
        give_back(slot)


def _photos_limited(request) -> bool:
    """Count one photograph to decode for its client; True once over the hourly rate."""
    return is_ratelimited(request, group=PHOTO_RATE_GROUP, key=rate_key,
                          rate=settings.REGISTRY_PHOTO_RATE, method="POST", increment=True)


def submission_thanks(request, token: str):
    submission = get_object_or_404(Submission, token=token)
    response = render(request, "registry/submit_thanks.html", {"submission": submission})
    return _private(response)


@never_cache
def submission_status(request, token: str):
    """The family's private page: the status, the conversation, answer or withdraw."""
    submission = get_object_or_404(Submission, token=token)
    error = ""
    if request.method == "POST":
        action = request.POST.get("action")
        answer = request.POST.get("answer", "")
        error = _too_long(answer) if action == "answer" else ""  # refused whole, never cut
        if not error:
            try:
                if action == "answer":
                    moderation.submission_answer(submission=submission, answer=answer)
                elif action == "withdraw":
                    moderation.submission_withdraw(submission=submission)
                else:
                    raise Http404
            except moderation.InvalidTransition as invalid:
                error = invalid.message
            else:
                return redirect(submission.get_absolute_url())
    published = (submission.person if submission.person_id
                 and submission.person.status == Person.Status.PUBLISHED else None)
    declined = (moderation.declined_labels(moderation.accepted_record(submission))
                if submission.status == Submission.Status.ACCEPTED else [])
    response = render(request, "registry/submission_status.html", {
        "submission": submission, "error": error, "published_person": published,
        "declined": declined,
        "answer": request.POST.get("answer", "") if error else "",
        "answer_max_length": ANSWER_MAX_LENGTH,
    }, status=400 if error else 200)
    return _private(response)


def _too_long(answer: str) -> str:
    if len(answer) <= ANSWER_MAX_LENGTH:
        return ""
    return ngettext(
        "Your answer is %(length)s character long; at most %(limit)s fit. Shorten it, or "
        "send the rest in a second answer.",
        "Your answer is %(length)s characters long; at most %(limit)s fit. Shorten it, or "
        "send the rest in a second answer.",
        len(answer)) % {"length": len(answer), "limit": ANSWER_MAX_LENGTH}


def _private(response):
    # The token is the only key to this page: never leak it to another site or a cache.
    # "same-origin", not "no-referrer": under "no-referrer" browsers send `Origin: null`
    # with the page's own forms, and Django's CSRF check refuses the family's answer.
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
