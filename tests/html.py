"""Reading a page as a browser would, to find anything in it that could run or restyle it.

``active_content(page)`` lists every script, handler, ``javascript:`` address, inline style
and embedded frame of a page, except our own: scripts loaded from our own static files and
the profile's JSON-LD data block. ``visible_text(page)`` is the page's text with entities
decoded, so a test can see that hostile text was shown, as text.
"""

from __future__ import annotations

from html.parser import HTMLParser

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster",
                  "background", "srcset"}
EMBEDDING_TAGS = {"iframe", "frame", "object", "embed", "base", "style"}
DATA_SCRIPT_TYPES = {"application/ld+json", "application/json"}


class _Reader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.text: list[str] = []
        self._script: str | None = None

    def handle_starttag(self, tag, attrs):
        values = {name: value or "" for name, value in attrs}
        for name, value in values.items():
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…> event handler")
            if name == "style":
                self.problems.append(f"<{tag} style=…> inline style")
            if name in URL_ATTRIBUTES and value.strip().lower().replace("\t", "").startswith(
                    ("javascript:", "vbscript:", "data:text/html")):
                self.problems.append(f"<{tag} {name}={value!r}>")
        if tag == "script":
            kind = values.get("type", "").lower()
            if kind in DATA_SCRIPT_TYPES:
                self._script = kind
            elif _own(values.get("src", "")):
                self._script = "external"
            else:
                self.problems.append(f"<script {values}> not one of our own files")
                self._script = "inline"
        elif tag == "link" and values.get("rel") == "stylesheet" and not _own(
                values.get("href", "")):
            self.problems.append(f"<link {values}> stylesheet from elsewhere")
        elif tag == "meta" and values.get("http-equiv", "").lower() == "refresh":
            self.problems.append(f"<meta http-equiv=refresh {values}>")
        elif tag in EMBEDDING_TAGS:
            self.problems.append(f"<{tag}> element")

    def handle_data(self, data):
        if self._script == "external" and data.strip():
            self.problems.append(f"inline code in a <script src>: {data[:80]!r}")
        if self._script is None:
            self.text.append(data)

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None


def _own(address: str) -> bool:
    """An address on this site (a path), not on another host."""
    return address.startswith("/") and not address.startswith("//")


def read(page: str) -> _Reader:
    reader = _Reader()
    reader.feed(page)
    reader.close()
    return reader


def active_content(page: str) -> list[str]:
    """What in ``page`` could run, restyle or embed something, other than our own files."""
    return read(page).problems


def visible_text(page: str) -> str:
    return "".join(read(page).text)
