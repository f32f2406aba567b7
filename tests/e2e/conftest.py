"""The browser journeys' fixtures: Debian's chromium driven by Playwright against a live
server, a fresh browser context per test, a screenshot of how each journey ended, and a
failure on any error the browser saw.

Every test module here is marked ``live`` (tests/e2e/browser.py): transactional, since the
live server reads what the test writes from another thread.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, connections
from playwright.sync_api import sync_playwright

from tests.e2e.browser import MODERATOR_PASSWORD, Tab

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(settings.BASE_DIR) / "test-artifacts" / "screenshots"
VIEWPORTS = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    # A phone: the page's own <meta name="viewport"> decides the layout, as on a real one.
    "mobile": {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True},
}
# Chromium's own background traffic (updates, sync, field trials) has nowhere to go on a
# closed network and only slows every start; the registry needs none of it.
CHROMIUM_ARGS = ["--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]


@pytest.fixture(scope="session")
def playwright_driver(django_db_setup):
    if not CHROMIUM.exists():
        pytest.fail(f"The browser journeys need Debian's chromium at {CHROMIUM}: "
                    "apt-get install chromium (.ci/run installs it when missing). "
                    "Never let Playwright download a browser of its own.", pytrace=False)
    own_connections = {alias: connections[alias] for alias in connections}
    with pytest.MonkeyPatch.context() as patch:
        # Playwright's sync API keeps an asyncio event loop marked as running in this
        # thread from now on. Django then takes the tests' own database calls (and the
        # flush after each test) for calls from async code: it refuses them, and would
        # open new connections for them, without the test database's serialized state.
        # Pages are served by the live server's own thread, which has no loop, so the
        # check guards nothing here; the thread keeps the connections it had.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        driver = sync_playwright().start()
        for alias, connection in own_connections.items():
            connections[alias] = connection
        yield driver
        driver.stop()


@pytest.fixture(scope="session")
def browser(playwright_driver):
    browser = playwright_driver.chromium.launch(executable_path=str(CHROMIUM),
                                                args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # Every browser comes from 127.0.0.1: one journey's submissions must not count
    # against the next journey's family.
    from django.core.cache import caches

    caches[settings.RATELIMIT_USE_CACHE].clear()


@pytest.fixture(params=list(VIEWPORTS), ids=list(VIEWPORTS))
def viewport(request):
    return request.param


@pytest.fixture
def new_tab(browser, live_server, request):
    """Opens tabs, each in its own browser context (its own cookies: a family, a
    moderator); afterwards saves a screenshot of each and fails on any browser error."""
    tabs = []

    def open_tab(who: str = "visitor", *, viewport: str = "desktop") -> Tab:
        context = browser.new_context(base_url=live_server.url, accept_downloads=True,
                                      **VIEWPORTS[viewport])
        # A step that waits longer than this has failed: say so quickly.
        context.set_default_timeout(20_000)
        tab = Tab(context, who=who)
        tabs.append(tab)
        return tab

    yield open_tab
    folder = SCREENSHOTS / connection.vendor  # CI runs the suite on SQLite, then PostgreSQL
    folder.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")
    errors = []
    for tab in tabs:
        tab.page.screenshot(path=folder / f"{name}-{tab.who}.png", full_page=True)
        errors += tab.errors
        tab.context.close()
    assert not errors, "The browser reported errors:\n" + "\n".join(errors)


@pytest.fixture
def group_moderator(django_user_model):
    """A moderator who is staff and in the 'Moderators' group, not a superuser."""
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user("moderator-e2e", "mod@example.org",
                                                 MODERATOR_PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name="Moderators"))
    return user
