"""What happened to a person, step by step: arrest, sentence, camp, execution, rehabilitation."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.models.fields import (
    AnniversaryField,
    PartialDateField,
    PartialDateLowerField,
    PartialDateUpperField,
    VisibleCharField,
)
from registry.models.history import HistoricalRecords
from registry.models.indexes import indexed_where_set
from registry.models.person import Person
from registry.models.places import Camp, Place


class RepressionEvent(models.Model):
    class Kind(models.TextChoices):
        ARREST = "arrest", _("arrest")
        SENTENCE = "sentence", _("sentence")
        EXECUTION = "execution", _("execution")
        IMPRISONMENT = "imprisonment", _("imprisonment")
        EXILE = "exile", _("exile")
        DEPORTATION = "deportation", _("deportation")
        RELEASE = "release", _("release")
        DEATH_IN_CUSTODY = "death_in_custody", _("death in custody")
        REHABILITATION = "rehabilitation", _("rehabilitation")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("what happened"), max_length=20, choices=Kind)
    date = PartialDateField(_("date"))
    date_lower = PartialDateLowerField(source="date")  # indexed with the kind (Meta)
    date_upper = PartialDateUpperField(source="date")
    anniversary = AnniversaryField(source="date")  # indexed where set (Meta)
    place = models.ForeignKey(Place, db_index=False, verbose_name=_("place"), null=True,
                              blank=True,
                              on_delete=models.SET_NULL, related_name="events")
    place_name = VisibleCharField(_("place as written"), max_length=300, blank=True)
    camp = models.ForeignKey(Camp, db_index=False, verbose_name=_("camp"), null=True,
                             blank=True,
                             on_delete=models.SET_NULL, related_name="events")
    camp_name = VisibleCharField(
        _("camp as written"), max_length=300, blank=True,
        help_text=_("The camp as the source names it, kept even when it is not yet in the "
                    "camps directory."),
    )
    authority = VisibleCharField(
        _("authority"), max_length=200, blank=True,
        help_text=_("Who decided: NKVD troika, Special Council (OSO), Military Collegium of "
                    "the Supreme Court, a court; for a rehabilitation, who rehabilitated."),
    )
    article = VisibleCharField(
        _("article"), max_length=100, blank=True,
        help_text=_("Article of the criminal code, e.g. 58-10, 58-11."),
    )
    sentence = VisibleCharField(_("sentence"), max_length=300, blank=True,
                                help_text=_("As written, e.g. “10 years ITL”, “VMN” (death)."))
    term_years = models.PositiveSmallIntegerField(_("term in years"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    history = HistoricalRecords(indexed=("person",))

    class Meta:
        verbose_name = _("repression event")
        verbose_name_plural = _("repression events")
        ordering = ["date_lower", "id"]
        # (kind, date) serves lookups by kind alone as well.
        indexes = [
            models.Index(fields=["kind", "date_lower"], name="event_kind_date"),
            # Only the events that have a value: most have no exact day, camp or place
            # from the directory (indexes.py).
            indexed_where_set("anniversary", "event_anniversary"),
            indexed_where_set("place", "event_place"),
            indexed_where_set("camp", "event_camp"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.date or ''}".strip()
