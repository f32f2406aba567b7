"""The shared cache in the database, one statement a write.

Django's database cache counts every row of its table before each write (to decide
whether to cull) and then writes in a transaction of three statements. Kept pages write
twice per page computed (the turn to compute it, then the page), so an uncached page paid
ten statements and two counts of a table holding thousands of kept pages — a visitor's
first search spent about a fifth of its time there (docs/performance.md). Here a write is
one ``INSERT … ON CONFLICT`` (PostgreSQL and SQLite alike), and the table is counted, and
culled as Django culls it, once every ``CULL_EVERY`` writes of a thread (Django makes a
cache object per thread): the table may pass its ``MAX_ENTRIES`` by that many writes per
thread before it shrinks.
"""

from __future__ import annotations

import base64
import pickle
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router
from django.utils.timezone import now as tz_now

CULL_EVERY = 100


class SharedDatabaseCache(DatabaseCache):
    """``django.core.cache.backends.db.DatabaseCache`` with single-statement writes."""

    def __init__(self, table, params):
        super().__init__(table, params)
        self._writes = 0

    def _base_set(self, mode, key, value, timeout=DEFAULT_TIMEOUT):
        if mode == "touch":  # rare here: Django's way
            return super()._base_set(mode, key, value, timeout)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        quote = connection.ops.quote_name
        table, key_column = quote(self._table), quote("cache_key")
        value_column, expires_column = quote("value"), quote("expires")
        now = tz_now().replace(microsecond=0)
        encoded = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
        expires = connection.ops.adapt_datetimefield_value(self._expiry(timeout))
        sql = (f"INSERT INTO {table} ({key_column}, {value_column}, {expires_column}) "
               f"VALUES (%s, %s, %s) ON CONFLICT ({key_column}) DO UPDATE "
               f"SET {value_column} = EXCLUDED.{value_column}, "
               f"{expires_column} = EXCLUDED.{expires_column}")
        params = [key, encoded, expires]
        if mode == "add":  # only over an entry that has expired
            sql += f" WHERE {table}.{expires_column} < %s"
            params.append(connection.ops.adapt_datetimefield_value(now))
        with connection.cursor() as cursor:
            self._cull_now_and_then(db, cursor, now)
            cursor.execute(f"{sql} RETURNING {key_column}", params)
            return cursor.fetchone() is not None

    def _expiry(self, timeout) -> datetime:
        timeout = self.get_backend_timeout(timeout)
        if timeout is None:
            return datetime.max
        return datetime.fromtimestamp(timeout, tz=UTC if settings.USE_TZ else None).replace(
            microsecond=0)

    def _cull_now_and_then(self, db, cursor, now) -> None:
        self._writes += 1
        if (self._writes - 1) % CULL_EVERY:  # the first write of each thread, then every 100th
            return
        cursor.execute(f"SELECT COUNT(*) FROM {connections[db].ops.quote_name(self._table)}")
        count = cursor.fetchone()[0]
        if count > self._max_entries:
            self._cull(db, cursor, now, count)
