"""Text as it will be shown: without the invisible characters that change how the text
around them looks.

A right-to-left override shows ``Иванов`` as ``вонавИ`` on a profile, in a reading list
and in the admin; a zero-width space splits a name in two where nobody sees it, so it no
longer matches its own spelling in a search. Names, places and the other short texts of a
record keep none of them (``registry.models.fields.VisibleCharField`` and the families'
forms).
"""

import re

# Bidirectional embeddings, overrides, isolates and marks; zero-width spaces, word joiners
# and invisible operators; the byte-order mark, the soft hyphen and the Mongolian vowel
# separator.
HIDDEN_CONTROLS = re.compile(
    "[\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
# Zero-width joiners and non-joiners shape letters in Persian, Arabic and Indic scripts,
# and mean something only between two letters.
STRAY_JOINERS = re.compile(r"(?<!\w)[\u200c\u200d]+|[\u200c\u200d]+(?!\w)")


def visible_text(text: str) -> str:
    """``text`` without invisible direction controls and zero-width characters."""
    return STRAY_JOINERS.sub("", HIDDEN_CONTROLS.sub("", text))
