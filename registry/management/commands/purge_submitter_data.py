"""Erase the senders' contact data some days after the decision, and photographs of forms
never sent after some hours (run hourly by cron).

A family's name, email, relationship and address hash are needed only while moderators may
write to them. Once a submission is decided (accepted, declined or withdrawn) and the
configured number of days has passed, they are blanked. Photographs uploaded with a form
that was never sent are deleted after ``REGISTRY_UNSENT_PHOTO_HOURS``: a form left with an
error is usually sent again within minutes, and a client that only uploads must not fill
the disk.
"""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from registry.models import Submission, SubmissionPhoto

CLOSED = [Submission.Status.ACCEPTED, Submission.Status.REJECTED, Submission.Status.WITHDRAWN]


class Command(BaseCommand):
    help = ("Erase submitters' contact data N days after the decision, and photographs of "
            "forms never sent after REGISTRY_UNSENT_PHOTO_HOURS.")

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=settings.REGISTRY_PURGE_AFTER_DAYS,
                            help="days after the decision (default: "
                                 "REGISTRY_PURGE_AFTER_DAYS, %(default)s)")

    def handle(self, *, days, **options):
        now = timezone.now()
        due = Submission.objects.filter(status__in=CLOSED, decided_at__lte=now - timedelta(
            days=days), contact_purged_at=None)
        # An update, not save(): the contact data never reaches a revision either way,
        # and this touches nothing else.
        purged = due.update(submitter_name="", submitter_email="", submitter_relationship="",
                            ip_hash="", contact_purged_at=now)
        orphans = SubmissionPhoto.objects.filter(
            submission=None,
            created_at__lte=now - timedelta(hours=settings.REGISTRY_UNSENT_PHOTO_HOURS))
        removed = 0
        for photo in orphans:
            photo.image.delete(save=False)
            photo.thumbnail.delete(save=False)
            photo.delete()
            removed += 1
        self.stdout.write(f"contact data erased from {purged} submission(s); "
                          f"{removed} unsent photograph(s) deleted")
