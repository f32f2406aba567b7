"""Insert many rows of a model, and a revision for each, without building model instances.

``QuerySet.bulk_create`` spends most of its time in per-value machinery (a model
instance, ``pre_save`` and ``get_db_prep_save`` for every field of every row, twice with
django-simple-history). A Book of Memory import writes about eight rows per person plus
their revisions, so that machinery alone kept the import under 1,000 people a second.

This writer takes plain dicts (field attname -> Python value) and, once per distinct set
of keys, compiles a small function that turns such a dict into the row's column values:
the values given, converted only where the database driver needs it; partial-date bounds
computed the way the model computes them (memoised per date, as lists repeat dates); the
``auto_now`` timestamps; and every other column's default. The model stays the source of
truth for columns, defaults and conversions; only the per-row overhead is gone.

Making the values (``values``) and sending them (``write``) are apart: making them uses
no database, so the importer makes the next batch's in another process while this one
is sent.

The revisions django-simple-history would have written (one ``+`` row per new row, a
copy of its columns plus the date, reason and user) are written beside the rows.
PostgreSQL receives both by binary ``COPY`` (the revisions are the same value lists with
the revision's columns added, sent again: cheaper for the server than finding each row
again by id). SQLite receives the rows by multi-row ``INSERT`` statements on the driver's
own connection (Django's cursor rewrites every ``%s`` of a long statement with a regular
expression, which cost more than SQLite's own work), and copies the revisions itself with
``INSERT … SELECT`` from the rows just written.
"""

from __future__ import annotations

import contextlib
import datetime
import gc
import itertools
import uuid
from collections.abc import Callable, Iterable

from django.db import connection, models, transaction
from django.utils import timezone

from registry import dates
from registry.models.fields import PartialDateField

# SQLite allows 32,766 parameters per statement, PostgreSQL 65,535.
MAX_PARAMETERS = 30_000
ROWS_PER_STATEMENT = 256
# Parsed dates are shared objects (dates.parse memoises them), so their column values
# are memoised by identity; the memo is emptied when it reaches this size.
DATE_MEMO_SIZE = 20_000
# SQLite's page cache during an import, in KiB (see sqlite_import_settings).
SQLITE_IMPORT_CACHE_KIB = 16 * 1024


class BulkInserter:
    """Writes dicts keyed by field attname into ``model``'s table and its history table.

    Keys not given take the field's default; the bounds of a partial date follow the
    date; ``auto_now``/``auto_now_add`` fields take the time of the call. Rows of one call
    may carry different keys (an arrest has a place, a sentence an article).
    """

    def __init__(self, model: type[models.Model]):
        self.model = model
        self.fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        self.attnames = {f.attname for f in self.fields}
        self.history_model = getattr(model, "history", None) and model.history.model
        self._builders: dict[tuple[str, ...], Callable] = {}
        self._vendor = None
        self._now = self._db_now = None

    def insert(self, rows: list[dict], *, change_reason: str, user_id: int | None = None,
               returning: bool = False) -> list[int]:
        """Insert ``rows`` (attname -> Python value) and one '+' revision each.

        Returns the new primary keys in the order of ``rows`` when ``returning``.
        """
        now = timezone.now()
        return self.write(self.values(rows, now), now=now, change_reason=change_reason,
                          user_id=user_id, returning=returning)

    def values(self, rows: Iterable[dict], now: datetime.datetime) -> list[list]:
        """The column values of ``rows``, ready for ``write``; ``now`` is the time stamped.

        Touches no database, so another process can make them while ``write`` sends
        others. Each is a list: its owner's id may be filled in later (``column_index``).
        """
        if now is not self._now:  # the driver's form of the time, once per batch
            if self._vendor != connection.vendor:  # builders bake in the driver's conversions
                self._builders, self._vendor = {}, connection.vendor
            self._now, self._db_now = now, (now if connection.vendor == "postgresql" else
                                            connection.ops.adapt_datetimefield_value(now))
        db_now = self._db_now
        builders = self._builders
        values = []
        for row in rows:
            keys = tuple(row)
            build = builders.get(keys) or self._compile(keys)
            values.append(build(row, db_now))
        return values

    def column_index(self, attname: str) -> int:
        """Where the field ``attname`` is in a list of ``values``."""
        return next(n for n, f in enumerate(self.fields) if f.attname == attname)

    def write(self, values: list[list], *, now: datetime.datetime, change_reason: str,
              user_id: int | None = None, returning: bool = False) -> list[int]:
        """Insert rows made by ``values`` and one '+' revision each, dated ``now``.

        Returns the new primary keys in the order of ``values`` when ``returning``. The
        lists of ``values`` are used up (PostgreSQL adds the id and revision columns to
        them rather than copying each row twice).
        """
        if not values:
            return []
        want_ids = returning or self.history_model is not None
        table = self.model._meta.db_table
        columns = [f.column for f in self.fields]
        with transaction.atomic(savepoint=False):  # the id ranges below need one transaction
            if connection.vendor == "postgresql":
                ids = self._write_postgresql(values, columns, now, change_reason, user_id,
                                             want_ids=want_ids)
            else:
                ids = _insert_sqlite(table, columns, values, returning=want_ids)
                if self.history_model is not None:
                    self._copy_to_history(ids, now, change_reason, user_id)
        return ids if returning else []

    def _write_postgresql(self, values: list[list], columns: list[str], now,
                          change_reason: str, user_id: int | None, *, want_ids: bool):
        """COPY the rows in, then the same rows with the revision's columns into history.

        The rows are at hand: sending them again costs the server less than finding each
        one again by id to copy it (``INSERT … SELECT … WHERE id = ANY``).
        """
        ids = []
        if want_ids:
            ids = _reserve_ids(self.model._meta.db_table, len(values))
            for pk, row in zip(ids, values, strict=True):
                row.insert(0, pk)
            columns = ["id", *columns]
        _copy(self.model._meta.db_table, columns, values)
        if self.history_model is not None:
            extra = self._revision_columns(now, change_reason, user_id)
            extra_values = [_converter(f)(value) for f, value in extra.items()]
            for row in values:
                row.extend(extra_values)
            _copy(self.history_model._meta.db_table, [*columns, *(f.column for f in extra)],
                  values)
        return ids

    def _revision_columns(self, now, change_reason: str, user_id: int | None) -> dict:
        """The history table's own fields of a '+' revision, with their values."""
        history_fields = {f.attname: f for f in self.history_model._meta.concrete_fields}
        extra = {"history_date": now, "history_change_reason": change_reason,
                 "history_type": "+", "history_user_id": user_id}
        return {history_fields[name]: value for name, value in extra.items()
                if name in history_fields}

    # --- compiling a row builder ------------------------------------------------------

    def _compile(self, keys: tuple[str, ...]) -> Callable:
        """A function ``(row, now) -> list of column values`` for rows with these keys."""
        unknown = set(keys) - self.attnames
        if unknown:
            raise ValueError(f"{self.model.__name__} has no field(s) "
                             + ", ".join(sorted(unknown)))
        env: dict = {}
        lines, expressions = [], []
        date_slots: dict[str, dict[str, int]] = {}  # source attname -> derived attname -> slot

        def date_columns(source: models.Field) -> str:
            """A local holding (text, *derived values) of the partial date ``source``."""
            name = f"d_{source.attname}"
            if source.attname not in date_slots:
                derived = [f for f in self.fields
                           if hasattr(f, "derive") and f.source == source.name]
                date_slots[source.attname] = {f.attname: n + 1 for n, f in enumerate(derived)}
                columns = _partial_date_columns(derived)
                if source.attname in keys:
                    env[f"c_{name}"] = columns
                    lines.append(f"    {name} = c_{name}(row[{source.attname!r}])")
                else:
                    env[name] = columns(_default_partial_date(source))
            return name

        fields_by_name = {f.name: f for f in self.fields}
        for number, field in enumerate(self.fields):
            attname = field.attname
            if isinstance(field, PartialDateField):
                expressions.append(f"{date_columns(field)}[0]")
            elif hasattr(field, "derive"):  # partial-date bounds follow their source
                source = fields_by_name[field.source]
                name = date_columns(source)
                expressions.append(f"{name}[{date_slots[source.attname][attname]}]")
            elif attname in keys:
                convert = _converter(field)
                if convert is _identity:
                    expressions.append(f"row[{attname!r}]")
                else:
                    env[f"c{number}"] = convert
                    expressions.append(f"c{number}(row[{attname!r}])")
            elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                expressions.append("now")
            elif field.has_default() and callable(field.default):
                env[f"c{number}"], env[f"f{number}"] = _converter(field), field.get_default
                expressions.append(f"c{number}(f{number}())")
            else:
                env[f"k{number}"] = _converter(field)(field.get_default())
                expressions.append(f"k{number}")
        source = ("def build(row, now):\n" + "".join(line + "\n" for line in lines)
                  + "    return [" + ", ".join(expressions) + "]\n")
        exec(compile(source, f"<BulkInserter {self.model.__name__} {keys}>", "exec"), env)
        self._builders[keys] = env["build"]
        return env["build"]

    # --- revisions ----------------------------------------------------------------

    def _copy_to_history(self, ids: list[int], now, change_reason: str, user_id: int | None):
        """SQLite: copy the rows just written into the history table, by the database."""
        extra = self._revision_columns(now, change_reason, user_id)
        columns = ["id", *(f.column for f in self.fields)]
        quote = connection.ops.quote_name
        target = ", ".join(map(quote, [*columns, *(f.column for f in extra)]))
        placeholders = ", ".join("?" for _ in extra)
        # The ids of one transaction's inserts are consecutive on SQLite (it has a single
        # writer, and new ids are above every id used before), so a range selects exactly
        # these rows; the count below checks it.
        sql = (f"INSERT INTO {quote(self.history_model._meta.db_table)} ({target}) "
               f"SELECT {', '.join(map(quote, columns))}, {placeholders} "
               f"FROM {quote(self.model._meta.db_table)} WHERE id BETWEEN ? AND ? ORDER BY id")
        params = [_converter(f)(value) for f, value in extra.items()]
        params += [min(ids), max(ids)]
        copied = _sqlite().execute(sql, params).rowcount
        if copied != len(ids):
            raise RuntimeError(f"{self.model.__name__}: wrote {len(ids)} rows but found "
                               f"{copied} to copy into the history")


def _partial_date_columns(derived: list[models.Field]) -> Callable:
    """``PartialDate -> (stored text, *derived values)``, converted for the driver."""
    converters = [_converter(f) for f in derived]
    memo: dict[int, tuple] = {}

    def columns(value):
        found = memo.get(id(value))
        if found is not None and found[0] is value:
            return found[1]
        partial = dates.parse(value) if isinstance(value, str) else value
        if partial is None:
            result = ("", *(None for _ in derived))
        else:
            result = (str(partial), *(convert(f.derive(partial))
                                      for f, convert in zip(derived, converters, strict=True)))
        if len(memo) >= DATE_MEMO_SIZE:
            memo.clear()
        memo[id(value)] = (value, result)  # keeping ``value`` alive keeps its id unique
        return result

    return columns


def _default_partial_date(field: models.Field):
    return field.get_default() or None


# --- writing --------------------------------------------------------------------------

def _sqlite():
    """The driver's connection under Django's (same transaction)."""
    connection.ensure_connection()
    return connection.connection


def _insert_sqlite(table: str, columns: list[str], rows: list[list], *,
                   returning: bool) -> list[int]:
    quote = connection.ops.quote_name
    placeholder = "(" + ", ".join(["?"] * len(columns)) + ")"
    head = f"INSERT INTO {quote(table)} ({', '.join(map(quote, columns))}) VALUES "
    tail = " RETURNING id" if returning else ""
    raw = _sqlite()
    ids = []
    start = 0
    for size in _statement_sizes(len(rows), len(columns)):
        chunk = rows[start:start + size]
        start += size
        cursor = raw.execute(head + ", ".join([placeholder] * size) + tail,
                             list(itertools.chain.from_iterable(chunk)))
        if returning:
            # SQLite (3.35+) returns the rows of a multi-row INSERT in the order given;
            # Django's own bulk_create relies on the same.
            ids += [pk for (pk,) in cursor]
    return ids


def _reserve_ids(table: str, count: int) -> list[int]:
    """PostgreSQL: ``count`` new ids from the table's sequence (the one INSERT would use).

    COPY is the fastest way into PostgreSQL but returns nothing, so ids come first.
    """
    with connection.cursor() as cursor:
        # The sequence's name is looked up once: as an argument of nextval() it would be
        # looked up again for every id, which was most of the cost of taking them.
        cursor.execute("SELECT nextval(seq) FROM CAST(pg_get_serial_sequence(%s, 'id') "
                       "AS regclass) AS seq, generate_series(1, %s)", [table, count])
        return [pk for (pk,) in cursor.fetchall()]


def _copy(table: str, columns: list[str], rows: list[list]) -> None:
    """PostgreSQL: COPY ``rows`` (values of ``columns``) into ``table``."""
    quote = connection.ops.quote_name
    # Binary: no value is turned into text and parsed back, which took three times the
    # client's time of the binary form and more of the server's. It needs each column's
    # exact type (an int is an int2, int4 or int8), read from the catalogue.
    statement = (f"COPY {quote(table)} ({', '.join(map(quote, columns))}) "
                 f"FROM STDIN (FORMAT BINARY)")
    with connection.cursor() as cursor:
        types = _column_types(cursor, table, columns)
        with cursor.cursor.copy(statement) as copy:
            copy.set_types(types)
            write_row = copy.write_row
            for row in rows:
                write_row(row)


_COLUMN_TYPES: dict[tuple, list[int]] = {}


def _column_types(cursor, table: str, columns: list[str]) -> list[int]:
    """The type (oid) of each of ``table``'s ``columns``, read once per database."""
    key = (connection.settings_dict["NAME"], table, tuple(columns))
    if key not in _COLUMN_TYPES:
        cursor.execute("SELECT attname, atttypid FROM pg_attribute "
                       "WHERE attrelid = CAST(%s AS regclass) AND attnum > 0 "
                       "AND NOT attisdropped", [connection.ops.quote_name(table)])
        types = dict(cursor.fetchall())
        _COLUMN_TYPES[key] = [types[column] for column in columns]
    return _COLUMN_TYPES[key]


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


@contextlib.contextmanager
def sqlite_import_settings():
    """A larger SQLite page cache for the length of a bulk write, then the previous one.

    With SQLite's default cache (2 MiB) an import into a growing file rereads index pages
    and, worse, spills changed pages in the middle of a transaction, which syncs the
    journal each time. ``cache_size`` is a setting of this connection only, in memory: it
    changes nothing in the file, its journal mode or its durability, and it is put back
    afterwards. Other databases: nothing.
    """
    if connection.vendor != "sqlite":
        yield
        return
    raw = _sqlite()
    (previous,) = raw.execute("PRAGMA cache_size").fetchone()
    raw.execute(f"PRAGMA cache_size = {-SQLITE_IMPORT_CACHE_KIB:d}")
    try:
        yield
    finally:
        if connection.connection is raw:
            raw.execute(f"PRAGMA cache_size = {int(previous):d}")


@contextlib.contextmanager
def fewer_garbage_collections():
    """Python's cyclic garbage collector run less often for the length of a bulk job.

    A batch of an import is hundreds of thousands of small lists and dicts that live
    until the batch is written. With the default thresholds the collector runs every 700
    new objects and, as the batch's objects survive, keeps walking all of them again:
    about a fifth of an import's time (docs/performance.md). They are freed by reference
    counting, not by the collector, so it need not run as often. Put back afterwards.
    """
    thresholds = gc.get_threshold()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


def _converter(field: models.Field) -> Callable:
    """A function turning a Python value into what the database driver takes."""
    if isinstance(field, PartialDateField):
        return lambda value: "" if value is None else str(value)
    if isinstance(field, models.DateTimeField):
        if connection.vendor == "postgresql":
            return _identity  # psycopg takes aware datetimes as they are
        return _last_value_memo(connection.ops.adapt_datetimefield_value)
    if isinstance(field, models.DateField):
        if connection.vendor == "postgresql":
            return _identity  # psycopg takes date objects as they are
        return connection.ops.adapt_datefield_value
    if isinstance(field, models.UUIDField):
        if connection.vendor == "postgresql":  # binary COPY takes UUID objects only
            return lambda value: value if value is None else uuid.UUID(str(value))
        return lambda value: value.hex if isinstance(value, uuid.UUID) else value
    if isinstance(field, (models.CharField, models.TextField, models.IntegerField,
                          models.BooleanField, models.ForeignKey, models.FloatField)):
        return _identity
    return lambda value: field.get_db_prep_save(value, connection)


def _last_value_memo(convert: Callable) -> Callable:
    """``convert``, remembering its last result: an import stamps one time on every row."""
    last = [object(), None]

    def converted(value):
        if value is not last[0]:
            last[:] = value, convert(value)
        return last[1]

    return converted


def _identity(value):
    return value
