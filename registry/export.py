"""Published people as rows of the import format, so an export can be imported again."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Prefetch, QuerySet

from registry.dates import PartialDate, format_typed
from registry.importer import COLUMNS, VARIANT_SEPARATOR
from registry.models import Citation, Person, RepressionEvent

CHUNK = 500


def people_for_export(people: QuerySet[Person]) -> QuerySet[Person]:
    """``people`` with everything a row needs fetched in a few queries per chunk."""
    return people.select_related("birth_place", "death_place").prefetch_related(
        "variants",
        Prefetch("events", queryset=RepressionEvent.objects.select_related("camp")
                 .order_by("date_lower", "id")),
        Prefetch("citations", queryset=Citation.objects.select_related("source")
                 .order_by("id")),
    )


def rows(people: QuerySet[Person], limit: int) -> Iterator[list[str]]:
    """The header, then one row per person (at most ``limit``), in ``people``'s order."""
    yield list(COLUMNS)
    for person in people_for_export(people)[:limit].iterator(chunk_size=CHUNK):
        values = person_columns(person)
        yield [values.get(column, "") for column in COLUMNS]


def person_columns(person: Person) -> dict[str, str]:
    """The import columns for one person: the first event of each kind fills its columns."""
    first = {}
    for event in person.events.all():
        first.setdefault(event.kind, event)
    arrest = first.get(RepressionEvent.Kind.ARREST)
    sentence = first.get(RepressionEvent.Kind.SENTENCE)
    imprisonment = first.get(RepressionEvent.Kind.IMPRISONMENT)
    rehabilitation = first.get(RepressionEvent.Kind.REHABILITATION)
    citation = next(iter(person.citations.all()), None)
    values = {
        "external_id": person.external_id or "",
        "surname": person.surname, "given_name": person.given_name,
        "patronymic": person.patronymic, "maiden_name": person.maiden_name,
        "name_variants": f"{VARIANT_SEPARATOR} ".join(str(v) for v in person.variants.all()),
        "sex": person.sex, "birth_date": _date(person.birth_date),
        "birth_place": as_written(person.birth_place_name, person.birth_place),
        "nationality": person.nationality, "occupation": person.occupation,
        "residence": person.residence,
        "death_date": _date(person.death_date),
        "death_place": as_written(person.death_place_name, person.death_place),
        "fate": person.fate, "biography": person.biography,
    }
    if arrest:
        values.update(arrest_date=_date(arrest.date), arrest_place=arrest.place_name)
    if sentence:
        values.update(sentence_date=_date(sentence.date), authority=sentence.authority,
                      article=sentence.article, sentence=sentence.sentence)
    if imprisonment:
        values["camp"] = as_written(imprisonment.camp_name, imprisonment.camp)
    if rehabilitation:
        values["rehabilitation_date"] = _date(rehabilitation.date)
    if citation:
        values.update(source=citation.source.title, source_detail=citation.detail)
    return values


def as_written(text: str, linked) -> str:
    """A place or camp as the source wrote it, else the name of the record it is linked to."""
    return text or (linked.name if linked else "")


def _date(value: PartialDate | None) -> str:
    return format_typed(value) if value else ""


# A spreadsheet runs a cell that starts with one of these as a formula; hostile text in
# a submitted name must stay text. The importer removes the quote again on the way in.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(cell: str) -> str:
    """The cell, with a leading apostrophe when a spreadsheet would read it as a formula."""
    return "'" + cell if cell and cell.startswith(FORMULA_STARTS) else cell
