"""Factories named by the state of what they make."""

import factory

from registry.models import (
    Camp,
    Citation,
    NameVariant,
    Person,
    Place,
    Relationship,
    RepressionEvent,
    Source,
    Submission,
)


class PlaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Place

    name = factory.Sequence(lambda n: f"Place {n}")


class CampFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Camp

    name = factory.Sequence(lambda n: f"Camp {n}")
    slug = factory.Sequence(lambda n: f"camp-{n}")
    kind = Camp.Kind.CORRECTIVE_LABOUR_CAMP


class PublishedPersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    surname = factory.Sequence(lambda n: f"Surname{n}")
    given_name = "Ivan"
    patronymic = "Petrovich"
    status = Person.Status.PUBLISHED


class PendingPersonFactory(PublishedPersonFactory):
    status = Person.Status.PENDING


class HiddenPersonFactory(PublishedPersonFactory):
    status = Person.Status.HIDDEN


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RepressionEvent

    person = factory.SubFactory(PublishedPersonFactory)
    kind = RepressionEvent.Kind.ARREST
    date = "1937"


class NameVariantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NameVariant

    person = factory.SubFactory(PublishedPersonFactory)
    surname = "Variant"


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    title = factory.Sequence(lambda n: f"Book of Memory, volume {n}")


class CitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Citation

    source = factory.SubFactory(SourceFactory)
    person = factory.SubFactory(PublishedPersonFactory)


class RelationshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Relationship

    person = factory.SubFactory(PublishedPersonFactory)
    relative = factory.SubFactory(PublishedPersonFactory)
    kind = Relationship.Kind.SPOUSE


class PendingSubmissionFactory(factory.django.DjangoModelFactory):
    """A new record sent by a family, waiting for a moderator."""

    class Meta:
        model = Submission

    kind = Submission.Kind.NEW
    status = Submission.Status.NEW
    data = factory.LazyFunction(lambda: {
        "surname": "Сейфуллин", "given_name": "Сакен", "patronymic": "",
        "birth_date": "1894-10-15", "birth_place": "Акмолинская область", "sex": "male",
        "nationality": "казах", "occupation": "поэт", "residence": "Алма-Ата",
        "fate": "executed", "death_date": "1938-02-25", "death_place": "", "maiden_name": "",
        "biography": "Поэт, один из основателей казахской советской литературы.",
        "name_variants": [{"surname": "Seifullin", "given_name": "Saken", "patronymic": "",
                           "note": "latin"}],
        "events": [{"kind": "arrest", "date": "1937-09-24", "place": "Алма-Ата", "camp": "",
                    "authority": "", "article": "58-2", "sentence": "", "notes": ""},
                   {"kind": "rehabilitation", "date": "1957", "place": "", "camp": "",
                    "authority": "Военная коллегия Верховного суда СССР", "article": "",
                    "sentence": "", "notes": ""}],
        "relatives": [{"name": "Гульбахрам Сейфуллина", "relation": "spouse", "note": ""}],
        "sources": [{"title": "Справка о реабилитации", "detail": "№ 4н-0123/57"}],
    })
    submitter_name = "Айгерим Сейфуллина"
    submitter_email = "family@example.org"
    submitter_relationship = "внучатая племянница"
    consent = True
    ip_hash = "0" * 64


class NeedsInfoSubmissionFactory(PendingSubmissionFactory):
    status = Submission.Status.NEEDS_INFO


class CorrectionSubmissionFactory(PendingSubmissionFactory):
    """A correction of a published person: their current data plus the family's changes."""

    kind = Submission.Kind.CORRECTION
    person = factory.SubFactory(PublishedPersonFactory)
    data = factory.LazyAttribute(lambda o: {
        "surname": o.person.surname, "given_name": o.person.given_name,
        "patronymic": o.person.patronymic, "birth_date": "около 1895",
        "occupation": "учитель", "name_variants": [], "events": [], "sources": [],
    })
