"""The moderators' workplace.

Status fields are read-only here on purpose: a record's status changes only through the
services in ``registry/moderation.py`` (which record who, when and why), never by editing
a field. Every other change is kept as a revision (the "History" button on each record).
"""

from django import forms
from django.contrib import admin
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from registry.admin_moderation import (
    DocumentModerationMixin,
    KeepsModerationState,
    PersonModerationMixin,
    PhotoModerationMixin,
)
from registry.images import ImageRejected, clean_upload
from registry.models import (
    Camp,
    Citation,
    Document,
    NamedRelative,
    NameVariant,
    Person,
    Photo,
    Place,
    PlaceName,
    Relationship,
    RepressionEvent,
    Source,
)
from registry.templatetags.registry import life_years

REASON_FIELD = "change_reason"


def _reason(form) -> str:
    return getattr(form, "cleaned_data", {}).get(REASON_FIELD, "")


class RevisedAdmin(SimpleHistoryAdmin):
    """Every edit of a record, and every revert to an earlier revision, says why: the
    change form asks for a reason, kept with the revision of the record and of each part
    changed with it (its events, names, sources…), beside who and when."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None:
            base = kwargs.get("form", self.form)
            kwargs["form"] = type(f"Reasoned{base.__name__}", (base,), {
                REASON_FIELD: forms.CharField(
                    label=_("Why this change"), max_length=500,
                    help_text=_("Kept with this revision in the record's history, e.g. "
                                "“birth date from the rehabilitation certificate”."))})
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        return [name for name in super().get_fields(request, obj) if name != REASON_FIELD]

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is None:  # a new record needs no reason: its first revision says "created"
            return fieldsets
        return [*fieldsets, (None, {"fields": [REASON_FIELD],
                                    "classes": ["change-reason"]})]

    def save_model(self, request, obj, form, change):
        if reason := _reason(form):
            obj._change_reason = reason
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        if reason := _reason(form):
            for part in formset.forms:  # deleted parts too: their last revision says why
                part.instance._change_reason = reason
        super().save_formset(request, form, formset, change)


class NameVariantInline(admin.TabularInline):
    model = NameVariant
    extra = 0
    fields = ("surname", "given_name", "patronymic", "kind", "note")


class RepressionEventInline(admin.StackedInline):
    model = RepressionEvent
    extra = 0
    autocomplete_fields = ("place", "camp")
    fields = (("kind", "date"), ("place", "place_name"), ("camp", "camp_name"),
              ("authority", "article"), ("sentence", "term_years"), "notes")


class CheckedPhotoForm(forms.ModelForm):
    """A photograph a moderator uploads passes the same checks and re-encoding as one a
    family sends (registry/images.py): no EXIF or GPS, a thumbnail, nothing but pixels."""

    class Meta:
        model = Photo
        fields = ("person", "image", "caption", "year", "credit", "position")

    def clean_image(self):
        image = self.cleaned_data.get("image")
        if not isinstance(image, UploadedFile):
            return image  # unchanged
        try:
            checked = clean_upload(image)
        except ImageRejected as error:
            raise forms.ValidationError(error.message) from error
        self.thumbnail = checked.thumbnail
        return checked.image

    def save(self, commit=True):
        photo = super().save(commit=False)
        if getattr(self, "thumbnail", None):
            photo.thumbnail = self.thumbnail
        if commit:
            photo.save()
            self._save_m2m()
        return photo


class PhotoInline(admin.TabularInline):
    model = Photo
    form = CheckedPhotoForm
    extra = 0
    fields = ("image", "caption", "year", "credit", "position", "status")
    readonly_fields = ("status",)


class DocumentInline(admin.TabularInline):
    model = Document
    extra = 0
    fields = ("file", "title", "status")
    readonly_fields = ("status",)


class CitationInline(admin.TabularInline):
    model = Citation
    extra = 0
    autocomplete_fields = ("source",)
    fields = ("source", "detail", "event")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Offer only this person's events, not every event in the registry.
        if db_field.name == "event":
            person_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = RepressionEvent.objects.filter(person_id=person_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class RelationshipInline(admin.TabularInline):
    model = Relationship
    fk_name = "person"
    extra = 0
    autocomplete_fields = ("relative",)
    fields = ("kind", "relative", "note")


class NamedRelativeInline(admin.TabularInline):
    model = NamedRelative
    extra = 0
    fields = ("kind", "name", "note")
    verbose_name_plural = _("relatives named by the family, not in the registry")


@admin.register(Person)
class PersonAdmin(KeepsModerationState, PersonModerationMixin, RevisedAdmin):
    moderation_fields = ("status", "published_at", "merged_into")
    list_display = ("full_name", "life", "birth_place_name", "fate", "status", "is_demo")
    list_filter = ("status", "fate", "sex", "is_demo")
    search_fields = ("surname", "given_name", "patronymic", "maiden_name",
                     "variants__surname", "=external_id")
    autocomplete_fields = ("birth_place", "residence_place", "death_place")
    readonly_fields = ("status", "published_at", "created_at", "updated_at", "is_demo",
                       "merged_into")
    inlines = (NameVariantInline, RepressionEventInline, PhotoInline, DocumentInline,
               CitationInline, RelationshipInline, NamedRelativeInline)
    fieldsets = (
        (_("Name"), {"fields": (("surname", "given_name", "patronymic"), "maiden_name",
                                "sex")}),
        (_("Life"), {"fields": (("birth_date", "birth_place", "birth_place_name"),
                                "nationality", "occupation", "education", "party_membership",
                                ("residence", "residence_place"),
                                ("death_date", "death_place", "death_place_name"), "fate")}),
        (_("Biography"), {"fields": ("biography",)}),
        (_("Record"), {"fields": ("status", "merged_into", "external_id", "is_demo",
                                  "published_at",
                                  "created_at", "updated_at")}),
    )
    # At a million records an exact count on every filtered page is too slow to wait for.
    show_full_result_count = False
    list_per_page = 50

    @admin.display(description=_("name"), ordering="surname")
    def full_name(self, person):
        return person.full_name

    @admin.display(description=_("years"))
    def life(self, person):
        return life_years(person)


class PlaceNameInline(admin.TabularInline):
    model = PlaceName
    extra = 0


@admin.register(Place)
class PlaceAdmin(RevisedAdmin):
    list_display = ("name", "kind", "parent", "verified")
    list_filter = ("verified", "kind")
    search_fields = ("name", "names__name")
    autocomplete_fields = ("parent",)
    inlines = (PlaceNameInline,)


@admin.register(PlaceName)
class PlaceNameAdmin(RevisedAdmin):
    list_display = ("name", "place", "language", "year_from", "year_to")
    search_fields = ("name", "place__name")
    autocomplete_fields = ("place",)


@admin.register(Camp)
class CampAdmin(RevisedAdmin):
    list_display = ("name", "full_name", "kind", "year_opened", "year_closed", "place",
                    "verified")
    list_filter = ("verified", "kind")
    search_fields = ("name", "full_name", "abbreviation", "other_names")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("place",)


@admin.register(Source)
class SourceAdmin(RevisedAdmin):
    list_display = ("title", "kind", "archive", "fond", "opis", "delo")
    list_filter = ("kind",)
    search_fields = ("title", "archive")


@admin.register(RepressionEvent)
class RepressionEventAdmin(RevisedAdmin):
    list_display = ("person", "kind", "date", "camp", "authority", "article")
    list_filter = ("kind", "camp")
    search_fields = ("person__surname", "authority", "article", "camp_name")
    autocomplete_fields = ("person", "place", "camp")
    list_select_related = ("person", "camp")
    show_full_result_count = False


@admin.register(Photo)
class PhotoAdmin(KeepsModerationState, PhotoModerationMixin, RevisedAdmin):
    form = CheckedPhotoForm
    list_display = ("__str__", "person", "status", "year")
    list_filter = ("status",)
    search_fields = ("caption", "person__surname")
    autocomplete_fields = ("person",)
    readonly_fields = ("status",)
    list_select_related = ("person",)


@admin.register(Document)
class DocumentAdmin(KeepsModerationState, DocumentModerationMixin, RevisedAdmin):
    list_display = ("title", "person", "status")
    list_filter = ("status",)
    search_fields = ("title", "person__surname")
    autocomplete_fields = ("person",)
    readonly_fields = ("status",)


@admin.register(Relationship)
class RelationshipAdmin(RevisedAdmin):
    list_display = ("person", "kind", "relative")
    list_filter = ("kind",)
    search_fields = ("person__surname", "relative__surname")
    autocomplete_fields = ("person", "relative")


@admin.register(NamedRelative)
class NamedRelativeAdmin(RevisedAdmin):
    list_display = ("name", "kind", "person")
    list_filter = ("kind",)
    search_fields = ("name", "person__surname")
    autocomplete_fields = ("person",)


@admin.register(NameVariant)
class NameVariantAdmin(RevisedAdmin):
    list_display = ("__str__", "person", "kind")
    list_filter = ("kind",)
    search_fields = ("surname", "given_name", "person__surname")
    autocomplete_fields = ("person",)


@admin.register(Citation)
class CitationAdmin(RevisedAdmin):
    list_display = ("source", "detail", "person")
    search_fields = ("source__title", "detail", "person__surname")
    autocomplete_fields = ("source", "person", "event")
