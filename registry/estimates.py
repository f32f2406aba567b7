"""How many people a broad selection holds, estimated from a sample of the registry.

Counting everyone executed in 1937, with the counts beside the filters, visits hundreds of
thousands of people and their events: 5–10 s at a million people, on every first visit
after a change. A visitor needs to know there are "about 120,000", not the last digit. So on
PostgreSQL a selection of people given by filters alone is first counted in a sample of
the registry's pages (``TABLESAMPLE SYSTEM``, the same pages every time, about
``SAMPLE_ROWS`` people whatever the registry's size), its people's events read one person
at a time. When the sample holds enough of them (``MIN_SAMPLED``), the count and the counts
beside the filters are that sample's, scaled up, rounded, and shown as estimates; otherwise
the selection is small, and it is counted exactly. SQLite, the embedded database of one
machine, always counts exactly.
"""

import hashlib
import re
from dataclasses import dataclass

from django.core.cache import caches
from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import QuerySet

from registry.filters import FACET_SIZE
from registry.freshness import SHARED_CACHE, published_generation
from registry.models import Camp, Person, RepressionEvent
from registry.replicas import reading_connection

SAMPLE_ROWS = 10_000  # people in the sample
MIN_SAMPLED = 200  # fewer matches in the sample: count exactly
SMALLEST_SAMPLED_REGISTRY = 5 * SAMPLE_ROWS  # a smaller registry is counted exactly
REPEATABLE = 1937  # the same sample for every visitor, so the figures agree
TALLY_SECONDS = 600
# The outer table of a selection's SQL, where the sample goes (its subqueries alias theirs).
OUTER_TABLE = re.compile(r'FROM "registry_person"(?= WHERE| INNER JOIN| LEFT OUTER JOIN|$)')


@dataclass(frozen=True)
class Tally:
    """An estimated count of a selection and the estimated counts beside its filters."""

    count: int
    facets: dict[str, list[tuple[str, str, int]]]


def estimated_tally(people: QuerySet[Person]) -> Tally | None:
    """The estimate for ``people`` (a filtered queryset of published people), or None when
    they should be counted exactly. Kept per published generation, like exact counts."""
    if connection.vendor != "postgresql":
        return None
    try:
        sql, params = people.order_by().values_list("pk", "fate", "nationality").query \
            .sql_with_params()
    except EmptyResultSet:  # .none(): nobody, counted exactly
        return None
    generation = published_generation()
    if generation is None:
        return _sampled(sql, params)
    digest = hashlib.sha256(repr((sql, params)).encode()).hexdigest()
    found = caches[SHARED_CACHE].get_or_set(
        f"tally:{generation}:{digest}", lambda: _sampled(sql, params) or "exact", TALLY_SECONDS)
    return None if found == "exact" else found


def about(number: float) -> int:
    """``number`` rounded to two significant digits (123,456 -> 120,000)."""
    number = round(number)
    if number < 100:
        return number
    scale = 10 ** (len(str(number)) - 2)
    return round(number / scale) * scale


def _sampled(sql: str, params) -> Tally | None:
    registry_size = _people_in_table()
    if registry_size < SMALLEST_SAMPLED_REGISTRY:
        return None
    percent = min(100.0, 100 * SAMPLE_ROWS / max(registry_size, 1))
    sampled_sql, found = OUTER_TABLE.subn(
        f'FROM "registry_person" TABLESAMPLE SYSTEM ({percent:.6f}) REPEATABLE ({REPEATABLE})',
        sql, count=1)
    if not found:
        return None
    rows = _tally_rows(sampled_sql, list(params))
    matched = rows.get(("all", ""), 0)
    if matched < MIN_SAMPLED:
        return None
    scale = 100 / percent
    return Tally(count=about(matched * scale), facets=_facets(rows, scale))


def _people_in_table() -> int:
    """The planner's count of person rows (kept by ANALYZE and autovacuum): no scan."""
    with reading_connection(Person).cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                       [Person._meta.db_table])
        return max(cursor.fetchone()[0], 0)


def _tally_rows(sampled_sql: str, params: list) -> dict[tuple[str, str], int]:
    """{(facet, value): people} of the sample, ("all", "") for all of them, in one
    statement. Joins run as nested loops: each sampled person's events are read through
    the index by person, instead of hashing every event of a broad filter first."""
    events = RepressionEvent._meta.db_table
    sql = (f"WITH sampled AS MATERIALIZED ({sampled_sql}) "
           f"SELECT 'all', '', COUNT(*) FROM sampled "
           f"UNION ALL SELECT 'fate', fate, COUNT(*) FROM sampled GROUP BY fate "
           f"UNION ALL SELECT 'nationality', nationality, COUNT(*) FROM sampled "
           f"WHERE nationality <> '' GROUP BY nationality "
           f"UNION ALL SELECT 'kind', event.kind, COUNT(DISTINCT event.person_id) "
           f"FROM sampled JOIN {events} event ON event.person_id = sampled.pk "
           f"GROUP BY event.kind "
           f"UNION ALL SELECT 'camp', event.camp_id::text, COUNT(DISTINCT event.person_id) "
           f"FROM sampled JOIN {events} event ON event.person_id = sampled.pk "
           f"WHERE event.camp_id IS NOT NULL GROUP BY event.camp_id")
    reading = reading_connection(Person)
    with transaction.atomic(using=reading.alias), reading.cursor() as cursor:
        cursor.execute("SET LOCAL enable_hashjoin = off")
        cursor.execute("SET LOCAL enable_mergejoin = off")
        cursor.execute(sql, params)
        return {(facet, value): count for facet, value, count in cursor.fetchall()}


def _facets(rows: dict[tuple[str, str], int], scale: float) -> dict:
    """The sample's counts in the shape of ``registry.filters.facets``, scaled."""
    labels = {"fate": dict(Person.Fate.choices), "kind": dict(RepressionEvent.Kind.choices)}
    camps = {str(pk): (slug, name) for pk, slug, name in
             Camp.objects.public().filter(pk__in=[int(value) for facet, value in rows
                                         if facet == "camp"]).values_list("pk", "slug", "name")}
    facets = {}
    for name in ("fate", "nationality", "kind", "camp"):
        counted = sorted((-count, value) for (facet, value), count in rows.items()
                         if facet == name)[:FACET_SIZE]
        facets[name] = []
        for negative, value in counted:
            if name == "camp":
                if value not in camps:
                    continue
                value, label = camps[value]
            else:
                label = labels.get(name, {}).get(value, value)
            facets[name].append((value, label, about(-negative * scale)))
    return facets
