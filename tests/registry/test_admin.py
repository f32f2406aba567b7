"""The moderators' pages open and show what moderators need."""

import pytest
from django.contrib import admin

from registry.models import Person
from tests.factories import CitationFactory, EventFactory, PublishedPersonFactory

pytestmark = pytest.mark.django_db

REGISTRY_MODELS = [model for model in admin.site._registry if model._meta.app_label == "registry"]


def test_every_registry_model_is_in_the_admin():
    from django.apps import apps

    # Search keys are derived from the names and remade on every save, and the log of
    # public changes is what kept pages are checked against: nothing to moderate.
    derived = {"NameKey", "NameSpelling", "NameSound", "YearKey", "PublicChange"}
    names = {model.__name__ for model in apps.get_app_config("registry").get_models()
             if not model.__name__.startswith("Historical") and model.__name__ not in derived}
    assert names == {model.__name__ for model in REGISTRY_MODELS}


@pytest.mark.parametrize("model", REGISTRY_MODELS, ids=lambda m: m.__name__)
def test_list_and_add_pages_open(admin_client, model):
    info = model._meta.app_label, model._meta.model_name
    assert admin_client.get(f"/admin/{info[0]}/{info[1]}/").status_code == 200
    # Submissions come from the public form and the moderation log is written by the
    # services: the admin cannot add either.
    added_elsewhere = {"Submission", "SubmissionPhoto", "ModerationLog"}
    expected = 403 if model.__name__ in added_elsewhere else 200
    assert admin_client.get(f"/admin/{info[0]}/{info[1]}/add/").status_code == expected


def test_person_page_has_its_parts_and_history(admin_client):
    person = PublishedPersonFactory(surname="Дулатов")
    EventFactory(person=person, kind="arrest", article="58-10")
    CitationFactory(person=person)
    page = admin_client.get(f"/admin/registry/person/{person.pk}/change/").content.decode()
    assert "Дулатов" in page and "58-10" in page
    for inline in ("name variants", "repression events", "photographs", "citations",
                   "relationships"):
        assert inline in page.lower(), inline
    history = admin_client.get(f"/admin/registry/person/{person.pk}/history/")
    assert history.status_code == 200


def test_editing_a_person_keeps_a_revision_with_who(admin_client, admin_user):
    person = PublishedPersonFactory(surname="Дулатов", given_name="Миржакип")
    url = f"/admin/registry/person/{person.pk}/change/"
    form = admin_client.get(url).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data.update({"given_name": "Мыржакып", "birth_date": "около 1885",
                 "change_reason": "spelling of the Kazakh edition"})
    data.update(no_inline_rows(admin_client, url))
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    person.refresh_from_db()
    assert person.given_name == "Мыржакып"
    assert person.birth_date_lower.year == 1883
    assert person.status == Person.Status.PUBLISHED  # status is not editable here
    latest = person.history.first()
    assert (latest.history_user, latest.given_name, latest.history_change_reason) == (
        admin_user, "Мыржакып", "spelling of the Kazakh edition")
    assert person.history.last().given_name == "Миржакип"


def test_an_edit_without_a_reason_is_refused_and_keeps_what_was_typed(admin_client):
    person = PublishedPersonFactory(surname="Дулатов", occupation="")
    url = f"/admin/registry/person/{person.pk}/change/"
    form = admin_client.get(url).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data["occupation"] = "учитель"
    data.update(no_inline_rows(admin_client, url))

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "change_reason" in response.context["adminform"].form.errors
    assert 'value="учитель"' in response.content.decode()
    person.refresh_from_db()
    assert person.occupation == "" and person.history.count() == 1


def test_the_reason_of_an_edit_is_kept_with_the_parts_it_changed(admin_client, admin_user):
    person = PublishedPersonFactory(surname="Дулатов")
    arrest = EventFactory(person=person, kind="arrest", date="1928", article="58-10")
    exile = EventFactory(person=person, kind="exile", date="1931")
    url = f"/admin/registry/person/{person.pk}/change/"
    page = admin_client.get(url).context
    data = {name: page["adminform"].form[name].value() or ""
            for name in page["adminform"].form.fields}
    data.update(no_inline_rows(admin_client, url))
    for inline in page["inline_admin_formsets"]:
        formset = inline.formset
        if formset.model is not type(arrest):
            continue
        data[f"{formset.prefix}-TOTAL_FORMS"] = data[f"{formset.prefix}-INITIAL_FORMS"] = 2
        for form in formset.forms:
            data.update({form.add_prefix(name): "" if form[name].value() is None
                         else form[name].value() for name in form.fields
                         if name != "DELETE"})
            if form.instance == arrest:
                data[form.add_prefix("date")] = "29.10.1928"
            else:
                data[form.add_prefix("DELETE")] = "on"
    data["change_reason"] = "the NKVD file, p. 3"

    assert admin_client.post(url, data).status_code == 302

    arrest.refresh_from_db()
    assert str(arrest.date) == "1928-10-29"
    changed = arrest.history.first()
    removed = exile.history.filter(history_type="-").get()
    for revision in (changed, removed):
        assert (revision.history_user, revision.history_change_reason) == (
            admin_user, "the NKVD file, p. 3")


def test_status_cannot_be_changed_by_editing(admin_client):
    person = PublishedPersonFactory()
    form = admin_client.get(f"/admin/registry/person/{person.pk}/change/").context[
        "adminform"].form
    assert "status" not in form.fields


def no_inline_rows(client, url) -> dict:
    """The management data of every inline on the page, posting no row of any."""
    inlines = client.get(url).context["inline_admin_formsets"]
    return {f"{inline.formset.prefix}-{key}": 0 for inline in inlines
            for key in ("TOTAL_FORMS", "INITIAL_FORMS")}
