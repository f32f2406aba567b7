"""A moderator of the "Moderators" group (staff, not a superuser) works through the queue:
spots the duplicate, asks the family, reads their answer, accepts; and applies one field of
a visitor's correction."""

from registry.models import Person, Submission
from tests.e2e.browser import live, log_into_admin
from tests.factories import PendingSubmissionFactory, PublishedPersonFactory

pytestmark = live


def test_a_moderator_asks_the_family_and_accepts(new_tab, viewport, group_moderator):
    twin = PublishedPersonFactory(surname="Сейфуллин", given_name="Сакен", patronymic="",
                                  birth_date="1894")
    submission = PendingSubmissionFactory()
    moderator = new_tab("moderator", viewport=viewport)
    family = new_tab("family", viewport=viewport)

    log_into_admin(moderator, group_moderator)
    admin = moderator.page
    queue = admin.locator(".moderation-queue")
    assert "1 new submission" in queue.inner_text()
    queue.get_by_role("link", name="Сейфуллин Сакен").click()
    duplicates = admin.locator("#decision")
    duplicates.get_by_role("heading", name="Possible duplicates in the registry").wait_for()
    assert duplicates.get_by_role("link", name=f"#{twin.pk} Сейфуллин Сакен").is_visible()

    admin.get_by_role("link", name="Ask the family").click()
    admin.get_by_label("Question for the family").fill(
        "In which village was he born? The record of 1894 names Karakuduk.")
    admin.get_by_role("button", name="Confirm").click()
    assert "The question has been sent to the family." in admin.locator(
        ".messagelist").inner_text()

    page = family.goto(submission.get_absolute_url())
    assert "Karakuduk" in page.locator(".messages").inner_text()
    family.assert_fits_width()
    page.get_by_label("Your answer").fill("Yes, Karakuduk, Akmola region.")
    page.get_by_role("button", name="Send the answer").click()
    page.get_by_text("Yes, Karakuduk, Akmola region.").wait_for()
    assert page.locator(".status").inner_text() == "Received"

    admin.reload()
    assert "Yes, Karakuduk, Akmola region." in admin.locator(".field-conversation").inner_text()
    admin.get_by_role("button", name="Accept and publish").click()
    assert "Accepted and published." in admin.locator(".messagelist").inner_text()

    page.reload()
    assert page.locator(".status").inner_text() == "Accepted"
    page.get_by_role("link", name="See the profile").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Сейфуллин Сакен"
    family.assert_fits_width()
    submission.refresh_from_db()
    assert submission.status == Submission.Status.ACCEPTED
    assert submission.decided_by == group_moderator
    assert submission.person != twin  # a possible duplicate, not merged unasked
    assert Person.objects.published().count() == 2
