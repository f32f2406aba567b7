"""Where uploaded images and documents live: outside the public media folder.

Photographs of a pending person, a pending photo or a submission must never be reachable by
a visitor who guesses or keeps a URL. Files are therefore stored under
``REGISTRY_PROTECTED_MEDIA_ROOT`` (not ``MEDIA_ROOT``, which ``DEBUG`` serves as it is and a
web server may expose) and reach a browser only through ``registry.views.media``, which
asks the same gate as every other public page (``Photo.objects.public()``) and lets staff
see the rest.
"""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.urls import reverse


class ProtectedStorage(FileSystemStorage):
    """A file-system storage whose folder and URLs are read from settings on each use, so
    tests (and deployments) may move it without re-creating the storage object."""

    @property
    def base_location(self):
        return str(settings.REGISTRY_PROTECTED_MEDIA_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    @property
    def base_url(self):
        return reverse("registry:media", args=["x"])[:-1]


def protected_storage():
    """The storage of every uploaded photograph and document (a callable keeps it out of
    migrations' frozen state)."""
    return _STORAGE


_STORAGE = ProtectedStorage()
