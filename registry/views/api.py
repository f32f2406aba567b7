"""The read-only JSON API and the CSV export: the search page's results in other forms.

Both start from ``Person.objects.published()`` and go through ``PersonFilter``, so they
answer exactly what the search page shows for the same query string.
"""

import csv

from django.conf import settings
from django.core.paginator import EmptyPage
from django.db.models import Prefetch
from django.http import JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from registry import export
from registry.downloads import limited_download
from registry.filters import PersonFilter, answered_by
from registry.models import Citation, NamedRelative, Person, Photo, RepressionEvent
from registry.page_cache import cached_public_page
from registry.pagination import people_paginator
from registry.views.public import relatives_of

API_PAGE_SIZE = 20
API_MAX_PAGE_SIZE = 100
CACHE_SECONDS = 300


def _public_json(data: dict, status: int = 200) -> JsonResponse:
    """JSON any site may read (CORS-open: no cookies are involved) and caches may keep."""
    response = JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    if status == 200:
        patch_cache_control(response, public=True, max_age=CACHE_SECONDS)
    return response


def _error(field: str, message: str, code: str) -> dict:
    """An answer in the shape of a form's errors (``errors.get_json_data()``)."""
    return {"errors": {field: [{"message": message, "code": code}]}}


def filtered_people(request, *, summaries: bool = False) -> PersonFilter:
    people = Person.objects.published().select_related("birth_place")
    if summaries:  # no biography in a summary, and a family may write pages of one
        people = people.defer("biography")
    return PersonFilter(request.GET, queryset=people.order_by(
        "surname", "given_name", "patronymic", "id"))


@require_GET
@cached_public_page(answered_by=answered_by)
def people_list(request):
    """``/api/v1/people/?q=…&filters``: a page of published people."""
    filterset = filtered_people(request, summaries=True)
    if not filterset.is_valid():
        return _public_json({"errors": filterset.errors.get_json_data()}, status=400)
    number = request.GET.get("page") or "1"
    if not (number.isascii() and number.isdigit()) or int(number) < 1:
        return _public_json(_error("page", _("A page is a whole number from 1."), "invalid"),
                            status=400)
    paginator = people_paginator(filterset, _page_size(request.GET.get("page_size")))
    try:
        page = paginator.page(number)
    except EmptyPage:
        if number != "1":
            return _public_json(_error("page", _("There is no such page."), "no_such_page"),
                                status=404)
        page = None  # nobody at all
    results = list(page.object_list) if page else []
    links = PersonLinks(request)
    return _public_json({
        "count": paginator.count,
        # A broad selection's count is an estimate from a sample, rounded (docs/api.md).
        "count_is_estimate": paginator.tally is not None,
        "next": _page_url(request, page.next_page_number()) if page and page.has_next()
        else None,
        "previous": _page_url(request, page.previous_page_number())
        if page and page.has_previous() else None,
        "results": [person_summary(person, links) for person in results],
    })


@require_GET
@cached_public_page(person_page=True)
def person_detail(request, pk: int):
    """``/api/v1/people/<id>/``: one published person with names, events and sources."""
    person = get_object_or_404(people_in_full(), pk=pk)
    return _public_json(person_public_data(person, request, relatives_of(person)))


def people_in_full():
    """Published people with every part their JSON shows, in one query per part (one
    person for the API, thousands at a time for a backup's checksum)."""
    return Person.objects.published().select_related(
        "birth_place", "death_place", "residence_place").prefetch_related(
        Prefetch("events", RepressionEvent.objects.select_related("place", "camp")
                 .order_by("date_lower", "id"), to_attr="public_events"),
        Prefetch("citations", Citation.objects.select_related("source").order_by("id"),
                 to_attr="public_citations"),
        Prefetch("photos", Photo.objects.public(), to_attr="public_photos"),
        Prefetch("named_relatives", NamedRelative.objects.order_by("id"),
                 to_attr="public_named_relatives"))


def person_public_data(person: Person, request, relatives: list[tuple[str, Person]]) -> dict:
    """Everything the API shows of one published person from ``people_in_full()`` and
    ``relatives_of`` (also what a backup's checksum covers: see registry/backups.py)."""
    data = person_summary(person, PersonLinks(request))
    data.update(
        biography=person.biography,
        residence=person.residence,
        death_place=export.as_written(person.death_place_name, person.death_place),
        education=person.education,
        party_membership=person.party_membership,
        events=[{
            "kind": event.kind, "date": _date(event.date),
            "place": export.as_written(event.place_name, event.place),
            "camp": export.as_written(event.camp_name, event.camp),
            "camp_url": request.build_absolute_uri(event.camp.get_absolute_url())
            if event.camp and event.camp.verified else None,
            "authority": event.authority, "article": event.article,
            "sentence": event.sentence, "term_years": event.term_years,
        } for event in person.public_events],
        sources=[{"title": citation.source.title, "detail": citation.detail,
                  "archive_reference": citation.source.archive_reference}
                 for citation in person.public_citations],
        photos=[{"url": request.build_absolute_uri(photo.image.url), "caption": photo.caption,
                 "year": photo.year, "credit": photo.credit}
                for photo in person.public_photos],
        relatives=[{"relation": relation, "id": relative.pk,
                    "url": request.build_absolute_uri(relative.get_absolute_url()),
                    "name": relative.full_name}
                   for relation, relative in relatives],
        # Relatives the family named who have no record here.
        named_relatives=[{"relation": named.kind, "name": named.name, "note": named.note}
                         for named in person.public_named_relatives],
    )
    return data


@require_GET
@limited_download
def people_csv(request):
    """``/export/people.csv?q=…&filters``: the same results, in the import columns."""
    filterset = filtered_people(request)
    if not filterset.is_valid():
        return _public_json({"errors": filterset.errors.get_json_data()}, status=400)
    limit = settings.REGISTRY_EXPORT_MAX_ROWS
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow([export.spreadsheet_safe(cell) for cell in row])
         for row in export.rows(filterset.qs, limit)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="people.csv"'
    response["X-Export-Row-Limit"] = str(limit)
    response["Access-Control-Allow-Origin"] = "*"
    return response


class _Echo:
    """A file-like object whose write returns the line, for a streamed csv.writer."""

    def write(self, value):
        return value


class PersonLinks:
    """Absolute addresses of people's profiles and API pages, each pattern reversed once
    per request: two reversals and absolute URIs per person were a twentieth of a page
    of results."""

    MARK = "2147483647"  # a number no address holds otherwise

    def __init__(self, request):
        self._profile = self._halves(request, "registry:person")
        self._api = self._halves(request, "registry:api-person")

    def _halves(self, request, name: str) -> tuple[str, str]:
        address = request.build_absolute_uri(reverse(name, args=[int(self.MARK)]))
        head, _, tail = address.rpartition(self.MARK)  # the host comes first
        return head, tail

    def profile(self, pk: int) -> str:
        return f"{self._profile[0]}{pk}{self._profile[1]}"

    def api(self, pk: int) -> str:
        return f"{self._api[0]}{pk}{self._api[1]}"


def person_summary(person: Person, links: PersonLinks) -> dict:
    return {
        "id": person.pk,
        "url": links.profile(person.pk),
        "api_url": links.api(person.pk),
        "surname": person.surname,
        "given_name": person.given_name,
        "patronymic": person.patronymic,
        "maiden_name": person.maiden_name,
        "sex": person.sex,
        "birth_date": _date(person.birth_date),
        "death_date": _date(person.death_date),
        "birth_place": export.as_written(person.birth_place_name, person.birth_place),
        "nationality": person.nationality,
        "occupation": person.occupation,
        "fate": person.fate,
        "is_demo": person.is_demo,
    }


def _date(value) -> str | None:
    """Partial dates in their stored, sortable form (``1937-10``, ``1900~``, ``../1938``)."""
    return str(value) if value else None


def _page_size(text: str | None) -> int:
    try:
        return max(1, min(API_MAX_PAGE_SIZE, int(text)))
    except (TypeError, ValueError):
        return API_PAGE_SIZE


def _page_url(request, number: int) -> str:
    params = request.GET.copy()
    params["page"] = number
    return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")
