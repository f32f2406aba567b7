"""Prepare a development site: demo people the first time, and an admin login to print."""

import os

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand

from registry.models import Person

DEMO_COUNT = 3000
DEMO_SEED = 1937


class Command(BaseCommand):
    help = "Load demo data if the registry is empty and make sure an admin login exists."

    def handle(self, *args, **options):
        if not Person.objects.exists():
            self.stdout.write(f"Generating {DEMO_COUNT} fictional demo people (once)...")
            call_command("generate_demo", count=DEMO_COUNT, seed=DEMO_SEED)
        username = os.environ.get("ADMIN_USERNAME", "admin")
        password = os.environ.get("ADMIN_PASSWORD", "memorial-admin")
        users = get_user_model().objects
        if not users.filter(username=username).exists():
            users.create_superuser(username, f"{username}@localhost", password)
            self.stdout.write(self.style.SUCCESS(
                f"Admin: http://127.0.0.1:8000/admin/  user {username}  password {password}"))
        else:
            self.stdout.write(f"Admin: http://127.0.0.1:8000/admin/  user {username}  "
                              "(password as set when it was created)")
