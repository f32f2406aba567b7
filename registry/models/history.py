"""Revisions of every record (django-simple-history), with tables indexed for how they are read.

django-simple-history copies every field of a model into its history table together with
the field's index, and indexes the date and the user of every revision: a person's
revisions had nineteen indexes (surname, nationality, fate, places…), each written on every
revision and never read, since revisions are looked up only by the record they belong to
(the admin's history page). Those writes were a large part of an import's and of
``generate_demo``'s time. The date index is off in settings (``SIMPLE_HISTORY_DATE_INDEX``).
"""

from django.db import models
from simple_history import models as simple_history


class HistoricalRecords(simple_history.HistoricalRecords):
    """Revisions indexed by record id and date only, plus the fields named in ``indexed``.

    ``indexed`` names the record's owner for the parts of a person (``person``), so the
    revisions of one person's events or names can be listed without reading them all.
    """

    def __init__(self, *args, indexed: tuple[str, ...] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.indexed = {"id", *indexed}

    def copy_fields(self, model):
        fields = super().copy_fields(model)
        for name, field in fields.items():
            if name not in self.indexed:
                field.db_index = False
        return fields

    def _get_history_user_fields(self):
        # Not indexed either: "what did this moderator change" is answered by the
        # moderation log (indexed by actor). The cost is a scan of the revisions on the
        # rare deletion of a user account (their revisions keep the change, without a
        # user).
        fields = super()._get_history_user_fields()
        user = fields.get("history_user")
        if isinstance(user, models.ForeignKey):
            user.db_index = False
        return fields
