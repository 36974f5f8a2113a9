"""A sensible Splink 4 (DuckDB) baseline for the same CSVs Shondhan reads, writing the same
candidates CSV, so accuracy and speed can be compared like for like.

Set-up (what a competent analyst without Bangla-specific tooling would do):
- Cleaning: every text value through ``anyascii`` (generic transliteration: Bangla script and
  Bangla digits to ASCII), lower case, apostrophes dropped (anyascii writes some letters with
  one: "ariy'a"), other non-letters to spaces; honorific tokens dropped (Latin
  ``Md``, ``Mst`` ... and their anyascii'd Bangla forms ``moh``, ``mochah`` ...: see
  :data:`HONORIFICS`); ``given`` = first remaining token, ``surname`` = last (if two or more).
  Phone: the last 10 digits. Dates: ISO first, else day-first. Birth year = year of the
  report/interception date minus the age (first number in the age text), so ages given at
  different dates line up. The event date's day number is kept per side (``report_day`` or
  ``interception_day``) so that a comparison can see which came first.
- Derived keys (computed in pandas, the way Splink's examples add phonetic columns): for the
  given name, surname, father's and mother's given names, the district and the upazila, a consonant
  :func:`skeleton` (vowels and h/w/y dropped, doubled letters collapsed: romanisations, and
  anyascii of Bangla, which drops inherent vowels, disagree mostly on vowels and aspiration) and
  a :func:`sound` code (Soundex's letter classes over the whole token).
- Comparisons: given name, surname, father's given name and mother's given name each graded
  exact / same skeleton / Jaro-Winkler >= 0.92 / same sound code / Jaro-Winkler >= 0.8 / else
  (term-frequency adjustment on the given name and surname: agreeing on "akter" is weak
  evidence); the father's comparison has one more level before "else": any token of the two
  fathers' full names shares a skeleton (Splink's ``ArrayIntersectLevel``: "Abdul Shahidul" vs
  "Shahidul"); sex exact; birth year (exact, within 1, 2, 3, 5 years); place, hierarchical
  like Splink's postcode comparison (upazila skeleton same / Jaro-Winkler >= 0.9, then district
  skeleton same / sound code same / Jaro-Winkler >= 0.8, else; null only when a side has
  neither); phone exact; event order
  (Splink's date-difference levels, signed: interception within a year after the report /
  within 3 years / later / before the report, which EM learns is nearly impossible).
- Training: prior from deterministic rules (same given-name, surname and district skeletons;
  same phone; recall 0.6), u by random sampling, m by two EM
  sessions blocked on rules whose pairs are mostly matches (phone; given + father's given
  skeleton). (EM blocked on given name alone, or on district + birth year, learnt m = u for
  birth year and district, and recall@10 fell to 0.55 at 50,000 reports.)
- Prediction blocking (OR of rules, :func:`blocking_rules`): given-name skeleton; given-name sound
  code + sex; father's given-name skeleton; father's sound code + sex; surname skeleton + birth
  year; phone; district skeleton + birth year + sex; first 2 letters of the given-name skeleton +
  birth year; first letters of the given and father's given skeletons + sex; given sound +
  district sound; father's + mother's given skeletons; mother's given sound + district sound +
  sex; first letter of the given skeleton + district sound + sex. (The last four were added
  after measuring which true pairs no rule kept on a tuning split: pair completeness 0.957 ->
  0.971 for 2% more pairs.)
  ``--tight`` (for 1,000,000 reports, to stay in memory; the rules were chosen for pair
  completeness per pair on a tuning split, within the pair count of the earlier exact-name
  rules): given + surname skeletons; given + district skeletons; given + mother's given
  skeletons; given sound + district sound + sex; given sound + father's given sound; father's
  given + district skeletons; father's + mother's given skeletons; phone. With it u is sampled
  from Splink's default 1e6 pairs (2e6 otherwise: u sampling is the memory peak).
- Memory: strings are held as Arrow-backed pandas columns (when pyarrow is installed) and
  DuckDB runs with ``preserve_insertion_order = false``; at 200,000 reports x 10,000
  interceptions ``--tight`` peaked at 1.14-1.23 GB RSS over three runs (the earlier, much less
  complete, exact-name rules: 1.12-1.18 GB; run-to-run spread is ~0.1 GB). Its 8 rules make
  2.01M pairs there (the earlier 3 rules: 2.16M).
- Candidates: the top ``k`` pairs by match weight per interception; score = match probability;
  band ``match`` at probability >= 0.9 (:data:`MATCH_PROBABILITY`), ``review`` at >= 0.5.

Tuned on its own generated splits (seeds 777/778/779, never the benchmark's held-out seeds).
Tried and not kept (no gain or worse there): a full-name token-intersection comparison, or such a
level in the given-name or surname comparison (double counts the given name: recall@10 fell 3-4
points); a Jaro-Winkler >= 0.7 level; Jaro-Winkler >= 0.88 on skeletons; term-frequency
adjustment on the parents' names; a third EM session (given + surname + mother's skeletons);
EM max_iterations 100 (already converged); birth date to the day instead of birth year; the
upazila as a separate comparison (double counts the district); in ``--tight``, no
term-frequency adjustment on skeletons (memory change within run-to-run noise, recall lower) and
``predict(materialise_blocked_pairs=False)`` (more memory).

``python -m benchmarks.splink_baseline --reports R --interceptions I --out C [--tight]`` runs it
on files (the speed benchmark meters this as a child process); ``--quick`` runs a tiny generated
set end to end as a smoke test (``run_all`` calls every script with ``--quick``).
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import logging
import re
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd
from anyascii import anyascii

NUMERIC = ("birth_year", "report_day", "interception_day")
MATCH_PROBABILITY = 0.9
REVIEW_PROBABILITY = 0.5
HONORIFICS = frozenset(
    {
        # Latin forms
        *("md", "mohammad", "mohammed", "muhammad", "mohd", "mst", "most", "mosammat", "mr"),
        # anyascii forms of the Bangla-script ones (moh, mo., mochah, mosah, mosammt ...)
        *("moh", "mo", "mochah", "mocha", "mosah", "mosammt", "mohammd", "muhammd"),
    }
)
"""Honorific tokens: the top of the first-token frequency table of the data, as an analyst
would find them by looking; Latin and (anyascii-transliterated) Bangla forms."""
_NON_LETTERS = re.compile(r"[^a-z]+")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def _clean(text: object) -> str | None:
    if not isinstance(text, str) or not text.strip():
        return None
    # Apostrophes are dropped, not split on: anyascii writes some letters with one ("ariy'a").
    tokens = _NON_LETTERS.sub(" ", anyascii(text).lower().replace("'", "")).split()
    kept = [t for t in tokens if t not in HONORIFICS]
    return " ".join(kept) or None


def _ascii(text: object) -> str | None:
    return anyascii(text).strip() if isinstance(text, str) and text.strip() else None


def _phone(text: object) -> str | None:
    digits = re.sub(r"\D", "", anyascii(text)) if isinstance(text, str) else ""
    return digits[-10:] if len(digits) >= 10 else None


def _age(text: object) -> float | None:
    m = _NUMBER.search(anyascii(text)) if isinstance(text, str) else None
    return float(m.group()) if m else None


_VOWELS_HWY = re.compile(r"[aeiouyhw]+")
_REPEATS = re.compile(r"(.)\1+")
_SOUND_CLASSES = str.maketrans(
    {
        **dict.fromkeys("bfpv", "1"),
        **dict.fromkeys("cgjkqsxz", "2"),
        **dict.fromkeys("dt", "3"),
        "l": "4",
        **dict.fromkeys("mn", "5"),
        "r": "6",
    }
)
_NOT_DIGITS = re.compile(r"[^0-9]+")


def skeleton(token: object) -> str | None:
    """Consonant skeleton of one cleaned token: vowels and ``h``/``w``/``y`` dropped, doubled
    letters collapsed ("rasedul", "rasedol", "rashedul" -> "rsdl"); a token of only vowels keeps
    its first letter. The generic fix for romanisations (and anyascii of abugidas) that disagree
    on vowels and on aspiration."""
    if not isinstance(token, str) or not token:
        return None
    return _REPEATS.sub(r"\1", _VOWELS_HWY.sub("", token)) or token[0]


def sound(token: object) -> str | None:
    """Soundex's letter classes over the whole token (no kept first letter, no 4-character cut):
    "phatema" and "fatema" -> "135", "cndrani" and "chondrani" -> "25365". Coarser than
    :func:`skeleton`; used as a blocking key and as a weaker comparison level."""
    if not isinstance(token, str) or not token:
        return None
    digits = _NOT_DIGITS.sub("", token.translate(_SOUND_CLASSES))
    return _REPEATS.sub(r"\1", digits) or token[0]


def _tokens(name: object, key: Any) -> list[str] | None:
    if not isinstance(name, str) or not name:
        return None
    keys = sorted({k for k in map(key, name.split()) if k})
    return keys or None


def _first(name: object) -> str | None:
    return name.split()[0] if isinstance(name, str) and name else None


def _last(name: object) -> str | None:
    return name.split()[-1] if isinstance(name, str) and " " in name else None


def _by_value(values: pd.Series, fn: Any) -> pd.Series:
    """``values.map(fn)`` computed once per distinct value (names repeat a lot): several times
    faster on 1,000,000 rows, and equal values share one result object."""
    distinct = values.dropna().unique()
    return values.map(dict(zip(distinct, map(fn, distinct), strict=True)))


def prepare(path: Path, *, id_col: str, date_col: str, district_col: str) -> pd.DataFrame:
    """Read one input CSV into Splink's common schema (cleaned as in the module docstring)."""
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    names = _by_value(raw["name"], _clean)
    texts = _by_value(raw[date_col], _ascii)
    # Parsed once per distinct text. ISO dates first: with dayfirst=True pandas reads
    # "2021-01-10" as 1 October.
    distinct = pd.Series(texts.dropna().unique(), dtype=object)
    parsed = pd.to_datetime(distinct, errors="coerce", format="ISO8601").fillna(
        pd.to_datetime(distinct, errors="coerce", dayfirst=True, format="mixed")
    )
    dates = pd.to_datetime(texts.map(dict(zip(distinct, parsed, strict=True))))
    ages = _by_value(raw["age"], _age).astype(float)
    father = _by_value(raw["father_name"], _clean)
    given = names.map(_first)
    surname = names.map(_last)
    father_given = father.map(_first)
    mother_given = _by_value(raw["mother_name"], _clean).map(_first)
    district = _by_value(raw[district_col], _clean)
    upazila_col = "upazila" if "upazila" in raw.columns else "home_upazila"
    upazila = _by_value(raw[upazila_col], _clean) if upazila_col in raw.columns else None
    df = pd.DataFrame(
        {
            "unique_id": raw[id_col],
            "given": given,
            "given_sk": _by_value(given, skeleton),
            "given_snd": _by_value(given, sound),
            "surname": surname,
            "surname_sk": _by_value(surname, skeleton),
            "surname_snd": _by_value(surname, sound),
            "father_given": father_given,
            "father_sk": _by_value(father, lambda n: _tokens(n, skeleton)),
            "father_given_sk": _by_value(father_given, skeleton),
            "father_given_snd": _by_value(father_given, sound),
            "mother_given": mother_given,
            "mother_given_sk": _by_value(mother_given, skeleton),
            "mother_given_snd": _by_value(mother_given, sound),
            "sex": _by_value(raw["sex"], lambda s: s.strip().upper()[:1] or None),
            "birth_year": (dates.dt.year - ages.round()).astype("Int64"),
            "district_sk": _by_value(district, skeleton),
            "district_snd": _by_value(district, sound),
            "phone": _by_value(raw["guardian_phone"], _phone),
            "upazila_sk": None if upazila is None else _by_value(upazila, skeleton),
        }
    )
    # The event's day number goes in the column of its side (reports: report_day, interceptions:
    # interception_day; the other one is null), so a comparison can see which came first.
    days = ((dates - pd.Timestamp("1970-01-01")).dt.days).astype("Int64")
    missing = pd.Series(pd.NA, index=df.index, dtype="Int64")
    is_report = date_col == "report_date"
    df["report_day"] = days if is_report else missing
    df["interception_day"] = missing if is_report else days
    del raw
    # Arrow-backed strings: a quarter of the memory of Python str objects, and DuckDB reads them
    # without converting (what keeps the --tight run at 1,000,000 reports within memory).
    # Without pyarrow installed, plain object columns (same results, more memory).
    df["father_sk"] = df["father_sk"].astype(object).where(df["father_sk"].notna(), None)
    strings = [c for c in df.columns if c not in NUMERIC and c != "father_sk"]
    if importlib.util.find_spec("pyarrow") is not None:
        df[strings] = df[strings].astype("string[pyarrow]")
    else:
        df[strings] = df[strings].astype(object).where(df[strings].notna(), None)
    return df


def _name(
    col: str, *, tf_exact: bool = False, tf_skeleton: bool = False, extra: tuple[Any, ...] = ()
) -> Any:
    """Graded name comparison: exact, same skeleton, Jaro-Winkler >= 0.92, same sound code,
    Jaro-Winkler >= 0.8, ``extra`` levels, else (``NameComparison``'s shape plus the two keys).
    ``tf_*``: term-frequency adjustment on the exact / skeleton level."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    return cl.CustomComparison(
        output_column_name=col,
        comparison_levels=[
            cll.NullLevel(col),
            cll.ExactMatchLevel(col, term_frequency_adjustments=tf_exact),
            cll.ExactMatchLevel(f"{col}_sk", term_frequency_adjustments=tf_skeleton),
            cll.JaroWinklerLevel(col, 0.92),
            cll.ExactMatchLevel(f"{col}_snd"),
            cll.JaroWinklerLevel(col, 0.8),
            *extra,
            cll.ElseLevel(),
        ],
    )


def blocking_rules(*, tight: bool) -> list[Any]:
    """Prediction blocking rules (OR-ed); see the module docstring."""
    from splink import block_on

    if tight:
        return [
            block_on("given_sk", "surname_sk"),
            block_on("given_sk", "district_sk"),
            block_on("given_sk", "mother_given_sk"),
            block_on("given_snd", "district_snd", "sex"),
            block_on("given_snd", "father_given_snd"),
            block_on("father_given_sk", "district_sk"),
            block_on("father_given_sk", "mother_given_sk"),
            block_on("phone"),
        ]
    return [
        block_on("given_sk"),
        block_on("given_snd", "sex"),
        block_on("father_given_sk"),
        block_on("father_given_snd", "sex"),
        block_on("surname_sk", "birth_year"),
        block_on("phone"),
        block_on("district_sk", "birth_year", "sex"),
        block_on("substr(given_sk, 1, 2)", "birth_year"),
        block_on("substr(given_sk, 1, 1)", "substr(father_given_sk, 1, 1)", "sex"),
        block_on("given_snd", "district_snd"),
        block_on("father_given_sk", "mother_given_sk"),
        block_on("mother_given_snd", "district_snd", "sex"),
        block_on("substr(given_sk, 1, 1)", "district_snd", "sex"),
    ]


def settings(*, tight: bool, dedupe: bool = False) -> Any:
    """Splink settings: comparisons and blocking as in the module docstring.

    ``dedupe``: ``link_type="dedupe_only"`` within one file of reports (``benchmarks.dedupe``),
    without the event-order comparison (two reports have no report/interception order)."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator

    birth_year = cl.CustomComparison(
        output_column_name="birth_year",
        comparison_levels=[
            cll.NullLevel("birth_year"),
            cll.ExactMatchLevel("birth_year"),
            cll.AbsoluteDifferenceLevel("birth_year", 1),
            cll.AbsoluteDifferenceLevel("birth_year", 2),
            cll.AbsoluteDifferenceLevel("birth_year", 3),
            cll.AbsoluteDifferenceLevel("birth_year", 5),
            cll.ElseLevel(),
        ],
    )
    place_missing = " or ".join(
        f"(district_sk_{s} is null and upazila_sk_{s} is null)" for s in ("l", "r")
    )
    district = cl.CustomComparison(
        output_column_name="place",
        comparison_levels=[
            cll.CustomLevel(place_missing, "no place on one side").configure(is_null_level=True),
            cll.ExactMatchLevel("upazila_sk"),
            cll.JaroWinklerLevel("upazila_sk", 0.9),
            cll.ExactMatchLevel("district_sk"),
            cll.ExactMatchLevel("district_snd"),
            cll.JaroWinklerLevel("district_sk", 0.8),
            cll.ElseLevel(),
        ],
    )
    interception = "coalesce(interception_day_l, interception_day_r)"
    report = "coalesce(report_day_l, report_day_r)"
    order = cl.CustomComparison(
        output_column_name="event_order",
        comparison_levels=[
            cll.CustomLevel(f"{interception} is null or {report} is null").configure(
                is_null_level=True
            ),
            cll.CustomLevel(
                f"{interception} - {report} between 0 and 365", "interception within a year"
            ),
            cll.CustomLevel(
                f"{interception} - {report} between 0 and 1095", "interception within 3 years"
            ),
            cll.CustomLevel(f"{interception} >= {report}", "interception on/after report"),
            cll.ElseLevel(),
        ],
    )
    return SettingsCreator(
        link_type="dedupe_only" if dedupe else "link_only",
        comparisons=[
            _name("given", tf_exact=True, tf_skeleton=True),
            _name("surname", tf_exact=True, tf_skeleton=True),
            _name("father_given", extra=(cll.ArrayIntersectLevel("father_sk", 1),)),
            _name("mother_given"),
            cl.ExactMatch("sex"),
            birth_year,
            district,
            cl.ExactMatch("phone"),
            *(() if dedupe else (order,)),
        ],
        blocking_rules_to_generate_predictions=blocking_rules(tight=tight),
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )


def train(linker: Any, *, u_pairs: float) -> None:
    """Prior from deterministic rules, u by random sampling, m by two EM sessions (see the
    module docstring); the same for linking and for ``benchmarks.dedupe``."""
    from splink import block_on

    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_sk", "surname_sk", "district_sk"), block_on("phone")], recall=0.6
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=u_pairs, seed=1)
    # EM sessions blocked on rules whose pairs are mostly true matches (Splink's advice): the
    # same phone trains every name/age/place comparison; same given + father's given trains phone.
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("phone"))
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("given_sk", "father_given_sk")
    )


def run(
    reports_csv: Path,
    interceptions_csv: Path,
    out_csv: Path,
    *,
    top_k: int = 10,
    tight: bool = False,
    u_pairs: float | None = None,
    threads: int = 2,
    save_model: Path | None = None,
    true_pairs: pd.DataFrame | None = None,
) -> dict[str, float]:
    """Train and predict with Splink; write the top ``top_k`` per interception; return timings
    (seconds) and ``pairs``, the number of blocked pairs; with ``true_pairs`` (columns
    ``interception_id, report_id``) also ``true_pairs_blocked``, how many of them blocking kept
    (for pair completeness)."""
    import duckdb
    from splink import DuckDBAPI, Linker

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    reports = prepare(
        reports_csv, id_col="report_id", date_col="report_date", district_col="district"
    )
    interceptions = prepare(
        interceptions_csv,
        id_col="interception_id",
        date_col="interception_date",
        district_col="home_district",
    )
    timings["prepare"] = time.perf_counter() - t0
    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    # DuckDB's own advice for large jobs: row order is not needed (the ranking sorts anyway).
    con.execute("SET preserve_insertion_order = false")
    linker = Linker(
        [reports, interceptions],
        settings(tight=tight),
        db_api=DuckDBAPI(con),
        input_table_aliases=["reports", "interceptions"],
        set_up_basic_logging=False,
    )
    t1 = time.perf_counter()
    if u_pairs is None:  # Splink's default 1e6 where memory is tight, else 2e6
        u_pairs = 1e6 if tight else 2e6
    train(linker, u_pairs=u_pairs)
    timings["train"] = time.perf_counter() - t1
    if save_model is not None:
        linker.misc.save_model_to_json(str(save_model), overwrite=True)
    t2 = time.perf_counter()
    predictions = linker.inference.predict()
    ranked = linker.misc.query_sql(
        f"""
        select interception_id, report_id, match_probability, rank from (
            select
                case when source_dataset_l = 'reports' then unique_id_r else unique_id_l end
                    as interception_id,
                case when source_dataset_l = 'reports' then unique_id_l else unique_id_r end
                    as report_id,
                match_probability,
                row_number() over (
                    partition by case when source_dataset_l = 'reports'
                                      then unique_id_r else unique_id_l end
                    order by match_weight desc, unique_id_l, unique_id_r
                ) as rank
            from {predictions.physical_name}
        ) where rank <= {int(top_k)}
        order by interception_id, rank
        """,
        output_type="pandas",
    )
    timings["predict"] = time.perf_counter() - t2
    timings["pairs"] = float(
        linker.misc.query_sql(
            f"select count(*) as n from {predictions.physical_name}", output_type="pandas"
        )["n"][0]
    )
    if true_pairs is not None:
        con.register("truth_pairs", true_pairs[["interception_id", "report_id"]])
        timings["true_pairs_blocked"] = float(
            con.execute(
                f"""
                select count(*) from (
                    select distinct
                        case when source_dataset_l = 'reports' then unique_id_r
                             else unique_id_l end as interception_id,
                        case when source_dataset_l = 'reports' then unique_id_l
                             else unique_id_r end as report_id
                    from {predictions.physical_name}
                ) p join truth_pairs t using (interception_id, report_id)
                """
            ).fetchone()[0]  # type: ignore[index]
        )
    write_ranked(ranked, out_csv)
    timings["total"] = time.perf_counter() - t0
    return timings


def write_ranked(ranked: pd.DataFrame, out_csv: Path) -> None:
    """Write Splink's ranked pairs in Shondhan's candidates CSV format (atomically)."""
    from matcher.csvio import atomic_write
    from matcher.records import CANDIDATE_COLUMNS

    with atomic_write(out_csv) as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(CANDIDATE_COLUMNS)
        for iid, rid, prob, rank in ranked.itertuples(index=False, name=None):
            p = float(prob)
            band = (
                "match"
                if p >= MATCH_PROBABILITY
                else "review"
                if p >= REVIEW_PROBABILITY
                else "no_match"
            )
            writer.writerow((iid, rid, int(rank), f"{p:.6f}", band, "splink"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=Path)
    parser.add_argument("--interceptions", type=Path)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--top-k", type=int, default=10)
    parser.add_argument("--tight", action="store_true")
    parser.add_argument("--quick", action="store_true", help="tiny generated smoke run")
    parser.add_argument("--save-model", type=Path, help="write the trained Splink model (JSON)")
    args = parser.parse_args(argv)
    logging.getLogger("splink").setLevel(logging.ERROR)
    if args.quick:
        from benchmarks.common import ACCURACY_SEED, test_split
        from matcher.csvio import iter_candidates, read_truth
        from matcher.evaluate import evaluate_candidates

        folder = test_split(2_000, 200, ACCURACY_SEED)
        out = folder / "splink-candidates.csv"
        timings = run(folder / "reports.csv", folder / "interceptions.csv", out, u_pairs=2e5)
        truth = read_truth(folder / "truth.csv")
        ev = evaluate_candidates(iter_candidates(out), truth.matches)
        print(f"splink smoke run (2,000 reports / 200 interceptions): {timings['total']:.1f} s")
        print(f"recall@10 {ev.recall_at_k:.4f}")
        return 0
    if not (args.reports and args.interceptions and args.out):
        parser.error("--reports, --interceptions and --out are required (or --quick)")
    timings = run(
        args.reports,
        args.interceptions,
        args.out,
        top_k=args.top_k,
        tight=args.tight,
        save_model=args.save_model,
    )
    print(" ".join(f"{k}={v:.1f}" for k, v in timings.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
