"""What every page tells the browser: the Content-Security-Policy and the other security
headers, and pages with nothing in them that the policy would refuse.

The policy admits only this site's own scripts, styles and images, so a page with an inline
script, a style attribute or an event handler would break in the browser (and show as a
console error in the browser journeys). Every public page and the moderators' admin pages
are swept for both: the headers, and markup that needs no exception.
"""

import io

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from PIL import Image

from registry import moderation
from registry.images import clean_upload
from registry.models import Person, Photo, Submission
from registry.reference import load_reference_data
from registry.sitemaps import SITEMAPS
from tests.factories import CorrectionSubmissionFactory, PendingSubmissionFactory
from tests.html import active_content
from tests.registry.test_gate_sweep import fill, walk

pytestmark = pytest.mark.django_db

POLICY = {
    "default-src": ["'self'"], "script-src": ["'self'"], "style-src": ["'self'"],
    "img-src": ["'self'"], "object-src": ["'none'"], "base-uri": ["'none'"],
    "form-action": ["'self'"], "frame-ancestors": ["'none'"],
}


def policy_of(response) -> dict[str, list[str]]:
    directives = [part.split() for part in response["Content-Security-Policy"].split(";")]
    return {words[0]: words[1:] for words in directives if words}


def body(response) -> str:
    content = (b"".join(response.streaming_content) if response.streaming
               else response.content)
    return content.decode("utf-8", "replace")


def assert_safe_page(url, response):
    assert response.status_code < 500, url
    assert policy_of(response) == POLICY, url
    assert response["X-Content-Type-Options"] == "nosniff", url
    assert response["X-Frame-Options"] == "DENY", url
    assert response["Cross-Origin-Opener-Policy"] == "same-origin", url
    # same-origin everywhere, the family's private pages included: their address is the key
    # to them and never goes to another site (no-referrer would make browsers send
    # "Origin: null" with those pages' own forms, which CSRF refuses).
    assert response["Referrer-Policy"] == "same-origin", url
    if response["Content-Type"].startswith("text/html"):
        assert active_content(body(response)) == [], url


def jpeg():
    buffer = io.BytesIO()
    Image.new("RGB", (60, 40), "gray").save(buffer, "JPEG")
    return SimpleUploadedFile("photo.jpg", buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def registry(moderator):
    """Demo people, the camps with their map, and one person with every part of a profile:
    events, variants, relatives, sources and an approved photograph."""
    load_reference_data()
    call_command("generate_demo", count=40, seed=5, stdout=io.StringIO())
    submission = PendingSubmissionFactory()
    person = moderation.submission_accept(submission=submission, moderator=moderator)
    checked = clean_upload(jpeg())
    Photo.objects.create(person=person, image=checked.image, thumbnail=checked.thumbnail,
                         caption="1930", status="approved")
    return person


def test_the_policy_admits_only_this_sites_own_files(client):
    response = client.get("/")
    policy = policy_of(response)
    assert policy == POLICY
    header = response["Content-Security-Policy"]
    assert "unsafe-inline" not in header and "unsafe-eval" not in header
    # Every source is a keyword: no other host is trusted for anything.
    assert all(source.startswith("'") for sources in policy.values() for source in sources)


def test_every_public_page_sends_the_headers_and_needs_no_exception(client, registry):
    needs_info = PendingSubmissionFactory(status=Submission.Status.NEEDS_INFO,
                                          messages=[{"from": "moderators", "text": "Where?",
                                                     "at": "2024-01-01T00:00"}])
    values = {"<pk:pk>": [registry.pk], "<slug:slug>": ["alzhir", "karlag"],
              "<section>": list(SITEMAPS), "<token:token>": [needs_info.token],
              "<path:name>": [registry.photos.first().image.name]}
    queries = {"registry:search": ["", "?q=Сейфуллин", "?q=Zzzzqx", "?fate=executed"],
               "registry:reading-list": ["?fate=executed", "?camp=karlag&size=5", ""],
               "registry:reading-card": ["?fate=executed", "?fate=executed&n=1"],
               "registry:api-people": ["?q=Сейфуллин"]}
    checked = 0
    for name, route in walk():
        for url in fill(route, values):
            for query in queries.get(name, [""]):
                response = client.get(url + query)
                if name == "registry:media":
                    # A photograph carries its own, stricter policy: nothing may run at all.
                    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
                    continue
                assert_safe_page(url + query, response)
                checked += 1
    assert checked > 30
    # The forms' pages, sent back with an error, and a page that is not there.
    for url, data in (("/submit/", {"surname": ""}), (f"/people/{registry.pk}/suggest/", {}),
                      (f"/submission/{needs_info.token}/", {"action": "answer"})):
        assert_safe_page(url, client.post(url, data))
    assert_safe_page("/people/999999/", client.get("/people/999999/"))


def test_the_admin_pages_need_no_exception(admin_client, registry):
    submission = PendingSubmissionFactory(data={**PendingSubmissionFactory().data,
                                                "surname": "Другой"})
    correction = CorrectionSubmissionFactory(person=registry)
    moderation.person_hide(person=registry, moderator=None, reason="checking a date")
    urls = ["/admin/", f"/admin/registry/person/{registry.pk}/change/",
            f"/admin/registry/person/{registry.pk}/history/",
            f"/admin/registry/person/{registry.pk}/merge/",
            f"/admin/registry/submission/{submission.pk}/change/",
            f"/admin/registry/submission/{correction.pk}/change/",
            f"/admin/registry/submission/{submission.pk}/ask/",
            "/admin/registry/person/?q=Сейфуллин", "/admin/otp_totp/totpdevice/add/",
            "/admin/password_change/"]
    for model, model_admin in admin.site._registry.items():
        info = model._meta.app_label, model._meta.model_name
        urls.append(f"/admin/{info[0]}/{info[1]}/")
        if model_admin.has_add_permission(_request_of(admin_client)):
            urls.append(f"/admin/{info[0]}/{info[1]}/add/")
    for url in urls:
        assert_safe_page(url, admin_client.get(url))
    history = Person.history.filter(id=registry.pk).first()
    url = f"/admin/registry/person/{registry.pk}/history/{history.history_id}/"
    assert_safe_page(url, admin_client.get(url))


def _request_of(client):
    return client.get("/admin/").wsgi_request


def test_the_admin_login_page_needs_no_exception():
    response = Client().get("/admin/login/")
    assert_safe_page("/admin/login/", response)
    assert 'name="otp_token"' in body(response)


def test_the_api_stays_open_to_other_sites(client, registry):
    for url in ("/api/v1/people/?q=Сейфуллин", f"/api/v1/people/{registry.pk}/",
                "/export/people.csv?q=Сейфуллин"):
        response = client.get(url)
        assert response["Access-Control-Allow-Origin"] == "*", url
        assert response["X-Content-Type-Options"] == "nosniff", url
