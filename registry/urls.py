from django.urls import path, register_converter

from registry.views import api, camps, media, public, reading, site, stats, submit


class TokenConverter:
    """A tracking token as ``secrets.token_urlsafe`` writes it: anything else (a NUL byte
    PostgreSQL refuses, a path, a quote) is simply not an address here."""

    regex = "[A-Za-z0-9_-]{1,64}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(TokenConverter, "token")


class RecordNumberConverter:
    """A record's number: at most 18 digits, so any number in an address fits every
    database's integer (a longer one, 2**63, crashed SQLite's lookup); longer is simply
    not an address here."""

    regex = "[0-9]{1,18}"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return str(value)


register_converter(RecordNumberConverter, "pk")

app_name = "registry"
urlpatterns = [
    path("", public.home, name="home"),
    path("search/", public.search, name="search"),
    path("people/<pk:pk>/", public.PersonDetailView.as_view(), name="person"),
    path("people/<pk:pk>/print/", public.PersonPrintView.as_view(), name="person-print"),
    path("people/<pk:pk>/suggest/", submit.suggest, name="person-suggest"),
    path("submit/", submit.submit, name="submit"),
    path("submission/<token:token>/", submit.submission_status, name="submission-status"),
    path("submission/<token:token>/thanks/", submit.submission_thanks,
         name="submission-thanks"),
    path("files/<path:name>", media.protected_file, name="media"),
    path("camps/", camps.camp_list, name="camps"),
    path("camps/<slug:slug>/", camps.CampDetailView.as_view(), name="camp"),
    path("api/v1/people/", api.people_list, name="api-people"),
    path("api/v1/people/<pk:pk>/", api.person_detail, name="api-person"),
    path("export/people.csv", api.people_csv, name="export-people"),
    path("reading/", reading.index, name="reading"),
    path("reading/list/", reading.reading_list, name="reading-list"),
    path("reading/list.txt", reading.reading_text, name="reading-text"),
    path("reading/list.csv", reading.reading_csv, name="reading-csv"),
    path("reading/card/", reading.reader_card, name="reading-card"),
    path("stats/", stats.stats_page, name="stats"),
    path("sitemap.xml", site.sitemap_index, name="sitemap"),
    path("sitemap-<section>.xml", site.sitemap_section, name="sitemap-section"),
    path("robots.txt", site.robots_txt, name="robots"),
    path("favicon.ico", site.favicon, name="favicon"),
]
