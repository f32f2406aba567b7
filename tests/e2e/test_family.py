"""A family member sends a relative with what happened to him and a photograph, and gets
the private link to follow the moderators' decision."""

from registry.models import Submission
from tests.e2e.browser import jpeg_file, live

pytestmark = live


def test_a_family_sends_a_person_with_two_events_and_a_photo(new_tab, viewport, tmp_path):
    family = new_tab("family", viewport=viewport)
    page = family.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Tell us about a person").click()
    page.get_by_role("heading", name="Tell us about a person").wait_for()
    family.assert_fits_width()

    person = page.get_by_role("group", name="The person")
    person.get_by_label("Surname").fill("Жургенов")
    person.get_by_label("Given name").fill("Темирбек")
    person.get_by_label("Patronymic").fill("Каратаевич")
    person.get_by_label("Date of birth").fill("около 1898")
    person.get_by_label("Fate").select_option("executed")
    person.get_by_label("Date of death").fill("25.02.1938")
    person.get_by_label("The story").fill("Нарком просвещения Казахской АССР.")

    arrest = page.get_by_role("group", name="Event 1")
    arrest.get_by_label("What happened").select_option("arrest")
    arrest.get_by_label("Date").fill("2.08.1937")
    arrest.get_by_label("Article").fill("58-2")
    execution = page.get_by_role("group", name="Event 2")
    execution.get_by_label("What happened").select_option("execution")
    execution.get_by_label("Date").fill("25.02.1938")
    execution.get_by_label("Place").fill("Алма-Ата")

    photo = page.get_by_role("group", name="Photograph 1")
    photo.get_by_label("Photograph").set_input_files(jpeg_file(tmp_path))
    photo.get_by_label("Caption").fill("Алма-Ата, 1936")

    sender = page.get_by_role("group", name="About you")
    sender.get_by_label("Your name").fill("Айгуль")
    sender.get_by_label("Your email").fill("aigul@example.org")
    sender.get_by_label("Your relationship to the person").fill("внучка")
    sender.get_by_label("I agree").check()
    page.get_by_role("button", name="Send to the moderators").click()

    page.get_by_role("heading", name="Thank you").wait_for()
    family.assert_fits_width()
    submission = Submission.objects.get()
    tracking = page.get_by_role("link", name=f"/submission/{submission.token}/")
    assert tracking.inner_text().startswith("http://")
    tracking.click()
    page.get_by_role("heading", name="Your submission").wait_for()
    assert "Жургенов" in page.get_by_role("heading", level=1).inner_text()
    assert page.locator(".status").inner_text() == "Received"
    family.assert_fits_width()

    assert [(e["kind"], e["date"]) for e in submission.data["events"]] == [
        ("arrest", "1937-08-02"), ("execution", "1938-02-25")]
    sent = submission.photos.get()
    assert sent.caption == "Алма-Ата, 1936" and sent.image and sent.thumbnail
