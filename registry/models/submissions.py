"""What members of the public send, and the record of what moderators decided.

A ``Submission`` holds the proposed record as data (JSON in the CSV / DESIGN.md field
names) rather than as Person rows: nothing a family sends touches the registry's tables
until a moderator accepts it, so no public query can ever reach it by mistake. Its photos
are ``SubmissionPhoto`` rows for the same reason (a ``Photo`` needs a person, and a new
submission has none yet); accepting copies them into ``Photo``.

Status changes only in ``registry/moderation.py``; every decision there also writes a
``ModerationLog`` entry (who, when, why), the readable log moderators look back at.
"""

import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from registry.models.history import HistoricalRecords
from registry.models.media import Photo
from registry.models.person import Person
from registry.storage import protected_storage


def new_token() -> str:
    """An unguessable key for the family's private link (256 bits)."""
    return secrets.token_urlsafe(32)


def submission_photo_upload_to(instance, filename):
    # Images arrive already re-encoded with a random name (registry/images.py).
    return f"submissions/{filename}"


class SubmissionQuerySet(models.QuerySet):
    def open(self):
        """Waiting for a moderator or for the family."""
        return self.filter(status__in=[Submission.Status.NEW, Submission.Status.NEEDS_INFO])

    def queue(self):
        """What moderators work through: new ones, oldest first."""
        return self.filter(status=Submission.Status.NEW).order_by("created_at", "id")


class Submission(models.Model):
    class Kind(models.TextChoices):
        NEW = "new", _("new record")
        CORRECTION = "correction", _("correction or addition")

    class Status(models.TextChoices):
        NEW = "new", _("received")
        NEEDS_INFO = "needs_info", _("needs more information")
        ACCEPTED = "accepted", _("accepted")
        REJECTED = "rejected", _("declined")
        WITHDRAWN = "withdrawn", _("withdrawn")

    # The moves moderation.py allows; anything else raises InvalidTransition.
    TRANSITIONS = {
        Status.NEW: {Status.NEEDS_INFO, Status.ACCEPTED, Status.REJECTED, Status.WITHDRAWN},
        Status.NEEDS_INFO: {Status.NEW, Status.ACCEPTED, Status.REJECTED, Status.WITHDRAWN},
        Status.ACCEPTED: {Status.NEW},  # only undoing the acceptance (submission_undo)
        Status.REJECTED: set(),
        Status.WITHDRAWN: set(),
    }

    kind = models.CharField(_("kind"), max_length=20, choices=Kind, default=Kind.NEW)
    person = models.ForeignKey(
        Person, verbose_name=_("person"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="submissions",
        help_text=_("For a correction, the record it is about; once a new record is "
                    "accepted, the record made from it."),
    )
    data = models.JSONField(
        _("proposed data"), default=dict, blank=True,
        help_text=_("What the family sent, in the import column names."),
    )
    reviewed_data = models.JSONField(
        _("moderator's version"), default=dict, blank=True,
        help_text=_("The proposed data as a moderator corrected it before deciding, in the "
                    "same names; what the family sent stays untouched in the data above."))
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.NEW,
                              db_index=True)
    token = models.CharField(_("tracking token"), max_length=64, unique=True,
                             default=new_token, editable=False)
    submitter_name = models.CharField(_("your name"), max_length=200)
    submitter_email = models.EmailField(_("your email"))
    submitter_relationship = models.CharField(
        _("your relationship to the person"), max_length=200, blank=True)
    consent = models.BooleanField(_("consent to publication"), default=False)
    ip_hash = models.CharField(_("client hash"), max_length=64, blank=True, editable=False,
                               help_text=_("A salted hash of the sender's address, for abuse "
                                           "control only."))
    language = models.CharField(_("language"), max_length=10, blank=True,
                                help_text=_("The language of the family's emails."))
    messages = models.JSONField(
        _("conversation"), default=list, blank=True,
        help_text=_("Questions from the moderators and the family's answers."),
    )
    decision_reason = models.TextField(
        _("reason given to the family"), blank=True,
        help_text=_("Shown to the family on their private page when declined."))
    internal_note = models.TextField(_("moderators' note"), blank=True,
                                     help_text=_("Never shown to the family."))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("decided by"),
                                   null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    contact_purged_at = models.DateTimeField(
        _("contact data removed"), null=True, blank=True,
        help_text=_("When the sender's name, email and address hash were erased."))
    created_at = models.DateTimeField(_("received"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    # The sender's contact data is purged after the decision; revisions must not keep it.
    history = HistoricalRecords(excluded_fields=["submitter_name", "submitter_email",
                                                 "submitter_relationship", "ip_hash",
                                                 "token"])
    objects = SubmissionQuerySet.as_manager()

    class Meta:
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        name = " ".join(filter(None, (self.data.get("surname"), self.data.get("given_name"),
                                      self.data.get("patronymic"))))
        return f"#{self.pk} {name}".strip()

    def get_absolute_url(self):
        return reverse("registry:submission-status", args=[self.token])

    @property
    def proposed_name(self) -> str:
        return " ".join(filter(None, (self.data.get(part) for part in
                                      ("surname", "given_name", "patronymic"))))

    @property
    def proposal(self) -> dict:
        """What a decision applies: the moderator's version when there is one."""
        return self.reviewed_data or self.data

    @property
    def answered(self) -> bool:
        """Back in the queue with the family's answer to a moderator's question."""
        return (self.status == self.Status.NEW and bool(self.messages)
                and self.messages[-1].get("from") == "family")

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.NEW, self.Status.NEEDS_INFO)


class SubmissionPhoto(models.Model):
    """A photograph sent with a submission, already checked and re-encoded.

    Kept apart from ``Photo`` until a moderator accepts the submission. ``upload_key`` ties
    a photo to a form that came back with an error, so the family need not send it again.
    """

    submission = models.ForeignKey(Submission, null=True, blank=True,
                                   on_delete=models.CASCADE, related_name="photos")
    upload_key = models.CharField(max_length=64, db_index=True, blank=True, editable=False)
    image = models.ImageField(_("image"), upload_to=submission_photo_upload_to,
                              storage=protected_storage)
    thumbnail = models.ImageField(_("thumbnail"), upload_to=submission_photo_upload_to,
                                  storage=protected_storage, blank=True)
    caption = models.CharField(_("caption"), max_length=500, blank=True)
    year = models.PositiveSmallIntegerField(_("year taken"), null=True, blank=True)
    photo = models.ForeignKey(Photo, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", editable=False,
                              help_text=_("The registry photograph made from it."))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("submitted photograph")
        verbose_name_plural = _("submitted photographs")
        ordering = ["id"]

    def __str__(self):
        return self.caption or _("Photograph %(number)s") % {"number": self.pk}


class ModerationLog(models.Model):
    """One decision: who did what to which record, when and why (never edited)."""

    action = models.CharField(_("action"), max_length=50, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True,
                              blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    reason = models.TextField(_("why"), blank=True)
    person = models.ForeignKey(Person, verbose_name=_("person"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="moderation_log")
    submission = models.ForeignKey(Submission, verbose_name=_("submission"), null=True,
                                   blank=True, on_delete=models.SET_NULL,
                                   related_name="moderation_log")
    photo = models.ForeignKey(Photo, verbose_name=_("photograph"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="moderation_log")
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("moderation log entry")
        verbose_name_plural = _("moderation log")
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"
