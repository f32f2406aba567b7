"""axe-core finds nothing serious or critical on the pages visitors and families use, and a
family can send the form with the keyboard alone, seeing where the focus is."""

import pytest

from registry.models import Person, PlaceName, RepressionEvent, Submission
from tests.e2e.browser import approved_photo, describe_violations, live
from tests.factories import (
    CampFactory,
    CitationFactory,
    EventFactory,
    NameVariantFactory,
    PlaceFactory,
    PublishedPersonFactory,
    RelationshipFactory,
)

pytestmark = live


@pytest.fixture
def registry_with_people():
    """Published people with everything a profile, a list and the figures can show, and a
    demo record so that the demo banner is checked too."""
    akmolinsk = PlaceFactory(name="Astana")
    PlaceName.objects.create(place=akmolinsk, name="Акмолинск", language="ru")
    karlag = CampFactory(name="Карлаг", slug="karlag")
    husband = PublishedPersonFactory(
        surname="Байтурсынов", given_name="Ахмет", patronymic="Байтурсынович", sex="male",
        birth_date="1872", death_date="8.12.1937", fate=Person.Fate.EXECUTED,
        birth_place=akmolinsk, nationality="казах", occupation="поэт, учёный",
        biography="Поэт и просветитель.\n\nАвтор казахского алфавита.")
    wife = PublishedPersonFactory(surname="Байтурсынова", given_name="Бадрисафа",
                                  sex="female", fate=Person.Fate.SURVIVED)
    RelationshipFactory(person=husband, relative=wife)
    NameVariantFactory(person=husband, surname="Baitursynov", given_name="Akhmet")
    EventFactory(person=husband, kind=RepressionEvent.Kind.ARREST, date="2.06.1937",
                 authority="НКВД КазССР", article="58-2")
    EventFactory(person=husband, kind=RepressionEvent.Kind.EXECUTION, date="8.12.1937")
    EventFactory(person=wife, kind=RepressionEvent.Kind.IMPRISONMENT, date="1938",
                 camp=karlag, sentence="8 лет ИТЛ")
    CitationFactory(person=husband, detail="т. 1, с. 45")
    approved_photo(husband, caption="Ахмет Байтурсынов, 1913")
    PublishedPersonFactory(surname="Вымышленный", is_demo=True, fate=Person.Fate.EXECUTED,
                           death_date="29.10.1937", birth_place=akmolinsk)
    return husband


def test_no_serious_accessibility_violations(new_tab, viewport, registry_with_people):
    visitor = new_tab(viewport=viewport)
    pages = {
        "home": "/",
        "search results": "/search/?q=Baitursynov",
        "profile": registry_with_people.get_absolute_url(),
        "submit form": "/submit/",
        "reading list": "/reading/list/?place=Акмолинск&size=2",
        "stats": "/stats/",
    }
    found = {}
    for name, path in pages.items():
        visitor.goto(path)
        visitor.assert_fits_width()
        violations = visitor.axe_violations()
        if violations:
            found[f"{name} ({path})"] = describe_violations(violations)
    assert not found, "axe-core found serious or critical violations:\n" + "\n".join(
        f"{page}:\n{report}" for page, report in found.items())


def test_the_submit_form_with_the_keyboard_alone(new_tab):
    family = new_tab("family")
    page = family.goto("/submit/")

    def tab_to(label: str) -> None:
        """Press Tab until the field called ``label`` has the focus; it must show it."""
        field = page.get_by_label(label, exact=True).first
        for _ in range(120):
            page.keyboard.press("Tab")
            if field.evaluate("element => element === document.activeElement"):
                break
        else:
            pytest.fail(f"Tab never reached “{label}”")
        style, width = field.evaluate("element => [getComputedStyle(element).outlineStyle,"
                                      " parseFloat(getComputedStyle(element).outlineWidth)]")
        # site.css draws a 3 px ring on :focus-visible; the browser's own is thinner.
        assert style != "none" and width >= 3, (
            f"the focus on “{label}” is not visible enough ({style} {width}px)")

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    assert skip.evaluate("element => element === document.activeElement")
    assert skip.bounding_box()["x"] >= 0, "the skip link stays off screen when focused"
    tab_to("Surname:")
    page.keyboard.type("Рыскулов")
    tab_to("Given name:")
    page.keyboard.type("Турар")
    tab_to("Fate:")
    page.keyboard.type("e")  # a closed list jumps to the first choice with that letter
    tab_to("Your name:")
    page.keyboard.type("Гульнар")
    tab_to("Your email:")
    page.keyboard.type("gulnar@example.org")
    tab_to("I agree that what I send may be published in the registry after a moderator "
           "has checked it.")
    page.keyboard.press("Space")
    for _ in range(5):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.type === 'submit'"):
            break
    assert page.evaluate("document.activeElement.textContent") == "Send to the moderators"
    page.keyboard.press("Enter")

    page.get_by_role("heading", name="Thank you").wait_for()
    submission = Submission.objects.get()
    assert (submission.data["surname"], submission.data["given_name"]) == ("Рыскулов", "Турар")
    assert submission.data["fate"] == "executed" and submission.consent


def test_axe_finds_what_it_is_meant_to_find(new_tab):
    """The check above proves something only if axe really runs on our pages."""
    visitor = new_tab()
    visitor.goto("/")
    visitor.page.evaluate("""() => {
        const image = document.createElement('img');
        image.src = '/static/registry/favicon.svg';
        document.querySelector('main').append(image);
    }""")
    assert [v["id"] for v in visitor.axe_violations()] == ["image-alt"]
