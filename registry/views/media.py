"""Uploaded photographs and documents, through the public gate.

Files live outside MEDIA_ROOT (``registry/storage.py``). A visitor gets a file only when it
belongs to a photograph in ``Photo.objects.public()`` (approved, of a published person);
moderators get every file; anyone else gets 404, whether or not the file exists.
"""

import mimetypes

from django.core.exceptions import SuspiciousFileOperation
from django.db.models import Q
from django.http import FileResponse, Http404

from registry.models import Photo
from registry.storage import protected_storage


def protected_file(request, name: str):
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
    except (SuspiciousFileOperation, ValueError) as error:
        raise Http404 from error
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(handle, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    # Public files may be cached briefly (a person can be hidden); the rest never.
    response["Cache-Control"] = "public, max-age=600" if public else "private, no-store"
    return response
