"""Property-based tests (hypothesis): no text crashes the partial dates or the name keys.

Families and archives type anything: other scripts, combining accents, right-to-left
names, stray symbols, whole pasted paragraphs. The date parser must answer with a date or
a ``PartialDateError`` a form can show, never another exception; the name functions must
return keys for whatever they are given. Where a module promises more (a stored date reads
back unchanged, a key is already in its own form), that is checked for every example too.
"""

import re
import string
import unicodedata

from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from registry import dates
from registry.daitch_mokotoff import daitch_mokotoff
from registry.names import fold, normalise, place_key, search_keys, stem, transliterate, words

# Few examples, no deadline: the whole file runs in a few seconds, on a busy machine too.
settings.register_profile("registry", max_examples=150, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("registry")

# Any text without lone surrogates (which no browser or database sends), from short to
# long, drawn from every script as well as the ones names here are written in.
NAME_ALPHABETS = (string.ascii_letters + "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"
                  "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯәғқңөұүһіІєїґўÄÖÜäöüßšžčłśźżćńğıçş"
                  "'’ -.\u0301\u0308İǅ")
any_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=60)
name_like = st.text(st.sampled_from(NAME_ALPHABETS), max_size=40)
long_text = st.text(st.characters(exclude_categories=("Cs",)), min_size=500, max_size=3000)
texts = st.one_of(any_text, name_like)

# Hand-picked corners: combining marks alone, right-to-left scripts with marks, digits of
# other scripts (Arabic-Indic, superscript), a NUL, and letters that grow when lower-cased.
CORNERS = ["\u0301", "́1937", "محمد عبد الله", "\u202eвонаВИ\u202c", "١٩٣٧", "²²²",
           "29 ²²² 1937", "1937\x00", "İIıi", "ǅ", "ﬃ", "\u0130\u0307", "ᾼ", "𝟏𝟗𝟑𝟕",
           "около ١٩٠٠", "1936–", "–1938", "../..", "~", "1937-02-30", "0000", "9999~"]

# --- partial dates ---------------------------------------------------------------------

years = st.integers(dates.MIN_YEAR, dates.MAX_YEAR)


@st.composite
def date_points(draw):
    year = draw(years)
    month = draw(st.none() | st.integers(1, 12))
    if month is None:
        return dates.DatePoint(year)
    import calendar

    day = draw(st.none() | st.integers(1, calendar.monthrange(year, month)[1]))
    return dates.DatePoint(year, month, day)


@st.composite
def partial_dates(draw):
    start = draw(date_points())
    qualifier = draw(st.sampled_from(list(dates.Qualifier)))
    if qualifier != dates.Qualifier.BETWEEN:
        return dates.PartialDate(start, qualifier)
    end = draw(date_points())
    assume(end.last_day >= start.first_day)
    return dates.PartialDate(start, qualifier, end)


def parse_or_error(text):
    """What a form does: a date, nothing, or the error it shows beside the field."""
    try:
        return dates.parse(text)
    except dates.PartialDateError:
        return None


@given(st.one_of(texts, long_text))
@example("")
def test_any_text_is_a_date_or_a_date_error(text):
    for variant in (text, *CORNERS, f"около {text}", f"{text}–1938", f"29 {text} 1937"):
        try:
            value = dates.parse(variant)
        except dates.PartialDateError as error:
            assert error.code  # the form shows a message chosen by this code
            continue
        if value is not None:
            assert value.lower is None or value.upper is None or value.lower <= value.upper


@given(partial_dates())
def test_a_stored_date_reads_back_unchanged(value):
    assert dates.parse(str(value)) == value
    # And so does the form a moderator sees in a form field.
    assert dates.parse(dates.format_typed(value)) == value


@given(texts)
def test_whatever_parses_has_one_canonical_form(text):
    value = parse_or_error(text)
    if value is not None:
        assert dates.parse(str(value)) == value


# --- names -----------------------------------------------------------------------------

LATIN_KEY = re.compile(r"[a-z]*")


@given(st.one_of(texts, long_text))
def test_names_give_keys_for_any_text(text):
    for variant in (text, *CORNERS):
        for word in words(variant):
            assert word and not any(ch.isspace() or ch.isdecimal() or ch in "-_.'" for ch in word)
            assert LATIN_KEY.fullmatch(transliterate(word))
            assert LATIN_KEY.fullmatch(fold(word))
        for keys in search_keys(variant):
            assert keys.folded and keys.folded in keys.foldings
            assert all(LATIN_KEY.fullmatch(key) for key in keys.foldings | keys.stems)
            assert all(re.fullmatch(r"\d{6}", code) for code in keys.phonetic)


@given(texts)
@example("M\u2018\u0307")  # the apostrophe goes, and M with its dot must compose
def test_normalised_names_and_place_keys_are_already_normal(text):
    assert normalise(normalise(text)) == normalise(text)
    assert place_key(place_key(text)) == place_key(text)


@given(name_like)
def test_keys_do_not_depend_on_case_or_on_how_accents_are_encoded(text):
    # A name pasted from a PDF arrives decomposed (и + ◌̆ for й), a typed one composed.
    composed, decomposed = (unicodedata.normalize(form, text) for form in ("NFC", "NFD"))
    assert search_keys(decomposed) == search_keys(composed)
    assert search_keys(text.upper()) == search_keys(text.lower())


@given(name_like)
def test_transliteration_is_final_and_a_stem_begins_its_key(text):
    for word in words(text):
        latin = transliterate(word)
        assert transliterate(latin) == latin
        folded = fold(word)
        assert folded.startswith(stem(folded)[:-1])


@given(st.one_of(texts, long_text))
def test_daitch_mokotoff_codes_any_text(text):
    codes = daitch_mokotoff(text)
    assert all(re.fullmatch(r"\d{6}", code) for code in codes)
    # PostgreSQL reads ASCII letters of either case alike.
    ascii_only = "".join(ch for ch in text if ch.isascii())
    assert daitch_mokotoff(ascii_only.upper()) == daitch_mokotoff(ascii_only.lower())
