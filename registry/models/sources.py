"""Where a fact comes from: Books of Memory, archive files, family documents."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.models.events import RepressionEvent
from registry.models.fields import VisibleCharField
from registry.models.history import HistoricalRecords
from registry.models.indexes import indexed_where_set
from registry.models.person import Person


class Source(models.Model):
    class Kind(models.TextChoices):
        BOOK_OF_MEMORY = "book_of_memory", _("Book of Memory")
        ARCHIVE_FILE = "archive_file", _("archive file")
        FAMILY_DOCUMENT = "family_document", _("family document")
        PUBLICATION = "publication", _("publication")
        DATABASE = "database", _("database")
        OTHER = "other", _("other")

    title = VisibleCharField(_("title"), max_length=400, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind, default=Kind.OTHER)
    archive = VisibleCharField(_("archive"), max_length=300, blank=True,
                               help_text=_("The archive holding it, e.g. Archive of the "
                                           "President of the Republic of Kazakhstan."))
    fond = models.CharField(_("fond"), max_length=50, blank=True)
    opis = models.CharField(_("opis (inventory)"), max_length=50, blank=True)
    delo = models.CharField(_("delo (file)"), max_length=50, blank=True)
    url = models.URLField(_("web address"), blank=True)
    note = models.TextField(_("note"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        ordering = ["title"]

    def __str__(self):
        return self.title

    @property
    def archive_reference(self) -> str:
        parts = [(_("f."), self.fond), (_("op."), self.opis), (_("d."), self.delo)]
        return ", ".join(f"{label} {value}" for label, value in parts if value)


class Citation(models.Model):
    """Ties a person, or one event of theirs, to a source, with page or case number."""

    source = models.ForeignKey(Source, verbose_name=_("source"), on_delete=models.PROTECT,
                               related_name="citations")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="citations")
    event = models.ForeignKey(RepressionEvent, db_index=False, verbose_name=_("event"),
                              null=True, blank=True, on_delete=models.CASCADE,
                              related_name="citations")
    detail = VisibleCharField(_("page or case number"), max_length=300, blank=True)
    history = HistoricalRecords(indexed=("person",))

    class Meta:
        verbose_name = _("citation")
        verbose_name_plural = _("citations")
        ordering = ["id"]
        # Most citations are of the whole person (indexes.py).
        indexes = [indexed_where_set("event", "citation_event")]

    def __str__(self):
        return f"{self.source}, {self.detail}" if self.detail else str(self.source)
