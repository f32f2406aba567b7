"""Daitch–Mokotoff soundex codes, exactly as PostgreSQL 16's ``fuzzystrmatch`` computes them.

``daitch_mokotoff(word)`` returns the same codes as PostgreSQL's
``fuzzystrmatch.daitch_mokotoff(text)``, as a set of six-digit strings, so that codes computed
in Python during bulk loads match codes computed by the database at search time. Where
PostgreSQL returns NULL (nothing codable in the input) this returns an empty set.

PostgreSQL is the reference, not the published chart alone nor other coders (Stephen Morse's,
Apache commons-codec), which differ on ``J``, ``Y``, ``RS``/``RZ`` and on collapsing repeated
digits. The rules PostgreSQL applies, and this module reproduces:

* Input is read character by character and mapped to a letter of the coding chart. ASCII
  letters of either case are used as they are; accented letters of ISO 8859-1 (``À``-``ÿ``)
  lose their accent (``ß`` is ``S``, ``Æ`` is ``E``, ``Ð``/``Þ`` are ``D``); ``Ą``, ``Ę``, ``Ţ``
  and ``Ț`` are the chart's own letters. Every other character is skipped as if it were not
  there: digits, spaces, hyphens, apostrophes and all other punctuation, Cyrillic and other
  non-Latin letters, and Latin letters outside ISO 8859-1 such as ``Ł``, ``Š`` or ``Ž``.
  Skipping is transparent, so ``"Nowy Targ"`` is coded as ``"NOWYTARG"`` and a letter
  sequence such as ``CH`` is still recognised across a hyphen. Text in other scripts must
  therefore be transliterated to Latin letters before it is coded.
* The letters are split into sequences by longest match against the chart (``SCHTSCH`` before
  ``SCH`` before ``S``). Each sequence has one code at the start of the name, one before a
  vowel and one in any other position; ``X`` means "not coded". Some sequences (``C``,
  ``CH``, ``CK``, ``J``, ``RS``, ``RZ``, ``Ą``, ``Ę``, ``Ţ``) have two alternative codings, and
  every combination of alternatives yields a code.
  "Before a vowel" means before a sequence whose start code is 0 or 1 (``A E I O U Y``, the
  diphthongs, and ``J`` read as a vowel); after the last letter counts as "any other".
* A digit equal to the digit just before it in the same code is written once, unless an
  uncoded letter came between them; the second digit of a two-digit code is always written.
* Codes are cut or padded with ``0`` to six digits; a code reached twice is returned once.

PostgreSQL builds the alternative codes as a tree of shared prefixes and carries a little state
per prefix from letter to letter; a prefix reached by two branches merges their state. That
merging decides some corner cases, so this module keeps the same per-prefix state rather than
expanding branches independently. Two consequences that no other coder shares are reproduced
on purpose. A letter read as a vowel (or as a consonant) is dropped where the previous letter
was coded for the other reading; a prefix that was only passed through by a two-digit code
keeps that check's state from the letter it was last used for, so a later branch through it
can be dropped (``"GCKAST"`` gives only ``545430``, not also ``543000``). And where the first
digit of a two-digit code both repeats the previous digit on one branch and follows an uncoded
letter on another, only the first branch gets the second digit (``"NSJCKL"`` gives ``644800``
and ``645800``, not ``644580``).

A NUL character, which PostgreSQL text cannot hold, is skipped like any other non-letter.

The coding chart below is transcribed from PostgreSQL's ``contrib/fuzzystrmatch`` (the
published Daitch–Mokotoff chart as PostgreSQL encodes it, written by Dag Lem), which is
Copyright (c) 2023, PostgreSQL Global Development Group, under the PostgreSQL License. The
Python code is an independent implementation.

Pure Python, standard library only: usable from the importer, management commands and tests.
"""

from __future__ import annotations

import re

__all__ = ["daitch_mokotoff"]

CODE_LENGTH = 6

# The coding chart: letter sequences, then the code at the start of a name, before a vowel,
# and in any other position; "|" separates alternative codings, "X" is "not coded".
# Lower-case a, e and t stand for the chart's Ą, Ę and Ţ/Ț. Vowels (and J's vowel reading)
# are exactly the sequences whose start code is 0 or 1, which decides "before a vowel".
_CHART = """
AI,AJ,AY                0,1,X
AU                      0,7,X
a                       X,X,6|X,X,X
A                       0,X,X
B                       7,7,7
CHS                     5,54,54
CH                      5,5,5|4,4,4
CK                      5,5,5|45,45,45
CZ,CS,CSZ,CZS           4,4,4
C                       5,5,5|4,4,4
DRZ,DRS                 4,4,4
DS,DSH,DSZ              4,4,4
DZ,DZH,DZS              4,4,4
D,DT                    3,3,3
EI,EJ,EY                0,1,X
EU                      1,1,X
e                       X,X,6|X,X,X
E                       0,X,X
FB                      7,7,7
F                       7,7,7
G                       5,5,5
H                       5,5,X
IA,IE,IO,IU             1,X,X
I                       0,X,X
J                       1,X,X|4,4,4
KS                      5,54,54
KH                      5,5,5
K                       5,5,5
L                       8,8,8
MN                      66,66,66
M                       6,6,6
NM                      66,66,66
N                       6,6,6
OI,OJ,OY                0,1,X
O                       0,X,X
P,PF,PH                 7,7,7
Q                       5,5,5
RZ,RS                   94,94,94|4,4,4
R                       9,9,9
SCHTSCH,SCHTSH,SCHTCH   2,4,4
SCH                     4,4,4
SHTCH,SHCH,SHTSH        2,4,4
SHT,SCHT,SCHD           2,43,43
SH                      4,4,4
STCH,STSCH,SC           2,4,4
STRZ,STRS,STSH          2,4,4
ST                      2,43,43
SZCZ,SZCS               2,4,4
SZT,SHD,SZD,SD          2,43,43
SZ                      4,4,4
S                       4,4,4
TCH,TTCH,TTSCH          4,4,4
TH                      3,3,3
TRZ,TRS                 4,4,4
TSCH,TSH                4,4,4
TS,TTS,TTSZ,TC          4,4,4
TZ,TTZ,TZS,TSZ          4,4,4
t                       3,3,3|4,4,4
T                       3,3,3
UI,UJ,UY,UE             0,1,X
U                       0,X,X
V                       7,7,7
W                       7,7,7
X                       5,54,54
Y                       1,X,X
ZDZ,ZDZH,ZHDZH          2,4,4
ZD,ZHD                  2,43,43
ZH,ZS,ZSCH,ZSH          4,4,4
Z                       4,4,4
"""

# Which codes of a coding to use for a letter: at the start of the name, before a vowel, or
# elsewhere. A coding is also a "vowel" or a "consonant" (bit values, so that a prefix
# reached both ways can hold both): the code chosen for a letter commits the next letter to
# one of its readings.
_START, _BEFORE_VOWEL, _OTHER = 0, 1, 2
_VOWEL, _CONSONANT = _BEFORE_VOWEL, _OTHER


class _Sequence:
    """The alternative codings of one letter sequence of the chart."""

    __slots__ = ("codings", "kinds", "only_coding", "only_kind")

    def __init__(self, codings: tuple[tuple[int, tuple[str, str, str]], ...]) -> None:
        # (vowel or consonant, (start, before vowel, other)) for each alternative.
        self.codings = codings
        # How a letter just before this one is coded: "before a vowel" and/or "other".
        self.kinds = tuple(sorted({kind for kind, _ in codings}))
        # For the single-code fast path: the coding if there is one, the kind if unambiguous.
        self.only_coding = codings[0][1] if len(codings) == 1 else None
        self.only_kind = self.kinds[0] if len(self.kinds) == 1 else 0


def _parse_chart(chart: str) -> dict[str, _Sequence]:
    """Read the coding chart into a mapping from letter sequence to its codings."""
    table = {}
    for line in chart.strip().splitlines():
        letters, codes = line.split()
        codings = []
        for alternative in codes.split("|"):
            start, before_vowel, other = alternative.split(",")
            kind = _VOWEL if start in ("0", "1") else _CONSONANT
            codings.append((kind, (start, before_vowel, other)))
        sequence = _Sequence(tuple(codings))
        for letter_sequence in letters.split(","):
            table[letter_sequence] = sequence
    return table


_SEQUENCES = _parse_chart(_CHART)

# After the last letter: as if followed by an uncoded consonant, so the last letter takes
# its "other" code.
_END = _Sequence(((_CONSONANT, ("X", "X", "X")),))


def _longest_match_pattern(sequences: list[str]) -> str:
    """Build a regular expression matching the longest of the sequences at each position."""
    # Nested by common prefix ("S(?:C(?:H...)?|...)?"): a greedy optional tail makes the longest
    # sequence win, and the engine tries one branch per letter instead of every sequence.
    tree: dict = {}
    for sequence in sequences:
        node = tree
        for letter in sequence:
            node = node.setdefault(letter, {})
        node[""] = {}

    def branches(node: dict) -> str:
        parts = []
        for letter, child in sorted(node.items()):
            if not letter:
                continue
            tail = branches(child)
            if tail:
                parts.append(f"{letter}(?:{tail}){'?' if '' in child else ''}")
            else:
                parts.append(letter)
        return "|".join(parts)

    return branches(tree)


# Every single chart letter is a sequence, so this splits any filtered input completely.
_SPLIT = re.compile(_longest_match_pattern(list(_SEQUENCES))).findall


def _chart_letters() -> dict[int, str | None]:
    """Map each code point PostgreSQL reads as a chart letter to it, and the rest of 0-255 away."""
    table: dict[int, str | None] = dict.fromkeys(range(0x100))
    for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        table[ord(letter)] = table[ord(letter.lower())] = letter
    # ISO 8859-1 letters lose their accents (PostgreSQL's own conversion table).
    for accented, letter in (
        ("ÀÁÂÃÄÅàáâãäå", "A"),
        ("Çç", "C"),
        ("ÐÞðþ", "D"),
        ("ÆÈÉÊËæèéêë", "E"),
        ("ÌÍÎÏìíîï", "I"),
        ("Ññ", "N"),
        ("ÒÓÔÕÖØòóôõöø", "O"),
        ("ß", "S"),
        ("ÙÚÛÜùúûü", "U"),
        ("Ýýÿ", "Y"),
        # Letters with a coding of their own in the chart.
        ("Ąą", "a"),
        ("Ęę", "e"),
        ("ŢţȚț", "t"),
    ):
        for character in accented:
            table[ord(character)] = letter
    return table


_TO_CHART_LETTERS = _chart_letters()
# What str.translate leaves untouched: code points above 255 that are not chart letters.
_UNCODABLE = re.compile(r"[^A-Zaet]+")


class _Prefix:
    """A code prefix in the tree of alternative codes, with its state for the current letter."""

    __slots__ = (
        "code",
        "children",
        "letter_no",
        "prev_digits",
        "next_digits",
        "prev_kinds",
        "next_kinds",
        "is_leaf",
    )

    def __init__(self, code: str, letter_no: int) -> None:
        self.code = code
        # Longer prefixes by their last digit; False for a finished six-digit code.
        self.children: dict[str, _Prefix | bool] = {}
        # The letter for which prev_* and next_* below are current.
        self.letter_no = letter_no
        # The digits (or "X") by which the previous letter reached this prefix: at most two,
        # and if two, one of them is "X".
        self.prev_digits = ""
        self.next_digits = ""
        # Kinds (_VOWEL/_CONSONANT bits) the previous letter's coding expected of this letter.
        self.prev_kinds = 0
        self.next_kinds = 0
        self.is_leaf = False


def _touch(prefix: _Prefix, letter_no: int) -> None:
    """Move a prefix's state on to the letter being coded, once per letter."""
    if prefix.letter_no < letter_no:
        prefix.letter_no = letter_no
        prefix.prev_digits = prefix.next_digits
        prefix.next_digits = ""
        prefix.prev_kinds = prefix.next_kinds
        prefix.next_kinds = 0
        prefix.is_leaf = False


def _append_digit(
    prefix: _Prefix,
    digits: str,
    position: int,
    letter_no: int,
    kind: int,
    code_index: int,
    leaves: list[_Prefix],
    codes: set[str],
) -> None:
    """Extend one prefix by digits[position:], one coding of the current letter."""
    _touch(prefix, letter_no)
    if prefix.prev_kinds and not prefix.prev_kinds & kind:
        # The previous letter was coded for this one being a vowel and this coding is a
        # consonant, or the other way round (only J has both readings).
        return
    digit = digits[position]
    prev_digits = prefix.prev_digits
    # The prefix itself continues if the letter is not coded, or if its first digit repeats
    # the digit that led here. It also grows by the digit unless every way here was that
    # same digit: "X" in prev_digits means an uncoded letter came in between.
    targets = []
    if digit == "X" or (not position and digit in prev_digits):
        targets.append(prefix)
    if digit != "X" and (position or prev_digits != digit):
        child = prefix.children.get(digit)
        if child is None:
            code = prefix.code + digit
            if len(code) == CODE_LENGTH:
                codes.add(code)
                prefix.children[digit] = False
            else:
                child = prefix.children[digit] = _Prefix(code, letter_no)
                targets.append(child)
        elif child:
            _touch(child, letter_no)
            targets.append(child)
    for target in targets:
        # PostgreSQL moves on to the next digit once per target, not once for all of them: when
        # the first digit of a two-digit code both continues the prefix and starts a new one,
        # only the continuing prefix gets the second digit; the new one ends at the first.
        position += 1
        target.next_kinds |= code_index
        next_digits = target.next_digits
        if not next_digits:
            target.next_digits = digit
        elif next_digits[0] != digit:
            target.next_digits = next_digits[0] + digit
        if position < len(digits):
            _append_digit(target, digits, position, letter_no, kind, code_index, leaves, codes)
        elif not target.is_leaf:
            target.is_leaf = True
            leaves.append(target)


def _single_code(sequences: list[_Sequence]) -> str | None:
    """Return the one code of a word none of whose letters branch, or None if one does."""
    # Without alternatives there is a single prefix, only ever extended, so PostgreSQL's
    # per-prefix state reduces to the digit (or "X") the previous letter left behind.
    code = ""
    previous = ""
    for letter_no in range(len(sequences) - 1):
        coding = sequences[letter_no].only_coding
        following = sequences[letter_no + 1].only_kind
        if coding is None or not following:
            return None
        digits = coding[following if letter_no else _START]
        first = digits[0]
        if first == "X":
            previous = "X"
            continue
        if first != previous:
            code += first
        code += digits[1:]
        previous = digits[-1]
        if len(code) >= CODE_LENGTH:
            return code[:CODE_LENGTH]
    return code.ljust(CODE_LENGTH, "0")


def daitch_mokotoff(word: str) -> set[str]:
    """Return the Daitch–Mokotoff codes PostgreSQL 16 gives ``word`` (empty if none)."""
    letters = word.translate(_TO_CHART_LETTERS)
    if not letters.isascii():
        letters = _UNCODABLE.sub("", letters)
    if not letters:
        return set()
    sequences = [_SEQUENCES[match] for match in _SPLIT(letters)]
    sequences.append(_END)
    code = _single_code(sequences)
    if code is not None:
        return {code}
    codes: set[str] = set()
    leaves = [_Prefix("", 0)]
    for letter_no in range(len(sequences) - 1):
        # Start-of-name codes for the first letter; after that, each alternative reading of
        # the next letter (vowel or not) chooses a code of its own.
        code_indexes = sequences[letter_no + 1].kinds if letter_no else (_START,)
        new_leaves: list[_Prefix] = []
        for prefix in leaves:
            for kind, coding in sequences[letter_no].codings:
                for code_index in code_indexes:
                    _append_digit(
                        prefix,
                        coding[code_index],
                        0,
                        letter_no,
                        kind,
                        code_index,
                        new_leaves,
                        codes,
                    )
        if not new_leaves:
            # Every code has its six digits.
            break
        leaves = new_leaves
    else:
        for prefix in leaves:
            codes.add(prefix.code.ljust(CODE_LENGTH, "0"))
    return codes
