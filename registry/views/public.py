"""Pages for visitors. Every one of them starts from ``Person.objects.published()``."""

import json

from django.conf import settings
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import DetailView

from registry.filters import PersonFilter, answered_by, facets
from registry.models import Citation, Person, Photo, Relationship, RepressionEvent
from registry.page_cache import cached_public_page
from registry.pagination import cached_count, people_paginator
from registry.search import matched_variant, nearest_names, parse_query
from registry.templatetags.registry import life_years

ON_THIS_DAY_KINDS = (RepressionEvent.Kind.ARREST, RepressionEvent.Kind.SENTENCE,
                     RepressionEvent.Kind.EXECUTION, RepressionEvent.Kind.DEATH_IN_CUSTODY)


@cached_public_page
def home(request):
    published = Person.objects.published()
    today = timezone.localdate()
    on_this_day = (
        RepressionEvent.objects.filter(
            person__in=published, anniversary=today.month * 100 + today.day,
            kind__in=ON_THIS_DAY_KINDS,
        )
        .select_related("person")
        .order_by("date_lower", "id")[:12]
    )
    context = {
        "person_count": cached_count(published),
        "on_this_day": on_this_day,
        "today": today,
        "latest": published.order_by("-published_at", "-id")[:8],
    }
    return render(request, "registry/home.html", context)


@cached_public_page(answered_by=answered_by)
def search(request):
    """Results for a name and any filters; the same query string feeds the API and export."""
    # A list never shows a biography, which a family may write pages long.
    people = Person.objects.published().select_related("birth_place").prefetch_related(
        "variants").defer("biography")
    filterset = PersonFilter(request.GET or None, queryset=people.order_by(
        "surname", "given_name", "patronymic", "id"))
    asked = filterset.is_bound and filterset.is_valid() and any(
        value not in (None, "") for value in filterset.form.cleaned_data.values())
    context = {"filterset": filterset, "query": request.GET.get("q", "").strip()[:200],
               "page": None}
    if asked:
        paginator = people_paginator(filterset, settings.REGISTRY_PAGE_SIZE)
        page = paginator.get_page(request.GET.get("page"))
        parsed = parse_query(context["query"])
        for person in page.object_list:
            person.matched_variant = matched_variant(person, parsed)
        params = request.GET.copy()
        params.pop("page", None)
        context.update(
            page=page,
            querystring=params.urlencode(),
            facets=_facets_of(paginator, request) if page.paginator.count else {},
            estimated=paginator.tally is not None,
            suggestions=nearest_names(Person.objects.published(), parsed)
            if not page.paginator.count and parsed.words else [],
        )
    return render(request, "registry/search.html", context)


def _facets_of(paginator, request) -> dict:
    """The counts beside the filters: the estimate's when the count is estimated."""
    if paginator.tally is not None:
        return paginator.tally.facets
    return facets(paginator.matched_people(), request.GET)


@method_decorator(cached_public_page(person_page=True), name="dispatch")
class PersonDetailView(DetailView):
    template_name = "registry/person_detail.html"
    context_object_name = "person"

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except Http404:
            # A merged record's address stays valid: 301 to the published survivor.
            survivor = merged_survivor(kwargs["pk"])
            if survivor is None:
                raise
            return redirect(request.path.replace(f"/people/{kwargs['pk']}/",
                                                 f"/people/{survivor}/", 1), permanent=True)

    def get_queryset(self):
        return (
            Person.objects.published()
            .select_related("birth_place", "residence_place", "death_place")
            .prefetch_related(
                "variants",
                Prefetch("events", queryset=RepressionEvent.objects.select_related(
                    "place", "camp").order_by("date_lower", "id")),
                Prefetch("citations", queryset=Citation.objects.select_related("source")),
                "named_relatives",
            )
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        person = self.object
        url = self.request.build_absolute_uri(person.get_absolute_url())
        photos = list(Photo.objects.public().filter(person=person))
        context.update(
            photos=photos,
            relatives=relatives_of(person),
            canonical_url=url,
            json_ld=json_ld(person, url, photos, self.request),
            today=timezone.localdate(),
        )
        return context


def merged_survivor(pk: int) -> int | None:
    """The published record a merged one now lives in (following merges of merges)."""
    seen = set()
    while pk not in seen:
        seen.add(pk)
        row = Person.objects.filter(pk=pk, status=Person.Status.MERGED).values_list(
            "merged_into", flat=True).first()
        if row is None:
            break
        pk = row
    return pk if Person.objects.published().filter(pk=pk).exists() and seen != {pk} else None


# What the relative is, said of their own sex when it is known: a wife sent to ALZHIR
# because her husband was shot finds "husband" on her page and "wife" on his.
RELATION_WORDS = {
    (Relationship.Kind.SPOUSE, "male"): gettext_lazy("husband"),
    (Relationship.Kind.SPOUSE, "female"): gettext_lazy("wife"),
    (Relationship.Kind.PARENT, "male"): gettext_lazy("father"),
    (Relationship.Kind.PARENT, "female"): gettext_lazy("mother"),
    (Relationship.Kind.CHILD, "male"): gettext_lazy("son"),
    (Relationship.Kind.CHILD, "female"): gettext_lazy("daughter"),
    (Relationship.Kind.SIBLING, "male"): gettext_lazy("brother"),
    (Relationship.Kind.SIBLING, "female"): gettext_lazy("sister"),
}


class PersonPrintView(PersonDetailView):
    """The profile on paper: no navigation, no share links, large plain type."""

    template_name = "registry/person_print.html"


def relatives_of(person: Person) -> list[tuple[str, Person]]:
    """(relation, relative) pairs in both directions, published relatives only, each
    relative once even when the link was entered from both sides."""
    return relatives_by_person([person.pk])[person.pk]


def relatives_by_person(ids: list[int]) -> dict[int, list[tuple[str, Person]]]:
    """``relatives_of`` for many people at once, in two queries."""
    published = Person.objects.published()
    links = {pk: [] for pk in ids}
    for link in Relationship.objects.filter(person__in=ids, relative__in=published
                                            ).select_related("relative"):
        links[link.person_id].append((link.kind, link.relative))
    for link in Relationship.objects.filter(relative__in=ids, person__in=published
                                            ).select_related("person"):
        links[link.relative_id].append((Relationship.INVERSE[link.kind], link.person))
    return {pk: _relation_pairs(person_links) for pk, person_links in links.items()}


def _relation_pairs(links: list[tuple[str, Person]]) -> list[tuple[str, Person]]:
    kinds = dict(Relationship.Kind.choices)
    pairs, seen = [], set()
    for kind, relative in links:
        if (kind, relative.pk) in seen:
            continue
        seen.add((kind, relative.pk))
        pairs.append((str(RELATION_WORDS.get((kind, relative.sex), kinds[kind])), relative))
    return pairs


_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def json_ld(person: Person, url: str, photos: list[Photo], request) -> str:
    """schema.org/Person for search engines, escaped for a <script> block."""
    data = {
        "@context": "https://schema.org",
        "@type": "Person",
        "name": person.full_name,
        "familyName": person.surname,
        "givenName": person.given_name,
        "url": url,
        "description": _("Victim of political repression") + f" ({life_years(person)})",
    }
    if person.patronymic:
        data["additionalName"] = person.patronymic
    if person.birth_date:
        data["birthDate"] = str(person.birth_date)
    if person.death_date:
        data["deathDate"] = str(person.death_date)
    if person.birth_place_id:
        data["birthPlace"] = {"@type": "Place", "name": person.birth_place.name}
    if person.occupation:
        data["jobTitle"] = person.occupation
    if photos:
        data["image"] = request.build_absolute_uri(photos[0].image.url)
    return json.dumps(data, ensure_ascii=False).translate(_JSON_SCRIPT_ESCAPES)
