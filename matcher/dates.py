"""Ages and dates as people write them on Bangladeshi forms, in either digit set.

Spec
----
Parsing only, plus the arithmetic of elapsed time; how much an age difference counts as evidence
is the linkage engine's business (``matcher.compare``).

``parse_age(text) -> float | None`` (years):
  - a number in Latin or Bangla digits (``"12"``, ``"১২"``, ``"12.5"``);
  - optionally led by ``age``/``aged``/``বয়স``, hedged before (``~``, ``about``, ``approx``,
    ``approximately``, ``around``, ``c.``, ``প্রায়``, ``আনুমানিক``) or after (``"12 (approx)"``),
    and followed by ``+`` (``"12+"`` is 12) or ``old``;
  - optionally with a unit: years (``y``, ``yr``, ``yrs``, ``year(s)``, ``বছর``, ``বৎসর``) or
    months (``mo``, ``mos``, ``month(s)``, ``মাস``; ``"6 months"`` is 0.5), or both
    (``"2 years 6 months"``, ``"২ বছর ৬ মাস"`` are 2.5);
  - a range (``"10-12"``, ``"10 to 12"``, ``"১০-১২"``) gives its midpoint (11.0).
  ``None`` for blank, nonsense, a negative age, a reversed range, or more than
  :data:`MAX_AGE_YEARS`. ``"0"`` is 0.0: some forms use it as a filler for "unknown", but
  rejecting it would make :mod:`matcher.csvio` reject the whole row, so that call is the
  caller's.

``parse_date(text) -> date | None``:
  - ISO ``yyyy-mm-dd`` (also with ``/`` or ``.``, and a trailing ISO time is ignored);
  - day first, as Bangladesh writes it: ``dd/mm/yyyy``, ``dd-mm-yyyy``, ``dd.mm.yyyy``,
    ``dd mm yyyy`` and the same with a two-digit year (one separator throughout), optionally
    followed by a time of day (ignored). **Never** month first: ``"03/04/2024"`` is 3 April;
  - a month name, English or Bangla, full or abbreviated: ``"12 Jan 2024"``, ``"12-Jan-24"``,
    ``"Jan 12, 2024"``, ``"১২ জানুয়ারি ২০২৪"``;
  - a Bangla-calendar date with a Bangla month name (``"৮ ফাল্গুন ১৪৩০"`` is 2024-02-21),
    converted with the calendar as revised in Bangladesh in 2019 (see
    :func:`_from_bangla_calendar`); a four-digit year is required;
  - a trailing era marker is ignored: ``ইং`` / ``খ্রি`` / ``খ্রিস্টাব্দ`` (Gregorian, as Bangla
    documents write after a date), ``AD``;
  - two-digit years pivot at :data:`TWO_DIGIT_YEAR_PIVOT`: 00-69 are 2000-2069, 70-99 are
    1970-1999;
  - years outside :data:`MIN_YEAR`-:data:`MAX_YEAR` and impossible dates (``31/02/2024``)
    give ``None``.

Both never raise: ``None``, emoji, 10 kB strings and mixed scripts give ``None``.
"""

from __future__ import annotations

import calendar
import math
import re
import unicodedata
from datetime import date, timedelta

__all__ = [
    "BANGLA_YEAR_OFFSET",
    "DAYS_PER_YEAR",
    "MAX_AGE_YEARS",
    "MAX_YEAR",
    "MIN_YEAR",
    "TWO_DIGIT_YEAR_PIVOT",
    "expected_age",
    "expected_age_on",
    "is_heaped_age",
    "parse_age",
    "parse_date",
]

MAX_AGE_YEARS = 120.0
"""Older is not a human age: the text is a typo or another field."""
DAYS_PER_YEAR = 365.2425
"""Mean Gregorian year, for elapsed time in years."""
TWO_DIGIT_YEAR_PIVOT = 70
"""Two-digit years below this are 20yy, the others 19yy."""
MIN_YEAR = 1900
MAX_YEAR = 2099
_MAX_CHARS = 100
"""Longer text is not an age or a date."""
_HEAPED_EXTRA = frozenset({12.0, 18.0})

_BANGLA_DIGITS = str.maketrans("০১২৩৪৫৬৭৮৯", "0123456789")


def _clean(text: object) -> str | None:
    """NFC, Bangla digits to ASCII, casefold, single spaces; ``None`` for unusable input."""
    if not isinstance(text, str) or not text or len(text) > _MAX_CHARS:
        return None
    s = unicodedata.normalize("NFC", text).translate(_BANGLA_DIGITS).casefold()
    s = s.replace("\u200c", "").replace("\u200d", "")
    s = " ".join(s.split())
    return s or None


# --------------------------------------------------------------------------- ages


def _nfc(pattern: str) -> str:
    """Patterns with Bangla letters are compared with NFC text, so they are NFC too."""
    return unicodedata.normalize("NFC", pattern)


_NUM = r"(\d{1,3}(?:\.\d+)?)"
_LEAD = r"(?:(?:age|aged|বয়স)\s*:?\s*)?"
_HEDGE = r"(?:~|about|approx\.?|approximately|around|roughly|c\.|ca\.?|প্রায়|আনুমানিক|আনু\.?)"
_TRAIL = r"(?:\(?\s*(?:approx\.?|approximately|about|est\.?|estimated|আনুমানিক|প্রায়)\s*\)?)?"
_YEARS = r"(?:y|yr|yrs|year|years|বছর|বৎসর|বছরের)\.?"
_MONTHS = r"(?:m|mo|mos|mon|month|months|mth|mths|মাস|মাসের)\.?"
_AND = r"(?:\s*(?:,|and|&|ও)?\s*)"
_AGE = re.compile(
    _nfc(
        rf"""^{_LEAD}{_HEDGE}?\s*
        {_NUM}
        (?:\s*(?:-|–|—|to|থেকে)\s*{_NUM})?      # range: "10-12"
        \s*\+?\s*
        (?:({_YEARS})|({_MONTHS}))?
        (?:{_AND}{_NUM}\s*{_MONTHS})?           # "2 years 6 months"
        \s*(?:old|বয়সী|বয়স)?\s*{_TRAIL}$"""
    ),
    re.VERBOSE,
)


def parse_age(text: str | None) -> float | None:
    """An age in years from free text (rules in the module docstring), or ``None``."""
    s = _clean(text)
    if s is None:
        return None
    m = _AGE.match(s)
    if m is None:
        return None
    lo, hi, years_unit, months_unit, extra_months = m.groups()
    del years_unit
    value = float(lo)
    if hi is not None:
        top = float(hi)
        if top < value:
            return None
        value = (value + top) / 2
    if months_unit is not None:
        if extra_months is not None:  # "6 months 3 months" is not an age
            return None
        value /= 12
    if extra_months is not None:
        if hi is not None:
            return None
        value += float(extra_months) / 12
    if not 0.0 <= value <= MAX_AGE_YEARS:
        return None
    return value


# --------------------------------------------------------------------------- dates

_MONTH_NAMES: dict[str, int] = {}
for _i, _names in enumerate(
    (
        ("jan", "january", "জানুয়ারি", "জানুয়ারী", "জানু"),
        ("feb", "february", "ফেব্রুয়ারি", "ফেব্রুয়ারী", "ফেব্রু"),
        ("mar", "march", "মার্চ"),
        ("apr", "april", "এপ্রিল"),
        ("may", "মে"),
        ("jun", "june", "জুন"),
        ("jul", "july", "জুলাই"),
        ("aug", "august", "আগস্ট", "আগষ্ট"),
        ("sep", "sept", "september", "সেপ্টেম্বর", "সেপ্টে"),
        ("oct", "october", "অক্টোবর", "অক্টো"),
        ("nov", "november", "নভেম্বর", "নভে"),
        ("dec", "december", "ডিসেম্বর", "ডিসে"),
    ),
    start=1,
):
    for _n in _names:
        _MONTH_NAMES[unicodedata.normalize("NFC", _n)] = _i

_BANGLA_MONTHS: dict[str, int] = {}
for _i, _names in enumerate(
    (
        ("বৈশাখ",),
        ("জ্যৈষ্ঠ", "জৈষ্ঠ", "জ্যেষ্ঠ"),
        ("আষাঢ়", "আষাঢ"),
        ("শ্রাবণ", "শ্রাবন"),
        ("ভাদ্র",),
        ("আশ্বিন",),
        ("কার্তিক", "কার্ত্তিক"),
        ("অগ্রহায়ণ", "অগ্রহায়ন"),
        ("পৌষ",),
        ("মাঘ",),
        ("ফাল্গুন", "ফাল্গুণ"),
        ("চৈত্র",),
    ),
    start=1,
):
    for _n in _names:
        _BANGLA_MONTHS[unicodedata.normalize("NFC", _n)] = _i

BANGLA_YEAR_OFFSET = 593
"""1 Boishakh of Bangla year ``y`` is 14 April of Gregorian year ``y + 593``."""
_BANGLA_MONTH_DAYS = (31, 31, 31, 31, 31, 31, 30, 30, 30, 30, 29, 30)


def _from_bangla_calendar(year: int, month: int, day: int) -> date | None:
    """A date of the Bangla calendar as revised in Bangladesh (2019) -> Gregorian.

    1 Boishakh is 14 April; Boishakh to Ashwin have 31 days, Kartik to Magh 30, Falgun 29 (30
    when the Gregorian year it falls in is a leap year), Chaitra 30. So 8 Falgun is always
    21 February, 12 Chaitra 26 March and 1 Poush 16 December, as the revision intended.
    Dates before the revision (1426 BS) were kept under the earlier rules and may come out a
    day off, which does not matter for age arithmetic.
    """
    g_year = year + BANGLA_YEAR_OFFSET
    if not MIN_YEAR <= g_year <= MAX_YEAR:
        return None
    lengths = list(_BANGLA_MONTH_DAYS)
    if calendar.isleap(g_year + 1):
        lengths[10] = 30
    if not 1 <= day <= lengths[month - 1]:
        return None
    return date(g_year, 4, 14) + timedelta(days=sum(lengths[: month - 1]) + day - 1)


_SEP = r"[-/.]"
_ISO = re.compile(rf"^(\d{{4}}){_SEP}(\d{{1,2}}){_SEP}(\d{{1,2}})(?:[t ]\d{{1,2}}:\d{{2}}.*)?$")
_TIME = r"(?:[t ,]+\d{1,2}[:.]\d{2}(?:[:.]\d{2})?\s*(?:am|pm)?)?"
_DMY = re.compile(rf"^(\d{{1,2}})([-/. ])(\d{{1,2}})\2(\d{{4}}|\d{{2}}){_TIME}$")
_WORD = r"([a-z\u0980-\u09ff]+)\.?"
_D_MON_Y = re.compile(rf"^(\d{{1,2}})(?:st|nd|rd|th)?[\s\-/.,]*{_WORD}[\s\-/.,]*(\d{{4}}|\d{{2}})$")
_MON_D_Y = re.compile(rf"^{_WORD}[\s\-/.]*(\d{{1,2}})(?:st|nd|rd|th)?[\s,\-/.]*(\d{{4}})$")


def _year(text: str) -> int:
    y = int(text)
    if len(text) == 2:
        y += 2000 if y < TWO_DIGIT_YEAR_PIVOT else 1900
    return y


def _make(year: int, month: int, day: int) -> date | None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


_ERAS = ("ইং", "ইংরেজি", "খ্রি", "খ্রিঃ", "খ্রিস্টাব্দ", "খ্রীষ্টাব্দ", "খৃঃ", "খৃ", "বঙ্গাব্দ", "বাং", "সন")
_ERA_SUFFIX = re.compile(_nfc(rf"\s*(?:{'|'.join(_ERAS)}|a\.?d)\.?$"))


def parse_date(text: str | None) -> date | None:
    """A calendar date from free text, day first (rules in the module docstring), or ``None``."""
    s = _clean(text)
    if s is None:
        return None
    s = _ERA_SUFFIX.sub("", s)
    if m := _ISO.match(s):
        return _make(int(m[1]), int(m[2]), int(m[3]))
    if m := _DMY.match(s):
        return _make(_year(m[4]), int(m[3]), int(m[1]))
    if m := _D_MON_Y.match(s):
        if (bn_month := _BANGLA_MONTHS.get(m[2])) is not None:
            return _from_bangla_calendar(int(m[3]), bn_month, int(m[1]))
        month = _MONTH_NAMES.get(m[2])
        return _make(_year(m[3]), month, int(m[1])) if month else None
    if m := _MON_D_Y.match(s):
        month = _MONTH_NAMES.get(m[1])
        return _make(int(m[3]), month, int(m[2])) if month else None
    return None


# --------------------------------------------------------------------------- arithmetic


def expected_age(age: float, at: date, on: date) -> float:
    """The age on ``on`` of someone who was ``age`` years old on ``at``.

    Elapsed time is counted in mean Gregorian years (:data:`DAYS_PER_YEAR`); ``on`` may be
    before ``at`` (the result is then younger). Example: 12 on 2024-01-01 is about 13.5 on
    2025-07-02.
    """
    return age + (on - at).days / DAYS_PER_YEAR


def expected_age_on(age: float | None, at: date | None, on: date) -> float | None:
    """:func:`expected_age` for a record whose age or date may be unknown: ``None`` without an
    age; the recorded age itself without a date (no elapsed time can be added); never below 0.

    What a page shows as a child's "age now" (``on`` = today): the engine's arithmetic, so the
    queue, the search results and the candidate page cannot disagree.
    """
    if age is None:
        return None
    if at is None:
        return age
    return max(0.0, expected_age(age, at, on))


def is_heaped_age(age: float) -> bool:
    """Whether ``age`` is one people round to when guessing (multiples of 5; 12 and 18).

    Such ages are less precise than they look, so a comparator may widen its tolerance for them.
    Only positive whole numbers can be heaped; NaN and infinities are not.
    """
    if not math.isfinite(age) or age <= 0 or age != math.floor(age):
        return False
    return age % 5 == 0 or age in _HEAPED_EXTRA
