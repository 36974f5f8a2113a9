"""One reading of every record field, for every door: the CSV readers (:mod:`matcher.csvio`),
the API schemas and the web forms accept and refuse the same values, in the same words.

Spec
----
``parse_sex(text) -> Sex | None`` -- ``M`` / ``F`` and the words people write for them, in
English and Bangla, any case (``male``, ``female``, ``boy``, ``girl``, ``পুরুষ``, ``ছেলে``,
``বালক``, ``মহিলা``, ``মেয়ে``, ``বালিকা``; ``য়`` as one letter or two); ``None`` for blank or
anything else. Never raises, like :func:`matcher.dates.parse_age` and
:func:`matcher.dates.parse_date`.

The doors' readers take what a door received (text from a CSV cell or a form box; a JSON number
or string; a typed value from Python) and either return the field's value or raise
``ValueError`` whose message is the reason shown to the user -- one of the ``*_REASON``
constants, which quote the accepted forms and never the value itself (it may be personal data).
Blank text and ``None`` are unknown (``None``), never an error:

- :func:`read_sex` -- a :class:`Sex` or text :func:`parse_sex` reads;
- :func:`read_age` -- a number of years in 0-:data:`matcher.dates.MAX_AGE_YEARS`, or text
  :func:`matcher.dates.parse_age` reads (``"১২"``, ``"about 12"``, ``"~12"``, ``"10-12"``);
- :func:`read_date` -- a ``date`` or text :func:`matcher.dates.parse_date` reads (day first:
  ``"14/03/2025"``; ISO; Bangla digits), and not after :func:`today`.

:func:`today` is the latest calendar date anywhere on Earth now (UTC+14): a date after it has
happened nowhere yet, so it is a typo -- while a border post's own "today" is never refused,
whatever zone the server's clock is in.

:func:`describes_child` -- a record must say at least one thing about the child
(:data:`DESCRIBING_FIELDS`: a name, a parent's name, sex, age, a home place or a guardian's
phone). The id, the date and the border post / police station describe the event, not the
child; a record with nothing else could never be matched or recognised, so every door refuses
it (:data:`NO_DETAIL_REASON`).
"""

from __future__ import annotations

import math
import unicodedata
from datetime import UTC, date, datetime, timedelta, timezone

from matcher.dates import MAX_AGE_YEARS, MIN_YEAR, parse_age, parse_date
from matcher.records import Sex

__all__ = [
    "AGE_REASON",
    "DATE_REASON",
    "DESCRIBING_FIELDS",
    "FUTURE_REASON",
    "NO_DETAIL_REASON",
    "SEX_REASON",
    "describes_child",
    "parse_sex",
    "read_age",
    "read_date",
    "read_sex",
    "today",
]

SEX_REASON = "sex is not M or F (also accepted: male, female, boy, girl, ছেলে, মেয়ে)"
AGE_REASON = (
    f"age is not a number of years in 0-{MAX_AGE_YEARS:.0f} "
    "(write 12, ১২, about 12, ~12 or a range such as 10-12)"
)
DATE_REASON = "date is not a recognised date (dates are day-first: 14/03/2025, or 2025-03-14)"
FUTURE_REASON = "date is after today"

DESCRIBING_FIELDS: tuple[str, ...] = (
    "name",
    "father_name",
    "mother_name",
    "sex",
    "age",
    "district",
    "upazila",
    "home_district",
    "home_upazila",
    "guardian_phone",
)
"""Fields that say something about the child (either record kind; absent ones are skipped)."""

NO_DETAIL_REASON = (
    "the record says nothing about the child: give at least one of name, father_name, "
    "mother_name, sex, age, the home district or upazila, guardian_phone"
)

_SEX_WORDS: dict[str, Sex] = {
    unicodedata.normalize("NFC", word): sex
    for sex, words in (
        (Sex.MALE, ("m", "male", "boy", "পুরুষ", "ছেলে", "বালক")),
        (Sex.FEMALE, ("f", "female", "girl", "মহিলা", "মেয়ে", "বালিকা")),
    )
    for word in words
}
_LATEST_ZONE = timezone(timedelta(hours=14))


def parse_sex(text: str | None) -> Sex | None:
    """``Sex`` from ``M``/``F`` or a word for it in English or Bangla; ``None`` otherwise."""
    if not isinstance(text, str):
        return None
    found = _SEX_WORDS.get(text.strip().casefold())
    if found is None:
        found = _SEX_WORDS.get(unicodedata.normalize("NFC", text.strip()).casefold())
    return found


def today() -> date:
    """The latest calendar date anywhere on Earth now (UTC+14); later dates are in the future."""
    return datetime.now(UTC).astimezone(_LATEST_ZONE).date()


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def read_sex(value: object) -> Sex | None:
    """A door's sex value -> ``Sex`` / ``None`` (blank); ``ValueError(SEX_REASON)`` otherwise."""
    if _blank(value):
        return None
    if isinstance(value, Sex):
        return value
    found = parse_sex(value) if isinstance(value, str) else None
    if found is None:
        raise ValueError(SEX_REASON)
    return found


def read_age(value: object) -> float | None:
    """A door's age -> years / ``None`` (blank); ``ValueError(AGE_REASON)`` otherwise."""
    if _blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError(AGE_REASON)
    if isinstance(value, (int, float)):
        years = float(value)
        if math.isfinite(years) and 0.0 <= years <= MAX_AGE_YEARS:
            return years
        raise ValueError(AGE_REASON)
    years_or_none = parse_age(value) if isinstance(value, str) else None
    if years_or_none is None:
        raise ValueError(AGE_REASON)
    return years_or_none


def read_date(value: object, *, latest: date | None = None) -> date | None:
    """A door's date -> ``date`` / ``None`` (blank); ``ValueError`` with :data:`DATE_REASON`
    (unreadable) or :data:`FUTURE_REASON` (after ``latest``, default :func:`today`)."""
    if _blank(value):
        return None
    if isinstance(value, datetime):
        day: date | None = value.date()
    elif isinstance(value, date):
        day = value
    else:
        day = parse_date(value) if isinstance(value, str) else None
    if day is None or day.year < MIN_YEAR:  # the same floor parse_date keeps for text
        raise ValueError(DATE_REASON)
    if day > (latest if latest is not None else today()):
        raise ValueError(FUTURE_REASON)
    return day


def describes_child(record: object) -> bool:
    """Whether any of :data:`DESCRIBING_FIELDS` of ``record`` (a record, a schema) is given."""
    return any(not _blank(getattr(record, name, None)) for name in DESCRIBING_FIELDS)
