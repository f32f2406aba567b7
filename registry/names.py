"""Names in any script, reduced to keys that match however a visitor spells them.

A granddaughter in Germany types ``Bajtursynow``, a teacher in Almaty ``Байтұрсынұлы``, a
researcher ``Baitursinov``: all three must reach the same man. Every name part (primary
name and every variant) is split into words, and each word stored with three keys:

- ``folded``: the word in Latin letters (Russian through iuliia's Wikipedia schema;
  Kazakh, Ukrainian and Belarusian letters mapped here first, since iuliia covers Russian
  only), lower-cased, accents dropped, and the spelling alternations of German, Polish,
  French and English transliteration collapsed (``sch``/``sh``, ``w``/``v``, ``y``/``i``/``j``,
  doubled letters, iotated vowels...). Two spellings of one name fold to one key.
- ``stem``: the folded word without the suffix that marks sex or a Kazakh patronymic,
  so Ivanova finds Ivanov and Baitursynuly finds Baitursynov.
- ``phonetic``: the Daitch–Mokotoff codes of the folded word, which catch what folding
  cannot (``Jeschow`` for Ежов, where German writes ж as ``sch``).

Pure Python, no Django: the same functions run at import time, at save time and on the
visitor's query, so both sides of a comparison are always made the same way.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import iuliia

from registry.daitch_mokotoff import daitch_mokotoff

__all__ = ["TokenKeys", "daitch_mokotoff", "fold", "normalise", "place_key", "search_keys",
           "stem", "transliterate", "words"]

# Letters iuliia's Russian schemas leave untouched. Kazakh first (ә ғ қ ң ө ұ ү һ і),
# then Ukrainian (є ї ґ, and і shared with Kazakh) and Belarusian (ў).
NON_RUSSIAN_CYRILLIC = str.maketrans({
    "ә": "a", "ғ": "g", "қ": "k", "ң": "n", "ө": "o", "ұ": "u", "ү": "u", "һ": "h",
    "і": "i", "є": "ye", "ї": "yi", "ґ": "g", "ў": "u",
})
# Latin letters whose accents carry a sound that plain ASCII spells with two letters
# (Czech/Polish/Lithuanian/Turkish/Kazakh-Latin); other accents are simply dropped.
LATIN_SPECIALS = str.maketrans({
    "š": "sh", "ş": "sh", "ś": "s", "ž": "zh", "ż": "zh", "ź": "z", "č": "ch", "ç": "ch",
    "ć": "ch", "ł": "l", "ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ı": "i", "đ": "d",
    "ğ": "g", "ñ": "n", "ń": "n",
})
# Marks that live inside a name (O'Brien, Кам'янський, Ukrainian apostrophe): removed, so
# the word stays whole.
INNER_MARKS = re.compile(r"[\u0027\u2019\u02bc\u02b9\u0060\u00b4\u2018]")
# Combining marks that no precomposed letter absorbs stay inside their word: a stress mark
# on a Cyrillic vowel (Ива́нов, as reference books print it), the dot of a lower-cased İ.
COMBINING_MARKS = "\u0300-\u036f\u0483-\u0489\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
WORD = re.compile(rf"[^\W\d_](?:[^\W\d_]|[{COMBINING_MARKS}])*")
VOWELS = "aeiou"

# Order matters: longer clusters first, so German "schtsch" is not read as "sch" + "tsch".
SPELLING_ALTERNATIONS = [
    (re.compile(r"schtsch|shtsh|szcz|chtch|shch"), "shch"),  # щ: German, Polish, French
    (re.compile(r"tsch|tch|cz"), "ch"),  # ч: German, French, Polish
    (re.compile(r"sch|sz"), "sh"),  # ш: German, Polish
    (re.compile(r"ph"), "f"),
    (re.compile(r"ck"), "k"),
    (re.compile(r"c(?=[eiy])"), "ts"),  # Polish/German c is ц before a front vowel
    (re.compile(r"tz"), "ts"),
    (re.compile(r"c(?!h)"), "k"),
    (re.compile(r"q"), "k"),  # Kazakh Latin writes қ as q
    (re.compile(r"x"), "ks"),  # Alexander / Aleksandr
    (re.compile(r"w"), "v"),
    (re.compile(r"kh"), "h"),  # х: kh / h (x is ks above, as in most names)
    (re.compile(r"[yj]"), "i"),  # й, ы and iotation: y, j and i written interchangeably
    (re.compile(r"^ie"), "e"),  # initial Е: Yezhov, Jeschow, Iejov, Ezhov
    (re.compile(r"(?<=[aeiou])ie"), "e"),  # Андреев: Andreyev, Andrejew, Andreev
    (re.compile(r"(?<=[^aeiou])i[eo](?=.)"), "e"),  # ьё/ьe: Solovyov, Soloviev, Solowjow
    (re.compile(r"ou"), "u"),  # French ou for у
    (re.compile(r"(.)\1+"), r"\1"),  # doubled letters: Seifullin / Seifulin
]
# A Latin j is й in German and Polish (Jakow, Bajtursynow) but ж in French and Kazakh
# Latin (Iejov, Jumabaev): a word with a j gets both readings as keys.
LATIN_J = re.compile(r"j")

# Suffixes that mark a woman's form or a Kazakh patronymic form of one family name, after
# folding. The longest that leaves at least MIN_STEM letters is removed.
GENDER_SUFFIXES = sorted(
    ["ova", "ov", "eva", "ev", "ina", "in", "ska", "ski", "skaia", "skai", "ska", "tskaia",
     "aia", "ii", "uli", "ulu", "kizi", "gizi", "a"],
    key=len, reverse=True,
)
MIN_STEM = 3
KAZAKH_PATRONYMIC = {"uli", "ulu", "kizi", "gizi"}


@dataclass(frozen=True, slots=True)
class TokenKeys:
    """The keys stored (and looked up) for one word of a name.

    ``folded`` is the word's main folded key; ``foldings`` holds it and any other reading
    of an ambiguous spelling (a Latin j), ``stems`` and ``phonetic`` follow from those.
    ``phonetic`` holds the Daitch–Mokotoff codes a typed word is looked up by; ``sounds``
    pairs the codes of each folding with it, as the vocabulary stores them.
    """

    folded: str
    foldings: frozenset[str]
    stems: frozenset[str]
    phonetic: frozenset[str]
    sounds: frozenset[tuple[str, str]]


def normalise(text: str) -> str:
    """Inner marks removed, NFC, runs of white space collapsed: how a name is compared."""
    # Marks first: a letter and its accent that an apostrophe kept apart then compose.
    text = INNER_MARKS.sub("", text)
    text = unicodedata.normalize("NFC", text)
    return " ".join(text.split())


def place_key(text: str) -> str:
    """How a place or camp name is compared: case, ё/е and spacing folded, nothing else
    (Акмолинск and Akmolinsk are different names of one place, listed as such)."""
    return " ".join(text.casefold().replace("ё", "е").split())


def words(text: str) -> list[str]:
    """The words of a name: letters (and their accents); hyphens, dots and digits separate."""
    return WORD.findall(normalise(text))


@lru_cache(maxsize=65_536)
def transliterate(word: str) -> str:
    """One word in plain lower-case Latin letters, whatever its script."""
    word = word.lower().translate(NON_RUSSIAN_CYRILLIC)
    if _is_cyrillic(word):
        word = iuliia.WIKIPEDIA.translate(word).lower()
    word = word.translate(LATIN_SPECIALS)
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(ch for ch in decomposed if "a" <= ch <= "z")


def _fold_latin(latin: str) -> str:
    for pattern, replacement in SPELLING_ALTERNATIONS:
        latin = pattern.sub(replacement, latin)
    return latin


def fold(word: str) -> str:
    """The folded Latin key of one word: equal for the usual spellings of one name."""
    return _fold_latin(transliterate(word))


def stem(folded: str) -> str:
    """The folded key without a suffix of sex or patronymic: ivanova, ivanov -> ivan."""
    for suffix in GENDER_SUFFIXES:
        if folded.endswith(suffix) and len(folded) - len(suffix) >= MIN_STEM:
            root = folded[: -len(suffix)]
            # Жумабай-қызы and Жумаба-ев are one name: the father's й merges into -ев.
            if suffix in KAZAKH_PATRONYMIC and root[-2:-1] in VOWELS and root.endswith("i"):
                root = root[:-1]
            return root
    return folded


def sex_stem(folded: str) -> str:
    """The stem of a folded spelling where a suffix of sex was actually removed, else "":
    Ivanova and Ivanov share ``ivan``; Ivan itself has no such stem (so it does not match
    every Ivanov)."""
    stem_of = stem(folded)
    return "" if stem_of == folded else stem_of


@lru_cache(maxsize=131_072)
def word_keys(word: str) -> TokenKeys | None:
    """The keys of one word, or None for a word with no letter we can spell in Latin."""
    latin = transliterate(word)
    folded = _fold_latin(latin)
    if not folded:
        return None
    readings = {latin}
    if "j" in latin and not _is_cyrillic(word):
        readings.add(LATIN_J.sub("zh", latin))
    foldings = frozenset(_fold_latin(reading) for reading in readings)
    # Daitch–Mokotoff was made for spellings as written (sz, cz, w): a typed word is coded
    # as written as well as folded. A stored spelling keeps only the codes of the spelling
    # itself: it is shared by every name that folds to it, and "Jakow" as written (J may
    # be ZH) would otherwise make every Яков (iakov) sound like Zhukov.
    sounds = {(code, folding) for folding in foldings for code in daitch_mokotoff(folding)}
    phonetic = {code for code, _ in sounds}
    for reading in readings:
        phonetic |= daitch_mokotoff(reading)
    return TokenKeys(folded=folded, foldings=foldings,
                     stems=frozenset(stem(f) for f in foldings),
                     phonetic=frozenset(phonetic), sounds=frozenset(sounds))


def _is_cyrillic(word: str) -> bool:
    return any("\u0400" <= ch <= "\u04ff" for ch in word)


def search_keys(name: str) -> list[TokenKeys]:
    """The keys of every word of ``name`` (one name part or a whole typed query)."""
    keys = (word_keys(word) for word in words(name))
    return [key for key in keys if key is not None]
