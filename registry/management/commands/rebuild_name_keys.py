"""Remake the search keys of every person (their names' spellings, their dates' years) and
the vocabulary's stems and sounds, e.g. after the folding rules change."""

from django.core.management.base import BaseCommand

from registry.models import NameSound, Person
from registry.search_index import reindex_people

CHUNK = 2000


class Command(BaseCommand):
    help = "Remake the search keys of every person's names, variants and dates."

    def handle(self, *args, **options):
        # The sounds are remade from the names below; spellings keep their rows (a typo
        # search may still point at one) and take the stems of the current rules.
        NameSound.objects.all().delete()
        ids = list(Person.objects.order_by("pk").values_list("pk", flat=True))
        keys = 0
        for start in range(0, len(ids), CHUNK):
            keys += reindex_people(ids[start:start + CHUNK])
        self.stdout.write(f"{keys} keys for {len(ids)} people")
