"""Keeping the search keys in step with what they come from: ``NameKey`` with the names,
``YearKey`` with the dates of birth, death and arrest.

The keys are derived data, like a search vector: rebuilding them never loses anything, so
they are refreshed whenever a person, a name variant or an event is saved (signals
connected in ``RegistryConfig.ready``), written beside the people by the importer and the
demo generator, and rebuilt in full by ``manage.py rebuild_name_keys`` after a change of
rules.
"""

from __future__ import annotations

import datetime
import functools
import threading
from collections.abc import Iterable, Iterator

from django.db import transaction

from registry.dates import PartialDate
from registry.models import (
    NameKey,
    NameSound,
    NameSpelling,
    NameVariant,
    Person,
    RepressionEvent,
    YearKey,
)
from registry.names import TokenKeys, search_keys, sex_stem

NAME_FIELDS = ("surname", "given_name", "patronymic", "maiden_name")
VARIANT_FIELDS = ("surname", "given_name", "patronymic")


def folded_keys(names: Iterable[str], vocabulary: Vocabulary | None = None) -> set[str]:
    """Every folded spelling of every word of ``names``; each word's readings go into
    ``vocabulary`` when one is given."""
    keys = set()
    for name in names:
        if not name:
            continue
        foldings, tokens = _readings_of(name)
        keys |= foldings
        if vocabulary is not None:
            vocabulary.add_name(name, tokens)
    return keys


# A Book of Memory repeats the same surnames, given names and patronymics thousands of
# times: each name is read once (an import spent a tenth of its time re-reading them).
@functools.lru_cache(maxsize=65_536)
def _readings_of(name: str) -> tuple[frozenset[str], tuple[TokenKeys, ...]]:
    tokens = tuple(search_keys(name))
    return frozenset().union(*(token.foldings for token in tokens)), tokens


class Vocabulary:
    """Spellings, their stems and their sounds met while keying names, written in bulk.

    Remembers what it has written, so a long import sends each spelling once.
    """

    def __init__(self):
        self._seen_names: set[str] = set()
        self._seen_words: set[TokenKeys] = set()
        self._known_spellings: set[str] = set()
        self._known_sounds: set[tuple[str, str]] = set()
        self._spellings: dict[str, str] = {}
        self._sounds: set[tuple[str, str]] = set()

    def add_name(self, name: str, tokens: Iterable[TokenKeys]) -> None:
        if name not in self._seen_names:  # a list repeats its names thousands of times
            self._seen_names.add(name)
            for token in tokens:
                self.add(token)

    def add(self, token: TokenKeys) -> None:
        if token in self._seen_words:  # word_keys memoises tokens: most are repeats
            return
        self._seen_words.add(token)
        for folded in token.foldings:
            if folded not in self._known_spellings:
                self._known_spellings.add(folded)
                self._spellings[folded] = sex_stem(folded)
        for sound in token.sounds:
            if sound not in self._known_sounds:
                self._known_sounds.add(sound)
                self._sounds.add(sound)

    def write(self) -> None:
        self.write_taken(self.take())

    def take(self) -> tuple[dict[str, str], set[tuple[str, str]]]:
        """What was met since the last ``take``, for ``write_taken`` (maybe elsewhere: the
        importer keys names in its reading process and writes in the main one)."""
        taken = self._spellings, self._sounds
        self._spellings, self._sounds = {}, set()
        return taken

    @staticmethod
    def write_taken(taken: tuple[dict[str, str], set[tuple[str, str]]] | tuple = ()) -> None:
        if not taken:
            return
        spellings, sounds = taken
        # A known spelling takes the stem of the current rules (rebuild_name_keys after a
        # change of rules remakes them).
        NameSpelling.objects.bulk_create(
            [NameSpelling(key=key, stem=stem_of) for key, stem_of in spellings.items()],
            update_conflicts=True, unique_fields=["key"], update_fields=["stem"],
            batch_size=2000)
        NameSound.objects.bulk_create(
            [NameSound(code=code, spelling=spelling) for code, spelling in sorted(sounds)],
            ignore_conflicts=True, batch_size=2000)


def names_of(fields: dict, variants: Iterable[dict] = ()) -> Iterator[str]:
    """Every name part of a person (as a dict of fields) and of its variants."""
    for field in NAME_FIELDS:
        yield fields.get(field) or ""
    for variant in variants:
        for field in VARIANT_FIELDS:
            yield variant.get(field) or ""


def key_rows(person_id: int | None, names: Iterable[str], *, published: bool, sort_name: str,
             year_bits: int = 0, vocabulary: Vocabulary | None = None) -> list[dict]:
    """Rows for ``BulkInserter(NameKey)``: one per distinct spelling of the person's names
    (``year_bits``: of the person's ``year_rows``)."""
    return [{"person_id": person_id, "key": key, "published": published,
             "sort_name": sort_name, "year_bits": year_bits}
            for key in sorted(folded_keys(names, vocabulary))]


def listing(fields: dict) -> dict:
    """What a key copies of its person: whether published, and the name to sort by."""
    return {"published": fields.get("status") == Person.Status.PUBLISHED,
            "sort_name": sort_name(fields)}


def sort_name(fields: dict) -> str:
    """``surname given_name patronymic``, the order of the registry's lists (and of
    migration 0005, which makes the same text in SQL)."""
    return " ".join((fields.get("surname") or "", fields.get("given_name") or "",
                     fields.get("patronymic") or "")).strip(" ")


def year_rows(person_id: int | None, dates: Iterable[PartialDate | None]) -> list[dict]:
    """Rows for ``BulkInserter(YearKey)``: one per distinct span of years of ``dates`` (a
    person's birth and death and their arrests)."""
    return _year_rows(person_id, ((date.lower, date.upper) for date in dates if date))


def _year_rows(person_id: int | None,
               bounds: Iterable[tuple[datetime.date | None, datetime.date | None]]) -> list[dict]:
    # An open date ("before 1938") has no span: a year never matched it.
    spans = {(lower.year, upper.year) for lower, upper in bounds if lower and upper}
    return [{"person_id": person_id, "first_year": first, "last_year": last}
            for first, last in sorted(spans)]


# The years a name key carries as bits (bit i: FIRST_YEAR_BIT + i): the years of the Terror,
# the camps and the births of those repressed then, which visitors type most. 63 of them,
# as a PostgreSQL bigint is signed. A year outside is checked on the year keys instead.
FIRST_YEAR_BIT = 1890
YEARS_IN_BITS = range(FIRST_YEAR_BIT, FIRST_YEAR_BIT + 63)


def year_bit(year: int) -> int | None:
    """The bit of ``year`` in ``NameKey.year_bits``; None for a year it does not carry."""
    return 1 << (year - FIRST_YEAR_BIT) if year in YEARS_IN_BITS else None


def year_bits(spans: Iterable[dict]) -> int:
    """Every year of these ``year_rows`` that the bits carry: a year is set exactly when
    a span holds it, so a search needs no other check for it."""
    bits = 0
    for span in spans:
        first = max(span["first_year"], YEARS_IN_BITS.start)
        last = min(span["last_year"], YEARS_IN_BITS.stop - 1)
        if first <= last:
            bits |= ((1 << (last - first + 1)) - 1) << (first - FIRST_YEAR_BIT)
    return bits


@transaction.atomic
def reindex_years(person_ids: Iterable[int]) -> dict[int, int]:
    """Replace the year keys of these people with spans of their current dates, and the
    years their name keys carry; returns those ``year_bits`` by person."""
    person_ids = list(person_ids)
    bounds: dict[int, list[tuple]] = {pk: [] for pk in person_ids}
    for pk, *dates in Person.objects.filter(pk__in=person_ids).values_list(
            "pk", "birth_date_lower", "birth_date_upper", "death_date_lower",
            "death_date_upper"):
        bounds[pk] += [dates[:2], dates[2:]]
    for pk, lower, upper in RepressionEvent.objects.filter(
            person_id__in=person_ids, kind=RepressionEvent.Kind.ARREST).values_list(
            "person_id", "date_lower", "date_upper"):
        bounds[pk].append((lower, upper))
    YearKey.objects.filter(person_id__in=person_ids).delete()
    spans = {pk: _year_rows(pk, dates) for pk, dates in bounds.items()}
    YearKey.objects.bulk_create([YearKey(**row) for rows in spans.values() for row in rows],
                                batch_size=2000)
    people_by_bits: dict[int, list[int]] = {}
    for pk, rows in spans.items():
        people_by_bits.setdefault(year_bits(rows), []).append(pk)
    for bits, people in people_by_bits.items():
        NameKey.objects.filter(person_id__in=people).exclude(year_bits=bits).update(
            year_bits=bits)
    return {pk: bits for bits, people in people_by_bits.items() for pk in people}


@transaction.atomic
def reindex_people(person_ids: Iterable[int]) -> int:
    """Replace the keys of these people with keys made from their current names and
    dates; returns the number of name keys."""
    person_ids = list(person_ids)
    bits = reindex_years(person_ids)
    people = Person.objects.filter(pk__in=person_ids).values("pk", "status", *NAME_FIELDS)
    variants: dict[int, list[dict]] = {}
    for variant in NameVariant.objects.filter(person_id__in=person_ids).values(
            "person_id", *VARIANT_FIELDS):
        variants.setdefault(variant["person_id"], []).append(variant)
    NameKey.objects.filter(person_id__in=person_ids).delete()
    vocabulary = Vocabulary()
    rows = [NameKey(**row) for person in people
            for row in key_rows(person["pk"], names_of(person, variants.get(person["pk"], [])),
                                **listing(person), year_bits=bits[person["pk"]],
                                vocabulary=vocabulary)]
    NameKey.objects.bulk_create(rows, batch_size=2000)
    vocabulary.write()
    return len(rows)


# People whose deletion is under way: their variants' post_delete must not write keys
# that would then point at a deleted person.
_deleting = threading.local()


def _reindex_person(sender, instance, **kwargs):
    if person_id := _person_to_reindex(instance, **kwargs):
        reindex_people([person_id])


def _reindex_years(sender, instance, **kwargs):
    if person_id := _person_to_reindex(instance, **kwargs):
        reindex_years([person_id])


def _person_to_reindex(instance, **kwargs) -> int | None:
    if kwargs.get("raw"):  # loaddata: the fixture carries what it carries
        return None
    person_id = instance.pk if isinstance(instance, Person) else instance.person_id
    if person_id is None or person_id in getattr(_deleting, "ids", set()):
        return None
    return person_id


def _person_deleting(sender, instance, **kwargs):
    _deleting.ids = getattr(_deleting, "ids", set()) | {instance.pk}


def _person_deleted(sender, instance, **kwargs):
    _deleting.ids = getattr(_deleting, "ids", set()) - {instance.pk}


def connect_signals():
    from django.db.models.signals import post_delete, post_save, pre_delete

    post_save.connect(_reindex_person, sender=Person, dispatch_uid="namekey-person")
    post_save.connect(_reindex_person, sender=NameVariant, dispatch_uid="namekey-variant")
    post_delete.connect(_reindex_person, sender=NameVariant,
                        dispatch_uid="namekey-variant-delete")
    post_save.connect(_reindex_years, sender=RepressionEvent, dispatch_uid="yearkey-event")
    post_delete.connect(_reindex_years, sender=RepressionEvent,
                        dispatch_uid="yearkey-event-delete")
    pre_delete.connect(_person_deleting, sender=Person, dispatch_uid="namekey-person-deleting")
    post_delete.connect(_person_deleted, sender=Person, dispatch_uid="namekey-person-deleted")
