"""Load the real reference places and camps (idempotent)."""

from django.core.management.base import BaseCommand

from registry.reference import load_reference_data


class Command(BaseCommand):
    help = "Create or update the reference places (with historical names) and camps."

    def handle(self, *args, **options):
        counts = load_reference_data()
        self.stdout.write(f"places {counts['places']}, camps {counts['camps']}")
