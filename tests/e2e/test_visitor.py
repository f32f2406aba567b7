"""A visitor finds a person by typing the name in Latin letters, sees the photograph and
cites the profile; another suggests a correction, of which a moderator applies one field."""

from registry.models import Person, Submission
from tests.e2e.browser import approved_photo, live, log_into_admin
from tests.factories import PublishedPersonFactory

pytestmark = live


def test_a_visitor_searches_in_latin_sees_the_photo_and_cites(new_tab, viewport, live_server):
    akhmet = PublishedPersonFactory(surname="Байтурсынов", given_name="Ахмет",
                                    patronymic="Байтурсынович", birth_date="1872",
                                    death_date="8.12.1937", fate=Person.Fate.EXECUTED)
    approved_photo(akhmet, caption="Ахмет Байтурсынов, 1913")
    PublishedPersonFactory(surname="Сейфуллин", given_name="Сакен")
    visitor = new_tab(viewport=viewport)

    page = visitor.goto("/")
    visitor.assert_fits_width()
    page.get_by_role("search").get_by_label("Name of a person").fill("Baitursynov")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="1 person found").wait_for()
    visitor.assert_fits_width()
    page.get_by_role("link", name="Байтурсынов Ахмет Байтурсынович").click()

    assert page.get_by_role("heading", level=1).inner_text() == "Байтурсынов Ахмет Байтурсынович"
    photo = page.get_by_role("img", name="Ахмет Байтурсынов, 1913")
    # decode() fails for an image that did not load; naturalWidth is 0 for a broken one.
    assert photo.evaluate("img => img.decode().then(() => img.naturalWidth)") > 0
    stable_url = f"{live_server.url}/people/{akhmet.pk}/"
    citation = page.get_by_role("region", name="How to cite")
    assert "Байтурсынов Ахмет Байтурсынович (1872–1937)" in citation.inner_text()
    assert citation.get_by_role("link").get_attribute("href") == stable_url
    assert citation.get_by_role("link").inner_text() == stable_url
    assert page.url == stable_url
    visitor.assert_fits_width()


def test_a_correction_is_suggested_and_one_field_applied(new_tab, viewport, group_moderator):
    akhmet = PublishedPersonFactory(surname="Байтурсынов", given_name="Ахмет",
                                    patronymic="", birth_date="1872", occupation="поэт")
    visitor = new_tab("visitor", viewport=viewport)
    moderator = new_tab("moderator", viewport=viewport)

    page = visitor.goto(akhmet.get_absolute_url())
    page.get_by_role("link", name="Suggest a correction or add information").click()
    person = page.get_by_role("group", name="The person")
    assert person.get_by_label("Surname").input_value() == "Байтурсынов"
    visitor.assert_fits_width()
    person.get_by_label("Occupation").fill("поэт, тюрколог, учитель")
    person.get_by_label("Date of birth").fill("5.02.1872")
    sender = page.get_by_role("group", name="About you")
    sender.get_by_label("Your name").fill("Ерлан")
    sender.get_by_label("Your email").fill("erlan@example.org")
    sender.get_by_label("I agree").check()
    page.get_by_role("button", name="Send to the moderators").click()
    page.get_by_role("heading", name="Thank you").wait_for()
    assert Submission.objects.get().kind == Submission.Kind.CORRECTION

    log_into_admin(moderator, group_moderator)
    admin = moderator.page
    queue = admin.locator(".moderation-queue")
    assert "1 correction" in queue.inner_text()
    queue.get_by_role("link", name="Байтурсынов Ахмет").click()
    changes = admin.locator("table.correction")
    assert "поэт, тюрколог, учитель" in changes.inner_text()
    admin.get_by_role("checkbox", name="Date of birth").uncheck()
    assert admin.get_by_role("checkbox", name="Occupation").is_checked()
    admin.get_by_role("button", name="Apply the ticked changes").click()
    assert "The ticked changes have been applied" in admin.locator(".messagelist").inner_text()

    page = visitor.goto(akhmet.get_absolute_url())
    facts = page.locator(".facts").inner_text()
    assert "поэт, тюрколог, учитель" in facts
    assert "1872" in facts and "5 February" not in facts
    akhmet.refresh_from_db()
    assert (akhmet.occupation, str(akhmet.birth_date)) == ("поэт, тюрколог, учитель", "1872")
