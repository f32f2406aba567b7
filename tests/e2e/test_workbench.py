"""A family sends, as new, a person the registry already holds under another spelling. A
moderator of the "Moderators" group only fixes the family's typo, finds the record by
another spelling, adds the submission to it, applies two of its three differing fields,
and the public profile shows the new event, its camp and the relative; the family's page
links to the profile."""

from registry.models import Person, Submission
from tests.e2e.browser import live, log_into_admin
from tests.factories import CampFactory, EventFactory, PublishedPersonFactory

pytestmark = live


def test_a_moderator_edits_attaches_and_applies_part_of_a_submission(new_tab,
                                                                     group_moderator):
    karlag = CampFactory(name="Карлаг", slug="karlag")
    alikhan = PublishedPersonFactory(surname="Букейханов", given_name="Алихан",
                                     patronymic="Нурмухамедович", birth_date="1866",
                                     occupation="", nationality="", fate="executed")
    EventFactory(person=alikhan, kind="execution", date="27.09.1937")
    family = new_tab("family")
    moderator = new_tab("moderator")

    # The family writes the surname as it is spelled in Kazakh today, with a typo in the
    # occupation, and adds what the registry does not hold yet.
    page = family.goto("/submit/")
    person = page.get_by_role("group", name="The person")
    person.get_by_label("Surname").fill("Бокейханов")
    person.get_by_label("Given name").fill("Алихан")
    person.get_by_label("Date of birth").fill("1866")
    person.get_by_label("Nationality").fill("казах")
    person.get_by_label("Occupation").fill("публицистт, учёный")
    page.locator('[name="events-0-kind"]').select_option("imprisonment")
    page.locator('[name="events-0-date"]').fill("1930")
    page.locator('[name="events-0-camp"]').fill("Карлаг")
    page.locator('[name="relatives-0-name"]').fill("Елена Букейханова")
    page.locator('[name="relatives-0-relation"]').select_option("spouse")
    sender = page.get_by_role("group", name="About you")
    sender.get_by_label("Your name").fill("Айдана")
    sender.get_by_label("Your email").fill("aidana@example.org")
    sender.get_by_label("I agree").check()
    page.get_by_role("button", name="Send to the moderators").click()
    page.get_by_role("heading", name="Thank you").wait_for()
    submission = Submission.objects.get()

    log_into_admin(moderator, group_moderator)
    admin = moderator.page
    admin.locator(".moderation-queue").get_by_role("link", name="Бокейханов Алихан").click()

    # Fix the typo before deciding; the family's original stays as it came.
    admin.get_by_role("link", name="Edit before deciding").click()
    admin.locator('[name="person-occupation"]').fill("публицист, учёный")
    admin.get_by_role("button", name="Keep my version").click()
    assert "Your version is kept" in admin.locator(".messagelist").inner_text()
    moderator.assert_fits_width()

    # The record is there under another spelling: find it and add the submission to it.
    admin.get_by_label("Find any other published record, by any spelling:").fill(
        "Bukeikhanov")
    admin.get_by_role("button", name="Find", exact=True).click()
    admin.get_by_role("button", name=f"Add to record #{alikhan.pk}").click()
    assert "Now an addition to the existing record" in admin.locator(
        ".messagelist").inner_text()
    changes = admin.locator("table.correction")
    assert "публицист, учёный" in changes.inner_text()
    assert "публицистт" not in changes.inner_text()
    admin.get_by_role("checkbox", name="Surname").uncheck()  # the registry's spelling stays
    assert admin.get_by_role("checkbox", name="Occupation").is_checked()
    assert admin.get_by_role("checkbox", name="Nationality").is_checked()
    admin.get_by_role("button", name="Apply the ticked changes").click()
    assert "The ticked changes have been applied" in admin.locator(
        ".messagelist").inner_text()
    moderator.assert_fits_width()

    # The family's page links to the record it joined and says what was not taken.
    page = family.goto(submission.get_absolute_url())
    assert "Not taken: surname." in page.get_by_role("main").inner_text()
    page.get_by_role("link", name="See the profile").click()
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Букейханов Алихан Нурмухамедович")
    facts = page.locator(".facts").inner_text()
    assert "публицист, учёный" in facts and "казах" in facts
    page.get_by_role("link", name="Карлаг").wait_for()
    family_section = page.get_by_role("region", name="Family").inner_text()
    assert "Елена Букейханова" in family_section
    family.assert_fits_width()

    alikhan.refresh_from_db()
    assert alikhan.surname == "Букейханов" and alikhan.occupation == "публицист, учёный"
    # What the family did not know (patronymic, fate) never erased what the record held.
    assert (alikhan.patronymic, alikhan.fate) == ("Нурмухамедович", "executed")
    assert alikhan.events.get(kind="imprisonment").camp == karlag
    assert Person.objects.count() == 1  # no second copy of him
    submission.refresh_from_db()
    assert submission.data["occupation"] == "публицистт, учёный"  # as the family sent it
