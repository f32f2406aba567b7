"""Every admin page a moderator works on fits a 1280-pixel screen: no page of the queue, a
submission, a record with all its parts, its history, a merge or an undo scrolls sideways,
even with the long names, places and texts real records carry."""

from django.urls import reverse

from registry import moderation
from registry.models import Submission
from tests.e2e.browser import live, log_into_admin
from tests.factories import (
    CampFactory,
    CitationFactory,
    CorrectionSubmissionFactory,
    EventFactory,
    NameVariantFactory,
    PendingSubmissionFactory,
    PlaceFactory,
    PublishedPersonFactory,
)

pytestmark = live

LONG_PLACE = ("Акмолинская область, Нуринский район, аул № 7 Сарыторгайского сельсовета "
              "Казахской Автономной Советской Социалистической Республики")
LONG_TEXT = ("Постановлением Особого совещания при НКВД СССР от 2 ноября 1937 года "
             "приговорена к восьми годам исправительно-трудовых лагерей как член семьи "
             "изменника Родины; этапирована в Акмолинский лагерь жён изменников Родины. ") * 3


def test_no_admin_page_a_moderator_uses_scrolls_sideways(new_tab, group_moderator):
    CampFactory(name="Акмолинский лагерь жён изменников Родины (АЛЖИР)", slug="alzhir")
    PlaceFactory(name=LONG_PLACE)
    person = PublishedPersonFactory(
        surname="Константинопольская-Нурмухамедова", given_name="Гульсара-Айгерим",
        patronymic="Абдурахмановна", birth_place_name=LONG_PLACE, biography=LONG_TEXT)
    NameVariantFactory(person=person, surname="Konstantinopolskaya-Nurmukhamedova",
                       given_name="Gulsara-Aigerim")
    EventFactory(person=person, kind="arrest", date="1937", place_name=LONG_PLACE,
                 authority="Особое совещание при НКВД СССР", article="58-1в, 58-8, 58-11",
                 notes=LONG_TEXT)
    CitationFactory(person=person, detail="ГАРФ, ф. Р-9489, оп. 2, д. 1234, л. 56-78 об.")
    duplicate = PublishedPersonFactory(surname=person.surname, given_name=person.given_name,
                                       patronymic=person.patronymic)
    EventFactory(person=duplicate, kind="arrest", date="1937", place_name=LONG_PLACE)
    new = PendingSubmissionFactory(data={
        **PendingSubmissionFactory.build().data, "surname": person.surname,
        "given_name": person.given_name, "birth_place": LONG_PLACE, "biography": LONG_TEXT})
    correction = CorrectionSubmissionFactory(person=person)
    correction.data = {**moderation.person_as_data(person), "occupation": LONG_TEXT[:190],
                       "birth_place": LONG_PLACE + ", " + LONG_PLACE[:60]}
    correction.save()
    accepted = PendingSubmissionFactory()
    moderation.submission_accept(submission=accepted, moderator=group_moderator)
    history = person.history.first()
    pages = [
        "/admin/",
        *(reverse(f"admin:registry_{model}_changelist") for model in (
            "submission", "person", "repressionevent", "place", "camp", "source",
            "citation", "photo", "document", "namevariant", "relationship",
            "namedrelative", "placename")),
        reverse("admin:registry_submission_change", args=[new.pk]),
        reverse("admin:registry_submission_edit", args=[new.pk]),
        reverse("admin:registry_submission_change", args=[correction.pk]),
        reverse("admin:registry_submission_change", args=[accepted.pk]),
        reverse("admin:registry_submission_undo", args=[accepted.pk]),
        reverse("admin:registry_person_change", args=[person.pk]),
        reverse("admin:registry_person_history", args=[person.pk]),
        reverse("admin:registry_person_simple_history",
                args=[person.pk, history.history_id]),
        reverse("admin:registry_person_merge", args=[duplicate.pk]),
        reverse("admin:registry_person_merge", args=[duplicate.pk]) + f"?into={person.pk}",
        reverse("admin:registry_person_hide", args=[person.pk]),
    ]
    moderator = new_tab("moderator")
    log_into_admin(moderator, group_moderator)

    for path in pages:
        moderator.goto(path)
        moderator.assert_fits_width()
    assert Submission.objects.filter(status=Submission.Status.ACCEPTED).count() == 1
