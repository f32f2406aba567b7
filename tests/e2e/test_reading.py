"""An organiser of "Returning the Names" makes a list of the executed of a town, split
among readers, and downloads it to print."""

from pathlib import Path

from registry.models import Person, PlaceName
from tests.e2e.browser import live
from tests.factories import PendingPersonFactory, PlaceFactory, PublishedPersonFactory

pytestmark = live
EXECUTED = Person.Fate.EXECUTED


def test_an_organiser_makes_a_reading_list_and_downloads_it(new_tab, viewport):
    akmolinsk = PlaceFactory(name="Astana")
    PlaceName.objects.create(place=akmolinsk, name="Акмолинск", language="ru")
    names = ["Абдрахманов", "Бекенов", "Васильев"]
    for surname in names:
        PublishedPersonFactory(surname=surname, given_name="Иван", fate=EXECUTED,
                               death_date="29.10.1937", birth_place=akmolinsk)
    PendingPersonFactory(surname="Непроверенный", fate=EXECUTED, death_date="29.10.1937",
                         birth_place=akmolinsk)
    organiser = new_tab("organiser", viewport=viewport)

    page = organiser.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Returning the Names").click()
    organiser.assert_fits_width()
    page.get_by_label("Place (any of its names)").fill("Акмолинск")
    page.get_by_label("Fate").select_option("executed")
    page.get_by_label("Names per reader").fill("2")
    page.get_by_role("button", name="Make the list").click()
    page.get_by_role("heading", name="Reader 2: names 3–3").wait_for()
    organiser.assert_fits_width()
    assert "3 names · 2 readers" in page.locator(".lead").inner_text()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download as text").click()
    download = download_info.value
    assert download.suggested_filename == "reading-list.txt"
    text = Path(download.path()).read_text(encoding="utf-8")
    for surname in names:
        assert f"{surname} Иван" in text and "executed 29 October 1937" in text
    assert "Reader 1" in text and "Reader 2" in text
    assert "Непроверенный" not in text
