"""What the admin home page shows moderators: the queue."""

from django import template

from registry.admin_moderation import queue_counts
from registry.models import Submission

register = template.Library()


@register.simple_tag(takes_context=True)
def moderation_queue(context, size: int = 15):
    """Counts and the oldest new submissions, for users who may see submissions."""
    user = context["request"].user
    if not user.has_perm("registry.view_submission"):
        return None
    return {"counts": queue_counts(), "oldest": list(Submission.objects.queue()[:size])}
