"""sitemap.xml: the published profiles and the camps, for search engines."""

from django.contrib.sitemaps import Sitemap

from registry.models import Camp, Person


class PersonSitemap(Sitemap):
    changefreq = "monthly"
    limit = 50_000  # the protocol's most URLs per file; sitemap.xml indexes the pages

    def items(self):
        return Person.objects.published().only("pk", "updated_at").order_by("pk")

    def lastmod(self, person):
        return person.updated_at


class CampSitemap(Sitemap):
    changefreq = "yearly"

    def items(self):
        return Camp.objects.public().order_by("slug")


SITEMAPS = {"people": PersonSitemap, "camps": CampSitemap}
