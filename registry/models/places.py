"""Places and camps: where people were born, lived, were arrested, held and killed."""

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from registry.models.fields import VisibleCharField
from registry.models.history import HistoricalRecords


class Place(models.Model):
    class Kind(models.TextChoices):
        SETTLEMENT = "settlement", _("settlement")
        DISTRICT = "district", _("district")
        REGION = "region", _("region")
        REPUBLIC = "republic", _("republic")
        COUNTRY = "country", _("country")

    name = VisibleCharField(
        _("name"), max_length=200, db_index=True,
        help_text=_("The name used today, as the registry shows it. Earlier names and names "
                    "in other scripts go below."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind, default=Kind.SETTLEMENT)
    parent = models.ForeignKey(
        "self", verbose_name=_("part of"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="children", help_text=_("The region or country this place lies in."),
    )
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    verified = models.BooleanField(
        _("verified"), default=True,
        help_text=_("Unticked for a place made from a family's submission because the "
                    "registry did not know it: a moderator checks its name, kind and "
                    "region, or merges it into the place it is."))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("place")
        verbose_name_plural = _("places")
        ordering = ["name"]

    def __str__(self):
        return f"{self.name}, {self.parent.name}" if self.parent_id else self.name


class PlaceName(models.Model):
    """Another name of a place: an earlier name, or the name in another script."""

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="names")
    name = VisibleCharField(_("name"), max_length=200, db_index=True)
    language = models.CharField(
        _("language"), max_length=10, blank=True,
        help_text=_("Language code of this name, e.g. ru, kk, en, de."),
    )
    year_from = models.PositiveSmallIntegerField(_("used from"), null=True, blank=True)
    year_to = models.PositiveSmallIntegerField(_("used until"), null=True, blank=True)
    history = HistoricalRecords(indexed=("place",))

    class Meta:
        verbose_name = _("name of a place")
        verbose_name_plural = _("names of places")
        ordering = ["year_from", "name"]

    def __str__(self):
        return self.name

    @property
    def years(self) -> str:
        if self.year_from or self.year_to:
            return f"{self.year_from or ''}–{self.year_to or ''}"
        return ""


class CampQuerySet(models.QuerySet):
    def public(self):
        """The camps visitors see as camps (a list, a page, a filter): every one but those
        made from a family's words and not yet checked by a moderator."""
        return self.filter(verified=True)


class Camp(models.Model):
    """A Gulag camp, prison or special settlement."""

    class Kind(models.TextChoices):
        CORRECTIVE_LABOUR_CAMP = "itl", _("corrective labour camp")
        SPECIAL_CAMP = "special_camp", _("special camp")
        CAMP_FOR_WIVES = "wives_camp", _("camp for wives of traitors to the motherland")
        SPECIAL_SETTLEMENT = "special_settlement", _("special settlement")
        PRISON = "prison", _("prison")
        OTHER = "other", _("other")

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name = VisibleCharField(_("name"), max_length=200, help_text=_("The usual short name, e.g. "
                                                                    "ALZHIR or Karlag."))
    full_name = VisibleCharField(_("full name"), max_length=400, blank=True)
    abbreviation = VisibleCharField(_("abbreviation"), max_length=50, blank=True)
    other_names = models.TextField(
        _("other names"), blank=True,
        help_text=_("Other names and spellings, one per line, e.g. АЛЖИР, Акмолинский лагерь "
                    "жён изменников Родины."),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind, default=Kind.OTHER)
    place = models.ForeignKey(
        Place, verbose_name=_("place"), null=True, blank=True, on_delete=models.SET_NULL,
    )
    year_opened = models.PositiveSmallIntegerField(_("opened"), null=True, blank=True)
    year_closed = models.PositiveSmallIntegerField(_("closed"), null=True, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    verified = models.BooleanField(
        _("verified"), default=True,
        help_text=_("Unticked for a camp made from a family's submission because the "
                    "registry did not know it: until a moderator checks it (its name, kind, "
                    "place and years) its people show the name as the family wrote it, and "
                    "it has no page of its own."))
    history = HistoricalRecords()

    objects = CampQuerySet.as_manager()

    class Meta:
        verbose_name = _("camp")
        verbose_name_plural = _("camps")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("registry:camp", args=[self.slug])

    def all_names(self) -> list[str]:
        names = [self.name, self.full_name, self.abbreviation, *self.other_names.splitlines()]
        return [name.strip() for name in names if name.strip()]
