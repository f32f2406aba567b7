"""What leads people and search engines to a profile: the family block, sitemap.xml,
robots.txt, OpenGraph, the share links and the printable page — published people only."""

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders

from registry.models import Person
from tests.factories import (
    CampFactory,
    HiddenPersonFactory,
    PendingPersonFactory,
    PublishedPersonFactory,
    RelationshipFactory,
)

pytestmark = pytest.mark.django_db


def test_a_wife_sent_to_alzhir_finds_her_husband_and_he_finds_her(client):
    husband = PublishedPersonFactory(surname="Сейфуллин", sex="male", death_date="25.2.1938",
                                     fate=Person.Fate.EXECUTED)
    wife = PublishedPersonFactory(surname="Сейфуллина", sex="female")
    RelationshipFactory(person=wife, relative=husband, kind="spouse")
    RelationshipFactory(person=husband, relative=wife, kind="spouse")  # entered twice
    her_page = client.get(wife.get_absolute_url()).content.decode()
    family = her_page[her_page.index('id="family-heading"'):]
    assert re.search(rf'Husband: <a href="/people/{husband.pk}/">Сейфуллин Ivan Petrovich</a>'
                     r" \(\?–1938\) — executed", family)
    his_page = client.get(husband.get_absolute_url()).content.decode()
    family = his_page[his_page.index('id="family-heading"'):]
    assert family.count("Wife: ") == 1 and f'href="/people/{wife.pk}/"' in family
    russian = client.get(wife.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Муж: <a" in russian


def test_unpublished_relatives_stay_out_of_the_family_block(client):
    person = PublishedPersonFactory()
    for factory in (PendingPersonFactory, HiddenPersonFactory):
        RelationshipFactory(person=person, relative=factory(surname="Secret"), kind="child")
    assert "Secret" not in client.get(person.get_absolute_url()).content.decode()


def test_sitemap_lists_published_profiles_and_camps_only(client):
    published = PublishedPersonFactory()
    pending, hidden = PendingPersonFactory(), HiddenPersonFactory()
    camp = CampFactory(slug="alzhir")
    index = client.get("/sitemap.xml")
    assert index.status_code == 200 and index["Content-Type"] == "application/xml"
    sections = re.findall(r"<loc>(http://testserver/[^<]+)</loc>", index.content.decode())
    assert sections == ["http://testserver/sitemap-people.xml",
                        "http://testserver/sitemap-camps.xml"]
    people = client.get("/sitemap-people.xml").content.decode()
    assert f"<loc>http://testserver/people/{published.pk}/</loc>" in people
    assert "<lastmod>" in people
    for person in (pending, hidden):
        assert f"/people/{person.pk}/" not in people
    camps = client.get("/sitemap-camps.xml").content.decode()
    assert f"<loc>http://testserver{camp.get_absolute_url()}</loc>" in camps


def test_robots_txt_points_to_the_sitemap_and_keeps_crawlers_out_of_private_pages(client):
    response = client.get("/robots.txt")
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    text = response.content.decode()
    assert "Sitemap: http://testserver/sitemap.xml" in text
    for path in ("/admin/", "/submission/", "/export/"):
        assert f"Disallow: {path}" in text
    assert "Disallow: /people/" not in text


def test_profile_has_opengraph_and_share_links_to_its_canonical_address(client):
    person = PublishedPersonFactory(surname="Байтурсынов", given_name="Ахмет", patronymic="")
    page = client.get(person.get_absolute_url()).content.decode()
    url = f"http://testserver/people/{person.pk}/"
    assert f'<meta property="og:url" content="{url}">' in page
    assert '<meta property="og:title" content="Байтурсынов Ахмет">' in page
    assert f'value="{url}"' in page
    assert "https://t.me/share/url?url=http%3A//testserver/people/" in page
    assert f'href="/people/{person.pk}/print/"' in page


def test_printable_profile_is_plain_and_only_for_published_people(client):
    person = PublishedPersonFactory(surname="Печатнов")
    page = client.get(f"/people/{person.pk}/print/").content.decode()
    assert "Печатнов" in page and '<meta name="robots" content="noindex">' in page
    # Its plain look comes from a stylesheet of its own (no inline style under the CSP).
    assert 'href="/static/registry/print-page.css"' in page
    sheet = Path(finders.find("registry/print-page.css")).read_text()
    assert ".site-header, .site-footer" in sheet and ".share" in sheet
    for factory in (PendingPersonFactory, HiddenPersonFactory):
        assert client.get(f"/people/{factory().pk}/print/").status_code == 404


def test_favicon_ico_leads_to_the_registry_icon(client):
    # Pages that name no icon (the admin's) still make browsers ask for /favicon.ico.
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == "/static/registry/favicon.svg"
    assert 'rel="icon" href="/static/registry/favicon.svg"' in client.get("/").content.decode()
