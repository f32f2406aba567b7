"""Generate clearly fictional demo people; see registry/demo.py."""

import time

from django.core.management.base import BaseCommand

from registry.demo import generate


class Command(BaseCommand):
    help = "Create N fictional demo people (marked as demo data), deterministic for a seed."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=3000)
        parser.add_argument("--seed", type=int, default=1937)

    def handle(self, *args, count: int, seed: int, **options):
        started = time.perf_counter()
        for line in generate(count, seed):
            self.stdout.write(line)
        seconds = time.perf_counter() - started
        self.stdout.write(f"{seconds:.1f} s ({count / max(seconds, 1e-9):.0f} people/s)")
