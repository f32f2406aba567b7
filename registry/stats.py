"""The numbers behind the names (/stats/): counts of published people, each tied to a search.

Every bar carries the query string of ``PersonFilter`` that finds exactly the people it
counts: the counts below use the same conditions as those filters (a year overlapping a
partial date, a text filter's own match), and the tests compare each bar with its search.
Counting a million people takes seconds, so the figures are cached under a fingerprint of
the published records that changes whenever one is published, hidden or edited.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.core.cache import cache
from django.db.models import Count, Max, Min, Q, QuerySet
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from registry.filters import PersonFilter, executed_in_years
from registry.models import Person, RepressionEvent

STATS_SECONDS = 24 * 3600
FINGERPRINT_SECONDS = 60
TOP_VALUES = 12
# Years outside these are typing errors in a source, not history to chart.
FIRST_YEAR, LAST_YEAR = 1917, 2030


@dataclass
class Bar:
    label: str
    count: int
    params: dict

    @property
    def url(self) -> str:
        return reverse("registry:search") + "?" + urlencode(self.params)


@dataclass
class Chart:
    slug: str
    title: str
    description: str
    bars: list[Bar] = field(default_factory=list)

    @property
    def largest(self) -> int:
        return max((bar.count for bar in self.bars), default=0)


def fingerprint() -> str:
    """Changes when a person is published, withdrawn or edited (count, latest times)."""
    def compute():
        values = Person.objects.published().aggregate(
            n=Count("pk"), published=Max("published_at"), updated=Max("updated_at"))
        return hashlib.sha256(repr(sorted(values.items())).encode()).hexdigest()[:16]

    return cache.get_or_set("stats:fingerprint", compute, FINGERPRINT_SECONDS)


def charts() -> list[Chart]:
    """All the figures, from the cache when nothing was published since."""
    key = f"stats:{get_language()}:{fingerprint()}"
    return cache.get_or_set(key, compute_charts, STATS_SECONDS)


def compute_charts() -> list[Chart]:
    people = Person.objects.published()
    fates = dict(Person.Fate.choices)
    return [
        Chart("arrests", str(_("Arrests per year")),
              str(_("People arrested in each year (a date known only roughly counts in "
                    "every year it may mean).")),
              event_years(people, RepressionEvent.Kind.ARREST, "arrest_year")),
        Chart("executions", str(_("Executions per year")),
              str(_("People executed in each year.")), execution_years(people)),
        Chart("nationality", str(_("By nationality")), "",
              grouped(people, "nationality", "nationality")),
        Chart("authority", str(_("By authority")),
              str(_("Who decided: the records naming each authority.")),
              by_text_filter(people, "authority")),
        Chart("article", str(_("By article")),
              str(_("Articles of the criminal code (58 includes 58-10, 58-11…).")),
              by_text_filter(people, "article")),
        Chart("sentence", str(_("Sentences")), "", by_text_filter(people, "sentence")),
        Chart("fate", str(_("Fates")), "",
              [Bar(str(fates.get(bar.label, bar.label)), bar.count, bar.params)
               for bar in grouped(people, "fate", "fate")]),
        Chart("rehabilitation", str(_("Rehabilitations per decade")), "",
              rehabilitation_decades(people)),
    ]


def _span(lower: QuerySet, lower_field: str, upper_field: str) -> range:
    bounds = lower.aggregate(first=Min(lower_field), last=Max(upper_field))
    if not bounds["first"] or not bounds["last"]:
        return range(0)
    return range(max(FIRST_YEAR, bounds["first"].year), min(LAST_YEAR, bounds["last"].year) + 1)


def _overlap(prefix: str, first: int, last: int) -> Q:
    return Q(**{f"{prefix}_upper__year__gte": first, f"{prefix}_lower__year__lte": last})


def event_years(people: QuerySet[Person], kind: str, param: str) -> list[Bar]:
    """People with an event of ``kind`` in each year, as ``<param>_min/_max`` count them."""
    events = RepressionEvent.objects.filter(kind=kind, person__in=people)
    years = _span(events, "date_lower", "date_upper")
    if not years:
        return []
    counts = events.aggregate(**{
        f"y{year}": Count("person_id", distinct=True, filter=_overlap("date", year, year))
        for year in years})
    return [Bar(str(year), counts[f"y{year}"], {f"{param}_min": year, f"{param}_max": year})
            for year in years if counts[f"y{year}"]]


def execution_years(people: QuerySet[Person]) -> list[Bar]:
    executed = people.filter(fate=Person.Fate.EXECUTED)
    years = _span(executed, "death_date_lower", "death_date_upper")
    if not years:
        return []
    counts = people.aggregate(**{f"y{year}": Count("pk", filter=executed_in_years(year, year))
                                 for year in years})
    return [Bar(str(year), counts[f"y{year}"],
                {"execution_year_min": year, "execution_year_max": year})
            for year in years if counts[f"y{year}"]]


def rehabilitation_decades(people: QuerySet[Person]) -> list[Bar]:
    events = RepressionEvent.objects.filter(kind=RepressionEvent.Kind.REHABILITATION,
                                            person__in=people)
    years = _span(events, "date_lower", "date_upper")
    if not years:
        return []
    decades = range(years.start // 10 * 10, years.stop, 10)
    counts = events.aggregate(**{
        f"d{decade}": Count("person_id", distinct=True,
                            filter=_overlap("date", decade, decade + 9))
        for decade in decades})
    return [Bar(f"{decade}–{decade + 9}", counts[f"d{decade}"],
                {"rehabilitation_year_min": decade, "rehabilitation_year_max": decade + 9})
            for decade in decades if counts[f"d{decade}"]]


def grouped(people: QuerySet[Person], column: str, param: str) -> list[Bar]:
    """The most frequent values of a person's ``column``; the filter matches them exactly."""
    rows = (people.exclude(**{column: ""}).values(column).annotate(n=Count("pk"))
            .order_by("-n", column)[:TOP_VALUES])
    return [Bar(row[column], row["n"], {param: row[column]}) for row in rows]


def by_text_filter(people: QuerySet[Person], name: str) -> list[Bar]:
    """The most frequent values of an event's text column, each counted through the search
    filter of that name: the filter matches a part of the text ("тройка" finds "тройка
    НКВД"), so only the filter itself can say how many people its link finds."""
    values = (RepressionEvent.objects.filter(person__in=people).exclude(**{name: ""})
              .values(name).annotate(n=Count("person_id", distinct=True))
              .order_by("-n", name)[:TOP_VALUES])
    bars = []
    for row in values:
        params = {name: row[name]}
        bars.append(Bar(row[name], PersonFilter(params, queryset=people).qs.count(), params))
    return sorted(bars, key=lambda bar: (-bar.count, bar.label))
