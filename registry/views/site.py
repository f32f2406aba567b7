"""Files for machines: sitemap.xml (through django.contrib.sitemaps' views, with our own
templates, so the app need not be installed), robots.txt and favicon.ico."""

from django.contrib.sitemaps import views as sitemap_views
from django.http import HttpResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import cache_control, cache_page
from django.views.decorators.http import require_GET

from registry.sitemaps import SITEMAPS

SITEMAP_SECONDS = 3600


@cache_page(SITEMAP_SECONDS)
def sitemap_index(request):
    return sitemap_views.index(request, SITEMAPS, sitemap_url_name="registry:sitemap-section",
                               template_name="registry/sitemap_index.xml")


@cache_page(SITEMAP_SECONDS)
def sitemap_section(request, section):
    return sitemap_views.sitemap(request, SITEMAPS, section=section,
                                 template_name="registry/sitemap.xml")


@require_GET
def robots_txt(request):
    """Profiles and camps are for everyone; the admin, private pages and bulk exports are
    not for crawlers."""
    lines = ["User-agent: *", "Disallow: /admin/", "Disallow: /submission/",
             "Disallow: /export/", "Disallow: /api/", "Disallow: /reading/",
             "Disallow: /i18n/",
             f"Sitemap: {request.build_absolute_uri(reverse('registry:sitemap'))}"]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@require_GET
@cache_control(max_age=86400)
def favicon(request):
    """Browsers ask for /favicon.ico on every page that names no icon (the admin's among
    them): send them to the registry's own rather than log a missing file each time."""
    return redirect(static("registry/favicon.svg"))
