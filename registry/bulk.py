"""Insert many rows of a model, and a revision for each, without building model instances.

``QuerySet.bulk_create`` spends most of its time in per-value machinery (a model
instance, ``pre_save`` and ``get_db_prep_save`` for every field of every row, twice with
django-simple-history). A Book of Memory import writes about eight rows per person plus
their revisions, so that machinery alone kept the import under 1,000 people a second.
This writer converts each column once per value with a converter chosen once per field,
computes the partial-date bounds the same way the model does, and writes the historical
rows django-simple-history would have written. The model stays the source of truth for
columns, defaults and conversions; only the per-row overhead is gone.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.db import connection, models
from django.utils import timezone

from registry.models.fields import PartialDateField

# SQLite allows 32,766 parameters per statement, PostgreSQL 65,535.
MAX_PARAMETERS = 30_000
ROWS_PER_STATEMENT = 256


class BulkInserter:
    """Writes dicts keyed by field attname into ``model``'s table and its history table."""

    def __init__(self, model: type[models.Model]):
        self.model = model
        self.fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        self.plan = [(f, _converter(f)) for f in self.fields]
        self.history_model = getattr(model, "history", None) and model.history.model

    def insert(self, rows: list[dict], *, change_reason: str, user_id: int | None = None,
               returning: bool = False) -> list[int]:
        """Insert ``rows`` (attname -> Python value) and one '+' revision each.

        Returns the new primary keys in the order of ``rows`` when ``returning``.
        """
        if not rows:
            return []
        now = timezone.now()
        values = [self._row_values(row, now) for row in rows]
        ids = self._insert(self.model._meta.db_table, [f.column for f in self.fields],
                           values, returning=True)
        if self.history_model is not None:
            self._insert_history(ids, values, now, change_reason, user_id)
        return ids if returning else []

    def _row_values(self, row: dict, now) -> list:
        result = []
        for field, convert in self.plan:
            attname = field.attname
            if attname in row:
                value = row[attname]
            elif hasattr(field, "derive"):  # partial-date bounds follow their source
                source = row.get(field.source)
                value = field.derive(source) if source is not None else None
            elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                value = now
            else:
                value = field.get_default()
            result.append(value if convert is _identity else convert(value))
        return result

    def _insert_history(self, ids, values, now, change_reason, user_id):
        history_fields = {f.attname: f for f in self.history_model._meta.concrete_fields}
        extra = {
            "history_date": now, "history_change_reason": change_reason,
            "history_type": "+", "history_user_id": user_id,
        }
        extra = {name: _converter(history_fields[name])(value)
                 for name, value in extra.items() if name in history_fields}
        columns = ["id", *(f.column for f in self.fields), *extra]
        history_values = [[pk, *row, *extra.values()] for pk, row in zip(ids, values,
                                                                          strict=True)]
        self._insert(self.history_model._meta.db_table, columns, history_values,
                     returning=False)

    @classmethod
    def _insert(cls, table: str, columns: list[str], rows: list[list], *, returning: bool):
        if connection.vendor == "postgresql":
            return cls._copy(table, columns, rows, returning=returning)
        quote = connection.ops.quote_name
        placeholder = "(" + ", ".join(["%s"] * len(columns)) + ")"
        ids = []
        with connection.cursor() as cursor:
            start = 0
            for size in _statement_sizes(len(rows), len(columns)):
                chunk = rows[start:start + size]
                start += size
                sql = (f"INSERT INTO {quote(table)} ({', '.join(map(quote, columns))}) VALUES "
                       + ", ".join([placeholder] * len(chunk)))
                if returning:
                    sql += " RETURNING id"
                cursor.execute(sql, [value for row in chunk for value in row])
                if returning:
                    # Both PostgreSQL and SQLite (3.35+) return rows of a multi-row INSERT
                    # in the order given; Django's own bulk_create relies on the same.
                    ids.extend(row[0] for row in cursor.fetchall())
        return ids

    @staticmethod
    def _copy(table: str, columns: list[str], rows: list[list], *, returning: bool):
        """PostgreSQL: reserve ids from the table's sequence, then COPY the rows in.

        COPY is the fastest way into PostgreSQL, but returns nothing, so the ids are
        taken from the identity sequence first (the same sequence INSERT would use).
        """
        quote = connection.ops.quote_name
        ids = []
        with connection.cursor() as cursor:
            if returning:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) "
                    "FROM generate_series(1, %s)", [table, len(rows)],
                )
                ids = [row[0] for row in cursor.fetchall()]
                columns = ["id", *columns]
                rows = [[pk, *row] for pk, row in zip(ids, rows, strict=True)]
            statement = f"COPY {quote(table)} ({', '.join(map(quote, columns))}) FROM STDIN"
            with cursor.cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
        return ids


def _statement_sizes(row_count: int, column_count: int):
    """Rows per INSERT: full statements of one size, then the rest in powers of two.

    sqlite3 keeps every distinct statement it compiled in a cache; with one odd-sized
    remainder per batch, that cache filled with large one-off statements and memory grew
    with the file. A handful of sizes keeps the set of distinct statements small.
    """
    largest = max(1, min(ROWS_PER_STATEMENT, MAX_PARAMETERS // column_count))
    full, rest = divmod(row_count, largest)
    yield from [largest] * full
    size = largest
    while rest:
        size = min(size, 1 << (rest.bit_length() - 1))
        yield size
        rest -= size


def _converter(field: models.Field) -> Callable:
    """A function turning a Python value into what the database driver takes."""
    if isinstance(field, PartialDateField):
        return lambda value: "" if value is None else str(value)
    if isinstance(field, models.DateTimeField):
        return lambda value: connection.ops.adapt_datetimefield_value(value)
    if isinstance(field, models.DateField):
        if connection.vendor == "postgresql":
            return _identity  # psycopg takes date objects as they are
        return lambda value: connection.ops.adapt_datefield_value(value)
    if isinstance(field, models.UUIDField):
        return lambda value: value.hex if isinstance(value, uuid.UUID) else value
    if isinstance(field, (models.CharField, models.TextField, models.IntegerField,
                          models.BooleanField, models.ForeignKey, models.FloatField)):
        return _identity
    return lambda value: field.get_db_prep_save(value, connection)


def _identity(value):
    return value
