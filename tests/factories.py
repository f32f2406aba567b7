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
