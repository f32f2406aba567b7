"""/camps/: the camps and special settlements, on a map and in a list, and each camp with
the published people held there. People come only from ``Person.objects.published()``."""

from urllib.parse import urlencode

from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.generic import DetailView

from registry import maps
from registry.filters import PersonFilter
from registry.models import Camp, Person, PlaceName, RepressionEvent, Source

COUNT_SECONDS = 600


def camp_people_counts() -> dict[int, int]:
    """Published people per camp (cached: a million people take a moment to count)."""
    def count():
        events = (RepressionEvent.objects.filter(camp__isnull=False,
                                                 person__in=Person.objects.published())
                  .values("camp_id").annotate(n=Count("person_id", distinct=True))
                  .order_by())
        return {row["camp_id"]: row["n"] for row in events}

    return cache.get_or_set("camps:people", count, COUNT_SECONDS)


def coordinates(camp: Camp) -> tuple[float, float] | None:
    """(lon, lat) of the camp, or of its place when the camp has none of its own."""
    if camp.latitude is not None and camp.longitude is not None:
        return camp.longitude, camp.latitude
    if camp.place and camp.place.latitude is not None and camp.place.longitude is not None:
        return camp.place.longitude, camp.place.latitude
    return None


def camp_list(request):
    camps = list(Camp.objects.public().select_related("place", "place__parent")
                 .order_by("name"))
    counts = camp_people_counts()
    located = [(camp, coordinates(camp)) for camp in camps]
    projection = maps.fit([point for _, point in located if point])
    markers = []
    for camp, point in located:
        camp.people_count = counts.get(camp.pk, 0)
        if point:
            x, y = projection.point(*point)
            markers.append({"camp": camp, "x": x, "y": y})
    return render(request, "registry/camp_list.html", {
        "camps": camps, "markers": markers, "projection": projection,
        "outline": projection.path(maps.KAZAKHSTAN),
        "unmapped": [camp for camp, point in located if not point],
    })


class CampDetailView(DetailView):
    """A camp: its names, years, place (with the place's names over time), the sources
    that cite its prisoners, and its published people, searchable by name."""

    template_name = "registry/camp_detail.html"
    context_object_name = "camp"

    def get_queryset(self):
        return Camp.objects.public().select_related("place", "place__parent")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        camp = self.object
        params = self.request.GET.copy()
        params["camp"] = camp.slug
        filterset = PersonFilter(params, queryset=Person.objects.published()
                                 .select_related("birth_place")
                                 .order_by("surname", "given_name", "patronymic", "id"))
        people = filterset.qs if filterset.is_valid() else Person.objects.none()
        page = Paginator(people, 25).get_page(self.request.GET.get("page"))
        query = self.request.GET.get("q", "").strip()[:200]
        place_names = names_over_time(camp.place) if camp.place_id else []
        sources = (Source.objects.filter(Q(citations__person__in=people.values("pk")))
                   .distinct().order_by("title")[:20]) if not query else []
        context.update(page=page, query=query,
                       querystring=urlencode({"q": query}) if query else "",
                       place_names=place_names, sources=sources)
        return context


def names_over_time(place) -> list[PlaceName]:
    """The dated names of ``place`` in order (Akmolinsk, Tselinograd, Akmola, Astana), in
    the visitor's language when the registry has them in it, else in every language."""
    dated = [name for name in PlaceName.objects.filter(place=place).order_by("year_from", "id")
             if name.year_from or name.year_to]
    language = (get_language() or "en").split("-")[0]
    in_language = [name for name in dated if name.language == language]
    return in_language or dated
