"""Records already in the registry, and other open submissions, that a submission may
describe again.

A candidate shares a folded surname spelling (or its form of the other sex: Ivanova, Ivanov)
and a folded given-name key with the proposed name, and a birth year that could be the
same; candidates are ranked by how much more agrees. For records the keys are the stored
``NameKey`` rows the search uses; for submissions, which have none, the same folding is
applied to what the families typed. Either way Cyrillic and Latin spellings of one name
meet: "Соколов Николай Петрович" and "Sokolov Nikolai Petrovich" sent twice.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from registry import dates
from registry.models import NameKey, Person, Submission
from registry.names import fold, search_keys
from registry.search import spellings_with_stem

# "About 1900" in one record and 1902 in another may be the same man.
BIRTH_YEAR_SLACK = 2


@dataclass
class Candidate:
    person: Person
    score: int
    reasons: list[str]


def _keys(name: str, *, other_sex: bool) -> set[str]:
    """The folded spellings of ``name``, and with ``other_sex`` the spellings of the
    vocabulary that differ from them by a suffix of sex (Ivanova for Ivanov)."""
    keys, stems = set(), set()
    for token in search_keys(name or ""):
        keys |= token.foldings
        stems |= token.stems
    if other_sex and keys:
        keys |= set(spellings_with_stem(stems))
    return keys


def _people_with(keys: set[str]):
    return NameKey.objects.filter(key__in=keys).values("person_id")


def find_duplicates(*, surname: str, given_name: str = "", patronymic: str = "",
                    birth_date: str | dates.PartialDate | None = None, exclude=(),
                    limit: int = 10) -> list[Candidate]:
    """Ranked possible duplicates of a proposed person (best first)."""
    surname_keys = _keys(surname, other_sex=True)
    if not surname_keys:
        return []
    people = Person.objects.exclude(status=Person.Status.MERGED).filter(
        pk__in=_people_with(surname_keys))
    given_keys = _keys(given_name, other_sex=False)
    if given_keys:
        people = people.filter(pk__in=_people_with(given_keys))
    if exclude:
        people = people.exclude(pk__in=list(exclude))
    born = dates.parse(birth_date) if isinstance(birth_date, str) else birth_date
    candidates = []
    for person in people.prefetch_related("variants")[:200]:
        score, reasons = 0, []
        if _same(person.surname, surname) or any(
                _same(v.surname, surname) for v in person.variants.all()):
            score, reasons = score + 3, [*reasons, "surname"]
        if given_name and _same(person.given_name, given_name):
            score, reasons = score + 2, [*reasons, "given_name"]
        if patronymic and person.patronymic and _same(person.patronymic, patronymic):
            score, reasons = score + 2, [*reasons, "patronymic"]
        if born and person.birth_date:
            if not _years_overlap(born, person.birth_date):
                continue  # a different birth year: a different person
            score += 3 if person.birth_date.year == born.year else 1
            reasons.append("birth_year")
        candidates.append(Candidate(person, score, reasons))
    candidates.sort(key=lambda c: (-c.score, c.person.pk))
    return candidates[:limit]


@dataclass
class SubmissionCandidate:
    submission: Submission
    reasons: list[str]


def find_duplicate_submissions(submission: Submission,
                               limit: int = 10) -> list[SubmissionCandidate]:
    """Other open submissions of a new person that may describe the same person, oldest
    first (see ``OpenSubmissions.alike``)."""
    return OpenSubmissions().alike(submission)[:limit]


class OpenSubmissions:
    """The open submissions of new people, by the stems of their surnames: read once for a
    page that asks about many (the queue)."""

    def __init__(self):
        self._by_stem: dict[str, list[Submission]] = defaultdict(list)
        for other in (Submission.objects.open().filter(kind=Submission.Kind.NEW)
                      .order_by("created_at", "pk").iterator(chunk_size=500)):
            for stem in _stems(other.data.get("surname", "")):
                self._by_stem[stem].append(other)

    def alike(self, submission: Submission) -> list[SubmissionCandidate]:
        """The others spelling the surname alike (in any script, either sex's form) and,
        where both give them, a given name spelled alike and birth years that could be the
        same; oldest first."""
        data = submission.data
        stems = _stems(data.get("surname", ""))
        given_keys = _keys(data.get("given_name", ""), other_sex=False)
        born = _parsed(data.get("birth_date"))
        others = {other.pk: other for stem in stems for other in self._by_stem.get(stem, ())
                  if other.pk != submission.pk}
        found = []
        for other in sorted(others.values(), key=lambda other: (other.created_at, other.pk)):
            reasons = _agreement(other.data, stems, given_keys, born)
            if reasons is not None:
                found.append(SubmissionCandidate(other, reasons))
        return found


def likely_duplicate(submission: Submission,
                     open_submissions: OpenSubmissions | None = None):
    """The best published record or other open submission a new-person submission may
    repeat, a ``Candidate`` or a ``SubmissionCandidate``: the surname and the given name
    spelled alike, and no year of birth against it. None for a correction."""
    if submission.kind != Submission.Kind.NEW:
        return None
    data = submission.data
    for candidate in find_duplicates(
            surname=data.get("surname", ""), given_name=data.get("given_name", ""),
            patronymic=data.get("patronymic", ""), birth_date=data.get("birth_date"),
            limit=1):
        if {"surname", "given_name"} <= set(candidate.reasons):
            return candidate
    for candidate in (open_submissions or OpenSubmissions()).alike(submission):
        if "given_name" in candidate.reasons:
            return candidate
    return None


def _agreement(data: dict, surname_stems: set[str], given_keys: set[str],
               born: dates.PartialDate | None) -> list[str] | None:
    """What ``data`` shares with the proposed name and birth, or None when it cannot be
    the same person."""
    if not surname_stems & _stems(data.get("surname", "")):
        return None
    reasons = ["surname"]
    their_given = _keys(data.get("given_name", ""), other_sex=False)
    if given_keys and their_given:
        if not given_keys & their_given:
            return None
        reasons.append("given_name")
    their_birth = _parsed(data.get("birth_date"))
    if born and their_birth:
        if not _years_overlap(born, their_birth):
            return None
        reasons.append("birth_year")
    return reasons


def _stems(name: str) -> set[str]:
    """The folded spellings of ``name`` without a suffix of sex (Sokolova, Соколов: sokol)."""
    return {stem for token in search_keys(name or "") for stem in token.stems}


def _parsed(text) -> dates.PartialDate | None:
    """A submission's date as typed; one that does not parse tells nothing."""
    try:
        return dates.parse(text) if text else None
    except dates.PartialDateError:
        return None


def _same(a: str, b: str) -> bool:
    return bool(a and b) and [fold(w) for w in a.split()] == [fold(w) for w in b.split()]


def _years_overlap(a: dates.PartialDate, b: dates.PartialDate) -> bool:
    def span(d):
        low = d.lower.year if d.lower else dates.MIN_YEAR
        high = d.upper.year if d.upper else dates.MAX_YEAR
        return low, high

    (a_low, a_high), (b_low, b_high) = span(a), span(b)
    return a_low - BIRTH_YEAR_SLACK <= b_high and b_low - BIRTH_YEAR_SLACK <= a_high
