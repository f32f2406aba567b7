"""Reading lists for "Returning the Names": who is read, how each name is read, in portions.

Every 29–30 October people read the names of the executed aloud, one card each:
"Name, age, occupation, executed on DATE". A list is chosen with the filters of the search
(``registry.filters.PersonFilter``: a place under any of its names, a camp, dates, a fate,
a name), so a list "from a search" is the same query string. This module turns the chosen
people into read-aloud entries, streamed in chunks so a list of a whole region never sits
in memory, and numbers them into portions for several readers.
"""

from __future__ import annotations

import functools
import hashlib
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db.models import Case, OuterRef, QuerySet, Subquery, Value, When
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext_lazy

from registry import dates
from registry.dates import PartialDate
from registry.models import Person, RepressionEvent
from registry.templatetags.registry import partial_date

# A name, an age, an occupation and a date take about ten seconds to read slowly and clearly.
DEFAULT_PACE = 6  # names per minute
DEFAULT_PORTION = 50
MAX_PORTION = 1000
CHUNK = 5000
# Parameters of the list that are not filters of the people (portions, pages, the card).
LIST_PARAMETERS = ("size", "readers", "minutes", "pace", "page", "n", "action",
                   "csrfmiddlewaretoken")
READING_FIELDS = ("id", "surname", "given_name", "patronymic", "sex", "occupation", "fate",
                  "birth_date", "death_date", "death_place_name", "is_demo")


@dataclass(frozen=True)
class Entry:
    """One person as read aloud."""

    person_id: int
    surname: str
    given_name: str
    patronymic: str
    age: int | None
    occupation: str
    happened: str
    is_demo: bool = False

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.surname, self.given_name, self.patronymic)
                        if part)

    @property
    def details(self) -> str:
        """What is read after the name: ``42 года, учитель, расстрелян 29 октября 1937``."""
        parts = []
        if self.age is not None:
            parts.append(ngettext("%(age)d year old", "%(age)d years old", self.age)
                         % {"age": self.age})
        parts += [text for text in (self.occupation, self.happened) if text]
        return ", ".join(parts)

    @property
    def line(self) -> str:
        """``Иванов Иван Петрович, 42 года, учитель, расстрелян 29 октября 1937``."""
        return ", ".join(part for part in (self.name, self.details) if part)


def reading_order(people: QuerySet[Person]) -> QuerySet[Person]:
    """Alphabetical, as lists are read, whatever order a name search ranked them in."""
    return people.order_by("surname", "given_name", "patronymic", "id")


def for_reading(people: QuerySet[Person]) -> QuerySet:
    """The columns a reading needs, as rows (no model instances: a region's list has tens
    of thousands), in reading order. The name of the person's last camp, for "died in
    Karlag", is looked up only for those who died in custody."""
    last_camp = (RepressionEvent.objects.filter(person=OuterRef("pk"), camp__isnull=False)
                 .order_by("-date_lower", "-id").values("camp__name")[:1])
    camp_name = Case(When(fate=Person.Fate.DIED_IN_CUSTODY, then=Subquery(last_camp)),
                     default=Value(""))
    return (reading_order(people).annotate(camp_name=camp_name)
            .values_list(*READING_FIELDS, "camp_name", named=True))


def entries(people: QuerySet[Person]) -> Iterator[Entry]:
    """Entries of ``people`` (already through the published gate), streamed in chunks."""
    language = translation.get_language()  # once: it is a thread-local lookup
    for row in for_reading(people).iterator(chunk_size=CHUNK):
        yield entry(row, language)


def entry(person, language: str | None = None) -> Entry:
    """The entry of a row of ``for_reading`` (or of a ``Person``), in ``language`` (by
    default the active one)."""
    return Entry(person_id=person.id, surname=person.surname, given_name=person.given_name,
                 patronymic=person.patronymic,
                 age=dates.whole_years_between(person.birth_date, person.death_date),
                 occupation=person.occupation,
                 happened=what_happened(person.fate, person.sex, person.death_date,
                                        getattr(person, "camp_name", None) or "",
                                        language or translation.get_language()),
                 is_demo=person.is_demo)


def _gendered(male, female, unknown) -> dict[str, str]:
    return {"male": male, "female": female, "unknown": unknown}


# Russian says "расстрелян" of a man and "расстреляна" of a woman: each phrase has a form
# per sex (the context), written out so that makemessages finds every one of them.
PHRASES = {
    "executed_on": _gendered(pgettext_lazy("male", "executed %(date)s"),
                             pgettext_lazy("female", "executed %(date)s"),
                             pgettext_lazy("sex unknown", "executed %(date)s")),
    "executed": _gendered(pgettext_lazy("male", "executed"), pgettext_lazy("female", "executed"),
                          pgettext_lazy("sex unknown", "executed")),
    "died_in_camp_on": _gendered(pgettext_lazy("male", "died in %(camp)s, %(date)s"),
                                 pgettext_lazy("female", "died in %(camp)s, %(date)s"),
                                 pgettext_lazy("sex unknown", "died in %(camp)s, %(date)s")),
    "died_in_camp": _gendered(pgettext_lazy("male", "died in %(camp)s"),
                              pgettext_lazy("female", "died in %(camp)s"),
                              pgettext_lazy("sex unknown", "died in %(camp)s")),
    "died_in_custody_on": _gendered(pgettext_lazy("male", "died in custody, %(date)s"),
                                    pgettext_lazy("female", "died in custody, %(date)s"),
                                    pgettext_lazy("sex unknown", "died in custody, %(date)s")),
    "died_in_custody": _gendered(pgettext_lazy("male", "died in custody"),
                                 pgettext_lazy("female", "died in custody"),
                                 pgettext_lazy("sex unknown", "died in custody")),
    "died_in_exile_on": _gendered(pgettext_lazy("male", "died in exile, %(date)s"),
                                  pgettext_lazy("female", "died in exile, %(date)s"),
                                  pgettext_lazy("sex unknown", "died in exile, %(date)s")),
    "died_in_exile": _gendered(pgettext_lazy("male", "died in exile"),
                               pgettext_lazy("female", "died in exile"),
                               pgettext_lazy("sex unknown", "died in exile")),
    "survived": _gendered(pgettext_lazy("male", "survived"), pgettext_lazy("female", "survived"),
                          pgettext_lazy("sex unknown", "survived")),
    "died_on": _gendered(pgettext_lazy("male", "died %(date)s"),
                         pgettext_lazy("female", "died %(date)s"),
                         pgettext_lazy("sex unknown", "died %(date)s")),
}


# A list repeats the same few hundred dates, fates and camps: each phrase is made once per
# language (a 66,000-name list spent a third of its time formatting the same dates).
@functools.lru_cache(maxsize=16_384)
def what_happened(fate: str, sex: str, death_date: PartialDate | None, camp: str,
                  language: str | None) -> str:
    """``executed 29 October 1937``; ``died in Karlag, 1942``; in the person's grammatical
    gender where the language has one. ``language`` is the active language (it keys the
    memo; the phrase is made in it)."""
    sex = sex if sex in ("male", "female") else "unknown"
    date = partial_date(death_date)
    Fate = Person.Fate
    if fate == Fate.EXECUTED:
        key = "executed_on" if date else "executed"
    elif fate == Fate.DIED_IN_CUSTODY:
        key = ("died_in_camp" if camp else "died_in_custody") + ("_on" if date else "")
    elif fate == Fate.DIED_IN_EXILE:
        key = "died_in_exile_on" if date else "died_in_exile"
    elif fate == Fate.SURVIVED:
        key = "survived"
    elif date:
        key = "died_on"
    else:
        return ""
    return str(PHRASES[key][sex]) % {"date": date, "camp": camp}


# --- Portions ---------------------------------------------------------------------------

def portion_size(total: int, *, size: int | None = None, readers: int | None = None,
                 minutes: int | None = None, pace: int | None = None) -> int:
    """Names per portion: split among ``readers``, or what one reader reads in ``minutes``
    at ``pace`` names a minute, or ``size`` names; the first given wins, in that order."""
    if readers:
        size = math.ceil(total / readers) if total else 1
    elif minutes:
        size = minutes * (pace or DEFAULT_PACE)
    return max(1, min(MAX_PORTION, size or DEFAULT_PORTION))


def portions(items: Iterable, size: int) -> Iterator[tuple[int, int, object]]:
    """``(portion number, number in the list, item)``, both counted from 1."""
    for index, item in enumerate(items):
        yield index // size + 1, index + 1, item


def portion_count(total: int, size: int) -> int:
    return math.ceil(total / size) if total else 0


def reading_minutes(names: int, pace: int | None) -> int:
    """Whole minutes (at least one) that ``names`` take at ``pace`` names a minute."""
    return max(1, math.ceil(names / (pace or DEFAULT_PACE)))


def selection(params) -> dict[str, list[str]]:
    """The filters of a list from its query string, without portions or pages: two URLs
    that choose the same people give the same selection (and share a reader's card)."""
    return {key: sorted(v for v in params.getlist(key) if v) for key in sorted(params)
            if key not in LIST_PARAMETERS and any(params.getlist(key))}


def selection_key(params) -> str:
    """A short stable key of a list's selection (for the shared "next unread" counter)."""
    text = "&".join(f"{key}={value}" for key, values in selection(params).items()
                    for value in values)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


# --- Downloads ---------------------------------------------------------------------------

CSV_COLUMNS = ("portion", "number", "surname", "given_name", "patronymic", "age",
               "occupation", "what_happened", "url")


def text_lines(items: Iterable[Entry], size: int, title: str) -> Iterator[str]:
    """The list as plain text, a heading before each portion, one name per line."""
    yield f"{title}\n"
    current = None
    for portion, number, item in portions(items, size):
        if portion != current:
            current = portion
            yield "\n" + _("Reader %(portion)d") % {"portion": portion} + "\n\n"
        yield f"{number}. {item.line}\n"


def csv_rows(items: Iterable[Entry], size: int, base_url: str) -> Iterator[list]:
    yield list(CSV_COLUMNS)
    for portion, number, item in portions(items, size):
        yield [portion, number, item.surname, item.given_name, item.patronymic,
               "" if item.age is None else item.age, item.occupation, item.happened,
               f"{base_url}/people/{item.person_id}/"]
