"""Search keys of every word of every name a person is known by (see registry/names.py)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.models.person import Person


class NameKey(models.Model):
    """One folded spelling of one word of a person's name or name variant.

    Derived data: made from the names by ``registry.search_index`` whenever a person or a
    variant is saved, an import or the demo writes people, or ``rebuild_name_keys`` runs.
    It has no history of its own; the names it comes from do. The other readings of a word
    (its stem without a suffix of sex, its Daitch–Mokotoff codes) belong to the spelling,
    not to the person, and live once in the vocabulary (``NameSpelling``, ``NameSound``):
    a search turns them into spellings first, then finds people by spelling here.

    ``published``, ``sort_name`` and ``year_bits`` copy the person's status, name and years
    so that a visitor's search ranks, orders and counts from one index of the keys alone,
    without reading a person row per match (docs/performance.md). They follow the person
    on every save, which is why a status changes only through ``save()``
    (registry/moderation.py).
    """

    # No constraint in the database: keys are rebuilt from the names and deleted with
    # their person by Django. The database checking that every key's person exists cost
    # a fifth of the checks an import makes at each commit (docs/performance.md).
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="name_keys",
                               db_constraint=False)
    key = models.CharField(_("key"), max_length=150)
    published = models.BooleanField(_("person published"), default=False)
    sort_name = models.CharField(_("sort name"), max_length=460, blank=True)
    # The person's years (see YearKey) as bits, for the years most searched: a query such
    # as "Kim 1937" keeps the right people while it scans the keys' index, rather than
    # checking a year key per holder of the surname (registry.search_index.year_bits).
    year_bits = models.BigIntegerField(_("years as bits"), default=0)

    class Meta:
        verbose_name = _("name search key")
        verbose_name_plural = _("name search keys")
        indexes = [
            models.Index(fields=["key", "person"], name="namekey_key_person"),
            # Visitors' searches: index-only ranking of published people, in name order.
            models.Index(fields=["key", "person", "sort_name", "year_bits"],
                         condition=models.Q(published=True), name="namekey_published_years"),
        ]

    def __str__(self):
        return self.key


class NameSpelling(models.Model):
    """Every folded spelling some name in the registry has: the vocabulary of names.

    A typo is looked up here first, by trigram similarity over a few thousand distinct
    spellings rather than over the millions of keys; so is the other sex's form, by the
    ``stem`` (Ivanova and Ivanov share ``ivan``). The spellings found are then matched
    exactly. Spellings are only added (a spelling no longer used matches nobody).
    """

    key = models.CharField(_("spelling"), max_length=150, unique=True)
    stem = models.CharField(
        _("stem"), max_length=150, blank=True,
        help_text=_("The spelling without its suffix of sex (-ov, -ova, -uly…); blank when "
                    "it has none."))

    class Meta:
        verbose_name = _("name spelling")
        verbose_name_plural = _("name spellings")
        indexes = [models.Index(fields=["stem"], name="namespelling_stem",
                                condition=~models.Q(stem=""))]

    def __str__(self):
        return self.key


class NameSound(models.Model):
    """A Daitch–Mokotoff code of a spelling: how the names written that way sound.

    Codes are made from a word as written as well as from its folded spelling (``sz``,
    ``cz`` and ``w`` sound alike across languages), so one spelling may have several.
    """

    code = models.CharField(_("Daitch–Mokotoff code"), max_length=6)
    spelling = models.CharField(_("spelling"), max_length=150)

    class Meta:
        verbose_name = _("name sound")
        verbose_name_plural = _("name sounds")
        constraints = [models.UniqueConstraint(fields=["code", "spelling"],
                                               name="namesound_code_spelling")]

    def __str__(self):
        return f"{self.code}: {self.spelling}"


class YearKey(models.Model):
    """A span of years in which a person's birth, death or one of their arrests may fall:
    what a year typed beside a name (``Kim 1937``) is checked against.

    Derived data, like ``NameKey``, remade with it from the person's dates and arrests by
    ``registry.search_index``. A search checks a year on every person its names found
    (thousands for a common surname): one probe of this small index each, where reading
    the person's row and their events took a page of the table per person and seconds on
    a cold cache (docs/performance.md). Open dates ("before 1938") have no span, as they
    never matched a year.
    """

    # As NameKey: no constraint (rebuilt, deleted with the person by Django); no index of
    # its own, the index below begins with the person.
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="year_keys",
                               db_constraint=False, db_index=False)
    first_year = models.PositiveSmallIntegerField(_("first year"))
    last_year = models.PositiveSmallIntegerField(_("last year"))

    class Meta:
        verbose_name = _("year search key")
        verbose_name_plural = _("year search keys")
        indexes = [models.Index(fields=["person", "first_year", "last_year"],
                                name="yearkey_person_years")]

    def __str__(self):
        return f"{self.first_year}–{self.last_year}"
