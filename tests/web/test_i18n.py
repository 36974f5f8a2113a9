"""Unit tests for api.web.i18n: complete label tables, template keys exist, unambiguous dates."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.web.i18n import LABELS, Lang, format_date, format_datetime, parse_lang, translate

TEMPLATES = Path(__file__).resolve().parents[2] / "api" / "templates"
BENGALI = re.compile(r"[\u0980-\u09FF]")


@pytest.mark.parametrize("key", sorted(LABELS), ids=sorted(LABELS))
def test_every_label_has_english_and_bangla(key: str) -> None:
    english, bangla = LABELS[key]
    assert english.strip()
    assert bangla.strip()
    assert BENGALI.search(bangla) or bangla == english, f"{key}: Bangla text has no Bangla"
    assert set(re.findall(r"{(\w+)}", english)) == set(re.findall(r"{(\w+)}", bangla))


def _template_keys() -> list[tuple[str, str]]:
    found = []
    for path in sorted(TEMPLATES.glob("*.html")):
        for key in re.findall(r"\bt\('([a-z0-9_]+)'[,)]", path.read_text("utf-8")):
            found.append((path.name, key))
    return found


@pytest.mark.parametrize(
    ("template", "key"), _template_keys(), ids=[f"{a}:{b}" for a, b in _template_keys()]
)
def test_every_key_used_by_a_template_exists(template: str, key: str) -> None:
    assert key in LABELS, f"{template} uses unknown label {key!r}"


@pytest.mark.parametrize(
    ("value", "lang", "shown"),
    [
        (date(2025, 3, 12), Lang.EN, "12 Mar 2025"),
        (date(2025, 3, 12), Lang.BN, "১২ মার্চ ২০২৫"),
        (date(2025, 12, 3), Lang.EN, "3 Dec 2025"),
        (datetime(2024, 1, 5, 23, 59), Lang.EN, "5 Jan 2024"),
        ("2025-03-12", Lang.EN, "12 Mar 2025"),
        ("12/03/2025", Lang.EN, ""),
        (None, Lang.EN, ""),
        ("", Lang.BN, ""),
    ],
    ids=[
        "en",
        "bn",
        "day-month-not-swapped",
        "datetime",
        "iso-string",
        "ambiguous-string",
        "none",
        "empty",
    ],
)
def test_format_date(value: date | str | None, lang: Lang, shown: str) -> None:
    assert format_date(value, lang) == shown


def test_format_datetime_keeps_time_and_zone() -> None:
    assert format_datetime(datetime(2025, 3, 12, 14, 5), Lang.EN) == "12 Mar 2025 14:05 UTC"
    assert format_datetime("nonsense", Lang.EN) == ""


@pytest.mark.parametrize(
    ("key", "lang", "values", "shown"),
    [
        ("sign_in", Lang.EN, {}, "Sign in"),
        ("sign_in", Lang.BN, {}, "প্রবেশ করুন"),
        ("sign_in", "xx", {}, "Sign in"),
        ("no_such_key", Lang.BN, {}, "no_such_key"),
        ("import_done", Lang.EN, {"n": 12}, "Rows imported: 12"),
        ("import_done", Lang.BN, {"n": 12}, "আমদানি হয়েছে: ১২ সারি"),
        ("import_done", Lang.EN, {"m": 1}, "Rows imported: {n}"),
    ],
    ids=["en", "bn", "unknown-lang", "unknown-key", "placeholder", "bn-digits", "missing-value"],
)
def test_translate(key: str, lang: str, values: dict[str, object], shown: str) -> None:
    assert translate(key, lang, **values) == shown


@given(st.one_of(st.none(), st.text(max_size=50)))
def test_parse_lang_total(value: str | None) -> None:
    assert parse_lang(value) in (Lang.EN, Lang.BN)


@pytest.mark.parametrize(
    "name", sorted(p.name for p in TEMPLATES.glob("*.html")), ids=lambda n: str(n)
)
def test_every_template_compiles(name: str) -> None:
    from api.web.context import _ENV

    assert _ENV.get_template(name) is not None
