"""Explanations: one account per record field of a compared pair, in words a reviewer can check.

Contract:
- :func:`contributions` gives exactly one :class:`~matcher.records.Contribution` per record field
  (:class:`~matcher.levels.RecordField`), strongest first, missing fields last. Its ``weight`` is
  the sum of the model's exact additive weights (bits) of every comparison describing the field
  (given name, surname, rarity and the family pattern all describe ``name``), so the
  contributions plus the model's intercept and the pool-size prior sum to the candidate's
  log-odds. Its ``verdict`` comes from the same levels (:func:`matcher.levels.field_verdict`) and
  never argues against the weight: the fit guarantees it for every level combination.
- :func:`describe` renders a contribution as a sentence in English or Bangla from the same
  structured data (level keys and facts), never from another sentence. ``reveal_report=False``
  (what a border officer may read) keeps only the field and its verdict: no report values,
  places, ages, dates or phone agreement.
- Phone numbers never appear in explanations; names appear only when the caller passes the two
  values it shows anyway (the candidate page).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from matcher.compare import PairComparison, PairDetails
from matcher.levels import (
    COMPARISON_BY_FIELD,
    FIELD_COMPARISONS,
    POSITION,
    Comparison,
    Field,
    Level,
    RecordField,
    field_verdict,
)
from matcher.records import Contribution, Language, Verdict

#: How each record field is called, in English and Bangla.
FIELD_TITLES: Mapping[RecordField, tuple[str, str]] = {
    RecordField.NAME: ("Name", "নাম"),
    RecordField.FATHER_NAME: ("Father's name", "বাবার নাম"),
    RecordField.MOTHER_NAME: ("Mother's name", "মায়ের নাম"),
    RecordField.SEX: ("Sex", "লিঙ্গ"),
    RecordField.AGE: ("Age", "বয়স"),
    RecordField.PLACE: ("Home", "বাড়ি"),
    RecordField.GUARDIAN_PHONE: ("Guardian's phone", "অভিভাবকের ফোন"),
    RecordField.DATES: ("Dates", "তারিখ"),
}
#: A verdict as a reviewer reads it.
VERDICT_WORDS: Mapping[Verdict, tuple[str, str]] = {
    Verdict.AGREE: ("agrees", "মেলে"),
    Verdict.PARTIAL: ("partly agrees", "আংশিক মেলে"),
    Verdict.DISAGREE: ("disagrees", "মেলে না"),
    Verdict.MISSING: ("not on both records", "দুই রেকর্ডে নেই"),
}
_BANGLA_DIGITS = str.maketrans("0123456789", "০১২৩৪৫৬৭৮৯")
_REPORTS_ON_FILE = (
    "{n} reports on file, where the bands were set with {ref}: more reports, more look-alikes",
    "{n}টি অভিযোগ জমা আছে, সীমা ঠিক হয়েছিল {ref}টিতে: বেশি অভিযোগে মিলের মতো দেখানো বেশি",
)


def _lang(language: Language) -> int:
    return 1 if language is Language.BN else 0


def field_title(field: str, language: Language = Language.EN) -> str:
    """What a record field is called ("Father's name" / "বাবার নাম"); an unknown field's own
    name with spaces (stored data from another version)."""
    try:
        return FIELD_TITLES[RecordField(field)][_lang(language)]
    except ValueError:
        return str(field).replace("_", " ")


def localise_digits(text: str, language: Language) -> str:
    """Bangla digits in Bangla text; unchanged in English."""
    return text.translate(_BANGLA_DIGITS) if language is Language.BN else text


# --------------------------------------------------------------------------- building


def _facts(record_field: RecordField, d: PairDetails) -> dict[str, Any]:
    """The engine's numbers and places behind one field's verdict (JSON-ready)."""
    out: dict[str, Any] = {}

    def put(key: str, value: float | None, digits: int = 3) -> None:
        if value is not None and math.isfinite(value):
            out[key] = round(float(value), digits)

    if record_field is RecordField.NAME:
        put("similarity", d.name_similarity)
        put("rarity_bits", d.rarity_bits, 1)
        out["agreeing_tokens"] = d.agreeing_tokens
    elif record_field is RecordField.FATHER_NAME:
        put("similarity", d.father_similarity)
        put("rarity_bits", d.father_rarity_bits, 1)
        out["agreeing_tokens"] = d.father_agreeing_tokens
    elif record_field is RecordField.MOTHER_NAME:
        put("similarity", d.mother_similarity)
        put("rarity_bits", d.mother_rarity_bits, 1)
        out["agreeing_tokens"] = d.mother_agreeing_tokens
    elif record_field is RecordField.AGE:
        put("expected_age", d.expected_age, 1)
        put("observed_age", d.observed_age, 1)
        put("tolerance_years", d.age_tolerance, 1)
        put("elapsed_years", d.elapsed_years, 2)
    elif record_field is RecordField.PLACE:
        for side, place in (("report", d.report_place), ("interception", d.interception_place)):
            if place is not None:
                out[f"{side}_place"] = place.name
                out[f"{side}_place_bn"] = place.name_bn
                out[f"{side}_place_level"] = str(place.level)
                if place.district_code:
                    out[f"{side}_district_code"] = place.district_code
        put("distance_km", d.distance_km, 0)
    elif record_field is RecordField.DATES:
        put("elapsed_years", d.elapsed_years, 2)
    return out


def contributions(pair: PairComparison, weights: Sequence[float]) -> tuple[Contribution, ...]:
    """One contribution per record field of a compared pair, strongest first, missing last.

    ``weights[i]`` is the model's weight in bits of comparison ``i`` at the pair's level (see
    :meth:`matcher.model.MatchModel.contribution_bits`).
    """
    out: list[Contribution] = []
    levels, details = pair.levels, pair.details
    for rf, positions in _FIELD_POSITIONS:
        verdict, parts, weight, chosen, phrase, fixed = _field_account(
            rf, tuple(levels[i] for i in positions), tuple(float(weights[i]) for i in positions)
        )
        if fixed is not None:
            out.append(fixed)
            continue
        facts = _facts(rf, details)
        extra = _fact_text(rf, facts, chosen, Language.EN)
        label = f"{phrase}, {extra}" if extra else phrase
        out.append(Contribution(str(rf), verdict, weight, label, parts, facts))
    out.sort(key=_strongest_first)
    return tuple(out)


def _strongest_first(c: Contribution) -> tuple[bool, float, int]:
    return (c.verdict is Verdict.MISSING, -abs(c.weight), _FIELD_ORDER[c.field])


#: The record fields whose account shows numbers or places (:func:`_facts`); the others
#: (sex, phone) have none to show.
_WITH_FACTS = frozenset(
    {
        RecordField.NAME,
        RecordField.FATHER_NAME,
        RecordField.MOTHER_NAME,
        RecordField.AGE,
        RecordField.PLACE,
        RecordField.DATES,
    }
)
_FIELD_POSITIONS = tuple(
    (rf, tuple(POSITION[c.field] for c in FIELD_COMPARISONS[rf])) for rf in RecordField
)
_FIELD_ORDER = {rf.value: i for i, rf in enumerate(RecordField)}


@lru_cache(maxsize=65536)
def _field_account(
    rf: RecordField, levels: tuple[int, ...], bits: tuple[float, ...]
) -> tuple[
    Verdict,
    tuple[tuple[str, str, float], ...],
    float,
    Mapping[Field, Level],
    str,
    Contribution | None,
]:
    """The part of a field's contribution that depends only on its levels and their weights
    (``bits``: the weight of each of the field's comparisons, 0 where missing), worked out once
    per combination: verdict, parts, total weight, the levels by comparison, the phrase and,
    when the field shows no numbers (missing, or sex and phone), the whole contribution
    (immutable, so candidates share it)."""
    verdict, present, chosen, phrase = _field_plan(rf, levels)
    weights = [b for lv, b in zip(levels, bits, strict=True) if lv]  # present's order
    parts = tuple(
        (name, key, round(b, 3)) for (name, key, _), b in zip(present, weights, strict=True)
    )
    weight = round(sum(weights), 3)
    fixed = None
    if verdict is Verdict.MISSING or rf not in _WITH_FACTS:
        fixed = Contribution(str(rf), verdict, weight, phrase, parts, {})
    return verdict, parts, weight, chosen, phrase, fixed


@lru_cache(maxsize=8192)
def _field_plan(
    rf: RecordField, levels: tuple[int, ...]
) -> tuple[Verdict, tuple[tuple[str, str, int], ...], Mapping[Field, Level], str]:
    """What a field's level combination says, worked out once per combination (a batch explains
    ~100,000 candidates from a few hundred combinations): its verdict, the (comparison, level
    key, position) of each present comparison, their levels and the English phrase."""
    pairs = list(zip(FIELD_COMPARISONS[rf], levels, strict=True))
    verdict = field_verdict(pairs)
    present = tuple((str(c.field), c.levels[lv].key, POSITION[c.field]) for c, lv in pairs if lv)
    chosen = {c.field: c.levels[lv] for c, lv in pairs if lv}
    phrase = "; ".join(_phrases(rf, chosen, Language.EN)) if verdict is not Verdict.MISSING else ""
    return verdict, present, chosen, phrase


# --------------------------------------------------------------------------- words


def _levels(c: Contribution) -> dict[Field, Level]:
    """The levels a contribution was added up from, by comparison."""
    out: dict[Field, Level] = {}
    for comparison, key, _bits in c.parts:
        comp: Comparison = COMPARISON_BY_FIELD[Field(comparison)]
        out[comp.field] = comp.levels[comp.level(key)]
    return out


def _label(level: Level, language: Language) -> str:
    return level.label_bn if language is Language.BN else level.label


def _number(x: float, digits: int, language: Language) -> str:
    return localise_digits(f"{x:.{digits}f}", language)


def _age_text(x: float, language: Language) -> str:
    return _number(x, 0 if abs(x - round(x)) < 0.05 else 1, language)


def _fact_text(
    field: RecordField, f: Mapping[str, Any], levels: Mapping[Field, Level], language: Language
) -> str:
    """The numbers behind a field's verdict, in words ("" when there are none to show)."""
    bn = language is Language.BN
    if field in (RecordField.NAME, RecordField.FATHER_NAME, RecordField.MOTHER_NAME):
        primary = next(iter(levels.values()))
        sim = f.get("similarity")
        if sim is not None and primary.key not in ("same", "different"):
            return f"মিল {_number(sim, 2, language)}" if bn else f"similarity {sim:.2f}"
        return ""
    if field is RecordField.AGE and "expected_age" in f and "observed_age" in f:
        exp, obs = _age_text(f["expected_age"], language), _age_text(f["observed_age"], language)
        return f"বলা বয়স {obs}, প্রত্যাশিত {exp}" if bn else f"{obs} given, {exp} expected"
    if field is RecordField.PLACE and "report_place" in f and "interception_place" in f:
        a = f["interception_place_bn" if bn else "interception_place"]
        b = f["report_place_bn" if bn else "report_place"]
        text = a if a == b else (f"{a} ও {b}" if bn else f"{a} and {b}")
        km = f.get("distance_km")
        if km:
            text += f", {_number(km, 0, language)} কিমি দূরে" if bn else f", {km:.0f} km apart"
        return text
    if field is RecordField.DATES and "elapsed_years" in f:
        years = abs(float(f["elapsed_years"]))
        if years < 0.5:  # under half a year, days read better than "0.2 years"
            days = _number(years * 365.25, 0, language)
            return f"{days} দিনের ব্যবধান" if bn else f"{days} days apart"
        return f"{_number(years, 1, language)} বছরের ব্যবধান" if bn else f"{years:.1f} years apart"
    return ""


def _phrases(field: RecordField, levels: Mapping[Field, Level], language: Language) -> list[str]:
    """The level phrases of a field, main one first (qualifiers and the family pattern after)."""
    if field is RecordField.NAME:
        name, given = levels[Field.NAME], levels[Field.GIVEN_NAME]
        rarity, family = levels.get(Field.NAME_RARITY), levels.get(Field.FAMILY)
        out: list[str] = [_label(name, language)]
        if name.key == "same":
            if rarity is not None and rarity.key != "none":
                out[0] += f" ({_label(rarity, language)})"
        elif given.key != "different":
            out.append(_label(given, language))
        if family is not None and family.key in ("nickname", "sibling"):
            out.append(_label(family, language))
        return out
    if field in (RecordField.FATHER_NAME, RecordField.MOTHER_NAME):
        primary, *qualifiers = levels.values()
        text = _label(primary, language)
        if qualifiers and qualifiers[0].key != "none" and primary.key != "different":
            text += f" ({_label(qualifiers[0], language)})"
        return [text]
    return [_label(lv, language) for lv in levels.values()]


def sentence(c: Contribution, *, language: Language = Language.EN) -> str:
    """What was found for one field, without the field's title or verdict ("" when missing).

    Built from the contribution's level keys and facts; a contribution stored by an older
    version (no level keys, or keys this catalogue does not know) keeps its stored English
    label."""
    if c.verdict is Verdict.MISSING:
        return ""
    try:
        levels = _levels(c)
        field = RecordField(c.field)
    except (KeyError, ValueError):
        return c.label if language is Language.EN else ""
    if not levels:
        return c.label if language is Language.EN else ""
    text = "; ".join(_phrases(field, levels, language))
    facts = _fact_text(field, c.facts, levels, language)
    return f"{text}, {facts}" if facts else text


def odds_phrase(bits: float, language: Language = Language.EN) -> str:
    """A weight as a change of odds, short enough for a chart: "8.0× more likely"."""
    bn = language is Language.BN
    if not math.isfinite(bits) or abs(bits) < 0.15:
        return "প্রায় প্রভাব নেই" if bn else "no real change"
    ratio = math.pow(2.0, min(abs(bits), 60.0))
    if ratio >= 1000:
        shown = "১০০০+" if bn else "1,000+"
    else:
        shown = localise_digits(f"{ratio:.1f}" if ratio < 10 else f"{ratio:.0f}", language)
    if bn:
        return f"{shown} গুণ {'বেশি' if bits > 0 else 'কম'} সম্ভাব্য"
    return f"{shown}× {'more' if bits > 0 else 'less'} likely"


def starting_odds_phrase(
    baseline_bits: float, pool_bits: float = 0.0, language: Language = Language.EN
) -> str:
    """The two terms of a score that are about no field, in words: the model's starting odds
    ("1 in 43,000" rather than −15.4 bits) and, when the index is larger than the model's
    reference, how much every match is discounted for the look-alikes more reports hold."""
    bn = language is Language.BN
    one_in = math.pow(2.0, min(max(-baseline_bits, 0.0), 60.0))
    digits = max(0, len(f"{one_in:.0f}") - 2)  # two significant figures
    shown = localise_digits(f"{round(one_in, -digits):,.0f}", language)
    if bn:
        text = f"কোনো তথ্যের নয়: কিছু মেলানোর আগে একটি অভিযোগ এই শিশুর হওয়ার সম্ভাবনা {shown}-এ ১।"
    else:
        text = (
            "Not about any field: before any detail is compared, the odds that a report is "
            f"this child's are 1 in {shown}."
        )
    if pool_bits <= -0.15:
        odds = odds_phrase(pool_bits, language)
        text += (
            f" জমা থাকা অভিযোগের সংখ্যায় প্রতিটি মিল {odds} (বেশি অভিযোগ, বেশি মিল-দেখানো)।"
            if bn
            else f" The number of reports on file makes every match {odds} (more reports, "
            "more look-alikes)."
        )
    return text


def weight_phrase(bits: float, language: Language = Language.EN) -> str:
    """A weight as a reviewer reads it at a glance: "makes a match 8× more likely"."""
    bn = language is Language.BN
    if not math.isfinite(bits) or abs(bits) < 0.15:
        return "সম্ভাবনায় প্রায় প্রভাব নেই" if bn else "hardly changes the odds"
    odds = odds_phrase(bits, language)
    if bn:
        shown, direction = odds.split(" গুণ ")[0], "বাড়ায়" if bits > 0 else "কমায়"
        return f"মিলের সম্ভাবনা {shown} গুণ {direction}"
    return f"makes a match {odds}"


def describe(
    c: Contribution,
    *,
    language: Language = Language.EN,
    reveal_report: bool = True,
    values: tuple[str, str] | None = None,
    with_weight: bool = True,
) -> str:
    """A contribution as one line: "Father's name: agrees — the same name (a common name);
    makes a match 8× more likely".

    ``reveal_report=False`` gives the field and its verdict only (what an officer may read:
    nothing of the report's values). ``values`` — the two records' values as the caller shows
    them (interception, report), quoted after the finding.
    """
    lang = _lang(language)
    title = field_title(c.field, language)
    verdict = VERDICT_WORDS[c.verdict][lang]
    text = f"{title}: {verdict}"
    if not reveal_report or c.verdict is Verdict.MISSING:
        return text
    found = sentence(c, language=language)
    if found:
        text += f" — {found}"
    if values is not None and all(v.strip() for v in values):
        text += f" ({values[0]} / {values[1]})"
    if with_weight:
        text += f"; {weight_phrase(c.weight, language)}"
    return text


def pool_phrase(n_reports: int, reference: int, language: Language = Language.EN) -> str:
    """Why a large index lowers every score, in words a reviewer can check."""
    template = _REPORTS_ON_FILE[_lang(language)]
    return localise_digits(template.format(n=f"{n_reports:,}", ref=f"{reference:,}"), language)


def score_text(score: float, language: Language = Language.EN) -> str:
    """A calibrated score as shown: two decimals, "< 0.01" below that, "> 0.99" above."""
    if not math.isfinite(score) or score < 0.005:
        return localise_digits("< 0.01", language)
    if score > 0.995:
        return localise_digits("> 0.99", language)
    return localise_digits(f"{score:.2f}", language)
