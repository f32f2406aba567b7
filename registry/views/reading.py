"""/reading/: "Returning the Names" — lists of names to read aloud, their downloads, and the
reader's card for a ceremony held online.

Thin views: the people come from ``Person.objects.published()`` through ``PersonFilter``
(the same query string as the search), and ``registry.reading`` makes the entries.
"""

import csv
import random

from django import forms
from django.core.cache import caches
from django.core.paginator import Paginator
from django.http import Http404, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from registry import reading
from registry.downloads import limited_download
from registry.export import spreadsheet_safe
from registry.filters import PersonFilter
from registry.freshness import SHARED_CACHE
from registry.models import Person
from registry.pagination import cached_count

# Names on one page of a list (a few portions): the downloads hold the whole list.
PAGE_NAMES = 500
CARD_SECONDS = 3 * 24 * 3600  # the shared "next unread" counter outlives a two-day reading
# The filters offered on /reading/ (all others still work in a list's query string).
LIST_FILTERS = ("place", "camp", "fate", "execution_year_min", "execution_year_max",
                "executed_from", "executed_to", "arrest_year_min", "arrest_year_max",
                "nationality", "q")


class PortionForm(forms.Form):
    size = forms.IntegerField(label=gettext_lazy("Names per reader"), required=False,
                              min_value=1, max_value=reading.MAX_PORTION)
    readers = forms.IntegerField(label=gettext_lazy("Or: number of readers"), required=False,
                                 min_value=1, max_value=1000)
    minutes = forms.IntegerField(label=gettext_lazy("Or: minutes per reader"), required=False,
                                 min_value=1, max_value=240)
    pace = forms.IntegerField(label=gettext_lazy("Reading pace (names a minute)"),
                              required=False, min_value=1, max_value=30,
                              initial=reading.DEFAULT_PACE)


class ReadingList:
    """A list chosen by a query string: its people, how they are split, what it is of."""

    def __init__(self, params: QueryDict):
        self.params = params
        self.filterset = PersonFilter(params, queryset=Person.objects.published())
        self.portion_form = PortionForm(params)
        self.selection = reading.selection(params)

    def is_valid(self) -> bool:
        return (bool(self.selection) and self.filterset.is_valid()
                and self.portion_form.is_valid())

    @property
    def people(self):
        return self.filterset.qs

    def size(self, total: int) -> int:
        return reading.portion_size(total, **self.portion_form.cleaned_data)

    @property
    def pace(self) -> int:
        return self.portion_form.cleaned_data.get("pace") or reading.DEFAULT_PACE

    def description(self) -> list[tuple[str, str]]:
        """(filter label, value as shown) for each filter the list uses."""
        described = []
        for name, value in self.filterset.form.cleaned_data.items():
            if value in (None, ""):
                continue
            field = self.filterset.form.fields[name]
            choices = dict(getattr(field, "choices", ()) or ())
            shown = choices.get(value, value) if isinstance(value, str) else value
            described.append((str(field.label), str(shown)))
        return described

    def title(self) -> str:
        parts = "; ".join(f"{label}: {value}" for label, value in self.description())
        return _("Returning the Names") + (f" — {parts}" if parts else "")

    def query(self, **changes) -> str:
        """The list's own query string (filters and portions), with ``changes``."""
        params = QueryDict(mutable=True)
        for key, values in self.params.lists():
            if key not in ("page", "n", "action", "csrfmiddlewaretoken"):
                params.setlist(key, [v for v in values if v])
        for key, value in changes.items():
            params[key] = value
        return params.urlencode()


@require_GET
def index(request):
    """Forms that build a list: by place, camp, dates, fate, a name; read by date."""
    today = timezone.localdate()
    filterset = PersonFilter(None, queryset=Person.objects.none())
    return render(request, "registry/reading_index.html", {
        "fields": [filterset.form[name] for name in LIST_FILTERS],
        "portion_form": PortionForm(initial={"pace": reading.DEFAULT_PACE}),
        "today": today,
    })


def _invalid(request, reading_list: ReadingList):
    return render(request, "registry/reading_invalid.html", {
        "filterset": reading_list.filterset, "portion_form": reading_list.portion_form,
        "empty": not reading_list.selection}, status=400)


@require_GET
def reading_list(request):
    """The list on screen, a page of portions at a time; print it, one portion a page."""
    chosen = ReadingList(request.GET)
    if not chosen.is_valid():
        return _invalid(request, chosen)
    total = cached_count(chosen.people)
    size = chosen.size(total)
    per_page = size * max(1, PAGE_NAMES // size)
    paginator = Paginator(reading.for_reading(chosen.people), per_page)
    paginator.count = total  # the same people, counted once
    page = paginator.get_page(request.GET.get("page"))
    first = page.start_index() if total else 1
    groups: list[dict] = []
    for offset, person in enumerate(page.object_list):
        number = first + offset
        portion = (number - 1) // size + 1
        if not groups or groups[-1]["number"] != portion:
            groups.append({"number": portion, "first": number, "entries": []})
        groups[-1]["entries"].append((number, reading.entry(person)))
    for group in groups:
        group["last"] = group["first"] + len(group["entries"]) - 1
        group["minutes"] = reading.reading_minutes(len(group["entries"]), chosen.pace)
    return render(request, "registry/reading_list.html", {
        "chosen": chosen, "total": total, "size": size, "page": page, "groups": groups,
        "portion_total": reading.portion_count(total, size),
        "minutes_total": reading.reading_minutes(total, chosen.pace) if total else 0,
        "querystring": chosen.query(),
    })


def _download(request, kind: str):
    chosen = ReadingList(request.GET)
    if not chosen.is_valid():
        return _invalid(request, chosen)
    size = chosen.size(cached_count(chosen.people) if chosen.portion_form.cleaned_data.get(
        "readers") else 0)
    language = translation.get_language()
    title = chosen.title()
    base_url = request.build_absolute_uri("/").rstrip("/")

    def lines():
        # Streamed after the view returns: keep the visitor's language for every line.
        with translation.override(language):
            items = reading.entries(chosen.people)
            if kind == "txt":
                yield from reading.text_lines(items, size, title)
            else:
                writer = csv.writer(_Echo())
                for row in reading.csv_rows(items, size, base_url):
                    yield writer.writerow([spreadsheet_safe(str(cell)) for cell in row])

    content_type = "text/plain" if kind == "txt" else "text/csv"
    response = StreamingHttpResponse(lines(), content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="reading-list.{kind}"'
    return response


@require_GET
@limited_download
def reading_text(request):
    """The whole list as plain text, streamed: a heading per reader, one name a line."""
    return _download(request, "txt")


@require_GET
@limited_download
def reading_csv(request):
    """The whole list as CSV, streamed, with the portion and number of each name."""
    return _download(request, "csv")


class _Echo:
    def write(self, value):
        return value


def _next_unread(shared, counter: str) -> int:
    """Advance the list's counter. Redis counts atomically; the database cache reads and
    writes (two readers pressing at the same instant can get the same name), and its
    ``incr`` rewrites the entry with the default lifetime, so the card's is set again."""
    shared.add(counter, 0, CARD_SECONDS)
    try:
        number = shared.incr(counter)
    except ValueError:  # expired between the two calls
        number = 1
        shared.set(counter, number, CARD_SECONDS)
    shared.touch(counter, CARD_SECONDS)
    return number


@require_http_methods(["GET", "POST"])
def reader_card(request):
    """One name at a time, large and plain, for readers in many places reading one list.

    "Next unread" advances one counter shared by everyone reading the same list (in the
    cache all workers share), so two readers do not get the same name; "at random" draws
    any name of it."""
    shared = caches[SHARED_CACHE]
    params = request.POST if request.method == "POST" else request.GET
    chosen = ReadingList(params)
    if not chosen.is_valid():
        return _invalid(request, chosen)
    # Counted afresh: the card hands out numbers, which must exist in the list now.
    total = chosen.people.count()
    card_url = reverse("registry:reading-card")
    counter = "reading-card:" + reading.selection_key(params)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "restart":
            shared.set(counter, 0, CARD_SECONDS)
            return redirect(f"{card_url}?{chosen.query()}")
        if action == "random" and total:
            number = random.randint(1, total)
        else:
            number = _next_unread(shared, counter)
        return redirect(f"{card_url}?{chosen.query(n=number)}")
    number = request.GET.get("n")
    context = {"chosen": chosen, "total": total, "querystring": chosen.query(),
               "read": shared.get(counter, 0), "number": None, "entry": None}
    if number is not None:
        try:
            number = int(number)
        except ValueError:
            raise Http404("No such name in the list.") from None
        if number < 1:
            raise Http404("No such name in the list.")
        row = (reading.for_reading(chosen.people)[number - 1:number] if number <= total
               else [])
        if row:
            context.update(number=number, entry=reading.entry(row[0]))
        else:  # past the end, or a person hidden since the number was given
            context.update(number=number, finished=True)
    return render(request, "registry/reading_card.html", context)
