"""What the admin home page shows moderators: the queue."""

from dataclasses import dataclass

from django import template
from django.db.models import Count

from registry.admin_moderation import queue_counts
from registry.duplicates import OpenSubmissions, likely_duplicate
from registry.models import Submission

register = template.Library()


@dataclass
class QueueRow:
    submission: Submission
    photos: int
    likely_duplicate: object  # a duplicates.Candidate or SubmissionCandidate, or None


@register.simple_tag(takes_context=True)
def moderation_queue(context, size: int = 15):
    """Counts and the oldest new submissions, for users who may see submissions, each with
    what a moderator sorts by: photographs, the family's answer, a likely duplicate."""
    user = context["request"].user
    if not user.has_perm("registry.view_submission"):
        return None
    oldest = list(Submission.objects.queue().annotate(photo_count=Count("photos"))[:size])
    open_submissions = OpenSubmissions()
    rows = [QueueRow(submission, submission.photo_count,
                     likely_duplicate(submission, open_submissions))
            for submission in oldest]
    return {"counts": queue_counts(), "oldest": rows}
