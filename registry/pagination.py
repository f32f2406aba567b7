"""Pages of people for the search page and the API, asking the database as little as a
page needs.

A name search is paged from a ``registry.search.Ranking``: the ranking, the order and the
count come from one query over the name keys (``COUNT(*) OVER ()`` beside each row), and
only the page's own people are read whole. A list of filters alone is read
in index order and stops after one page, but its count must visit every match: a broad
selection's count is estimated from a sample (``registry.estimates``), and any count is
kept in the cache until the published registry changes, since the same broad filters
(everyone executed in 1937) are asked again and again.
"""

import hashlib

from django.core.cache import caches
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

from registry.estimates import Tally, estimated_tally
from registry.freshness import SHARED_CACHE, published_generation
from registry.search import Ranking, ranked_people

COUNT_SECONDS = 300


def people_paginator(filterset, per_page: int) -> Paginator:
    """Pages of a ``PersonFilter`` whose queryset is every published person."""
    name = filterset.form.cleaned_data.get("q")
    ranked = ranked_people(name, within=filterset.filtered_without_name()) if name else None
    if ranked is None:
        return CachedCountPaginator(filterset.qs, per_page)
    return RankedPaginator(ranked, per_page, people=filterset.queryset)


class RankedPaginator(Paginator):
    """Pages of a ``Ranking``, turned into ``people`` (read whole only for the page)."""

    tally = None  # the ranking counts exactly

    def __init__(self, ranking: Ranking, per_page: int, *, people: QuerySet):
        super().__init__(ranking, per_page)
        self.people = people

    def matched_people(self) -> QuerySet:
        """Every matching person (unordered), e.g. for counts beside the filters."""
        return self.people.filter(pk__in=self.object_list.person_ids())

    def page(self, number):
        try:
            number = int(number)
        except (TypeError, ValueError):
            return super().page(number)  # Django's own error for a page that is no number
        rows = (self.object_list.page((number - 1) * self.per_page, self.per_page)
                if number >= 1 else [])
        if not rows and number == 1:  # nobody at all: no need to rank again to count
            self.__dict__["count"] = 0
        if not rows:  # past the end, or nothing at all: let Django count and decide
            return super().page(number)
        self.__dict__["count"] = rows[0]["total"]  # fills the cached property
        # In the ranking's order, below: the database need not sort them.
        people = self.people.order_by().in_bulk([row["person_id"] for row in rows])
        page = []
        for row in rows:
            person = people.get(row["person_id"])
            if person is not None:  # (one hidden between the two reads is never shown)
                person.search_rank = row["search_rank"]
                page.append(person)
        return self._get_page(page, number, self)


class CachedCountPaginator(Paginator):
    """Pages of people chosen by filters alone, counted exactly when that is cheap and
    estimated from a sample when it is not (``registry.estimates``)."""

    def matched_people(self) -> QuerySet:
        return self.object_list

    @cached_property
    def tally(self) -> Tally | None:
        """The estimate, or None when the count is exact."""
        return estimated_tally(self.object_list)

    @cached_property
    def count(self):
        return self.tally.count if self.tally else cached_count(self.object_list)


def cached_count(queryset: QuerySet) -> int:
    """``queryset.count()``, kept in the cache a few minutes under its SQL: counting a
    broad selection of a million people takes longer than showing a page of it. Counts are
    kept per published generation (``registry.freshness``), so a person just published or
    hidden is counted at once. Kept in the cache all workers share, so each broad count is
    made once, not once per worker."""
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:  # .none(): nothing to count
        return 0
    generation = published_generation()
    if generation is None:
        return queryset.count()
    digest = hashlib.sha256(repr((sql, params)).encode()).hexdigest()
    key = f"count:{generation}:{digest}"
    return caches[SHARED_CACHE].get_or_set(key, queryset.count, COUNT_SECONDS)
