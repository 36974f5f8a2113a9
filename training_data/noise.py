"""The noise model of the synthetic generator: its rates, and the slips that apply them.

Why: every way a record goes wrong (a dropped surname, a typo, an age heaped to 12, a number
written ``+880 1712-345678``) is either a probability in :data:`NOISE` or one of the primitives
here (a noisy Bangla romaniser, typos, short forms, phone formats), so the code, DATA_CARD.md and
the tests that check the observed rates all read the same numbers. Everything here is a pure
function of its arguments and an explicit ``random.Random``; nothing reads files. The other
generator modules (``training_data.forms`` above all) combine these with the real name lists.

Contract:
- :data:`NOISE` is the one :class:`NoiseModel` the generator uses; DATA_CARD.md quotes it.
- Functions never raise on odd input: empty strings come back empty, unknown characters pass
  through unchanged.
- ``romanise_rule`` is deliberately *simple and noisy*: it imitates how a person without a
  standard writes a Bangla name in Latin letters (inherent vowel as ``o`` or ``a``, ``ee``/``i``,
  ``sh``/``s``, ``z``/``j``, optional doubling). It is used only for name tokens that the human
  romanisations (Dakshina, BanglaNameMaker) do not cover. It is intentionally independent of
  ``matcher.names.transliterate`` so that the evaluation is not circular.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class NoiseModel:
    """Every probability of the noise model, in one place (the DATA_CARD quotes these).

    Report-side rates describe how a parent's report is written down at a police station;
    interception-side rates describe what a frightened child tells a border guard.
    """

    # population
    hindu_share: float = 0.10
    muslim_prefix_share: float = 0.6  # families who write মোঃ / মোছাঃ before a child's name
    sibling_family_share: float = 0.04  # families with two missing children, both reported
    duplicate_report_share: float = 0.03  # children reported at two police stations
    unreported_sibling_share: float = 0.08  # unreported interceptions whose sibling is reported
    # reports
    report_bangla_script: float = 0.5
    report_prefix_kept: float = 0.8
    report_father_present: float = 0.95
    report_mother_present: float = 0.8
    report_sex_present: float = 0.98
    report_age_present: float = 0.99
    report_age_off_by_one: float = 0.10
    report_district_present: float = 0.97
    report_upazila_present: float = 0.85
    report_phone_present: float = 0.85
    # interceptions: name
    int_bangla_script: float = 0.15
    int_name_missing: float = 0.01  # a child too young or too scared to say a name
    int_nickname_only: float = 0.12
    int_prefix_dropped: float = 0.7
    int_surname_dropped: float = 0.3
    int_surname_added: float = 0.1
    int_dak_appended: float = 0.05
    int_name_typo: float = 0.12
    int_bangla_respelled: float = 0.25  # Bangla-script names typed with another spelling
    # interceptions: parents
    int_father_missing: float = 0.25
    int_father_given_only: float = 0.35
    int_father_typo: float = 0.08
    int_mother_missing: float = 0.6
    int_mother_given_only: float = 0.2
    # interceptions: sex, age, time
    int_sex_missing: float = 0.03
    int_sex_wrong: float = 0.005
    int_age_missing: float = 0.03
    int_age_sd_years: float = 1.7
    int_age_heaped: float = 0.35
    elapsed_under_6m: float = 0.45
    elapsed_6m_to_2y: float = 0.30  # the rest (0.25) is 2 to 5 years
    # a family that searched first, or reached a police station late: the child was intercepted
    # before the report was filed (then the report's delay after the interception:)
    int_before_report: float = 0.15
    late_report_under_1m: float = 0.6  # 1-30 days after the interception
    late_report_1m_to_6m: float = 0.3  # 31-182 days; the rest (0.1) 183-365 days
    # interceptions: place
    int_district_missing: float = 0.12
    int_upazila_only: float = 0.12
    int_district_neighbour: float = 0.08
    int_district_typo: float = 0.06
    int_upazila_given: float = 0.35
    # interceptions: phone
    int_phone_present: float = 0.15
    int_phone_wrong_digit: float = 0.3


NOISE = NoiseModel()


# Independent vowels and vowel signs: options in rough order of frequency.
_VOWELS: dict[str, tuple[str, ...]] = {
    "অ": ("o", "a"),
    "আ": ("a", "a", "a", "aa"),
    "ই": ("i", "e"),
    "ঈ": ("i", "ee"),
    "উ": ("u", "o"),
    "ঊ": ("u", "oo"),
    "ঋ": ("ri", "ri"),
    "এ": ("e", "a"),
    "ঐ": ("oi", "ai"),
    "ও": ("o", "o"),
    "ঔ": ("ou", "ow"),
}
_SIGNS: dict[str, tuple[str, ...]] = {
    "া": ("a", "a", "a", "a", "a", "aa"),
    "ি": ("i", "i", "i", "e"),
    "ী": ("i", "i", "ee"),
    "ু": ("u", "u", "o"),
    "ূ": ("u", "oo"),
    "ৃ": ("ri",),
    "ে": ("e", "e", "e", "a"),
    "ৈ": ("oi", "ai"),
    "ো": ("o", "o", "oo"),
    "ৌ": ("ou", "ow"),
}
_CONSONANTS: dict[str, tuple[str, ...]] = {
    "ক": ("k",),
    "খ": ("kh", "k"),
    "গ": ("g",),
    "ঘ": ("gh", "g"),
    "ঙ": ("ng",),
    "চ": ("ch", "c"),
    "ছ": ("ch", "chh", "s"),
    "জ": ("j", "z"),
    "ঝ": ("jh", "j"),
    "ঞ": ("n",),
    "ট": ("t",),
    "ঠ": ("th", "t"),
    "ড": ("d",),
    "ঢ": ("dh", "d"),
    "ণ": ("n",),
    "ত": ("t",),
    "থ": ("th", "t"),
    "দ": ("d",),
    "ধ": ("dh", "d"),
    "ন": ("n",),
    "প": ("p",),
    "ফ": ("f", "ph"),
    "ব": ("b", "b", "b", "b", "b", "b", "b", "v"),
    "ভ": ("bh", "v"),
    "ম": ("m",),
    "য": ("j", "z", "y"),
    "র": ("r",),
    "ল": ("l",),
    "শ": ("sh", "s"),
    "ষ": ("sh", "s"),
    "স": ("s", "sh"),
    "হ": ("h",),
    "\u09dc": ("r",),  # RRA (ড়)
    "\u09dd": ("rh", "r"),  # RHA (ঢ়)
    "\u09df": ("y",),  # YYA (য়)
    "ৎ": ("t",),
}
_MARKS: dict[str, tuple[str, ...]] = {"ং": ("ng", "ng", "n"), "ঃ": ("", "h"), "ঁ": ("", "n")}
_HASANTA = "\u09cd"
_NUKTA = "\u09bc"
# NFC *decomposes* the three nukta letters (they are composition exclusions): recompose them.
_DECOMPOSED = {"ড" + _NUKTA: "\u09dc", "ঢ" + _NUKTA: "\u09dd", "য" + _NUKTA: "\u09df"}


def _compose(text: str) -> str:
    for pair, single in _DECOMPOSED.items():
        text = text.replace(pair, single)
    return text.replace("\u200c", "").replace("\u200d", "")


def romanise_rule(word: str, rng: random.Random) -> str:
    """Romanise one Bangla-script word the way an untrained hand might (lower case).

    Each call draws its own spelling choices from ``rng``, so calling it several times gives
    several plausible variants ("rohima", "rahima", "raheema"). Characters outside the Bangla
    letters handled here pass through unchanged; "" gives "".
    """
    chars = list(_compose(word or ""))
    inherent = "o" if rng.random() < 0.6 else "a"
    out: list[str] = []
    chosen: dict[str, str] = {}
    n = len(chars)
    for i, ch in enumerate(chars):
        nxt = chars[i + 1] if i + 1 < n else ""
        if ch in _CONSONANTS:
            prev = chars[i - 1] if i > 0 else ""
            if prev == _HASANTA and ch == "য":
                out.append("y" if rng.random() < 0.3 else "")  # ya-phala: often silent
                continue
            if prev == _HASANTA and ch == "ব":
                out.append("" if rng.random() < 0.7 else "w")  # ba-phala: mostly silent
                continue
            if ch not in chosen:  # one spelling per letter within a word (zz, not zj)
                options = _CONSONANTS[ch]
                chosen[ch] = options[0] if len(options) == 1 else rng.choice(options)
            out.append(chosen[ch])
            if nxt in _SIGNS or nxt == _HASANTA:
                continue
            word_end = i + 1 >= n or nxt in _MARKS
            if word_end:
                if rng.random() < 0.05:
                    out.append(inherent)
                continue
            after = chars[i + 2] if i + 2 < n else ""
            deletable = i > 0 and ch != "\u09df" and nxt in _CONSONANTS and after in _SIGNS
            if deletable and nxt != "\u09df" and rng.random() < 0.6:
                continue  # schwa deletion before a consonant + vowel sign (Rahman, Mushfik)
            out.append(inherent)
        elif ch in _SIGNS:
            options = _SIGNS[ch]
            out.append(rng.choice(options))
        elif ch in _VOWELS:
            out.append(rng.choice(_VOWELS[ch]))
        elif ch in _MARKS:
            out.append(rng.choice(_MARKS[ch]))
        elif ch == _HASANTA:
            continue
        else:
            out.append(ch)
    text = "".join(out)
    if rng.random() < 0.12:
        text = re.sub(r"(?<=[aeiou])([bdlmnrst])(?=[aeiou])", r"\1\1", text, count=1)  # doubling
    return text


# A QWERTY adjacency table, enough for plausible keyboard slips on Latin names.
_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_ADJACENT: dict[str, str] = {}
for _r, _row in enumerate(_ROWS):
    for _c, _ch in enumerate(_row):
        near = [_row[j] for j in (_c - 1, _c + 1) if 0 <= j < len(_row)]
        for _dr in (-1, 1):
            if 0 <= _r + _dr < len(_ROWS):
                other = _ROWS[_r + _dr]
                near += [other[j] for j in (_c - 1, _c) if 0 <= j < len(other)]
        _ADJACENT[_ch] = "".join(near)


class TypoKind:
    """The four slips ``typo`` can make (names of the documented noise model)."""

    ADJACENT = "adjacent_key"
    DROP = "drop_letter"
    SWAP = "swap_letters"
    DOUBLE = "double_letter"
    ALL = (ADJACENT, DROP, SWAP, DOUBLE)


def typo(text: str, rng: random.Random) -> str:
    """Make one slip inside a letter of ``text``: adjacent key, dropped, swapped or doubled letter.

    Only positions holding a letter are touched (never the first letter, which people rarely get
    wrong); a text with fewer than 3 letters is returned unchanged. Works on either script: for
    Bangla the "adjacent key" slip becomes a repeated letter.
    """
    positions = [i for i, ch in enumerate(text) if ch.isalpha() and i > 0]
    if len(positions) < 2:
        return text
    i = rng.choice(positions)
    kind = rng.choice(TypoKind.ALL)
    ch = text[i]
    if kind == TypoKind.ADJACENT and ch.lower() in _ADJACENT:
        new = rng.choice(_ADJACENT[ch.lower()])
        return text[:i] + (new.upper() if ch.isupper() else new) + text[i + 1 :]
    if kind == TypoKind.DROP:
        return text[:i] + text[i + 1 :]
    if kind == TypoKind.SWAP and i + 1 < len(text) and text[i + 1].isalpha():
        return text[:i] + text[i + 1] + ch + text[i + 2 :]
    return text[:i] + ch + text[i:]


_FIRST_SYLLABLE = re.compile(r"^[^aeiou]*[aeiou]+[^aeiou]?", re.IGNORECASE)


def short_form(latin_given: str, rng: random.Random) -> str:
    """A shortened pet form of a Latin given name: first syllable + "u"/"i"/"a"/"" (Dipok→Dipu).

    Follows the published pattern (Dipu ← Dipok, Faru ← Farhana). Returns the input unchanged if
    it has no vowel or is too short to shorten.
    """
    match = _FIRST_SYLLABLE.match(latin_given)
    if match is None or len(latin_given) < 4:
        return latin_given
    stem = match.group(0)
    if stem[-1].lower() in "aeiou":
        stem = latin_given[: len(stem) + 1]
    suffix = rng.choice(("u", "u", "i", "a", ""))
    if stem[-1].lower() in "aeiou" and suffix:
        stem = stem[:-1]
    return stem + suffix


BANGLA_DIGITS = str.maketrans("0123456789", "০১২৩৪৫৬৭৮৯")


def phone_format(digits11: str, rng: random.Random) -> str:
    """One of the ways a Bangladeshi mobile number is written ("01712345678", "+880 1712-345678").

    ``digits11`` is the 11-digit national form starting with "01".
    """
    u = rng.random()
    if u < 0.55:
        return digits11
    if u < 0.75:
        return "+88" + digits11
    if u < 0.85:
        return "88" + digits11
    if u < 0.95:
        return f"{digits11[:5]}-{digits11[5:]}"
    return f"+880 {digits11[1:5]}-{digits11[5:]}"


def wrong_digit(digits: str, rng: random.Random) -> str:
    """The number with one digit (after the "01" operator prefix) replaced by another digit."""
    if len(digits) < 4:
        return digits
    i = rng.randrange(3, len(digits))
    new = rng.choice([d for d in "0123456789" if d != digits[i]])
    return digits[:i] + new + digits[i + 1 :]


def latin_case(text: str, rng: random.Random) -> str:
    """Title case mostly, sometimes ALL CAPS (police forms) or all lower case (hurried typing)."""
    u = rng.random()
    if u < 0.78:
        return text.title()
    if u < 0.95:
        return text.upper()
    return text.lower()


# Interchangeable Bangla spellings (long/short vowel signs, the three sibilants, ja/ya).
_BANGLA_SWAPS: tuple[tuple[str, str], ...] = (
    ("ি", "ী"),
    ("ী", "ি"),
    ("ু", "ূ"),
    ("ূ", "ু"),
    ("শ", "স"),
    ("স", "শ"),
    ("ষ", "শ"),
    ("জ", "য"),
    ("ন", "ণ"),
)


def bangla_spelling(text: str, rng: random.Random) -> str:
    """The same name in another common Bangla spelling (রহিমা→রহীমা, সাকিব→শাকিব).

    Swaps the first occurrence of one interchangeable letter pair; text without any of them is
    returned unchanged.
    """
    candidates = [(a, b) for a, b in _BANGLA_SWAPS if a in text]
    if not candidates:
        return text
    a, b = rng.choice(candidates)
    return text.replace(a, b, 1)
