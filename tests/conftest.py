"""Fixtures shared by the whole suite."""

import pytest


def pytest_configure(config):
    import tempfile

    from django.conf import settings

    settings.STATIC_ROOT = tempfile.mkdtemp(prefix="static-")
    # Tests run with DEBUG off (as production does) but without collectstatic, so static
    # files are served from their sources rather than from a hashed manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _isolated_media_and_cache(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.REGISTRY_PROTECTED_MEDIA_ROOT = tmp_path / "protected"
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def moderator(django_user_model):
    return django_user_model.objects.create_superuser("moderator", "m@example.org", "pw-12345")
