"""The moderators' actions in the admin: the submission queue, decisions, merge and undo.

Every button and bulk action here calls a service of ``registry/moderation.py`` (bulk ones
once per record), so history and the moderation log are written the same way as anywhere
else. A move the workflow forbids comes back as an error message saying why.
"""

from __future__ import annotations

import time

from django import forms
from django.contrib import admin, messages
from django.core.cache import caches
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from registry import moderation
from registry.duplicates import (
    OpenSubmissions,
    find_duplicate_submissions,
    find_duplicates,
    likely_duplicate,
)
from registry.forms import (
    FORMSETS,
    PersonForm,
    RelativeForm,
    proposed_data,
)
from registry.models import (
    Camp,
    Citation,
    Document,
    ModerationLog,
    NamedRelative,
    NameVariant,
    Person,
    Photo,
    Place,
    Relationship,
    RepressionEvent,
    Submission,
    SubmissionPhoto,
)
from registry.search import search_people

OPEN_FOR_SECONDS = 15 * 60


def moderators_reading(submission_pk: int, user) -> list[str]:
    """The other moderators who opened this submission in the last quarter of an hour,
    and note that ``user`` has it open now. Kept in the shared cache, which every worker
    and machine sees; a hint so that two moderators do not work on the same submission,
    not a lock (a decision from a stale page is refused anyway)."""
    cache, key = caches["shared"], f"registry:submission-open:{submission_pk}"
    now = time.time()
    readers = {pk: (name, at) for pk, (name, at) in (cache.get(key) or {}).items()
               if now - at < OPEN_FOR_SECONDS}
    others = [name for pk, (name, _at) in readers.items() if pk != user.pk]
    readers[user.pk] = (user.get_full_name() or user.get_username(), now)
    cache.set(key, readers, OPEN_FOR_SECONDS)
    return sorted(others)


def queue_counts() -> dict:
    """The numbers on the admin home page."""
    counts = Submission.objects.aggregate(
        new=Count("pk", filter=Q(status=Submission.Status.NEW)),
        needs_info=Count("pk", filter=Q(status=Submission.Status.NEEDS_INFO)),
        corrections=Count("pk", filter=Q(status=Submission.Status.NEW,
                                         kind=Submission.Kind.CORRECTION)),
    )
    counts["photos"] = Photo.objects.filter(status="pending").count()
    counts["unverified_places"] = Place.objects.filter(verified=False).count()
    counts["unverified_camps"] = Camp.objects.filter(verified=False).count()
    return counts


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class OptionalReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason (kept in the history)"), required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))


class SeenForm(forms.Form):
    """Carries the version of the submission the moderator read (``decision_version``)."""

    seen = forms.CharField(required=False, widget=forms.HiddenInput)


class RejectForm(SeenForm):
    reason = forms.CharField(label=_("Reason shown to the family"),
                             widget=forms.Textarea(attrs={"rows": 4}))
    note = forms.CharField(label=_("Note for moderators only"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))


class AskForm(SeenForm):
    question = forms.CharField(label=_("Question for the family"),
                               widget=forms.Textarea(attrs={"rows": 5}))


class ReviewRelativeForm(RelativeForm):
    """A relative as the family named them, and the record they are, when the moderator
    finds them in the registry: the two records are then linked."""

    relative_id = forms.IntegerField(
        label=_("Their record in the registry (number)"), required=False, min_value=1,
        help_text=_("Leave empty to show the relative by name on the profile."))

    def clean(self):
        data = super().clean()
        if data.get("relative_id"):
            if not data.get("relation"):
                self.add_error("relation", _("Say who they were to the person, to link "
                                             "the two records."))
            if not moderation.linkable_people().filter(pk=data["relative_id"]).exists():
                self.add_error("relative_id", _("There is no such record to link to."))
        return data


ReviewRelativeFormSet = forms.formset_factory(ReviewRelativeForm, extra=2, max_num=30,
                                              absolute_max=30)
# The family's forms, with relatives that may be linked to records.
REVIEW_FORMSETS = {**FORMSETS, "relatives": (ReviewRelativeFormSet, "relatives")}


def review_forms(proposal: dict, post=None) -> tuple[PersonForm, dict]:
    """The proposed record as the family's own forms, prefilled: what a moderator edits."""
    person_form = PersonForm(post, initial=proposal, prefix="person")
    formsets = {key: formset_class(post, prefix=prefix, initial=proposal.get(key) or None)
                for key, (formset_class, prefix) in REVIEW_FORMSETS.items()}
    return person_form, formsets


def _record_to_keep(person: Person, number) -> Person | None:
    if not str(number or "").isdigit() or int(number) == person.pk:
        return None
    return moderation.linkable_people().filter(pk=int(number)).first()


def _event_pairs(person: Person, into: Person) -> list[tuple]:
    """Each event of ``person`` with the events of ``into`` of the same kind: the accounts
    of the same act a merge may combine or drop (``person_merge``'s ``same_events``)."""
    kept = list(into.events.select_related("camp"))
    return [(event, [mine for mine in kept if mine.kind == event.kind])
            for event in person.events.select_related("camp")]


def _same_events_chosen(posted, pairs) -> dict[int, tuple[str, int]]:
    """``event-<id>`` = ``keep``, or ``combine-<id>`` / ``drop-<id>`` of a kept event."""
    chosen = {}
    for event, _same_kind in pairs:
        how, _dash, kept = posted.get(f"event-{event.pk}", "keep").partition("-")
        if how in (moderation.COMBINE, moderation.DROP) and kept.isdigit():
            chosen[event.pk] = (how, int(kept))
    return chosen


def _what_moves(person: Person) -> dict[str, int]:
    return {_("other spellings"): person.variants.count(),
            _("photographs"): person.photos.count(),
            _("documents"): person.documents.count(),
            _("sources"): person.citations.count(),
            _("relatives"): person.relationships.count() + person.named_relatives.count()}


def _confirm(request, model_admin, *, title, form, obj=None, objects=(), action="",
             extra=None):
    context = {
        **model_admin.admin_site.each_context(request), "title": title, "form": form,
        "object": obj, "objects": objects, "action": action, "opts": model_admin.opts,
        "media": model_admin.media + form.media, **(extra or {}),
    }
    return TemplateResponse(request, "admin/registry/confirm_action.html", context)


def _run(request, call, success: str) -> bool:
    try:
        call()
    except moderation.InvalidTransition as error:
        messages.error(request, error.message)
        return False
    messages.success(request, success)
    return True


def _loop(request, objects, call, done_message):
    done = failed = 0
    for obj in objects:
        try:
            call(obj)
            done += 1
        except moderation.InvalidTransition as error:
            failed += 1
            messages.error(request, f"{obj}: {error.message}")
    if done:
        messages.success(request, done_message % {"count": done})


# --- submissions ------------------------------------------------------------------------

class SubmissionPhotoInline(admin.TabularInline):
    model = SubmissionPhoto
    extra = 0
    can_delete = False
    fields = ("preview", "caption", "year", "photo")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("photograph"))
    def preview(self, photo):
        if not photo.thumbnail:
            return ""
        return format_html('<a href="{}" target="_blank" rel="noopener"><img src="{}" alt="{}" '
                           'class="inline-thumbnail"></a>', photo.image.url,
                           photo.thumbnail.url, _("open at full size in a new tab"))


class ModerationLogInline(admin.TabularInline):
    model = ModerationLog
    fk_name = "submission"
    extra = 0
    can_delete = False
    fields = ("at", "action", "actor", "reason")
    readonly_fields = fields
    verbose_name_plural = _("what was done")

    def has_add_permission(self, request, obj=None):
        return False


class KeepsModerationState:
    """Saving from the admin, and reverting to an earlier revision from the history, keep
    the record's moderation state as it is now: only registry/moderation.py changes it, with
    its checks and log. (simple-history's revert saves every field of the old revision,
    read-only ones included.)"""

    moderation_fields = ("status",)

    def save_model(self, request, obj, form, change):
        if change and obj.pk:
            fields = [obj._meta.get_field(name) for name in self.moderation_fields]
            current = type(obj)._default_manager.filter(pk=obj.pk).values(
                *(f.attname for f in fields)).first()
            for name, value in (current or {}).items():
                setattr(obj, name, value)
        super().save_model(request, obj, form, change)


class WithPhotosFilter(admin.SimpleListFilter):
    title = _("photographs")
    parameter_name = "photos"

    def lookups(self, request, model_admin):
        return (("yes", _("with photographs")), ("no", _("without photographs")))

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(photos__isnull=self.value() == "no").distinct()
        return queryset


class AnsweredFilter(admin.SimpleListFilter):
    title = _("family answered")
    parameter_name = "answered"

    def lookups(self, request, model_admin):
        return (("yes", _("answered, waiting for a moderator")),)

    def queryset(self, request, queryset):
        if self.value() != "yes":
            return queryset
        # Whose the last message is sits in a JSON list: read here, over the new ones only.
        new = (queryset.filter(status=Submission.Status.NEW).select_related(None)
               .only("status", "messages"))
        return queryset.filter(pk__in=[submission.pk for submission in new
                                       if submission.answered])


@admin.register(Submission)
class SubmissionAdmin(KeepsModerationState, SimpleHistoryAdmin):
    moderation_fields = ("status", "decided_by", "decided_at", "person")
    list_display = ("__str__", "kind", "status", "created_at", "language", "person")
    list_filter = ("status", "kind", "language", WithPhotosFilter, AnsweredFilter)
    ordering = ("created_at", "id")  # the oldest first, as the queue

    def view_on_site(self, submission):
        """The published record it became or is about; never the family's private page
        (the submission's own address, whose secret token is its only lock)."""
        person = submission.person
        if person is not None and person.status == Person.Status.PUBLISHED:
            return person.get_absolute_url()
        return None
    search_fields = ("data__surname", "=token")
    date_hierarchy = "created_at"
    readonly_fields = ("kind", "status", "person", "proposed", "family_original",
                       "submitter_name",
                       "submitter_email", "submitter_relationship", "consent", "language",
                       "conversation", "decision_reason", "decided_by", "decided_at",
                       "created_at", "contact_purged_at")
    fieldsets = (
        (None, {"fields": ("kind", "status", "person", "proposed", "family_original")}),
        (_("Sender (private)"), {"fields": ("submitter_name", "submitter_email",
                                           "submitter_relationship", "consent",
                                           "language", "contact_purged_at")}),
        (_("Decision"), {"fields": ("conversation", "decision_reason", "internal_note",
                                    "decided_by", "decided_at", "created_at")}),
    )
    inlines = (SubmissionPhotoInline, ModerationLogInline)
    actions = ("accept_selected", "reject_selected")
    change_form_template = "admin/registry/submission/change_form.html"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("person")

    def has_add_permission(self, request):
        return False  # submissions come from the public form

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser  # nothing a family sends is lost by a moderator

    @admin.display(description=_("proposed data"))
    def proposed(self, submission):
        if submission.reviewed_data:
            return format_html("<p><strong>{}</strong></p><pre class='wrapped'>{}</pre>",
                               _("The moderator's version (what the decision applies)"),
                               _format_data(submission.reviewed_data))
        return format_html("<pre class='wrapped'>{}</pre>", _format_data(submission.data))

    @admin.display(description=_("what the family sent"))
    def family_original(self, submission):
        if not submission.reviewed_data:
            return _("as above: not edited")
        return format_html("<details><summary>{}</summary><pre class='wrapped'>{}</pre>"
                           "</details>", _("Show the family's original"),
                           _format_data(submission.data))

    @admin.display(description=_("conversation"))
    def conversation(self, submission):
        return format_html("<pre class='wrapped'>{}</pre>", "\n\n".join(
            f"{m['at'][:16]} {m['from']}: {m['text']}" for m in submission.messages))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        submission = get_object_or_404(Submission.objects.select_related("person"),
                                       pk=object_id)
        data = submission.proposal
        relatives = [(row, find_duplicates(surname=(row.get("name") or "").split(" ")[0],
                                           limit=5))
                     for row in data.get("relatives", []) if row.get("name")]
        looked_for = request.GET.get("find", "").strip()[:200]
        extra = {
            "duplicates": find_duplicates(
                surname=data.get("surname", ""), given_name=data.get("given_name", ""),
                patronymic=data.get("patronymic", ""), birth_date=data.get("birth_date"),
                exclude=[submission.person_id] if submission.person_id else ()),
            "duplicate_submissions": find_duplicate_submissions(submission)
            if submission.kind == Submission.Kind.NEW else [],
            "changes": moderation.correction_diff(submission)
            if submission.kind == Submission.Kind.CORRECTION else [],
            "attached": moderation.was_attached(submission),
            "looked_for": looked_for,
            "found": list(search_people(Person.objects.published(), looked_for)[:10])
            if looked_for else [],
            "relatives": relatives,
            "submission": submission,
            "seen": moderation.decision_version(submission),
            "also_reading": moderators_reading(submission.pk, request.user),
            "can_decide": submission.is_open and self.has_change_permission(request,
                                                                             submission),
            "can_undo": moderation.can_undo(submission)
            and self.has_change_permission(request, submission),
            "photos": list(submission.photos.all()),
        }
        return super().change_view(request, object_id, form_url, {**(extra_context or {}),
                                                                   **extra})

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/accept/", view(self.accept_view),
                 name="registry_submission_accept"),
            path("<int:pk>/edit/", view(self.edit_view), name="registry_submission_edit"),
            path("<int:pk>/attach/", view(self.attach_view),
                 name="registry_submission_attach"),
            path("<int:pk>/detach/", view(self.detach_view),
                 name="registry_submission_detach"),
            path("<int:pk>/ask/", view(self.ask_view), name="registry_submission_ask"),
            path("<int:pk>/reject/", view(self.reject_view),
                 name="registry_submission_reject"),
            path("<int:pk>/undo/", view(self.undo_view), name="registry_submission_undo"),
            *super().get_urls(),
        ]

    def _decidable(self, request, pk):
        submission = get_object_or_404(Submission, pk=pk)
        if not self.has_change_permission(request, submission):
            raise PermissionDenied
        return submission

    def _back(self, submission):
        return redirect("admin:registry_submission_change", submission.pk)

    def accept_view(self, request, pk):
        """Accept with the fields and photos ticked on the submission's page (POST only):
        published, or kept as a draft when the moderator chose "accept without publishing"."""
        submission = self._decidable(request, pk)
        if request.method != "POST":
            return self._back(submission)
        correction = submission.kind == Submission.Kind.CORRECTION
        fields = request.POST.getlist("apply_field") if correction else None
        photo_ids = [int(pk) for pk in request.POST.getlist("approve_photo") if pk.isdigit()]
        publish = request.POST.get("publish") != "draft"
        result = {}

        def accept():
            result["person"] = moderation.submission_accept(
                submission=submission, moderator=request.user, fields=fields,
                photo_ids=photo_ids, reason=request.POST.get("reason", ""), publish=publish,
                seen=request.POST.get("seen", ""))

        if correction:
            done = _("The ticked changes have been applied to the record.")
        elif publish:
            done = _("Accepted and published.")
        else:
            done = _("Accepted as a draft: the record is kept unpublished until a moderator "
                     "publishes it.")
        if _run(request, accept, done):
            return redirect("admin:registry_person_change", result["person"].pk)
        return self._back(submission)

    def edit_view(self, request, pk):
        """The proposed record as a form to correct before deciding; the family's original
        stays as it was sent."""
        submission = self._decidable(request, pk)
        if not submission.is_open:
            messages.error(request, _("This submission has been decided; it can no longer "
                                      "be edited."))
            return self._back(submission)
        post = request.POST if request.method == "POST" else None
        person_form, formsets = review_forms(submission.proposal, post)
        if post is not None and all([person_form.is_valid(),
                                     *(f.is_valid() for f in formsets.values())]):
            data = proposed_data(person_form, formsets)
            for row in data.get("relatives", []):
                if not row.get("relative_id"):  # not linked: the family's own shape
                    row.pop("relative_id", None)
            if _run(request, lambda: moderation.submission_edit(
                    submission=submission, moderator=request.user, data=data,
                    seen=request.POST.get("seen", ""), reason=request.POST.get("reason", "")),
                    _("Your version is kept; the family's original stays as it was sent. "
                      "Decide below.")):
                return self._back(submission)
        elif post is not None:
            messages.error(request, _("Something needs your attention: see the messages next "
                                      "to the fields. Nothing you typed is lost."))
        return TemplateResponse(request, "admin/registry/submission/edit.html", {
            **self.admin_site.each_context(request), "opts": self.opts,
            "title": _("Edit before deciding: %(submission)s") % {"submission": submission},
            "object": submission, "person_form": person_form, "formsets": formsets,
            "seen": request.POST.get("seen") if post else moderation.decision_version(
                submission)})

    def attach_view(self, request, pk):
        """Make a new-record submission an addition to the record chosen (POST only)."""
        submission = self._decidable(request, pk)
        person = Person.objects.filter(pk=request.POST.get("person") or 0).first() if (
            request.POST.get("person", "").isdigit()) else None
        if request.method == "POST" and person is None:
            messages.error(request, _("There is no record with that number."))
        elif request.method == "POST":
            _run(request, lambda: moderation.submission_attach(
                submission=submission, person=person, moderator=request.user,
                seen=request.POST.get("seen", "")),
                _("Now an addition to the existing record: tick what to apply."))
        return self._back(submission)

    def detach_view(self, request, pk):
        submission = self._decidable(request, pk)
        if request.method == "POST":
            _run(request, lambda: moderation.submission_detach(
                submission=submission, moderator=request.user,
                seen=request.POST.get("seen", "")),
                _("A new record again."))
        return self._back(submission)

    def ask_view(self, request, pk):
        submission = self._decidable(request, pk)
        form = AskForm(request.POST or None, initial={"seen": request.GET.get("seen", "")})
        if form.is_valid():
            _run(request, lambda: moderation.submission_ask(
                submission=submission, moderator=request.user, **form.cleaned_data),
                _("The question has been sent to the family."))
            return self._back(submission)
        return _confirm(request, self, title=_("Ask the family for more information"),
                        form=form, obj=submission)

    def reject_view(self, request, pk):
        submission = self._decidable(request, pk)
        form = RejectForm(request.POST or None, initial={"seen": request.GET.get("seen", "")})
        if form.is_valid():
            _run(request, lambda: moderation.submission_reject(
                submission=submission, moderator=request.user, **form.cleaned_data),
                _("Declined; the family can see the reason."))
            return self._back(submission)
        return _confirm(request, self, title=_("Decline the submission"), form=form,
                        obj=submission)

    def undo_view(self, request, pk):
        """Undo an acceptance as a whole, after a page that says what that does."""
        submission = self._decidable(request, pk)
        form = ReasonForm(request.POST or None)
        if form.is_valid():
            _run(request, lambda: moderation.submission_undo(
                submission=submission, moderator=request.user, **form.cleaned_data),
                _("The acceptance has been undone; the submission is back in the queue."))
            return self._back(submission)
        explained = (_("The record this submission made is hidden, and the submission goes "
                       "back to the queue to be decided again.")
                     if moderation.accepted_record(submission).get("new_person") else
                     _("What it added to the record is removed, and what it changed or "
                       "removed is put back as it was; then the submission goes back to "
                       "the queue to be decided again. Nothing is undone if any of it has "
                       "been changed since."))
        return _confirm(request, self, title=_("Undo the acceptance"), form=form,
                        obj=submission, extra={"explained": explained})

    @admin.action(description=_("Accept the selected submissions and publish them"),
                  permissions=["change"])
    def accept_selected(self, request, queryset):
        """Publish, after a confirmation page, only what can be published unseen: new
        records waiting in the queue with no likely duplicate. Corrections are never
        applied wholesale: each is read field by field on its own page."""
        publishable, skipped = bulk_acceptance(queryset.order_by("created_at", "pk"))
        if "confirmed" not in request.POST:
            return TemplateResponse(request, "admin/registry/submission/accept_selected.html", {
                **self.admin_site.each_context(request), "opts": self.opts,
                "title": _("Accept and publish the selected submissions"),
                "publishable": publishable, "skipped": skipped,
                "selected": queryset.values_list("pk", flat=True)})
        _loop(request, publishable, lambda s: moderation.submission_accept(
            submission=s, moderator=request.user), _("%(count)s submission(s) accepted."))
        for submission, why in skipped:
            messages.warning(request, _("%(submission)s was not accepted: %(why)s")
                             % {"submission": submission, "why": why})

    @admin.action(description=_("Decline the selected submissions…"), permissions=["change"])
    def reject_selected(self, request, queryset):
        form = RejectForm(request.POST if "reason" in request.POST else None)
        if form.is_valid():
            _loop(request, queryset, lambda s: moderation.submission_reject(
                submission=s, moderator=request.user, **form.cleaned_data),
                _("%(count)s submission(s) declined."))
            return None
        return _confirm(request, self, title=_("Decline the selected submissions"),
                        form=form, objects=queryset, action="reject_selected")


def bulk_acceptance(submissions) -> tuple[list[Submission], list[tuple[Submission, str]]]:
    """The submissions a bulk acceptance publishes, and those it leaves, each with why."""
    open_submissions = OpenSubmissions()
    publishable, skipped = [], []
    for submission in submissions:
        if submission.kind != Submission.Kind.NEW:
            skipped.append((submission, _("a correction is applied field by field on its "
                                          "own page")))
        elif submission.status != Submission.Status.NEW:
            skipped.append((submission, _("it is not waiting for a moderator (%(status)s)")
                            % {"status": submission.get_status_display()}))
        elif duplicate := likely_duplicate(submission, open_submissions):
            twin = (_("record #%(number)s") % {"number": duplicate.person.pk}
                    if hasattr(duplicate, "person")
                    else _("submission #%(number)s") % {"number": duplicate.submission.pk})
            skipped.append((submission, _("it may be the same person as %(twin)s")
                            % {"twin": twin}))
        else:
            publishable.append(submission)
    return publishable, skipped


def _format_data(data: dict) -> str:
    lines = []
    for key, value in data.items():
        if isinstance(value, list):
            for index, row in enumerate(value, start=1):
                lines.append(f"{key} {index}: " + "; ".join(
                    f"{k}={v}" for k, v in row.items() if v))
        elif value:
            lines.append(f"{key}: {value}")
    return "\n".join(lines)


@admin.register(SubmissionPhoto)
class SubmissionPhotoAdmin(admin.ModelAdmin):
    list_display = ("__str__", "submission", "created_at")
    readonly_fields = ("submission", "image", "thumbnail", "caption", "year", "photo")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ModerationLog)
class ModerationLogAdmin(admin.ModelAdmin):
    list_display = ("at", "action", "actor", "person", "submission", "photo", "reason")
    list_filter = ("action",)
    search_fields = ("reason", "person__surname")
    list_select_related = ("actor", "person", "submission", "photo")
    readonly_fields = ("at", "action", "actor", "person", "submission", "photo", "reason",
                       "data")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- people and photos ------------------------------------------------------------------

PARTS_SHOWN = 200


def parts_history(person_pk: int) -> list[dict]:
    """The latest revisions of a person's parts — names, events, photographs, documents,
    sources, relatives — newest first: the person's history shows what changed around
    the record, not only its own row."""
    kinds = {"+": _("added"), "~": _("changed"), "-": _("removed")}
    rows = []
    for model in (NameVariant, RepressionEvent, Photo, Document, Citation, Relationship,
                  NamedRelative):
        revisions = (model.history.filter(person_id=person_pk).select_related("history_user")
                     .order_by("-history_date")[:PARTS_SHOWN])
        for revision in revisions:
            rows.append({"at": revision.history_date, "part": model._meta.verbose_name,
                         "what": str(revision.instance), "change": kinds.get(
                             revision.history_type, revision.history_type),
                         "by": revision.history_user, "why": revision.history_change_reason})
    return sorted(rows, key=lambda row: row["at"], reverse=True)[:PARTS_SHOWN]


class PersonModerationMixin:
    """Publish, hide, merge and undo a merge from the person's admin pages; the history
    shows the parts' revisions too."""

    actions = ("publish_selected", "hide_selected")
    change_form_template = "admin/registry/person/change_form.html"
    object_history_template = "admin/registry/person/object_history.html"

    def history_view(self, request, object_id, extra_context=None):
        parts = parts_history(int(object_id)) if str(object_id).isdigit() else []
        return super().history_view(request, object_id,
                                    {**(extra_context or {}), "parts_history": parts})

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/publish/", view(self.publish_view), name="registry_person_publish"),
            path("<int:pk>/hide/", view(self.hide_view), name="registry_person_hide"),
            path("<int:pk>/reject/", view(self.reject_view), name="registry_person_reject"),
            path("<int:pk>/merge/", view(self.merge_view), name="registry_person_merge"),
            path("<int:pk>/unmerge/", view(self.unmerge_view),
                 name="registry_person_unmerge"),
            *super().get_urls(),
        ]

    def _person(self, request, pk):
        person = get_object_or_404(Person, pk=pk)
        if not self.has_change_permission(request, person):
            raise PermissionDenied
        return person

    def _step(self, request, pk, *, form_class, title, call, success):
        person = self._person(request, pk)
        form = form_class(request.POST or None)
        if request.method == "POST" and form.is_valid():
            _run(request, lambda: call(person, form.cleaned_data), success)
            return redirect("admin:registry_person_change", person.pk)
        return _confirm(request, self, title=title, form=form, obj=person)

    def publish_view(self, request, pk):
        return self._step(request, pk, form_class=OptionalReasonForm, title=_("Publish"),
                          success=_("Published."), call=lambda p, d: moderation.person_publish(
                              person=p, moderator=request.user, reason=d["reason"]))

    def hide_view(self, request, pk):
        return self._step(request, pk, form_class=ReasonForm,
                          title=_("Hide from the public"), success=_("Hidden."),
                          call=lambda p, d: moderation.person_hide(
                              person=p, moderator=request.user, reason=d["reason"]))

    def reject_view(self, request, pk):
        """Decide that a pending record (an imported one, say) is not to be published; it
        is kept, with the reason."""
        return self._step(request, pk, form_class=ReasonForm,
                          title=_("Do not publish this record"), success=_("Rejected."),
                          call=lambda p, d: moderation.person_reject(
                              person=p, moderator=request.user, reason=d["reason"]))

    def merge_view(self, request, pk):
        """Merge in two steps: pick the record to keep (the likely duplicates, or any
        record found by any spelling), then a preview of both side by side where each
        event of this record is kept, combined with or dropped for the kept record's
        account of the same act."""
        person = self._person(request, pk)
        into = _record_to_keep(person, request.POST.get("into") or request.GET.get("into"))
        if into is None:
            return self._merge_picker(request, person)
        form = OptionalReasonForm(request.POST or None)
        pairs = _event_pairs(person, into)
        if request.method == "POST" and form.is_valid():
            same_events = _same_events_chosen(request.POST, pairs)
            if _run(request, lambda: moderation.person_merge(
                    person=person, into=into, moderator=request.user,
                    reason=form.cleaned_data["reason"], same_events=same_events),
                    _("Merged. The old address now redirects.")):
                return redirect("admin:registry_person_change", into.pk)
        return TemplateResponse(request, "admin/registry/person/merge_preview.html", {
            **self.admin_site.each_context(request), "opts": self.opts,
            "title": _("Merge into another record"), "original": person, "into": into,
            "form": form, "pairs": pairs, "moving": _what_moves(person)})

    def _merge_picker(self, request, person):
        looked_for = request.GET.get("find", "").strip()[:200]
        candidates = [candidate.person for candidate in find_duplicates(
            surname=person.surname, given_name=person.given_name,
            patronymic=person.patronymic, birth_date=person.birth_date,
            exclude=[person.pk])]
        found = (list(search_people(moderation.linkable_people().exclude(pk=person.pk),
                                    looked_for)[:10]) if looked_for else [])
        return TemplateResponse(request, "admin/registry/person/merge_pick.html", {
            **self.admin_site.each_context(request), "opts": self.opts,
            "title": _("Merge into another record"), "original": person,
            "candidates": candidates, "looked_for": looked_for, "found": found})

    def unmerge_view(self, request, pk):
        return self._step(request, pk, form_class=OptionalReasonForm,
                          title=_("Undo the merge"), success=_("The merge has been undone."),
                          call=lambda p, d: moderation.person_unmerge(
                              person=p, moderator=request.user, reason=d["reason"]))

    @admin.action(description=_("Publish the selected people"), permissions=["change"])
    def publish_selected(self, request, queryset):
        _loop(request, queryset, lambda p: moderation.person_publish(
            person=p, moderator=request.user), _("%(count)s person(s) published."))

    @admin.action(description=_("Hide the selected people…"), permissions=["change"])
    def hide_selected(self, request, queryset):
        form = ReasonForm(request.POST if "reason" in request.POST else None)
        if form.is_valid():
            _loop(request, queryset, lambda p: moderation.person_hide(
                person=p, moderator=request.user, reason=form.cleaned_data["reason"]),
                _("%(count)s person(s) hidden."))
            return None
        return _confirm(request, self, title=_("Hide the selected people"), form=form,
                        objects=queryset, action="hide_selected")


class DocumentModerationMixin:
    actions = ("approve_selected", "reject_selected")

    @admin.action(description=_("Approve the selected documents"), permissions=["change"])
    def approve_selected(self, request, queryset):
        _loop(request, queryset, lambda d: moderation.document_approve(
            document=d, moderator=request.user), _("%(count)s document(s) approved."))

    @admin.action(description=_("Reject the selected documents"), permissions=["change"])
    def reject_selected(self, request, queryset):
        _loop(request, queryset, lambda d: moderation.document_reject(
            document=d, moderator=request.user), _("%(count)s document(s) rejected."))


class PhotoModerationMixin:
    actions = ("approve_selected", "reject_selected")

    @admin.action(description=_("Approve the selected photographs"), permissions=["change"])
    def approve_selected(self, request, queryset):
        _loop(request, queryset, lambda p: moderation.photo_approve(
            photo=p, moderator=request.user), _("%(count)s photograph(s) approved."))

    @admin.action(description=_("Reject the selected photographs"), permissions=["change"])
    def reject_selected(self, request, queryset):
        _loop(request, queryset, lambda p: moderation.photo_reject(
            photo=p, moderator=request.user), _("%(count)s photograph(s) rejected."))


def submission_admin_url(submission: Submission) -> str:
    return reverse("admin:registry_submission_change", args=[submission.pk])
