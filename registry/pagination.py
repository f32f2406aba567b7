"""A paginator that counts in the same query as the page it fetches.

Django's ``Paginator`` asks the database twice: ``COUNT(*)`` of the whole result, then the
page. For a ranked name search both queries do the same work (find, group and rank every
match), so asking once with ``COUNT(*) OVER ()`` beside each row halves the time of a page.
"""

from django.core.paginator import Paginator
from django.db.models import Count, Window


class OneQueryPaginator(Paginator):
    def page(self, number):
        try:
            number = int(number)
        except (TypeError, ValueError):
            return super().page(number)  # Django's own error for a page that is no number
        if number < 1 or "count" in self.__dict__:
            return super().page(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list.annotate(result_total=Window(Count("*")))
                    [bottom:bottom + self.per_page])
        if not rows:  # past the end, or nothing at all: let Django count and decide
            return super().page(number)
        self.__dict__["count"] = rows[0].result_total  # fills the cached property
        return self._get_page(rows, number, self)
