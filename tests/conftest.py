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
def _one_client_may_ask_much(settings):
    # Every test speaks from the test client's one address, often hundreds of searches and
    # downloads a minute; the tests of those limits (test_downloads.py, test_budgets.py)
    # set their own.
    settings.REGISTRY_DOWNLOAD_RATE = "100000/h"
    settings.REGISTRY_RENDER_RATE = "100000/m"


@pytest.fixture(autouse=True)
def _isolated_media_and_cache(settings, tmp_path, request):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.REGISTRY_PROTECTED_MEDIA_ROOT = tmp_path / "protected"
    # The workers' own caches, and the shared one: a table of the test database, which the
    # rollback after each test empties, but which a flush between live-server tests keeps.
    from django.core.cache import caches

    emptied = [caches[name] for name in ("default", "pages")]
    marker = request.node.get_closest_marker("django_db")
    if marker is not None and marker.kwargs.get("transaction"):
        emptied.append(caches["shared"])  # the mark has given the test its database
    elif {"transactional_db", "live_server"} & set(request.fixturenames):
        request.getfixturevalue("transactional_db")
        emptied.append(caches["shared"])
    for cache in emptied:
        cache.clear()
    yield
    for cache in emptied:
        cache.clear()


@pytest.fixture
def moderator(django_user_model):
    return django_user_model.objects.create_superuser("moderator", "m@example.org", "pw-12345")
