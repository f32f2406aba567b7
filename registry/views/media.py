"""Uploaded photographs and documents, through the public gate.

Files live outside MEDIA_ROOT (``registry/storage.py``). A visitor gets a file only when it
belongs to a photograph in ``Photo.objects.public()`` (approved, of a published person);
moderators get every file; anyone else gets 404, whether or not the file exists.

What goes out is never trusted to its name alone: only the image types ``registry/images.py``
re-encodes to are shown in the browser; anything else (a document, or a file a name makes
look like HTML or SVG) is sent as bytes to download, in a sandbox, never sniffed.
"""

import mimetypes
import posixpath
import re

from django.core.exceptions import SuspiciousFileOperation
from django.db.models import Q
from django.http import FileResponse, Http404

from registry.models import Photo
from registry.storage import protected_storage

# The formats every uploaded photograph is re-encoded to (registry/images.py).
INLINE_TYPES = {"image/jpeg", "image/png", "image/webp"}
UNSAFE_FILENAME_CHARACTERS = re.compile(r"[^A-Za-z0-9._-]+")


def protected_file(request, name: str):
    if "\x00" in name or name.startswith("/") or ".." in name.split("/"):
        raise Http404  # never a path outside the storage, whatever the storage would say
    public = Photo.objects.public().filter(Q(image=name) | Q(thumbnail=name)).exists()
    staff = request.user.is_active and request.user.is_staff and (
        request.user.has_perm("registry.view_photo")
        or request.user.has_perm("registry.view_submission"))
    if not (public or staff):
        raise Http404
    storage = protected_storage()
    try:
        if not storage.exists(name):
            raise Http404
        handle = storage.open(name, "rb")
    except (SuspiciousFileOperation, ValueError, OSError) as error:
        raise Http404 from error
    content_type = mimetypes.guess_type(name)[0]
    inline = content_type in INLINE_TYPES
    response = FileResponse(handle, content_type=content_type if inline
                            else "application/octet-stream",
                            as_attachment=not inline, filename=safe_filename(name))
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    # Public files may be cached briefly (a person can be hidden); the rest never.
    response["Cache-Control"] = "public, max-age=600" if public else "private, no-store"
    return response


def safe_filename(name: str) -> str:
    """The file's own name in plain ASCII letters, digits, dots, dashes and underscores."""
    cleaned = UNSAFE_FILENAME_CHARACTERS.sub("_", posixpath.basename(name)).strip("._")
    return cleaned or "file"
