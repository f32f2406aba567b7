"""The registry's domain model; see DESIGN.md for the nouns."""

from registry.models.changes import PublicChange
from registry.models.events import RepressionEvent
from registry.models.media import Document, MediaStatus, Photo
from registry.models.person import NamedRelative, NameVariant, Person, Relationship
from registry.models.places import Camp, Place, PlaceName
from registry.models.search import NameKey, NameSound, NameSpelling, YearKey
from registry.models.sources import Citation, Source
from registry.models.submissions import ModerationLog, Submission, SubmissionPhoto

__all__ = [
    "Camp", "Citation", "Document", "MediaStatus", "NameKey", "NameSound", "NameSpelling",
    "NamedRelative", "NameVariant", "Person", "Photo", "Place", "PlaceName", "PublicChange",
    "Relationship",
    "RepressionEvent", "Source", "ModerationLog", "Submission", "SubmissionPhoto", "YearKey",
]
