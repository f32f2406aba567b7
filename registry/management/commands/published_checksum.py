"""Print how many people are published and a checksum of what the public sees of them.

Two registries with the same figures show visitors the same records: use it to check a
restored backup, a replica or a migration (docs/operations.md).
"""

from django.core.management.base import BaseCommand

from registry.backups import published_checksum


class Command(BaseCommand):
    help = ("Count the published people and print a SHA-256 of their public JSON "
            "(/api/v1/people/<id>/) in id order.")

    def handle(self, **options):
        published = published_checksum()
        self.stdout.write(f"{published['people']} published people, "
                          f"sha256 {published['sha256']}")
