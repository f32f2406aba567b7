"""Search keys of every word of every name a person is known by (see registry/names.py)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.models.person import Person


class NameKey(models.Model):
    """One key of one word of a person's name or name variant.

    Derived data: made from the names by ``registry.search_index`` whenever a person or a
    variant is saved, an import or the demo writes people, or ``rebuild_name_keys`` runs.
    It has no history of its own; the names it comes from do.

    ``published`` and ``sort_name`` copy the person's status and name so that a visitor's
    search ranks, orders and counts from one index of the keys alone, without reading a
    person row per match (docs/performance.md). They follow the person on every save,
    which is why a status changes only through ``save()`` (registry/moderation.py).
    """

    class Kind(models.TextChoices):
        FOLDED = "f", _("folded spelling")
        STEM = "s", _("without a suffix of sex")
        PHONETIC = "p", _("Daitch–Mokotoff code")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="name_keys")
    kind = models.CharField(_("kind"), max_length=1, choices=Kind)
    key = models.CharField(_("key"), max_length=150)
    published = models.BooleanField(_("person published"), default=False)
    sort_name = models.CharField(_("sort name"), max_length=460, blank=True)

    class Meta:
        verbose_name = _("name search key")
        verbose_name_plural = _("name search keys")
        indexes = [
            models.Index(fields=["key", "kind", "person"], name="namekey_lookup"),
            # Visitors' searches: index-only ranking of published people, in name order.
            models.Index(fields=["key", "kind", "person", "sort_name"],
                         condition=models.Q(published=True), name="namekey_published"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.key}"


class NameSpelling(models.Model):
    """Every folded spelling some name in the registry has: the vocabulary of names.

    A typo is looked up here first, by trigram similarity over a few thousand distinct
    spellings rather than over the millions of keys; the spellings found are then matched
    exactly. Spellings are only added (a spelling no longer used matches nobody).
    """

    key = models.CharField(_("spelling"), max_length=150, unique=True)

    class Meta:
        verbose_name = _("name spelling")
        verbose_name_plural = _("name spellings")

    def __str__(self):
        return self.key
