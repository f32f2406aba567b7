"""The person remembered, the other ways their name is written, and their relatives."""

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from registry import dates
from registry.models.fields import (
    PartialDateField,
    PartialDateLowerField,
    PartialDateUpperField,
    VisibleCharField,
)
from registry.models.history import HistoricalRecords
from registry.models.indexes import indexed_where_set
from registry.models.places import Place


class PersonQuerySet(models.QuerySet):
    def published(self):
        """The one gate for the public: everything a visitor sees starts here."""
        return self.filter(status=Person.Status.PUBLISHED)

    def pending_review(self):
        return self.filter(status=Person.Status.PENDING)


class Person(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("pending review")
        PUBLISHED = "published", _("published")
        REJECTED = "rejected", _("rejected")
        HIDDEN = "hidden", _("hidden")
        MERGED = "merged", _("merged into another record")

    # The moves registry/moderation.py allows; anything else raises InvalidTransition.
    TRANSITIONS = {
        Status.PENDING: {Status.PUBLISHED, Status.REJECTED, Status.MERGED},
        Status.PUBLISHED: {Status.HIDDEN, Status.MERGED},
        Status.HIDDEN: {Status.PUBLISHED, Status.MERGED},
        Status.REJECTED: {Status.PENDING},
        Status.MERGED: set(),  # only undoing the merge brings a record back
    }

    class Sex(models.TextChoices):
        MALE = "male", _("male")
        FEMALE = "female", _("female")

    class Fate(models.TextChoices):
        EXECUTED = "executed", _("executed")
        DIED_IN_CUSTODY = "died_in_custody", _("died in custody")
        DIED_IN_EXILE = "died_in_exile", _("died in exile")
        SURVIVED = "survived", _("survived")
        UNKNOWN = "unknown", _("unknown")

    surname = VisibleCharField(
        _("surname"), max_length=150,
        help_text=_("As written in the main source, in any script."),
    )
    given_name = VisibleCharField(_("given name"), max_length=150, blank=True)
    patronymic = VisibleCharField(_("patronymic"), max_length=150, blank=True)
    maiden_name = VisibleCharField(
        _("maiden name"), max_length=150, blank=True,
        help_text=_("Surname before marriage, if different."),
    )
    sex = models.CharField(_("sex"), max_length=10, choices=Sex, blank=True)

    birth_date = PartialDateField(
        _("date of birth"),
        help_text=_("A year, month and year, or full date; may be qualified: about 1900, "
                    "before 1905, 1898–1901."),
    )
    birth_date_lower = PartialDateLowerField(source="birth_date", db_index=True)
    birth_date_upper = PartialDateUpperField(source="birth_date")
    birth_place = models.ForeignKey(
        Place, db_index=False, verbose_name=_("place of birth"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="births",
    )
    birth_place_name = VisibleCharField(
        _("place of birth as written"), max_length=300, blank=True,
        help_text=_("Exactly as the source gives it, e.g. “с. Тургай Тургайской обл.”."),
    )
    nationality = VisibleCharField(_("nationality"), max_length=100, blank=True)
    occupation = VisibleCharField(_("occupation"), max_length=300, blank=True)
    education = VisibleCharField(_("education"), max_length=200, blank=True)
    party_membership = VisibleCharField(
        _("party membership"), max_length=200, blank=True,
        help_text=_("E.g. member of the VKP(b) since 1920, expelled 1937; or non-party."),
    )
    residence = VisibleCharField(
        _("last address"), max_length=300, blank=True,
        help_text=_("Where the person lived before the arrest, as written."),
    )
    residence_place = models.ForeignKey(
        Place, db_index=False, verbose_name=_("place of residence"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="residents",
    )
    death_date = PartialDateField(_("date of death"))
    death_date_lower = PartialDateLowerField(source="death_date")  # indexed where set
    death_date_upper = PartialDateUpperField(source="death_date")
    death_place = models.ForeignKey(
        Place, db_index=False, verbose_name=_("place of death"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="deaths",
    )
    death_place_name = VisibleCharField(_("place of death as written"), max_length=300,
                                        blank=True)
    fate = models.CharField(_("fate"), max_length=20, choices=Fate, default=Fate.UNKNOWN)
    biography = models.TextField(_("biography"), blank=True,
                                 help_text=_("Plain text; a blank line starts a new paragraph."))
    # NULL, not "", for a record without one: the constraint below allows many NULLs.
    external_id = models.CharField(  # noqa: DJ001
        _("external ID"), max_length=100, null=True, blank=True,
        help_text=_("The key of this record in the source it was imported from; a re-import "
                    "updates the record with the same key."),
    )
    is_demo = models.BooleanField(
        _("demo record"), default=False,
        help_text=_("Fictional person made by generate_demo; never a real victim."),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.PENDING)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True, editable=False)
    merged_into = models.ForeignKey(
        "self", verbose_name=_("merged into"), null=True, blank=True, editable=False,
        db_index=False,
        on_delete=models.SET_NULL, related_name="merged_records",
        help_text=_("The record that took over this one; its old address redirects there."),
    )

    history = HistoricalRecords()
    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        # The id last: people of the same name keep one order from page to page.
        ordering = ["surname", "given_name", "patronymic", "id"]
        indexes = [
            models.Index(fields=["status", "surname", "given_name"], name="person_status_name"),
            # "Latest published" on the home page, read from the index in its order (the
            # id breaks ties: a bulk publication gives many people one time).
            models.Index(fields=["-published_at", "-id"], condition=models.Q(status="published"),
                         name="person_latest_published"),
            # Plain indexes, not ``db_index``, which on PostgreSQL adds a second,
            # ``LIKE``-pattern index per text column that no query of the registry uses.
            models.Index(fields=["surname", "given_name", "patronymic"], name="person_name"),
            # A filter on nationality or fate, alone, counts its published people from
            # the index alone and can read them in name order.
            models.Index(fields=["nationality", "surname", "given_name", "patronymic", "id"],
                         condition=models.Q(status="published"),
                         name="person_published_nationality"),
            models.Index(fields=["fate", "surname", "given_name", "patronymic", "id"],
                         condition=models.Q(status="published"), name="person_published_fate"),
            # Only the records that have a value: most have none (indexes.py).
            models.Index(fields=["is_demo"], condition=models.Q(is_demo=True),
                         name="person_demo"),
            indexed_where_set("merged_into", "person_merged_into"),
            indexed_where_set("birth_place", "person_birth_place"),
            indexed_where_set("death_place", "person_death_place"),
            indexed_where_set("residence_place", "person_residence_place"),
            indexed_where_set("death_date_lower", "person_death_date"),
        ]
        constraints = [
            # A constraint rather than ``unique=True``, which on PostgreSQL adds a second,
            # ``LIKE``-pattern index that no query uses.
            models.UniqueConstraint(fields=["external_id"], name="person_external_id_unique"),
        ]

    def __str__(self):
        return self.full_name or f"#{self.pk}"

    def get_absolute_url(self):
        return reverse("registry:person", args=[self.pk])

    @classmethod
    def from_db(cls, db, field_names, values):
        """Remember the status as read: a save from pending to published only adds to what
        the public sees, any other save of a published record may take from it
        (``registry.freshness``)."""
        person = super().from_db(db, field_names, values)
        if "status" in person.__dict__:  # not deferred
            person.loaded_status = person.status
        return person

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.surname, self.given_name, self.patronymic) if part)

    @property
    def age_at_death(self) -> int | None:
        """Whole years, only when both dates are exact enough to say it honestly."""
        return dates.whole_years_between(self.birth_date, self.death_date)


class NameVariant(models.Model):
    """Another way the person's name is written; search runs over these too."""

    class Kind(models.TextChoices):
        OTHER_SCRIPT = "other_script", _("in another script")
        TRANSLITERATION = "transliteration", _("transliteration")
        DOCUMENT_SPELLING = "document_spelling", _("spelling in a document")
        NATIONAL_FORM = "national_form", _("national form (e.g. Kazakh -ұлы)")
        MAIDEN_NAME = "maiden_name", _("maiden or married name")
        PSEUDONYM = "pseudonym", _("pseudonym")
        OTHER = "other", _("other")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="variants")
    surname = VisibleCharField(_("surname"), max_length=150, blank=True)
    given_name = VisibleCharField(_("given name"), max_length=150, blank=True)
    patronymic = VisibleCharField(_("patronymic"), max_length=150, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind, default=Kind.OTHER)
    note = VisibleCharField(_("note"), max_length=300, blank=True,
                            help_text=_("Where this spelling comes from."))
    history = HistoricalRecords(indexed=("person",))

    class Meta:
        verbose_name = _("name variant")
        verbose_name_plural = _("name variants")
        ordering = ["id"]

    def __str__(self):
        return " ".join(part for part in (self.surname, self.given_name, self.patronymic) if part)


class Relationship(models.Model):
    """``relative`` is the ``kind`` of ``person``: e.g. kind=spouse, kind=parent."""

    class Kind(models.TextChoices):
        SPOUSE = "spouse", _("spouse")
        PARENT = "parent", _("parent")
        CHILD = "child", _("child")
        SIBLING = "sibling", _("sibling")

    INVERSE = {Kind.SPOUSE: Kind.SPOUSE, Kind.PARENT: Kind.CHILD, Kind.CHILD: Kind.PARENT,
               Kind.SIBLING: Kind.SIBLING}

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="relationships")
    relative = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+",
                                 verbose_name=_("relative"))
    kind = models.CharField(_("relation"), max_length=10, choices=Kind,
                            help_text=_("What the relative is to this person."))
    note = VisibleCharField(_("note"), max_length=300, blank=True)
    history = HistoricalRecords(indexed=("person",))

    class Meta:
        verbose_name = _("relationship")
        verbose_name_plural = _("relationships")
        constraints = [
            models.UniqueConstraint(fields=["person", "relative", "kind"],
                                    name="relationship_unique"),
            models.CheckConstraint(condition=~models.Q(person=models.F("relative")),
                                   name="relationship_not_self"),
        ]

    def __str__(self):
        return f"{self.person} — {self.get_kind_display()}: {self.relative}"


class NamedRelative(models.Model):
    """A relative the family named who has no record of their own in the registry (yet):
    shown on the profile by name, so what a family told is not lost. When the relative
    is in the registry, a ``Relationship`` links the two records instead."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE,
                               related_name="named_relatives")
    name = VisibleCharField(_("full name"), max_length=300)
    kind = models.CharField(_("relation"), max_length=10, choices=Relationship.Kind,
                            blank=True, help_text=_("What the relative is to this person."))
    note = VisibleCharField(_("what happened to them"), max_length=300, blank=True)
    history = HistoricalRecords(indexed=("person",))

    class Meta:
        verbose_name = _("named relative")
        verbose_name_plural = _("named relatives")
        ordering = ["id"]

    def __str__(self):
        return self.name
