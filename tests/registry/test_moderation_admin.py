"""The moderators' admin: the queue, a submission's page, decisions, merge; the group."""

import re

import pytest
from django.contrib.auth.models import Group

from registry.models import Person, Submission
from tests.factories import (
    CorrectionSubmissionFactory,
    EventFactory,
    PendingPersonFactory,
    PendingSubmissionFactory,
    PublishedPersonFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def group_moderator(django_user_model):
    """A moderator who is not a superuser: only the 'Moderators' group's permissions."""
    user = django_user_model.objects.create_user("mod", "mod@example.org", "pw-12345",
                                                 is_staff=True)
    user.groups.add(Group.objects.get(name="Moderators"))
    return user


@pytest.fixture
def mod_client(client, group_moderator):
    client.force_login(group_moderator)
    return client


def test_the_group_has_exactly_the_moderation_permissions():
    codenames = set(Group.objects.get(name="Moderators").permissions.values_list(
        "codename", flat=True))
    assert {"view_submission", "change_submission", "change_person", "change_photo",
            "view_moderationlog"} <= codenames
    assert not {"delete_person", "add_person", "delete_submission", "change_user",
                "change_place", "change_camp"} & codenames


def test_admin_home_shows_the_queue_oldest_first(mod_client):
    first = PendingSubmissionFactory(data={"surname": "Первый"})
    PendingSubmissionFactory(data={"surname": "Второй"})
    CorrectionSubmissionFactory()
    page = mod_client.get("/admin/").content.decode()
    assert "Moderation queue" in page and "3 new submissions" in page
    assert "1 correction" in page
    assert page.index("Первый") < page.index("Второй")
    assert f"/admin/registry/submission/{first.pk}/change/" in page


def queue_row(page: str, name: str) -> str:
    """The text of the queue's row for ``name`` on the admin home page."""
    row = next(row for row in re.findall(r"<tr>.*?</tr>", page, re.S) if name in row)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()


def test_the_queue_shows_answers_photos_language_and_likely_duplicates(mod_client):
    from registry import moderation
    from registry.models import SubmissionPhoto

    published = PublishedPersonFactory(surname="Сейфуллин", given_name="Сакен")
    PendingSubmissionFactory(language="kk")  # Сейфуллин Сакен, the record exists
    asked = PendingSubmissionFactory(data={"surname": "Дулатов", "given_name": "Миржакып"},
                                     language="ru")
    moderation.submission_ask(submission=asked, moderator=None, question="Год рождения?")
    moderation.submission_answer(submission=Submission.objects.get(pk=asked.pk),
                                 answer="1885")
    first = PendingSubmissionFactory(data={"surname": "Соколов", "given_name": "Николай"})
    again = PendingSubmissionFactory(data={"surname": "Sokolov", "given_name": "Nikolai"})
    SubmissionPhoto.objects.create(submission=again, image="submissions/a.jpg")
    SubmissionPhoto.objects.create(submission=again, image="submissions/b.jpg")

    page = mod_client.get("/admin/").content.decode()

    assert queue_row(page, "Сейфуллин Сакен").endswith(
        f"kk — — record #{published.pk} (surname, given name)")
    assert "ru — answered —" in queue_row(page, "Дулатов")
    assert queue_row(page, "Sokolov").endswith(
        f"2 — submission #{first.pk} (surname, given name)")
    assert queue_row(page, "Соколов").endswith(
        f"— — submission #{again.pk} (surname, given name)")
    listed = "/admin/registry/submission/"
    assert [s.pk for s in mod_client.get(listed, {"answered": "yes"}).context["cl"].result_list
            ] == [asked.pk]
    assert [s.pk for s in mod_client.get(listed, {"photos": "yes"}).context["cl"].result_list
            ] == [again.pk]


def test_submission_page_shows_duplicates_and_accepts(mod_client, group_moderator):
    twin = PublishedPersonFactory(surname="Сейфуллин", given_name="Сакен", birth_date="1894")
    submission = PendingSubmissionFactory()
    page = mod_client.get(f"/admin/registry/submission/{submission.pk}/change/")
    text = page.content.decode()
    assert page.status_code == 200 and "Possible duplicates" in text
    assert f"#{twin.pk} Сейфуллин Сакен" in text and "Гульбахрам Сейфуллина" in text
    response = mod_client.post(f"/admin/registry/submission/{submission.pk}/accept/",
                               {"reason": "checked"})
    submission.refresh_from_db()
    assert submission.status == Submission.Status.ACCEPTED
    assert response["Location"] == f"/admin/registry/person/{submission.person.pk}/change/"
    assert submission.person.status == Person.Status.PUBLISHED
    assert submission.decided_by == group_moderator


def test_the_same_person_sent_twice_in_two_scripts_is_pointed_out(mod_client):
    def sent(surname, given_name, birth_date, status=Submission.Status.NEW):
        return PendingSubmissionFactory(status=status, data={
            "surname": surname, "given_name": given_name, "patronymic": "",
            "birth_date": birth_date})

    first = sent("Соколов", "Николай", "1899")
    other_form = sent("Sokolowa", "Nikolai", "около 1900")  # the other sex's form, "about"
    sent("Sokolov", "Pyotr", "1899")  # another given name
    sent("Sokolov", "Nikolai", "1920")  # born twenty years later
    sent("Sokolov", "Nikolai", "1899", status=Submission.Status.ACCEPTED)  # decided
    again = sent("Sokolov", "Nikolai", "1899")

    page = mod_client.get(f"/admin/registry/submission/{again.pk}/change/").content.decode()

    pointed = re.findall(r'<li class="duplicate-submission"><a href="[^"]*/(\d+)/change/"',
                         page)
    assert pointed == [str(first.pk), str(other_form.pk)]  # oldest first
    assert "surname, given name, year of birth" in page


def test_view_on_site_opens_the_record_never_the_familys_private_page(mod_client):
    waiting = PendingSubmissionFactory()
    correction = CorrectionSubmissionFactory()

    for submission in (waiting, correction):
        page = mod_client.get(f"/admin/registry/submission/{submission.pk}/change/")
        assert submission.token not in page.content.decode()
    page = mod_client.get(f"/admin/registry/submission/{correction.pk}/change/")
    record = re.escape(correction.person.get_absolute_url())
    assert re.search(rf'<a href="{record}"[^>]*class="viewsitelink"', page.content.decode())
    page = mod_client.get(f"/admin/registry/submission/{waiting.pk}/change/")
    assert "viewsitelink" not in page.content.decode()  # nothing published yet


def test_correction_side_by_side_applies_the_ticked_fields(mod_client):
    person = PublishedPersonFactory(birth_date="1895", occupation="")
    submission = CorrectionSubmissionFactory(person=person)
    text = mod_client.get(f"/admin/registry/submission/{submission.pk}/change/"
                          ).content.decode()
    assert 'name="apply_field" value="occupation"' in text
    assert 'name="apply_field" value="birth_date"' in text
    mod_client.post(f"/admin/registry/submission/{submission.pk}/accept/",
                    {"apply_field": ["occupation"]})
    person.refresh_from_db()
    assert person.occupation == "учитель" and str(person.birth_date) == "1895"


def test_ask_and_reject_through_confirmation_pages(mod_client):
    submission = PendingSubmissionFactory()
    url = f"/admin/registry/submission/{submission.pk}/"
    assert mod_client.get(url + "ask/").status_code == 200
    mod_client.post(url + "ask/", {"question": "Which village?"})
    submission.refresh_from_db()
    assert submission.status == Submission.Status.NEEDS_INFO
    mod_client.post(url + "reject/", {"reason": "Unconfirmed."})
    submission.refresh_from_db()
    assert submission.status == Submission.Status.REJECTED
    # Illegal now: the admin says why instead of failing.
    response = mod_client.post(url + "ask/", {"question": "Again?"}, follow=True)
    assert "cannot become" in response.content.decode()


def sent_person(surname, given_name="", **fields):
    return PendingSubmissionFactory(data={"surname": surname, "given_name": given_name,
                                          "patronymic": "", **fields})


def test_bulk_acceptance_is_confirmed_and_publishes_only_what_is_safe(mod_client):
    new = [sent_person("Дулатов", "Миржакып"), sent_person("Жумабаев", "Магжан")]
    done = PendingSubmissionFactory(status=Submission.Status.WITHDRAWN)
    correction = CorrectionSubmissionFactory()
    published = PublishedPersonFactory(surname="Сейфуллин", given_name="Сакен")
    twin_of_record = sent_person("Seifullin", "Saken")
    first = sent_person("Соколов", "Николай")
    twin_of_first = sent_person("Sokolov", "Nikolai")
    chosen = [*new, done, correction, twin_of_record, twin_of_first]
    post = {"action": "accept_selected", "_selected_action": [s.pk for s in chosen]}

    confirm = mod_client.post("/admin/registry/submission/", post).content.decode()

    assert Submission.objects.filter(status=Submission.Status.ACCEPTED).count() == 0
    assert "2 submissions will be published as new records" in confirm
    assert "4 will be left for a moderator to open" in confirm
    assert f"may be the same person as record #{published.pk}" in confirm
    assert f"may be the same person as submission #{first.pk}" in confirm
    assert "a correction is applied field by field" in confirm

    done_page = mod_client.post("/admin/registry/submission/", {**post, "confirmed": "1"},
                                follow=True).content.decode()

    assert "2 submission(s) accepted" in done_page
    assert "was not accepted" in done_page
    assert set(Submission.objects.filter(status=Submission.Status.ACCEPTED)) == set(new)


def test_bulk_actions_call_the_service_for_each(mod_client):
    people = [PendingPersonFactory(), PendingPersonFactory()]
    mod_client.post("/admin/registry/person/", {
        "action": "publish_selected", "_selected_action": [p.pk for p in people]})
    assert all(p.status == Person.Status.PUBLISHED
               for p in Person.objects.filter(pk__in=[p.pk for p in people]))
    page = mod_client.post("/admin/registry/person/", {
        "action": "hide_selected", "_selected_action": [people[0].pk]})
    assert page.status_code == 200 and "Reason" in page.content.decode()
    mod_client.post("/admin/registry/person/", {
        "action": "hide_selected", "_selected_action": [people[0].pk],
        "reason": "family asked"})
    people[0].refresh_from_db()
    assert people[0].status == Person.Status.HIDDEN


def test_merge_and_undo_from_the_admin(mod_client, client):
    survivor, duplicate = PublishedPersonFactory(), PublishedPersonFactory()
    url = f"/admin/registry/person/{duplicate.pk}/"
    assert "Merge into" in mod_client.get(url + "change/").content.decode()
    mod_client.post(url + "merge/", {"into": survivor.pk, "reason": "same"})
    assert client.get(f"/people/{duplicate.pk}/").status_code == 301
    history = mod_client.get(url + "history/").content.decode()
    assert "same" in history
    mod_client.post(url + "unmerge/", {"reason": "different men"})
    duplicate.refresh_from_db()
    assert duplicate.status == Person.Status.PUBLISHED


def test_a_moderator_picks_the_record_to_keep_and_reconciles_the_events(mod_client):
    survivor = PublishedPersonFactory(surname="Дулатов", given_name="Миржакып",
                                      patronymic="", birth_date="1885")
    duplicate = PublishedPersonFactory(surname="Дулатов", given_name="Миржакып",
                                       patronymic="", birth_date="1885")
    other = PublishedPersonFactory(surname="Байтурсынов", given_name="Ахмет")
    my_arrest = EventFactory(person=survivor, kind="arrest", date="1928")
    their_arrest = EventFactory(person=duplicate, kind="arrest", date="1928", article="58-2")
    their_exile = EventFactory(person=duplicate, kind="exile", date="1935")
    url = f"/admin/registry/person/{duplicate.pk}/merge/"

    picker = mod_client.get(url).content.decode()
    assert f'href="?into={survivor.pk}"' in picker  # offered: the same name and year
    assert f'href="?into={other.pk}"' not in picker
    found = mod_client.get(url, {"find": "Baitursynov"}).content.decode()
    assert f'href="?into={other.pk}"' in found  # any record, by any spelling

    preview = mod_client.get(url, {"into": survivor.pk}).content.decode()
    assert f'value="combine-{my_arrest.pk}"' in preview
    assert f'name="event-{their_exile.pk}"' in preview
    assert f'value="combine-{my_arrest.pk}"' not in preview.split(
        f'name="event-{their_exile.pk}"')[1]  # an exile is never paired with an arrest
    duplicate.refresh_from_db()
    assert duplicate.status == Person.Status.PUBLISHED  # nothing done by looking

    response = mod_client.post(url, {"into": survivor.pk, "reason": "one man",
                                     f"event-{their_arrest.pk}": f"combine-{my_arrest.pk}",
                                     f"event-{their_exile.pk}": "keep"})

    assert response.status_code == 302
    assert sorted(survivor.events.values_list("kind", "article")) == [
        ("arrest", "58-2"), ("exile", "")]


def test_a_moderator_cannot_delete_people_or_manage_users(mod_client):
    person = PublishedPersonFactory()
    assert mod_client.get(f"/admin/registry/person/{person.pk}/delete/").status_code == 403
    assert mod_client.get("/admin/auth/user/").status_code == 403
    assert mod_client.get("/admin/registry/person/add/").status_code == 403
