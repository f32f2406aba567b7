"""The moderators' door and what they do inside: a login that locks after repeated wrong
passwords, a code from an authenticator app for those who have one, and every admin action
written down with who did it."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.admin.models import CHANGE, DELETION, LogEntry
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from registry.models import MediaStatus, ModerationLog, Person, Photo, Submission
from tests.factories import (
    PendingPersonFactory,
    PendingSubmissionFactory,
    PublishedPersonFactory,
)
from tests.registry.test_admin import no_inline_rows

pytestmark = pytest.mark.django_db
PASSWORD = "pw-12345"


@pytest.fixture(autouse=True)
def _quick_passwords(settings):
    # These tests log in dozens of times; the password hash itself is not what they test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def group_moderator(django_user_model):
    user = django_user_model.objects.create_user("mod", "mod@example.org", PASSWORD,
                                                 is_staff=True)
    user.groups.add(Group.objects.get(name="Moderators"))
    return user


def log_in(username, password=PASSWORD, *, address="192.0.2.10", code=None, client=None):
    client = client or Client(REMOTE_ADDR=address)
    data = {"username": username, "password": password, "next": "/admin/"}
    if code is not None:
        data["otp_token"] = code
    return client, client.post("/admin/login/", data)


def test_a_moderator_logs_in_with_the_password_alone(group_moderator):
    client, response = log_in("mod")
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_the_superuser_of_the_fixtures_logs_in_through_the_form(moderator):
    client, response = log_in("moderator")
    assert response.status_code == 302
    assert "Moderation" in client.get("/admin/").content.decode()


# --- lockout (django-axes) ---------------------------------------------------------------

def test_repeated_wrong_passwords_lock_that_name_and_that_address(group_moderator,
                                                                  settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert log_in("mod", "wrong")[1].status_code == 200  # the form, with its error
    _, locked = log_in("mod", "wrong")
    assert locked.status_code == 429
    # Even the right password is refused now, with a page that says so.
    _, refused = log_in("mod")
    text = refused.content.decode()
    assert refused.status_code == 429 and "Login locked" in text
    assert "Try again in 30 minutes" in text
    # The name is locked from elsewhere too, and this address for other names.
    assert log_in("mod", address="198.51.100.7")[1].status_code == 429
    other = type(group_moderator).objects.create_user("other", password=PASSWORD,
                                                      is_staff=True)
    assert log_in(other.username)[1].status_code == 429
    assert log_in(other.username, address="198.51.100.7")[1].status_code == 302
    # The attempts are kept for the administrators (the admin's "Access attempts").
    attempt = AccessAttempt.objects.get(username="mod")
    assert attempt.ip_address == "192.0.2.10" and attempt.failures_since_start >= 5


def test_one_password_tried_against_many_names_locks_the_address(group_moderator,
                                                                  settings):
    for number in range(settings.AXES_FAILURE_LIMIT):
        log_in(f"guess{number}", "password1")
    assert log_in("mod")[1].status_code == 429
    assert log_in("mod", address="198.51.100.7")[1].status_code == 302


def test_one_name_tried_from_many_addresses_is_locked(group_moderator, settings):
    for number in range(settings.AXES_FAILURE_LIMIT):
        log_in("mod", f"guess{number}", address=f"203.0.113.{number + 1}")
    assert log_in("mod", address="198.51.100.7")[1].status_code == 429


def test_after_logging_in_elsewhere_than_the_admin_a_moderator_lands_in_the_admin(
        group_moderator):
    client = Client()
    response = client.post("/admin/login/", {"username": "mod", "password": PASSWORD,
                                             "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get(response["Location"]).status_code == 200


def test_the_lock_opens_after_the_cool_off(group_moderator, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in("mod", "wrong")
    assert log_in("mod")[1].status_code == 429
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(minutes=1))
    assert log_in("mod")[1].status_code == 302


def test_a_successful_login_forgets_earlier_failures(group_moderator, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        log_in("mod", "wrong")
    assert log_in("mod")[1].status_code == 302
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        log_in("mod", "wrong")
    assert log_in("mod")[1].status_code == 302


def test_the_lock_counts_the_address_the_proxy_saw(group_moderator, settings):
    settings.REGISTRY_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    for _ in range(settings.AXES_FAILURE_LIMIT):
        Client(**proxy, HTTP_X_FORWARDED_FOR="203.0.113.5").post(
            "/admin/login/", {"username": "mod", "password": "wrong"})
    locked = Client(**proxy, HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert log_in("mod", client=locked)[1].status_code == 429
    # Another visitor behind the same proxy is not locked out with them.
    other = type(group_moderator).objects.create_user("other", password=PASSWORD,
                                                      is_staff=True)
    elsewhere = Client(**proxy, HTTP_X_FORWARDED_FOR="203.0.113.99")
    assert log_in(other.username, client=elsewhere)[1].status_code == 302


# --- two-factor (django-otp) -------------------------------------------------------------

@pytest.fixture
def device(group_moderator):
    return TOTPDevice.objects.create(user=group_moderator, name="phone", confirmed=True)


def code_of(device, *, wrong=False) -> str:
    now = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{(now + 1) % 10**6 if wrong else now:06d}"


def test_a_moderator_with_an_authenticator_must_give_its_code(device):
    _, without = log_in("mod")
    assert without.status_code == 200
    assert "Enter the code your authenticator app shows" in without.content.decode()
    _, wrong = log_in("mod", code=code_of(device, wrong=True))
    assert wrong.status_code == 200 and "That code is wrong" in wrong.content.decode()
    # Each wrong code makes the next try wait longer (1 s, 2 s, 4 s…): no guessing.
    _, too_soon = log_in("mod", code=code_of(device))
    assert too_soon.status_code == 200 and "wait a few seconds" in too_soon.content.decode()
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - timedelta(minutes=1))
    client, right = log_in("mod", code=code_of(device))
    assert right.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_a_session_opened_without_the_code_does_not_reach_the_admin(device, client):
    client.force_login(device.user)
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_a_code_is_asked_of_everyone_when_the_setting_says_so(group_moderator, admin_client,
                                                              settings):
    settings.REGISTRY_REQUIRE_TWO_FACTOR = True
    _, response = log_in("mod")
    assert response.status_code == 200
    assert "none is set up for you yet" in response.content.decode()
    assert admin_client.get("/admin/").status_code == 302
    device = TOTPDevice.objects.create(user=group_moderator, name="phone", confirmed=True)
    assert log_in("mod", code=code_of(device))[1].status_code == 302


def test_an_administrator_sees_the_qr_code_of_a_new_device(admin_client, group_moderator):
    device = TOTPDevice.objects.create(user=group_moderator, name="phone", confirmed=False)
    page = admin_client.get(f"/admin/otp_totp/totpdevice/{device.pk}/config/")
    assert page.status_code == 200
    image = admin_client.get(f"/admin/otp_totp/totpdevice/{device.pk}/qrcode/")
    assert image.status_code == 200 and image["Content-Type"] == "image/svg+xml"


# --- every admin action is written down --------------------------------------------------

def entries_by(user) -> list[tuple[str, int | None, int | None]]:
    return list(ModerationLog.objects.filter(actor=user).order_by("id").values_list(
        "action", "person_id", "submission_id"))


@pytest.fixture
def mod_client(group_moderator, client):
    client.force_login(group_moderator)
    return client


def test_decisions_from_a_submissions_page_are_logged(mod_client, group_moderator):
    asked, declined, accepted = (PendingSubmissionFactory() for _ in range(3))
    url = "/admin/registry/submission/{}/{}/"
    mod_client.post(url.format(asked.pk, "ask"), {"question": "Which village?"})
    mod_client.post(url.format(declined.pk, "reject"), {"reason": "No source."})
    mod_client.post(url.format(accepted.pk, "accept"), {"reason": "Checked."})
    accepted.refresh_from_db()
    assert entries_by(group_moderator) == [
        ("submission.asked", None, asked.pk), ("submission.rejected", None, declined.pk),
        ("person.published", accepted.person_id, accepted.pk),
        ("submission.accepted", accepted.person_id, accepted.pk)]


def test_a_persons_buttons_are_logged(mod_client, group_moderator):
    person, survivor = PendingPersonFactory(), PublishedPersonFactory()
    url = f"/admin/registry/person/{person.pk}/"
    mod_client.post(url + "publish/", {"reason": ""})
    mod_client.post(url + "hide/", {"reason": "The family asked."})
    mod_client.post(url + "merge/", {"into": survivor.pk, "reason": "Same man."})
    mod_client.post(url + "unmerge/", {"reason": "Two men."})
    assert [action for action, *_ in entries_by(group_moderator)] == [
        "person.published", "person.hidden", "person.merged", "person.unmerged"]
    assert {person_id for _, person_id, _ in entries_by(group_moderator)} == {person.pk}


def test_bulk_actions_log_each_record(mod_client, group_moderator):
    submissions = [PendingSubmissionFactory(), PendingSubmissionFactory()]
    mod_client.post("/admin/registry/submission/", {
        "action": "reject_selected", "_selected_action": [s.pk for s in submissions],
        "reason": "Duplicates of published records."})
    people = [PendingPersonFactory(), PendingPersonFactory()]
    mod_client.post("/admin/registry/person/", {
        "action": "publish_selected", "_selected_action": [p.pk for p in people]})
    mod_client.post("/admin/registry/person/", {
        "action": "hide_selected", "_selected_action": [people[0].pk], "reason": "Asked."})
    photos = [Photo.objects.create(person=people[1], image="photos/a.jpg",
                                   status=MediaStatus.PENDING) for _ in range(2)]
    mod_client.post("/admin/registry/photo/", {"action": "approve_selected",
                                               "_selected_action": [photos[0].pk]})
    mod_client.post("/admin/registry/photo/", {"action": "reject_selected",
                                               "_selected_action": [photos[1].pk]})
    actions = [action for action, *_ in entries_by(group_moderator)]
    assert actions.count("submission.rejected") == 2
    assert actions.count("person.published") == 2 and actions.count("person.hidden") == 1
    assert set(ModerationLog.objects.filter(actor=group_moderator, photo__isnull=False)
               .values_list("action", "photo_id")) == {
        ("photo.approved", photos[0].pk), ("photo.rejected", photos[1].pk)}
    assert Submission.objects.filter(status=Submission.Status.REJECTED).count() == 2


def test_edits_reverts_and_deletions_leave_django_log_entries(admin_client, admin_user):
    person = PublishedPersonFactory(surname="Дулатов")
    url = f"/admin/registry/person/{person.pk}/change/"
    form = admin_client.get(url).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data["occupation"] = "учитель"
    data["change_reason"] = "from the family's letter"
    data.update(no_inline_rows(admin_client, url))
    assert admin_client.post(url, data).status_code == 302
    first = Person.history.filter(id=person.pk).order_by("history_date").first()
    revert = admin_client.get(f"/admin/registry/person/{person.pk}/history/"
                              f"{first.history_id}/").context["adminform"].form
    data = {name: revert[name].value() or "" for name in revert.fields}
    data.update(no_inline_rows(admin_client, url))
    revert_url = f"/admin/registry/person/{person.pk}/history/{first.history_id}/"
    assert admin_client.post(revert_url, data).status_code == 200  # a revert says why too
    data["change_reason"] = "the letter was about his brother"
    assert admin_client.post(revert_url, data).status_code == 302
    assert person.history.first().history_change_reason == "the letter was about his brother"
    submission = PendingSubmissionFactory()
    admin_client.post(f"/admin/registry/submission/{submission.pk}/delete/", {"post": "yes"})
    entries = LogEntry.objects.filter(user=admin_user).order_by("id")
    assert [(entry.action_flag, entry.object_id) for entry in entries] == [
        (CHANGE, str(person.pk)), (CHANGE, str(person.pk)), (DELETION, str(submission.pk))]
    person.refresh_from_db()
    assert person.occupation == ""  # the revert took the first revision's value back

