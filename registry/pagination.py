"""A paginator that asks the database as little as a page needs.

Django's ``Paginator`` asks twice: ``COUNT(*)`` of the whole result, then the page. For a
ranked name search both queries do the same work (find, group and rank every match), so
the page is fetched with ``COUNT(*) OVER ()`` beside each row, in one query. A list that
is not ranked (filters alone) is read in index order and stops after one page, but its
count must visit every match: that count is kept in the cache for a few minutes, since
the same broad filters (everyone executed in 1937) are asked again and again.
"""

import hashlib

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db.models import Count, Window
from django.utils.functional import cached_property

COUNT_SECONDS = 300


class OneQueryPaginator(Paginator):
    def page(self, number):
        if "search_rank" not in self.object_list.query.annotations:
            return super().page(number)
        try:
            number = int(number)
        except (TypeError, ValueError):
            return super().page(number)  # Django's own error for a page that is no number
        if number < 1 or "count" in self.__dict__:
            return super().page(number)
        bottom = (number - 1) * self.per_page
        # Ranking and counting touch every match: carry only what the order needs through
        # that (a third faster at 1,000,000 people), then read the page's own rows whole.
        ranked = (self.object_list.only("id", "surname", "given_name", "patronymic")
                  .annotate(result_total=Window(Count("*")))[bottom:bottom + self.per_page])
        ranked = list(ranked.values_list("pk", "result_total"))
        if not ranked:  # past the end, or nothing at all: let Django count and decide
            return super().page(number)
        self.__dict__["count"] = ranked[0][1]  # fills the cached property
        rows = {person.pk: person for person in
                self.object_list.filter(pk__in=[pk for pk, _ in ranked])}
        # (one hidden between the two reads is left out, never shown)
        return self._get_page([rows[pk] for pk, _ in ranked if pk in rows], number, self)

    @cached_property
    def count(self):
        try:
            sql, params = self.object_list.query.sql_with_params()
        except EmptyResultSet:  # .none(): nothing to count
            return 0
        key = "count:" + hashlib.sha256(repr((sql, params)).encode()).hexdigest()
        return cache.get_or_set(key, lambda: Paginator.count.func(self), COUNT_SECONDS)
