"""Import a Book of Memory (or any list of people) from CSV.

The columns are the public contract of DESIGN.md (``COLUMNS``); a file may carry any subset
of them in any order. The import streams: rows are read, checked and written in batches,
so memory stays flat however long the file (a child process reads and prepares the next
batches while this one writes the last: about four are held). A bad row never stops the
import: it is reported with its line number and every reason, and the good rows go in.
``external_id`` makes a re-import update the record it created instead of adding a second
one; only the columns present in the file are touched, so a file with fewer columns blanks
nothing.

Each created or changed record gets a revision (django-simple-history) whose reason names
the file, so a moderator can see where a value came from and revert it.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import io
import json
import multiprocessing
import operator
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.db import connection, models, transaction
from django.db.models.expressions import RawSQL
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from registry import dates, moderation
from registry.bulk import BulkInserter, fewer_garbage_collections, sqlite_import_settings
from registry.freshness import published_changed
from registry.models import (
    Citation,
    NameKey,
    NameVariant,
    Person,
    RepressionEvent,
    Source,
    YearKey,
)
from registry.place_lookup import CampLookup, PlaceLookup
from registry.reading_ahead import can_fork, made_in_child_process
from registry.search_index import (
    Vocabulary,
    key_rows,
    listing,
    names_of,
    reindex_people,
    year_bits,
    year_rows,
)

COLUMNS = (
    "external_id", "surname", "given_name", "patronymic", "maiden_name", "name_variants",
    "sex", "birth_date", "birth_place", "nationality", "occupation", "residence",
    "arrest_date", "arrest_place", "authority", "article", "sentence", "sentence_date",
    "camp", "death_date", "death_place", "fate", "rehabilitation_date", "biography",
    "source", "source_detail",
)
DATE_COLUMNS = ("birth_date", "death_date", "arrest_date", "sentence_date",
                "rehabilitation_date")
# Plain text columns copied onto Person as they are.
PERSON_TEXT_COLUMNS = ("surname", "given_name", "patronymic", "maiden_name", "nationality",
                       "occupation", "residence", "biography")
VARIANT_SEPARATOR = ";"
# Place columns: (column, Person field keeping the text, Person field linking the place).
PERSON_PLACE_COLUMNS = (
    ("birth_place", "birth_place_name", "birth_place_id"),
    ("death_place", "death_place_name", "death_place_id"),
    ("residence", "residence", "residence_place_id"),
)
# Rows per transaction. Larger batches mean fewer commits (each one syncs the file on
# SQLite) and fewer round trips; memory grows with the batch, not with the file.
BATCH_SIZE = 5000

SEX_WORDS = {
    Person.Sex.MALE: {"male", "m", "man", "м", "муж", "муж.", "мужской", "мужчина", "ер"},
    Person.Sex.FEMALE: {"female", "f", "w", "woman", "ж", "жен", "жен.", "женский",
                        "женщина", "әйел"},
}
FATE_WORDS = {
    Person.Fate.EXECUTED: {"executed", "shot", "расстрелян", "расстреляна", "расстрел"},
    Person.Fate.DIED_IN_CUSTODY: {"died in custody", "died_in_custody", "died in camp",
                                  "умер в заключении", "умерла в заключении",
                                  "погиб в лагере", "погибла в лагере"},
    Person.Fate.DIED_IN_EXILE: {"died in exile", "died_in_exile", "умер в ссылке",
                                "умерла в ссылке"},
    Person.Fate.SURVIVED: {"survived", "released", "освобожден", "освобождена",
                           "освобождён", "выжил", "выжила"},
    Person.Fate.UNKNOWN: {"unknown", "неизвестно", ""},
}

_DEATH_KINDS = {Person.Fate.EXECUTED: RepressionEvent.Kind.EXECUTION,
                Person.Fate.DIED_IN_CUSTODY: RepressionEvent.Kind.DEATH_IN_CUSTODY}


@dataclass
class RowError:
    line: int
    reasons: list[str]

    def __str__(self):
        return f"line {self.line}: " + "; ".join(self.reasons)


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def summary(self) -> str:
        return (f"created {self.created}, updated {self.updated}, "
                f"unchanged {self.unchanged}, rejected {self.rejected}")


class ImportFileError(Exception):
    """The file as a whole cannot be imported (header, encoding); nothing was written."""


@dataclass(slots=True)
class ParsedRow:
    """One good row: the values to apply, keyed by column, only for columns in the file."""

    line: int
    values: dict
    person: Person | None = None  # set for a row that updates an existing record
    person_id: int | None = None


@dataclass(slots=True)
class NewPeople:
    """The column values of new people and of their parts, made before they have ids.

    ``parts`` maps a model to its rows' values and, for each, the position in ``rows``
    of its person, whose id goes into the row's person column once it is known.
    """

    rows: list[ParsedRow]
    people: list[list]
    parts: dict[type[models.Model], tuple[list[list], list[int]]]
    vocabulary: tuple = ()  # the spellings met in their names, to write with them

    def only(self, rows: list[ParsedRow]) -> NewPeople:
        """The same for ``rows``, a subset of these (the others turned out to exist)."""
        if len(rows) == len(self.rows):
            return self
        kept = {id(row) for row in rows}
        position = {}  # old position -> new
        for old, row in enumerate(self.rows):
            if id(row) in kept:
                position[old] = len(position)
        parts = {model: ([value for value, owner in zip(values, owners, strict=True)
                          if owner in position],
                         [position[owner] for owner in owners if owner in position])
                 for model, (values, owners) in self.parts.items()}
        return NewPeople(rows, [self.people[old] for old in position], parts, self.vocabulary)


@dataclass(slots=True)
class PreparedBatch:
    """Rows parsed, the bad ones among them, and (usually) the values of new people."""

    rows: list[ParsedRow]
    errors: list[RowError]
    now: datetime.datetime
    new_people: NewPeople | None = None


class RecordImporter:
    """Reads CSV rows and writes people, their names, events and citations in batches."""

    def __init__(self, *, status: str, source_title: str = "", change_reason: str = "",
                 batch_size: int = BATCH_SIZE,
                 on_error: Callable[[RowError], None] | None = None,
                 keep_errors: int = 1000):
        moderation.first_status(status, at=None)  # refuses any other first status
        self.status = status
        self.default_source_title = source_title.strip()
        self.change_reason = change_reason or "import_records"
        self.batch_size = batch_size
        self.on_error = on_error
        # Errors beyond this many are counted and passed to on_error but not kept, so a
        # file of a million bad rows still runs in flat memory.
        self.keep_errors = keep_errors
        self.result = ImportResult()
        self._places = PlaceLookup()
        self._camps = CampLookup()
        self._sources: dict[str, int] = {}  # title -> id, of the sources cited so far
        # What a new person's row adds beside the person: (model, rows for one person).
        # Each function takes the row's values and a Vocabulary (for the name keys' new
        # spellings) and returns dicts for BulkInserter(model) without the person; none
        # uses the database, as they run ahead, in the reading process. One more kind of
        # derived row per person is one more line here (re-imported people go through
        # _write_parts_of_existing instead).
        self._parts: list[tuple[type[models.Model],
                                Callable[[dict, Vocabulary], list[dict]]]] = [
            (NameVariant, self._variant_rows),
            (RepressionEvent, self._event_rows),
            (Citation, self._citation_rows),
            (NameKey, self._name_key_rows),
            (YearKey, self._year_key_rows),
        ]
        # Spellings, stems and sounds of the names: the reader's, and the writer's for new
        # people it makes itself (see _finish).
        self._vocabulary = Vocabulary()
        self._writer_vocabulary = Vocabulary()
        # The writer's guess, read by the reader: in shared memory, as the reader may be a
        # child process (see run).
        self._expect_new_people = multiprocessing.RawValue("b", True)
        self._inserters = {model: BulkInserter(model)
                           for model in (Person, *(model for model, _ in self._parts))}
        self._person_slots = {model: self._inserters[model].column_index("person_id")
                              for model, _ in self._parts}
        self._source_slot = self._inserters[Citation].column_index("source_id")
        self._parser: _RowParser | None = None

    # --- reading -------------------------------------------------------------------

    def run(self, stream: io.BufferedIOBase | Iterable[bytes]) -> ImportResult:
        """Import a binary stream of UTF-8 CSV; return the counts and the bad rows."""
        text = io.TextIOWrapper(_as_binary(stream), encoding="utf-8-sig",
                                errors="surrogateescape", newline="")
        reader = csv.reader(text)
        header = self._read_header(reader)
        self._parser = _RowParser(header)
        self._plan_person_fields(header)
        # Read now, before the reading process starts: it must not use the database.
        self._places.load()
        self._camps.load()
        try:
            with sqlite_import_settings(), fewer_garbage_collections():
                batches = self._prepared_batches(reader, header)
                if can_fork():
                    # A child process reads, checks and prepares the next batches on
                    # another core while this one writes the last (docs/performance.md).
                    batches = made_in_child_process(batches)
                with contextlib.closing(batches):  # a failed write stops the reading too
                    for batch in batches:
                        for error in batch.errors:
                            self._reject(error)
                        self._write(batch)
        finally:
            # Written in bulk, without the signals of save(); each batch is committed on its
            # own, so even an import stopped part-way has changed what visitors see.
            published_changed()
            moderation.record_bulk_entry(
                counts={self.status: self.result.created}, reason=self.change_reason,
                data={"source": self.default_source_title, "updated": self.result.updated})
        return self.result

    def _prepared_batches(self, reader, header: list[str]) -> Iterator[PreparedBatch]:
        """Batches of rows ready to write, in file order. No database: this runs in the
        reading process (``made_in_child_process``) wherever there is one."""
        has_external_id = "external_id" in header
        batch = self._new_batch()
        batch_ids: set[str] = set()
        for row in reader:
            parsed = self._parse_row(row, reader.line_num)
            if parsed is None:
                continue
            if isinstance(parsed, RowError):
                batch.errors.append(parsed)
                continue
            external_id = parsed.values["external_id"] if has_external_id else None
            if external_id and external_id in batch_ids:
                # The same record twice in a file: the later row updates the earlier
                # one, which only works once the earlier one is written.
                yield self._finish(batch)
                batch, batch_ids = self._new_batch(), set()
            batch.rows.append(parsed)
            if external_id:
                batch_ids.add(external_id)
            if len(batch.rows) >= self.batch_size:
                yield self._finish(batch)
                batch, batch_ids = self._new_batch(), set()
        yield self._finish(batch)

    def _new_batch(self) -> PreparedBatch:
        return PreparedBatch(rows=[], errors=[], now=timezone.now())

    def _finish(self, batch: PreparedBatch) -> PreparedBatch:
        # Made on the guess that the rows add people, as the last batch's mostly did: a
        # re-import, whose rows update people, would make them for nothing.
        if self._expect_new_people.value:
            batch.new_people = self._new_people(
                [row for row in batch.rows if row.values.get("surname")], batch.now,
                self._vocabulary)
        return batch

    def _new_people(self, rows: list[ParsedRow], now: datetime.datetime,
                    vocabulary: Vocabulary) -> NewPeople:
        """The values of the people ``rows`` would add, and of their parts."""
        status = moderation.first_status(self.status, at=now)
        person_fields = self._person_fields
        people = self._inserters[Person].values(
            [person_fields(row.values, **status) for row in rows], now)
        parts = {}
        for model, rows_of in self._parts:
            made, owners = [], []
            for position, row in enumerate(rows):
                part_rows = rows_of(row.values, vocabulary)
                made += part_rows
                owners += [position] * len(part_rows)
            parts[model] = (self._inserters[model].values(made, now), owners)
        return NewPeople(rows, people, parts, vocabulary.take())

    def _read_header(self, reader) -> list[str]:
        try:
            header = next(reader)
        except StopIteration:
            raise ImportFileError("The file is empty: it needs a header row.") from None
        if any(_has_undecodable(cell) for cell in header):
            raise ImportFileError(_encoding_message(header))
        names = [cell.strip().lower() for cell in header]
        unknown = [name for name in names if name not in COLUMNS]
        if unknown:
            raise ImportFileError(
                "Unknown column(s): " + ", ".join(repr(name) for name in unknown)
                + ". The columns are: " + ", ".join(COLUMNS) + "."
            )
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ImportFileError("Column(s) given twice: " + ", ".join(repeated) + ".")
        if "surname" not in names and "external_id" not in names:
            raise ImportFileError("The file needs a 'surname' column (or 'external_id' to "
                                  "update records already imported).")
        return names

    def _parse_row(self, row: list[str], line: int) -> ParsedRow | RowError | None:
        parser = self._parser
        cells = [cell.strip() for cell in row]
        if not any(cells):
            return None  # blank lines are not records
        if _QUOTED_FORMULA.search("\x00".join(cells)):  # rare: checked on the whole row
            cells = [_unquoted(cell) for cell in cells]
        if len(row) != parser.width:
            reasons = [f"has {len(row)} fields, the header has {parser.width}"]
        elif _SUSPICIOUS.search(joined := "".join(row)):
            reasons = [_encoding_message(row) if _has_undecodable(joined)
                       else "contains a NUL character (is this a binary file?)"]
        else:
            values, reasons = parser.parse(cells)
        if reasons:
            return RowError(line, reasons)
        return ParsedRow(line, values)

    def _reject(self, error: RowError):
        self.result.rejected += 1
        if len(self.result.errors) < self.keep_errors:
            self.result.errors.append(error)
        if self.on_error:
            self.on_error(error)

    # --- writing -------------------------------------------------------------------

    def _write(self, batch: PreparedBatch):
        if not batch.rows:
            return
        with transaction.atomic():
            existing = self._existing_people(batch.rows)
            new_rows, update_rows = [], []
            for row in batch.rows:
                row.person = existing.get(row.values.get("external_id")) if existing else None
                if row.person:
                    update_rows.append(row)
                elif row.values.get("surname"):
                    new_rows.append(row)
                else:
                    self._reject(RowError(row.line, [
                        f"no surname, and no record has external_id "
                        f"“{row.values.get('external_id')}” to update"]))
            self._expect_new_people.value = len(new_rows) >= len(update_rows)
            if batch.new_people is not None:
                new_people = batch.new_people.only(new_rows)
            else:
                new_people = self._new_people(new_rows, batch.now, self._writer_vocabulary)
            self._create_people(new_people, batch.now)
            changed = self._update_people(update_rows)
            changed |= self._write_parts(new_people, update_rows, batch.now)
            Vocabulary.write_taken(new_people.vocabulary)
            if changed:  # a changed name or a new variant: remake those people's keys
                reindex_people(changed)
            self.result.updated += len(changed)
            self.result.unchanged += len(update_rows) - len(changed)

    def _existing_people(self, batch: list[ParsedRow]) -> dict[str, Person]:
        ids = [row.values["external_id"] for row in batch if row.values.get("external_id")]
        if not ids:
            return {}
        return {person.external_id: person
                for person in Person.objects.filter(pk__in=_with_external_id(ids))}

    def _create_people(self, new_people: NewPeople, now: datetime.datetime):
        if not new_people.rows:
            return
        ids = self._inserters[Person].write(new_people.people, now=now,
                                            change_reason=self.change_reason, returning=True)
        for row, pk in zip(new_people.rows, ids, strict=True):
            row.person_id = pk
        self.result.created += len(ids)

    def _update_people(self, rows: list[ParsedRow]) -> set[int]:
        """Apply the file's values to existing people; return the ids of those changed."""
        changed, fields = [], set()
        for row in rows:
            row.person_id = row.person.pk
            new_values = self._person_fields(row.values)
            touched = [name for name, value in new_values.items()
                       if getattr(row.person, name) != value]
            for name in touched:
                setattr(row.person, name, new_values[name])
            if touched:
                changed.append(row.person)
                fields.update(touched)
        if changed:
            now = timezone.now()
            for person in changed:
                person.updated_at = now  # bulk_update does not apply auto_now
                _refresh_derived_fields(person)
            fields |= {f.attname for f in Person._meta.concrete_fields
                       if getattr(f, "source", None) in fields} | {"updated_at"}
            bulk_update_with_history(changed, Person, sorted(fields),
                                     batch_size=self.batch_size,
                                     default_change_reason=self.change_reason)
        return {person.pk for person in changed}

    def _plan_person_fields(self, header: list[str]):
        """Which Person attributes the file's columns set (the same for every row)."""
        self._person_columns = [column for column in (
            *PERSON_TEXT_COLUMNS, "external_id", "sex", "fate", "birth_date", "death_date",
        ) if column in header]
        self._person_places = [(column, text_field, link_field)
                               for column, text_field, link_field in PERSON_PLACE_COLUMNS
                               if column in header]

    def _person_fields(self, values: dict, **extra) -> dict:
        """Person attributes (by attname) for the columns present in the row."""
        fields = {**extra, **{column: values[column] for column in self._person_columns}}
        find_place = self._places.find
        for column, text_field, link_field in self._person_places:
            fields[text_field] = values[column]
            fields[link_field] = find_place(values[column])
        return fields

    # The parts of a new person (see self._parts): dicts for BulkInserter, without the
    # person, whose id is not known yet; the name keys' spellings go into ``vocabulary``.

    def _variant_rows(self, values: dict, vocabulary: Vocabulary) -> list[dict]:
        variants = values.get("name_variants")
        if not variants:
            return []
        return [{"surname": surname, "given_name": given_name, "patronymic": patronymic}
                for surname, given_name, patronymic in dict.fromkeys(variants)]

    def _event_rows(self, values: dict, vocabulary: Vocabulary) -> list[dict]:
        return [{"kind": kind, **attributes} for kind, attributes in self._event_values(values)]

    def _name_key_rows(self, values: dict, vocabulary: Vocabulary) -> list[dict]:
        variants = [{"surname": surname, "given_name": given_name, "patronymic": patronymic}
                    for surname, given_name, patronymic in values.get("name_variants") or ()]
        return key_rows(None, names_of(values, variants),
                        **listing({**values, "status": self.status}),
                        year_bits=year_bits(self._year_key_rows(values, vocabulary)),
                        vocabulary=vocabulary)

    def _year_key_rows(self, values: dict, vocabulary: Vocabulary) -> list[dict]:
        return year_rows(None, [values.get(column)
                                for column in ("birth_date", "death_date", "arrest_date")])

    def _citation_rows(self, values: dict, vocabulary: Vocabulary) -> list[dict]:
        title = values.get("source") or self.default_source_title
        if not title:
            return []
        # A source not cited before has no id yet: _write_parts makes it.
        return [{"source_id": self._sources.get(title),
                 "detail": values.get("source_detail", "")}]

    def _write_parts(self, new_people: NewPeople, updated_rows: list[ParsedRow],
                     now: datetime.datetime) -> set[int]:
        """Add names, events and citations; return ids of existing people whose parts changed."""
        parts = {model: [] for model in self._person_slots}  # dicts, of re-imported people
        touched_people = self._write_parts_of_existing(updated_rows, parts)
        people = new_people.rows
        for model, slot in self._person_slots.items():
            inserter = self._inserters[model]
            values = inserter.values(parts[model], now)
            made, owners = new_people.parts[model]
            for part, owner in zip(made, owners, strict=True):
                part[slot] = people[owner].person_id
            if model is Citation:
                self._cite_new_sources(made, owners, people)
            values += made
            inserter.write(values, now=now, change_reason=self.change_reason)
        return touched_people

    def _cite_new_sources(self, citations: list[list], owners: list[int],
                          people: list[ParsedRow]) -> None:
        """Citations made ahead of the source they name: the source, made now."""
        slot = self._source_slot
        for citation, owner in zip(citations, owners, strict=True):
            if citation[slot] is None:
                values = people[owner].values
                citation[slot] = self._source_id(values.get("source")
                                                 or self.default_source_title)

    def _write_parts_of_existing(self, updated_rows: list[ParsedRow], parts: dict) -> set[int]:
        """Re-imported people: add to ``parts`` what they lack, update events in place.

        Returns the ids of the people whose parts change.
        """
        if not updated_rows:
            return set()
        people = [row.person_id for row in updated_rows]
        known_variants = _existing_variants(people)
        known_events = _existing_events(people)
        known_citations = set(Citation.objects.filter(person_id__in=people)
                              .values_list("person_id", "source_id", "detail"))
        variants, events, citations = (parts[NameVariant], parts[RepressionEvent],
                                       parts[Citation])
        touched_people = set()
        event_changes: dict[int, dict] = {}  # event id -> its new values
        for row in updated_rows:
            person_id = row.person_id
            for surname, given_name, patronymic in row.values.get("name_variants", []):
                key = (person_id, surname, given_name, patronymic)
                if key not in known_variants:
                    known_variants.add(key)
                    variants.append({"person_id": person_id, "surname": surname,
                                     "given_name": given_name, "patronymic": patronymic})
                    touched_people.add(person_id)
            for kind, attributes in self._event_values(row.values):
                event = known_events.get((person_id, kind))
                if event is None:
                    events.append({"person_id": person_id, "kind": kind, **attributes})
                    touched_people.add(person_id)
                    continue
                changes = {name: value for name, value in attributes.items()
                           if event[name] != value}
                if changes:
                    event_changes.setdefault(event["id"], {}).update(changes)
                    touched_people.add(person_id)
            citation = self._citation(row.values, person_id)
            if citation and citation not in known_citations:
                known_citations.add(citation)
                citations.append(dict(zip(("person_id", "source_id", "detail"), citation,
                                          strict=True)))
                touched_people.add(person_id)
        if event_changes:
            self._update_events(event_changes)
        return touched_people

    def _update_events(self, changes: dict[int, dict]) -> None:
        """Apply ``changes`` (event id -> new values), each with a revision."""
        events = RepressionEvent.objects.in_bulk(list(changes))
        fields = set()
        for pk, values in changes.items():
            event = events.get(pk)
            if event is None:  # deleted by a moderator since it was read: nothing to update
                continue
            for name, value in values.items():
                setattr(event, name, value)
            _refresh_derived_fields(event)
            fields.update(values)
        if not events:
            return
        if "date" in fields:
            fields |= {"date_lower", "date_upper", "anniversary"}
        bulk_update_with_history(list(events.values()), RepressionEvent, sorted(fields),
                                 batch_size=self.batch_size,
                                 default_change_reason=self.change_reason)

    def _event_values(self, values: dict) -> Iterator[tuple[str, dict]]:
        """The events a row describes, one per kind, with only the columns it carries."""
        kind = RepressionEvent.Kind
        arrest = _present(values, date="arrest_date", place_name="arrest_place")
        if "arrest_place" in values:
            arrest["place_id"] = self._places.find(values["arrest_place"])
        sentence = _present(values, date="sentence_date", authority="authority",
                            article="article", sentence="sentence")
        for event_kind, attributes in ((kind.ARREST, arrest), (kind.SENTENCE, sentence)):
            if any(attributes.values()):
                yield event_kind, attributes
        if values.get("camp"):
            yield kind.IMPRISONMENT, {"camp_name": values["camp"],
                                      "camp_id": self._camps.find(values["camp"])}
        death_kind = _DEATH_KINDS.get(values.get("fate"))
        if death_kind and (values.get("death_date") or values.get("death_place")):
            death = _present(values, date="death_date", place_name="death_place")
            if "death_place" in values:
                death["place_id"] = self._places.find(values["death_place"])
            yield death_kind, death
        if values.get("rehabilitation_date"):
            yield kind.REHABILITATION, {"date": values["rehabilitation_date"]}

    def _citation(self, values: dict, person_id: int) -> tuple | None:
        """(person_id, source_id, detail) of the row's citation, if it names a source."""
        title = values.get("source") or self.default_source_title
        if not title:
            return None
        return person_id, self._source_id(title), values.get("source_detail", "")

    def _source_id(self, title: str) -> int:
        """The id of the source called ``title``, made if there is none."""
        source_id = self._sources.get(title)
        if source_id is None:
            source_id = Source.objects.get_or_create(title=title)[0].pk
            self._sources[title] = source_id
        return source_id


# --- parsing values (no database) -------------------------------------------------------

# Our CSV export writes a cell that a spreadsheet would run as a formula with a leading
# apostrophe (registry.export.spreadsheet_safe); reading it back removes that apostrophe.
_QUOTED_FORMULA = re.compile(r"(?:^|\x00)'[=+\-@\t\r]")


def _unquoted(cell: str) -> str:
    return cell[1:] if cell[:1] == "'" and cell[1:2] in "=+-@\t\r" and cell[1:2] else cell


def parse_values(raw: dict[str, str]) -> tuple[dict, list[str]]:
    """Check and convert one row's text; return the values and the reasons it is bad."""
    return _RowParser(list(raw)).parse(list(raw.values()))


class _RowParser:
    """Checks and converts the rows of one file, with the work per column decided once.

    Most columns are text as written; only dates, sex, fate, name variants and the
    external id are converted, and lengths are measured in one pass per row.
    """

    def __init__(self, header: list[str]):
        self.header = header
        self.width = len(header)
        self.converters = [(index, column, _CONVERTERS[column])
                           for index, column in enumerate(header) if column in _CONVERTERS]
        self.has_surname = "surname" in header
        # Columns with a length limit, in the order their problems are reported.
        self.limited = [(header.index(column), column, limit)
                        for column, limit in _MAX_LENGTHS.items() if column in header]
        indexes = [index for index, _, _ in self.limited]
        self.limited_cells = (operator.itemgetter(*indexes) if len(indexes) > 1
                              else (lambda cells: tuple(cells[i] for i in indexes)))
        self.shortest_limit = min((limit for _, _, limit in self.limited), default=0)
        self.variants_index = (header.index("name_variants") if "name_variants" in header
                               else None)

    def parse(self, cells: list[str]) -> tuple[dict, list[str]]:
        """``cells`` stripped, in header order -> (values by column, reasons it is bad)."""
        values = dict(zip(self.header, cells, strict=True))
        reasons = []
        for index, column, convert in self.converters:
            try:
                values[column] = convert(cells[index])
            except ValueError as error:
                reasons.append(f"{column}: {error}")
        if self.has_surname and not values["surname"]:
            reasons.append("surname: is empty")
        if self.limited and max(map(len, self.limited_cells(cells))) > self.shortest_limit:
            reasons += [f"{column}: longer than {limit} characters"
                        for index, column, limit in self.limited
                        if len(cells[index]) > limit]
        if self.variants_index is not None and len(cells[self.variants_index]) > _NAME_LIMIT:
            reasons += ["name_variants: a name is longer than 150 characters"
                        for variant in values["name_variants"]
                        if max(map(len, variant)) > _NAME_LIMIT]
        return values, reasons


def _memoised(convert: Callable[[str], object], size: int = 1000) -> Callable[[str], object]:
    """``convert`` remembering its answers for the first ``size`` distinct texts."""
    memo: dict[str, object] = {}

    def converted(text: str):
        found = memo.get(text, memo)
        if found is memo:
            found = convert(text)  # a ValueError is not remembered: bad text is rare
            if len(memo) < size:
                memo[text] = found
        return found

    return converted


def _convert_sex(text: str) -> str:
    return _lookup(text, SEX_WORDS, "sex", "male, female") if text else ""


def _convert_fate(text: str) -> str:
    return _lookup(text, FATE_WORDS, "fate", ", ".join(Person.Fate.values))


def _convert_variants(text: str) -> list[tuple[str, str, str]]:
    return [_variant(part) for part in text.split(VARIANT_SEPARATOR) if part.strip()]


# A PartialDateError is a ValueError whose text is the reason shown to the archivist.
_CONVERTERS: dict[str, Callable[[str], object]] = {
    **dict.fromkeys(DATE_COLUMNS, dates.parse),
    "sex": _memoised(_convert_sex),
    "fate": _memoised(_convert_fate),
    "name_variants": _convert_variants,
    "external_id": lambda text: text or None,
}
_NAME_LIMIT = 150


def _lookup(text: str, table: dict, what: str, allowed: str):
    folded = " ".join(text.lower().replace("_", " ").split())
    for value, words in table.items():
        if folded == value.replace("_", " ") or folded in words:
            return value
    raise ValueError(f"unknown {what} “{text}” (use {allowed})")


def _variant(text: str) -> tuple[str, str, str]:
    """'Surname Given Patronymic' written in one cell, as the export writes it."""
    words = text.split()
    return words[0], words[1] if len(words) > 1 else "", " ".join(words[2:])


_MAX_LENGTHS = {
    "surname": 150, "given_name": 150, "patronymic": 150, "maiden_name": 150,
    "nationality": 100, "occupation": 300, "residence": 300, "birth_place": 300,
    "death_place": 300, "arrest_place": 300, "authority": 200, "article": 100,
    "sentence": 300, "camp": 300, "external_id": 100, "source": 400, "source_detail": 300,
}


def _present(values: dict, **columns: str) -> dict:
    """Map event attributes to row values, for the columns the row carries."""
    return {attribute: values[column] for attribute, column in columns.items()
            if column in values}


# surrogateescape turns bytes that are not UTF-8 into lone surrogates U+DC80..U+DCFF.
_UNDECODABLE = re.compile("[\udc80-\udcff]")
_SUSPICIOUS = re.compile("[\udc80-\udcff\x00]")


def _has_undecodable(text: str) -> bool:
    return _UNDECODABLE.search(text) is not None


def _encoding_message(cells: list[str]) -> str:
    raw = ",".join(cells).encode("utf-8", "surrogateescape")
    hint = ""
    try:
        raw.decode("cp1251")
        hint = " (it looks like Windows-1251: save the file as UTF-8)"
    except UnicodeDecodeError:
        pass
    return "not valid UTF-8" + hint


def _as_binary(stream) -> io.BufferedIOBase:
    if isinstance(stream, io.IOBase):
        return stream
    return io.BufferedReader(_IterableStream(stream))


class _IterableStream(io.RawIOBase):
    def __init__(self, chunks: Iterable[bytes]):
        self._chunks = iter(chunks)
        self._pending = b""

    def readable(self):
        return True

    def readinto(self, buffer):
        while not self._pending:
            try:
                self._pending = next(self._chunks)
            except StopIteration:
                return 0
        size = min(len(buffer), len(self._pending))
        buffer[:size], self._pending = self._pending[:size], self._pending[size:]
        return size


def _with_external_id(ids: list[str]) -> RawSQL:
    """The ids of the records with one of ``ids`` as external ID, as a subquery with one
    parameter, not one per id: composing a statement of thousands of parameters cost
    more than the database's answer. The parameter is a JSON list, which the standard
    library writes in C (psycopg's text array of 100,000 ids cost 0.3 s more)."""
    table = connection.ops.quote_name(Person._meta.db_table)
    if connection.vendor == "postgresql":
        return RawSQL(f"SELECT id FROM {table} WHERE external_id IN "
                      f"(SELECT json_array_elements_text(%s::json))", [json.dumps(ids)])
    return RawSQL(f"SELECT id FROM {table} WHERE external_id IN "
                  f"(SELECT value FROM json_each(%s))", [json.dumps(ids)])


def _refresh_derived_fields(instance):
    """Recompute date bounds before a bulk_update, which does not call pre_save."""
    for model_field in instance._meta.concrete_fields:
        if hasattr(model_field, "derive"):
            model_field.pre_save(instance, add=False)


def _existing_variants(person_ids: list[int]) -> set[tuple]:
    return set(NameVariant.objects.filter(person_id__in=person_ids)
               .values_list("person_id", "surname", "given_name", "patronymic"))


def _existing_events(person_ids: list[int]) -> dict[tuple, dict]:
    """The first event of each kind per person, by field: a re-import updates it in place.

    Values, not model instances: most re-imported rows change nothing, and making an
    instance of every event only to compare it was most of a re-import's time.
    """
    found = {}
    for event in (RepressionEvent.objects.filter(person_id__in=person_ids)
                  .order_by("-date_lower", "-id").values()):
        found[(event["person_id"], event["kind"])] = event
    return found

