"""What the browser journeys share: a tab that remembers every error the browser reported,
checks that a page fits the screen, and runs axe-core on it; and the records they start
from.

axe-core is vendored in ``vendor/`` (version and licence in ``vendor/README.md``): the
tests run offline, and a page's Content-Security-Policy cannot stop it, since it is
evaluated through the browser's DevTools protocol rather than added as a <script>.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

# Transactional: the live server answers from its own thread and must see what the test
# wrote. The serialized rollback brings back what migrations made (the "Moderators"
# group) after the previous test emptied the database.
live = pytest.mark.django_db(transaction=True, serialized_rollback=True)

AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
BLOCKING_IMPACTS = ("serious", "critical")


class Tab:
    """One person's browser: its own context (cookies), a page, and what went wrong."""

    def __init__(self, context, *, who: str):
        self.context = context
        self.who = who
        self.errors: list[str] = []
        context.on("console", self._on_console)
        context.on("weberror", lambda error: self.errors.append(
            f"[{who}] uncaught error: {error.error}"))
        self.page = context.new_page()

    def _on_console(self, message) -> None:
        if message.type == "error":
            where = message.page.url if message.page else "?"
            self.errors.append(f"[{self.who}] console error on {where}: {message.text}")

    def goto(self, path: str):
        response = self.page.goto(path)
        assert response is not None and response.ok, f"{path} answered {response.status}"
        return self.page

    def assert_fits_width(self) -> None:
        """Nothing on the page needs scrolling sideways at this viewport."""
        overflow = self.page.evaluate("""() => {
            const width = document.documentElement.clientWidth;
            const wide = [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > width + 1)
                .slice(0, 5)
                .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                     + (e.className && typeof e.className === 'string'
                        ? '.' + e.className.trim().split(/\\s+/).join('.') : '')
                     + ' ' + Math.round(e.getBoundingClientRect().right) + 'px');
            return {extra: document.documentElement.scrollWidth - width, width, wide};
        }""")
        assert overflow["extra"] <= 0, (
            f"{self.page.url} needs horizontal scrolling at {overflow['width']} px "
            f"({overflow['extra']} px too wide); widest: {overflow['wide']}")

    def axe_violations(self) -> list[dict]:
        """axe-core's violations of impact serious or critical on the current page."""
        if not self.page.evaluate("() => typeof window.axe === 'object'"):
            self.page.evaluate(AXE_SOURCE)
        result = self.page.evaluate(
            "async () => await axe.run(document, {resultTypes: ['violations']})")
        return [v for v in result["violations"] if v["impact"] in BLOCKING_IMPACTS]


def describe_violations(violations: list[dict]) -> str:
    """axe's findings as a moderator of the templates would want to read them."""
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}"
                     f" — {violation['helpUrl']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    {' '.join(node['target'])}: {node['failureSummary']}"
                         .replace("\n", " "))
    return "\n".join(lines)


def jpeg_file(folder: Path, name: str = "grandfather.jpg", size=(120, 160)) -> Path:
    """A real, small JPEG on disk, as a family would pick it from their computer."""
    path = folder / name
    Image.new("RGB", size, (120, 110, 100)).save(path, "JPEG", quality=85)
    return path


def approved_photo(person, *, caption: str = ""):
    """A photograph of ``person`` that went through the upload checks and was approved."""
    from registry.images import clean_upload
    from registry.models import MediaStatus, Photo

    buffer = io.BytesIO()
    Image.new("RGB", (90, 120), (90, 80, 70)).save(buffer, "JPEG")
    clean = clean_upload(SimpleUploadedFile("portrait.jpg", buffer.getvalue(),
                                            content_type="image/jpeg"))
    return Photo.objects.create(person=person, image=clean.image, thumbnail=clean.thumbnail,
                                caption=caption, status=MediaStatus.APPROVED)


MODERATOR_PASSWORD = "a-long-moderator-password"


def log_into_admin(tab: Tab, user, password: str = MODERATOR_PASSWORD) -> None:
    """Log in through the admin's own form and land on the moderation queue."""
    page = tab.goto("/admin/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Moderation queue").wait_for()
