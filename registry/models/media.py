"""Photographs and documents; public only when approved and their person is published."""

import uuid
from pathlib import PurePath

from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.models.fields import VisibleCharField
from registry.models.history import HistoricalRecords
from registry.models.person import Person
from registry.storage import protected_storage


def _random_name(folder: str, filename: str) -> str:
    """Keep no part of the uploaded name (no personal names, no paths): only its suffix."""
    suffix = PurePath(filename).suffix.lower()[:5]
    return f"{folder}/{uuid.uuid4().hex}{suffix}"


def photo_upload_to(instance, filename):
    return _random_name("photos", filename)


def document_upload_to(instance, filename):
    return _random_name("documents", filename)


class MediaStatus(models.TextChoices):
    PENDING = "pending", _("pending review")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")


# The moves photo_approve / photo_reject allow (a rejected photo may be reconsidered).
MEDIA_TRANSITIONS = {
    MediaStatus.PENDING: {MediaStatus.APPROVED, MediaStatus.REJECTED},
    MediaStatus.APPROVED: {MediaStatus.REJECTED},
    MediaStatus.REJECTED: {MediaStatus.APPROVED},
}


class PhotoQuerySet(models.QuerySet):
    def public(self):
        """Photos a visitor may see: approved, of a published person."""
        return self.filter(status=MediaStatus.APPROVED,
                           person__in=Person.objects.published())


class Photo(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("image"), upload_to=photo_upload_to,
                              storage=protected_storage)
    thumbnail = models.ImageField(_("thumbnail"), upload_to=photo_upload_to, blank=True,
                                  storage=protected_storage)
    caption = VisibleCharField(_("caption"), max_length=500, blank=True)
    year = models.PositiveSmallIntegerField(_("year taken"), null=True, blank=True)
    credit = VisibleCharField(_("credit"), max_length=300, blank=True,
                              help_text=_("Who holds the original, e.g. “family archive of "
                                          "the Ivanovs” or an archive reference."))
    status = models.CharField(_("status"), max_length=20, choices=MediaStatus,
                              default=MediaStatus.PENDING)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    history = HistoricalRecords(indexed=("person",))
    objects = PhotoQuerySet.as_manager()

    class Meta:
        verbose_name = _("photograph")
        verbose_name_plural = _("photographs")
        ordering = ["position", "id"]

    def __str__(self):
        return self.caption or _("Photograph %(number)s") % {"number": self.pk}


class Document(models.Model):
    """A scan of a document: a certificate of rehabilitation, an archive reply."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(_("file"), upload_to=document_upload_to,
                            storage=protected_storage)
    title = VisibleCharField(_("title"), max_length=300)
    status = models.CharField(_("status"), max_length=20, choices=MediaStatus,
                              default=MediaStatus.PENDING)
    history = HistoricalRecords(indexed=("person",))

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self):
        return self.title
