"""Which published people changed, in the order they changed: what kept pages are checked
against (``registry.freshness``)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PublicChange(models.Model):
    """A person whose public face changed: published, hidden, merged, corrected, or one of
    its names, events, photos, citations or relatives changed while it was published.

    Written in the transaction of the change itself, so a worker that sees the change sees
    this row too. A kept page remembers the last row it was rendered after; rows older than
    any kept page are deleted as new ones are written.
    """

    id = models.BigAutoField(primary_key=True)
    # No foreign key: the row outlives a deleted person, whose pages must still be retired.
    person_id = models.BigIntegerField(_("person"))
    at = models.DateTimeField(_("changed at"), auto_now_add=True)
    # False when only whether the person is public changed (published, hidden, merged away):
    # a kept list that could not show the person as they are is then unchanged.
    content = models.BooleanField(_("record changed"), default=True)

    class Meta:
        verbose_name = _("public change")
        verbose_name_plural = _("public changes")

    def __str__(self):
        return f"#{self.person_id} at {self.at:%Y-%m-%d %H:%M:%S}"
