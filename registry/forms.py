"""The forms a family fills in: a person, their names, events, relatives, sources, photos.

Field names follow the import columns of DESIGN.md (``surname``, ``birth_date``, …; the
sender's own are ``submitter_name``, ``submitter_email``, ``submitter_relationship``,
``consent``). ``proposed_data`` turns the valid forms into the submission's JSON, in the
same names, with dates in their canonical form.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from registry.models import Person, Relationship, RepressionEvent
from registry.models.fields import PartialDateFormField
from registry.text import visible_text

# Room for pages of a family's story, not for a book pasted whole (200,000 characters were
# accepted once); notes on one event, and a family's answer to a moderator, are shorter.
STORY_MAX_LENGTH = 20_000
NOTES_MAX_LENGTH = 2_000

DATE_HELP = _("A year, month and year or a full date; “about 1900”, “before 1938” and "
              "“1936–1938” are fine too.")


class LineField(forms.CharField):
    """One line of a record (a name, a place, a caption), without the invisible characters
    that could show it reversed or split (``registry.text``)."""

    def to_python(self, value):
        return visible_text(super().to_python(value))


class PersonForm(forms.Form):
    surname = LineField(label=_("Surname"), max_length=150,
                              help_text=_("As the family knows it, in any script."))
    given_name = LineField(label=_("Given name"), max_length=150, required=False)
    patronymic = LineField(label=_("Patronymic"), max_length=150, required=False)
    maiden_name = LineField(label=_("Maiden name"), max_length=150, required=False,
                                  help_text=_("Surname before marriage, if different."))
    sex = forms.ChoiceField(label=_("Sex"), required=False,
                            choices=[("", _("not known"))] + list(Person.Sex.choices))
    birth_date = PartialDateFormField(label=_("Date of birth"), required=False,
                                      help_text=DATE_HELP)
    birth_place = LineField(label=_("Place of birth"), max_length=300, required=False)
    nationality = LineField(label=_("Nationality"), max_length=100, required=False)
    occupation = LineField(label=_("Occupation"), max_length=300, required=False)
    residence = LineField(label=_("Last address before the arrest"), max_length=300,
                                required=False)
    fate = forms.ChoiceField(label=_("Fate"), choices=Person.Fate.choices, required=False,
                             initial=Person.Fate.UNKNOWN)
    death_date = PartialDateFormField(label=_("Date of death"), required=False,
                                      help_text=DATE_HELP)
    death_place = LineField(label=_("Place of death"), max_length=300, required=False)
    biography = forms.CharField(
        label=_("The story"), required=False, max_length=STORY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("What the family remembers and knows. A blank line starts a new "
                    "paragraph."))


class VariantForm(forms.Form):
    surname = LineField(label=_("Surname"), max_length=150, required=False)
    given_name = LineField(label=_("Given name"), max_length=150, required=False)
    patronymic = LineField(label=_("Patronymic"), max_length=150, required=False)
    note = LineField(label=_("Where this spelling comes from"), max_length=300,
                           required=False)


class EventForm(forms.Form):
    # The registry's event a correction's row was prefilled from: a corrected row then
    # corrects that event instead of adding a second one.
    id = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=_("What happened"), required=False,
                             choices=[("", "—")] + list(RepressionEvent.Kind.choices))
    date = PartialDateFormField(label=_("Date"), required=False, help_text=DATE_HELP)
    place = LineField(label=_("Place"), max_length=300, required=False)
    authority = LineField(
        label=_("Authority"), max_length=200, required=False,
        help_text=_("Who decided: an NKVD troika, the Special Council (OSO), a court…"))
    article = LineField(label=_("Article"), max_length=100, required=False,
                              help_text=_("E.g. 58-10."))
    sentence = LineField(label=_("Sentence"), max_length=300, required=False,
                               help_text=_("As written, e.g. “10 years ITL”."))
    camp = LineField(label=_("Camp"), max_length=300, required=False)
    notes = forms.CharField(label=_("Notes"), required=False, max_length=NOTES_MAX_LENGTH,
                            widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        data = super().clean()
        described = any(data.get(name) for name in self.fields
                        if name not in ("id", "kind", "DELETE"))
        if described and not data.get("kind"):
            self.add_error("kind", _("Say what happened (arrest, sentence, camp…)."))
        return data


class RelativeForm(forms.Form):
    name = LineField(label=_("Relative's full name"), max_length=300, required=False)
    relation = forms.ChoiceField(label=_("Who they were to the person"), required=False,
                                 choices=[("", "—")] + list(Relationship.Kind.choices))
    note = LineField(label=_("What happened to them"), max_length=300, required=False)


class SourceForm(forms.Form):
    # The record's citation a correction's row was prefilled from, as EventForm.id.
    id = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)
    title = LineField(
        label=_("Document"), max_length=400, required=False,
        help_text=_("E.g. certificate of rehabilitation, reply of the KNB archive."))
    detail = LineField(label=_("Number, date or archive reference"), max_length=300,
                             required=False)


class PhotoForm(forms.Form):
    image = forms.FileField(label=_("Photograph"), required=False,
                            help_text=_("JPEG, PNG or WebP, up to 15 MB."),
                            widget=forms.ClearableFileInput(
                                attrs={"accept": "image/jpeg,image/png,image/webp"}))
    caption = LineField(label=_("Caption"), max_length=500, required=False)
    year = forms.IntegerField(label=_("Year taken"), required=False, min_value=1800,
                              max_value=2100)


class SubmitterForm(forms.Form):
    submitter_name = LineField(label=_("Your name"), max_length=200)
    submitter_email = forms.EmailField(
        label=_("Your email"),
        help_text=_("We send the link to follow your submission here. It is never "
                    "published."))
    submitter_relationship = LineField(
        label=_("Your relationship to the person"), max_length=200, required=False,
        help_text=_("E.g. granddaughter, great-nephew, local historian."))
    consent = forms.BooleanField(
        label=_("I agree that what I send may be published in the registry after a "
                "moderator has checked it."),
        error_messages={"required": _("We can publish nothing without your consent.")})
    # A field people never see; automated senders fill it in.
    website = forms.CharField(label=_("Leave this field empty"), required=False)


class RowsOfTheRecordFormSet(forms.BaseFormSet):
    """Rows of a correction form, some prefilled from the record's own events or citations
    (their ``id``): only those can be ticked for removal, with ``removal_label``."""

    removal_label = _("Remove")

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if (form.initial or {}).get("id"):
            form.fields["DELETE"].label = self.removal_label
        else:
            del form.fields["DELETE"]

    def rows(self) -> list[dict]:
        """The rows as the submission keeps them: a row of the record ticked for removal
        stays as a proposal to remove it (``{"id": …, "remove": "1"}``), for the
        moderator; a new row has no ``id``; blank rows are left out."""
        rows = []
        for form in self.forms:
            values = {name: _text(form.cleaned_data.get(name)) for name in form.fields
                      if name != "DELETE"}
            if form.cleaned_data.get("DELETE"):
                if values.get("id"):
                    rows.append({"id": values["id"], "remove": "1"})
            elif any(values.values()):
                if not values["id"]:
                    del values["id"]
                rows.append(values)
        return rows


class EventRowsFormSet(RowsOfTheRecordFormSet):
    removal_label = _("Remove: this did not happen, or not like this")


class SourceRowsFormSet(RowsOfTheRecordFormSet):
    removal_label = _("Remove: this document is not about this person")


# A hand-made row count is never believed past max_num (Django would build and show up to
# 1,000 more rows of each: some 40 s of a worker for one forged post); more rows than that
# come back as an error.
VariantFormSet = forms.formset_factory(VariantForm, extra=3, max_num=30, absolute_max=30)
EventFormSet = forms.formset_factory(EventForm, formset=EventRowsFormSet, extra=3, max_num=30,
                                     absolute_max=30, can_delete=True)
RelativeFormSet = forms.formset_factory(RelativeForm, extra=2, max_num=30, absolute_max=30)
SourceFormSet = forms.formset_factory(SourceForm, formset=SourceRowsFormSet, extra=2,
                                      max_num=30, absolute_max=30, can_delete=True)
PhotoFormSet = forms.formset_factory(PhotoForm, extra=3, max_num=10, absolute_max=10)

FORMSETS = {"name_variants": (VariantFormSet, "variants"),
            "events": (EventFormSet, "events"),
            "relatives": (RelativeFormSet, "relatives"),
            "sources": (SourceFormSet, "sources")}


def _text(value) -> str:
    return "" if value is None else str(value)


def proposed_data(person_form: PersonForm, formsets: dict) -> dict:
    """The submission's JSON from valid forms: CSV names, canonical dates, no blank rows."""
    data = {name: _text(value) for name, value in person_form.cleaned_data.items()}
    for key, formset in formsets.items():
        if isinstance(formset, RowsOfTheRecordFormSet):
            data[key] = formset.rows()
            continue
        rows = []
        for form in formset.forms:
            values = {name: _text(form.cleaned_data.get(name)) for name in form.fields}
            if any(values.values()):
                rows.append(values)
        data[key] = rows
    return data
