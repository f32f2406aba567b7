"""The filters of the search page, the API and the CSV export: one set, one set of names.

Every filter on a person's parts (events, photos) is a ``pk__in`` subquery rather than a
join, so filters never multiply rows and combine freely with the ranked name search,
which runs last (``PersonFilter.filter_queryset``).
"""

import hashlib

import django_filters
from django import forms
from django.core.cache import caches
from django.db.models import Count, F, Q, QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from registry.freshness import SHARED_CACHE, published_generation
from registry.models import Camp, Person, Photo, Place, PlaceName, RepressionEvent
from registry.names import place_key
from registry.replicas import reading_connection
from registry.search import might_answer, search_people

FACET_SECONDS = 600
FACET_SIZE = 12
# Years a filter accepts: what the registry's people lived through, their rehabilitations
# and their readings. Beyond them a date lookup overflows (year 0, year 100000).
FIRST_YEAR, LAST_YEAR = 1800, 2100
YEAR_WIDGET = forms.NumberInput(attrs={"min": FIRST_YEAR, "max": LAST_YEAR,
                                       "inputmode": "numeric"})
DATE_WIDGET = forms.DateInput(attrs={"type": "date"})


class WholeNumberFilter(django_filters.NumberFilter):
    """A whole number (django-filter's NumberFilter takes any decimal: ``1e5``, ``1.5``)."""

    field_class = forms.IntegerField


class YearFilter(WholeNumberFilter):
    """A year between FIRST_YEAR and LAST_YEAR; any other is refused with a message."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", FIRST_YEAR)
        kwargs.setdefault("max_value", LAST_YEAR)
        kwargs.setdefault("widget", YEAR_WIDGET)
        super().__init__(*args, **kwargs)


def known_values(field: str) -> list[tuple[str, str]]:
    """The values of ``field`` among published people, as choices (cached a few minutes).

    A list to pick from rather than free text: the registry holds what the sources wrote,
    and a visitor should not have to guess its spelling or case.
    """
    def distinct():
        return [(value, value) for value in distinct_published_values(field)]

    generation = published_generation()
    if generation is None:
        return distinct()
    return caches[SHARED_CACHE].get_or_set(f"known-values:{generation}:{field}", distinct,
                                           FACET_SECONDS)


def distinct_published_values(field: str) -> list[str]:
    """The distinct non-empty values of a text ``field`` of published people, in order.

    Read as a skip through the index that starts with the field, one step per value (a
    few dozen nationalities: 3 ms), rather than ``DISTINCT`` over every published person
    (300 ms at a million), which every search page paid once per publication."""
    table, column = Person._meta.db_table, Person._meta.get_field(field).column
    status = Person.Status.PUBLISHED
    sql = (f"WITH RECURSIVE found(value) AS ("
           f"SELECT MIN({column}) FROM {table} WHERE status = %s AND {column} > '' "
           f"UNION ALL SELECT (SELECT MIN({column}) FROM {table} "
           f"WHERE status = %s AND {column} > found.value) "
           f"FROM found WHERE found.value IS NOT NULL) "
           f"SELECT value FROM found WHERE value IS NOT NULL")
    with reading_connection(Person).cursor() as cursor:
        cursor.execute(sql, [status, status])
        return [value for (value,) in cursor.fetchall()]


def _events(**lookups) -> QuerySet:
    return RepressionEvent.objects.filter(**lookups).values("person_id")


def _year_bounds(prefix: str, minimum: int | None, maximum: int | None) -> Q:
    """Partial dates that overlap the years ``minimum``..``maximum`` (either may be open)."""
    condition = Q()
    if minimum is not None:
        condition &= Q(**{f"{prefix}_upper__year__gte": minimum})
    if maximum is not None:
        condition &= Q(**{f"{prefix}_lower__year__lte": maximum})
    return condition


class PersonFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Name"), method="filter_name",
                                  max_length=200)
    birth_year_min = YearFilter(label=_("Born from (year)"),
                                method="filter_birth_years")
    birth_year_max = YearFilter(label=_("Born until (year)"),
                                method="filter_birth_years")
    birthplace = django_filters.ModelChoiceFilter(
        label=_("Place of birth"), queryset=Place.objects.all(), method="filter_birthplace")
    nationality = django_filters.ChoiceFilter(label=_("Nationality"),
                                              choices=lambda: known_values("nationality"))
    occupation = django_filters.CharFilter(label=_("Occupation"), lookup_expr="icontains")
    kind = django_filters.ChoiceFilter(label=_("What happened"),
                                       choices=RepressionEvent.Kind.choices,
                                       method="filter_event_kind")
    authority = django_filters.CharFilter(label=_("Authority"), method="filter_event_text")
    article = django_filters.CharFilter(label=_("Article"), method="filter_event_text")
    sentence = django_filters.CharFilter(label=_("Sentence"), method="filter_event_text")
    camp = django_filters.ModelChoiceFilter(
        label=_("Camp"), queryset=Camp.objects.public(), to_field_name="slug",
        method="filter_camp")
    arrest_year_min = YearFilter(label=_("Arrested from (year)"),
                                 method="filter_arrest_years")
    arrest_year_max = YearFilter(label=_("Arrested until (year)"),
                                 method="filter_arrest_years")
    fate = django_filters.ChoiceFilter(label=_("Fate"), choices=Person.Fate.choices)
    rehabilitated = django_filters.BooleanFilter(label=_("Rehabilitated"),
                                                 method="filter_rehabilitated")
    has_photo = django_filters.BooleanFilter(label=_("Has a photograph"),
                                             method="filter_has_photo")
    # Added for reading lists and the figures of /stats/: each chart bar links to a search
    # with exactly these names, so the count it shows is the count the search finds.
    place = django_filters.CharFilter(label=_("Place (any of its names)"), method="filter_place",
                                      max_length=200)
    execution_year_min = YearFilter(label=_("Executed from (year)"),
                                    method="filter_execution_years")
    execution_year_max = YearFilter(label=_("Executed until (year)"),
                                    method="filter_execution_years")
    executed_from = django_filters.DateFilter(label=_("Executed on or after (date)"),
                                              method="filter_executed_between",
                                              widget=DATE_WIDGET)
    executed_to = django_filters.DateFilter(label=_("Executed on or before (date)"),
                                            method="filter_executed_between",
                                            widget=DATE_WIDGET)
    execution_month = WholeNumberFilter(
        label=_("Executed in month (1–12)"), method="filter_execution_day",
        min_value=1, max_value=12, widget=forms.NumberInput(attrs={"min": 1, "max": 12}))
    execution_day = WholeNumberFilter(
        label=_("Executed on day of month"), method="filter_execution_day",
        min_value=1, max_value=31, widget=forms.NumberInput(attrs={"min": 1, "max": 31}))
    rehabilitation_year_min = YearFilter(
        label=_("Rehabilitated from (year)"), method="filter_rehabilitation_years")
    rehabilitation_year_max = YearFilter(
        label=_("Rehabilitated until (year)"), method="filter_rehabilitation_years")

    class Meta:
        model = Person
        fields = []

    _form_classes: dict[type, type] = {}

    def get_form_class(self):
        """Built once per filter set class: its fields depend on the class alone (choices
        are read when the form is validated), and building 25 fields anew cost every
        search a millisecond."""
        cls = type(self)
        if cls not in self._form_classes:
            self._form_classes[cls] = super().get_form_class()
        return self._form_classes[cls]

    def filter_queryset(self, queryset):
        """All filters, then the name search last: it ranks and groups what is left."""
        queryset = self._other_filters(queryset)
        name = self.form.cleaned_data.get("q")
        return search_people(queryset, name) if name else queryset

    def filter_name(self, queryset, name, value):
        return queryset  # applied last by filter_queryset

    def filtered_without_name(self) -> QuerySet | None:
        """The people every filter but the name keeps, or None when no other is set."""
        if not any(value not in (None, "") for key, value in self.form.cleaned_data.items()
                   if key != "q"):
            return None
        return self._other_filters(self.queryset)

    def _other_filters(self, queryset):
        for key, value in self.form.cleaned_data.items():
            if key != "q":
                queryset = self.filters[key].filter(queryset, value)
        return queryset

    def filter_birth_years(self, queryset, name, value):
        if name == "birth_year_max" and self.form.cleaned_data.get("birth_year_min") is not None:
            return queryset  # the pair is applied once, by its minimum
        return queryset.filter(_year_bounds(
            "birth_date", self.form.cleaned_data.get("birth_year_min"),
            self.form.cleaned_data.get("birth_year_max")))

    def filter_arrest_years(self, queryset, name, value):
        if name == "arrest_year_max" and self.form.cleaned_data.get("arrest_year_min") is not None:
            return queryset
        arrests = RepressionEvent.objects.filter(
            _year_bounds("date", self.form.cleaned_data.get("arrest_year_min"),
                         self.form.cleaned_data.get("arrest_year_max")),
            kind=RepressionEvent.Kind.ARREST)
        return queryset.filter(pk__in=arrests.values("person_id"))

    def filter_birthplace(self, queryset, name, place):
        """Born in the place or anywhere within it (a region holds its towns)."""
        return queryset.filter(Q(birth_place=place) | Q(birth_place__parent=place))

    def filter_event_kind(self, queryset, name, value):
        return queryset.filter(pk__in=_events(kind=value))

    def filter_event_text(self, queryset, name, value):
        lookup = "istartswith" if name == "article" else "icontains"  # 58 finds 58-10
        return queryset.filter(pk__in=_events(**{f"{name}__{lookup}": value.strip()}))

    def filter_camp(self, queryset, name, camp):
        return queryset.filter(pk__in=_events(camp=camp))

    def filter_rehabilitated(self, queryset, name, value):
        rehabilitated = Q(pk__in=_events(kind=RepressionEvent.Kind.REHABILITATION))
        return queryset.filter(rehabilitated if value else ~rehabilitated)

    def filter_has_photo(self, queryset, name, value):
        with_photo = Q(pk__in=Photo.objects.public().values("person_id"))
        return queryset.filter(with_photo if value else ~with_photo)

    def filter_place(self, queryset, name, value):
        """Born, living, dead or arrested/held/killed in a place called ``value`` at any time
        (Akmolinsk finds Astana), or in any place within it (a region holds its towns)."""
        places = places_named(value)
        return queryset.filter(
            Q(birth_place__in=places) | Q(residence_place__in=places)
            | Q(death_place__in=places) | Q(pk__in=_events(place__in=places)))

    def filter_execution_years(self, queryset, name, value):
        """Executed (fate) with a date of death overlapping the years, like the arrest years."""
        if (name == "execution_year_max"
                and self.form.cleaned_data.get("execution_year_min") is not None):
            return queryset
        return queryset.filter(executed_in_years(self.form.cleaned_data.get("execution_year_min"),
                                                 self.form.cleaned_data.get("execution_year_max")))

    def filter_executed_between(self, queryset, name, value):
        """Executed on a date known to lie wholly between the two days ("October 1937" is in
        1–31 October 1937; "1937" alone is not: it may be any month)."""
        start, end = (self.form.cleaned_data.get("executed_from"),
                      self.form.cleaned_data.get("executed_to"))
        if name == "executed_to" and start is not None:
            return queryset
        condition = Q(fate=Person.Fate.EXECUTED)
        if start is not None:
            condition &= Q(death_date_lower__gte=start)
        if end is not None:
            condition &= Q(death_date_upper__lte=end)
        return queryset.filter(condition)

    def filter_execution_day(self, queryset, name, value):
        """Executed on a day and month ("Read by date"): only dates known to the day."""
        month, day = (self.form.cleaned_data.get("execution_month"),
                      self.form.cleaned_data.get("execution_day"))
        if name == "execution_day" and month is not None:
            return queryset
        return queryset.filter(executed_on_day(month, day))

    def filter_rehabilitation_years(self, queryset, name, value):
        if (name == "rehabilitation_year_max"
                and self.form.cleaned_data.get("rehabilitation_year_min") is not None):
            return queryset
        rehabilitations = RepressionEvent.objects.filter(
            _year_bounds("date", self.form.cleaned_data.get("rehabilitation_year_min"),
                         self.form.cleaned_data.get("rehabilitation_year_max")),
            kind=RepressionEvent.Kind.REHABILITATION)
        return queryset.filter(pk__in=rehabilitations.values("person_id"))


# What a query string may hold besides filters: a name, and where in the list to look.
NOT_FILTERS = frozenset({"q", "page", "page_size"})


def answered_by(request, person_ids) -> bool:
    """Whether any of these people, as they are and whatever their status, answer the
    query string of ``request`` (a kept list asks after a publication or a hide; a yes
    where the answer is no only costs rendering the list again)."""
    if not set(request.GET) - NOT_FILTERS:  # a name alone, the most common list
        return might_answer(request.GET.get("q", ""), person_ids)
    filterset = PersonFilter(request.GET, queryset=Person.objects.filter(pk__in=person_ids))
    return not filterset.is_valid() or filterset.qs.exists()


def executed_in_years(minimum: int | None, maximum: int | None) -> Q:
    """Executed, with a date of death overlapping ``minimum``..``maximum``.

    The date of an execution is the person's date of death (what the import and the
    profile carry); the fate says it was an execution."""
    return Q(fate=Person.Fate.EXECUTED) & _year_bounds("death_date", minimum, maximum)


def executed_on_day(month: int | None, day: int | None) -> Q:
    """Executed on ``day`` of ``month`` in any year, for dates known to the day."""
    condition = Q(fate=Person.Fate.EXECUTED, death_date_lower=F("death_date_upper"))
    if month is not None:
        condition &= Q(death_date_lower__month=month)
    if day is not None:
        condition &= Q(death_date_lower__day=day)
    return condition


def places_named(name: str) -> list[int]:
    """Ids of the places called ``name`` now or ever, in any script, and the places within
    them (two levels: a region's districts and their towns).

    Compared in Python with ``casefold`` because SQLite's LIKE folds only ASCII letters,
    and the places table is small (thousands of rows, not millions)."""
    wanted = place_key(name)
    if not wanted:
        return []
    names = [*Place.objects.values_list("pk", "name"),
             *PlaceName.objects.values_list("place_id", "name")]
    found = {pk for pk, other in names if place_key(other) == wanted}
    level = set(found)
    for _depth in range(2):
        level = set(Place.objects.filter(parent__in=level).values_list("pk", flat=True)) - found
        found |= level
    return sorted(found)



def facets(results: QuerySet[Person], params) -> dict[str, list[tuple[str, str, int]]]:
    """Counts beside the filters: for each filter, (value, label, people) in ``results``.

    Cached for a few minutes per query string and published generation, since a broad
    query counts many people, and shared by all workers: a broad filter's first count
    takes seconds.
    """
    params = params.copy()
    params.pop("page", None)
    generation = published_generation()
    if generation is None:
        return _count_facets(results)
    # Under the published generation: a person just hidden must not be counted any more.
    key = f"facets:{generation}:" + hashlib.sha256(
        f"{get_language()}?{params.urlencode()}".encode()).hexdigest()
    return caches[SHARED_CACHE].get_or_set(key, lambda: _count_facets(results), FACET_SECONDS)


def _count_facets(results: QuerySet[Person]) -> dict:
    ids = results.order_by().values("pk")
    people = Person.objects.filter(pk__in=ids).order_by()
    events = RepressionEvent.objects.filter(person_id__in=ids).order_by()
    fates = dict(Person.Fate.choices)
    kinds = dict(RepressionEvent.Kind.choices)

    def counted(queryset, field, labels=None, label_field=None):
        rows = (queryset.exclude(**{field: ""}).exclude(**{f"{field}__isnull": True})
                .values(field, *([label_field] if label_field else []))
                .annotate(n=Count("person_id" if queryset.model is RepressionEvent else "pk",
                                  distinct=queryset.model is RepressionEvent))
                .order_by("-n", field)[:FACET_SIZE])
        return [(row[field], (labels or {}).get(row[field])
                 or (row[label_field] if label_field else row[field]), row["n"])
                for row in rows]

    return {
        "fate": counted(people, "fate", fates),
        "nationality": counted(people, "nationality"),
        "kind": counted(events, "kind", kinds),
        "camp": counted(events.filter(camp__verified=True), "camp__slug",
                        label_field="camp__name"),
    }
