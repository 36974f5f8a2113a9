"""Synthetic missing-child reports, border interceptions and the truth linking them.

Why: the engine needs labelled pairs to train on and an honest held-out set to be measured on,
and no real data of this kind can be shared. Every record here is synthetic, built from public
Bangla name lists (``training_data/sources/``) and the gazetteer (``matcher/data/geo/``). The
noise model and its probabilities are documented in ``training_data/DATA_CARD.md``; the numbers
live in :data:`NOISE` so code, card and tests agree.

Contract:
- ``generate(n_reports=..., n_interceptions=..., seed=..., split=...)`` is deterministic: the same
  arguments give byte-identical CSVs. Different splits use different random streams *and*
  different given-name vocabularies (a hash partition with a shared common part), so the test
  split holds names the model never saw in training.
- ``reported_share`` of the interceptions (capped by the number of reported children) are of a
  reported child; truth gives that child's primary report id. The rest were never reported and
  have a blank report id (false-alarm measurement).
- A child reported twice (two police stations) has one primary report in ``truth.report_id`` and
  the others in ``truth.duplicate_report_ids`` ("|"-separated): a candidate naming any of them is
  the right child.
- Ids are unique across splits: "TRN-R-000001", "VAL-I-000001", "TST-R-000001" ...
- ``stream_csvs`` writes the same data as ``write_csvs(generate(...))`` without holding the
  reports in memory (for 1,000,000-report benchmarks).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import math
import random
import re
import sys
import unicodedata
import zlib
from bisect import bisect
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import cache, lru_cache
from pathlib import Path

from matcher.records import INTERCEPTION_COLUMNS, REPORT_COLUMNS, Interception, Report, Sex
from training_data import noise

SOURCES = Path(__file__).resolve().parent / "sources"
GEO = Path(__file__).resolve().parent.parent / "matcher" / "data" / "geo"


class Split(StrEnum):
    """Which dataset split to generate; each has its own id prefix and name vocabulary."""

    TRAIN = "train"
    VALIDATION = "validation"
    TEST = "test"


class VocabPart(StrEnum):
    """Where a Bangla given name may appear: every split (shared) or one split only."""

    SHARED = "shared"
    TRAIN = "train"
    VALIDATION = "validation"
    TEST = "test"


_ID_PREFIX = {Split.TRAIN: "TRN", Split.VALIDATION: "VAL", Split.TEST: "TST"}
_SPLIT_SALT = {Split.TRAIN: 11, Split.VALIDATION: 23, Split.TEST: 37}


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

TRUTH_FLAGS: tuple[str, ...] = (
    "cross_script",
    "nickname_only",
    "district_wrong_or_missing",
    "no_father_name",
    "elapsed_over_2y",
    "sibling_in_reports",
    "has_duplicate_report",
    "name_typo",
    "upazila_only",
    "split_only_name",
)
TRUTH_COLUMNS: tuple[str, ...] = (
    "interception_id",
    "report_id",
    "duplicate_report_ids",
    *TRUTH_FLAGS,
)


@dataclass(frozen=True, slots=True)
class TruthRow:
    """The answer for one interception and the slices it belongs to (flags are 0/1 in CSV).

    ``report_id`` is None when the child was never reported. ``duplicate_report_ids`` are other
    reports of the same child (also correct answers). Flags describe what the noise did:
    ``cross_script`` means the report's and the interception's names are in different scripts;
    ``split_only_name`` means the child's given name belongs to this split's own vocabulary part
    (in the test split: a name no training record contains).
    """

    interception_id: str
    report_id: str | None
    duplicate_report_ids: tuple[str, ...] = ()
    cross_script: bool = False
    nickname_only: bool = False
    district_wrong_or_missing: bool = False
    no_father_name: bool = False
    elapsed_over_2y: bool = False
    sibling_in_reports: bool = False
    has_duplicate_report: bool = False
    name_typo: bool = False
    upazila_only: bool = False
    split_only_name: bool = False


@dataclass(frozen=True, slots=True)
class SyntheticSet:
    """Reports, interceptions and truth of one generated split."""

    reports: list[Report]
    interceptions: list[Interception]
    truth: list[TruthRow]
    split: Split = Split.TRAIN
    seed: int = 0


# --------------------------------------------------------------------------------------------
# Reference tables (loaded once, lazily: importing this module reads no file)
# --------------------------------------------------------------------------------------------


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text.strip())


def _stable_hash(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big")


def _is_bangla_word(token: str) -> bool:
    return 2 <= len(token) <= 14 and all(
        "\u0980" <= ch <= "\u09ff" or ch in "\u200c\u200d" for ch in token
    )


# Honorific prefixes as written on forms (Bangla) and their romanised forms.
PREFIX_MALE_BN: tuple[tuple[str, float], ...] = (
    ("মোঃ", 6.0),
    ("মো.", 2.0),
    ("মোহাম্মদ", 1.0),
)
PREFIX_FEMALE_BN: tuple[tuple[str, float], ...] = (
    ("মোছাঃ", 5.0),
    ("মোসাঃ", 1.5),
    ("মোছা.", 1.0),
    ("মোসাম্মৎ", 1.0),
)
PREFIX_MALE_LATIN: tuple[tuple[str, float], ...] = (
    ("md.", 6.0),
    ("md", 3.0),
    ("mohammad", 1.0),
    ("mohammed", 0.7),
    ("muhammad", 0.5),
)
PREFIX_FEMALE_LATIN: tuple[tuple[str, float], ...] = (
    ("mst.", 5.0),
    ("mst", 2.0),
    ("most.", 1.0),
    ("mosammat", 0.7),
    ("mosammet", 0.4),
)
# Particles that start compound Muslim male names (আব্দুল করিম): shared by every split.
FATHER_PARTICLES: tuple[tuple[str, float], ...] = (("আব্দুল", 3.0), ("আবুল", 1.0), ("আবু", 1.0))

# Surnames by group, weighted with the *shape* of the Forebears 2014 frequency table
# (estimated bearers in millions, spelling clusters merged); see DATA_CARD.md.
SURNAMES_MUSLIM_MALE: tuple[tuple[str, float], ...] = (
    ("ইসলাম", 10.7),
    ("হোসেন", 9.2),
    ("রহমান", 6.6),
    ("হাসান", 3.9),
    ("আহমেদ", 3.5),
    ("খান", 2.3),
    ("উদ্দিন", 2.3),
    ("আলী", 2.2),
    ("আলম", 2.1),
    ("মিয়া", 3.0),
    ("চৌধুরী", 1.5),
    ("হক", 2.0),
    ("মাহমুদ", 0.7),
    ("কবির", 0.7),
    ("সরকার", 1.0),
    ("করিম", 0.55),
    ("আমিন", 0.5),
    ("রশিদ", 0.5),
    ("উল্লাহ", 0.45),
    ("জামান", 0.45),
    ("শেখ", 0.35),
    ("ভূঁইয়া", 0.35),
    ("মামুন", 0.6),
    ("রেজা", 0.3),
    ("মন্ডল", 0.3),
    ("বিশ্বাস", 0.3),
)
SURNAMES_MUSLIM_FEMALE: tuple[tuple[str, float], ...] = (
    ("আক্তার", 17.5),
    ("খাতুন", 10.0),
    ("বেগম", 2.4),
    ("সুলতানা", 1.7),
    ("জাহান", 0.7),
    ("নাহার", 0.6),
    ("পারভীন", 0.5),
    ("খানম", 0.3),
    ("ইসলাম", 1.5),
    ("রহমান", 0.6),
    ("চৌধুরী", 0.3),
)
MOTHER_SURNAMES_MUSLIM: tuple[tuple[str, float], ...] = (
    ("বেগম", 8.0),
    ("খাতুন", 8.0),
    ("আক্তার", 6.0),
    ("বিবি", 1.0),
    ("নাহার", 0.6),
    ("পারভীন", 0.5),
)
SURNAMES_HINDU: tuple[tuple[str, float], ...] = (
    ("দাস", 0.9),
    ("রায়", 0.5),
    ("সাহা", 0.5),
    ("বিশ্বাস", 0.4),
    ("সরকার", 0.4),
    ("মন্ডল", 0.3),
    ("ঘোষ", 0.25),
    ("দে", 0.2),
    ("পাল", 0.2),
    ("দত্ত", 0.15),
    ("সেন", 0.1),
    ("চক্রবর্তী", 0.1),
    ("বর্মন", 0.15),
    ("মজুমদার", 0.1),
    ("তালুকদার", 0.1),
    ("বড়ুয়া", 0.27),
    ("চাকমা", 0.2),
)
MOTHER_MIDDLE_HINDU: tuple[tuple[str, float], ...] = (("রানী", 3.0), ("বালা", 1.0))
# Official-style romanisations of surnames (Forebears clusters, published variant groups).
SURNAME_LATIN: dict[str, tuple[tuple[str, float], ...]] = {
    "আক্তার": (("akter", 14.5), ("akhter", 1.0), ("aktar", 1.0), ("akther", 0.95)),
    "ইসলাম": (("islam", 1.0),),
    "খাতুন": (("khatun", 1.0), ("khatoon", 0.1)),
    "হোসেন": (("hossain", 6.9), ("hossen", 1.5), ("hosen", 0.9), ("hussain", 0.3)),
    "রহমান": (("rahman", 6.2), ("rahaman", 0.4), ("rohman", 0.1)),
    "হাসান": (("hasan", 3.4), ("hassan", 0.6)),
    "আহমেদ": (("ahmed", 2.9), ("ahmad", 0.34), ("ahamed", 0.3)),
    "বেগম": (("begum", 1.0), ("begom", 0.05)),
    "খান": (("khan", 1.0),),
    "উদ্দিন": (("uddin", 1.0), ("uddeen", 0.03)),
    "আলী": (("ali", 1.0),),
    "আলম": (("alam", 1.0),),
    "মিয়া": (("mia", 1.8), ("miah", 1.1), ("miya", 0.2)),
    "সুলতানা": (("sultana", 1.0),),
    "চৌধুরী": (("chowdhury", 1.0), ("choudhuri", 0.2), ("chowdhuri", 0.1)),
    "হক": (("haque", 1.4), ("hoque", 0.6), ("haq", 0.2)),
    "দাস": (("das", 1.0), ("dash", 0.05)),
    "মাহমুদ": (("mahmud", 1.0), ("mahmood", 0.1)),
    "বিশ্বাস": (("biswas", 1.0), ("bishwas", 0.1)),
    "জাহান": (("jahan", 1.0),),
    "কবির": (("kabir", 1.0), ("kobir", 0.05)),
    "সরকার": (("sarker", 0.67), ("sarkar", 0.37), ("sorkar", 0.05)),
    "নাহার": (("nahar", 1.0),),
    "করিম": (("karim", 1.0),),
    "পারভীন": (("parvin", 1.0), ("parveen", 0.3)),
    "সাহা": (("saha", 1.0),),
    "রায়": (("roy", 1.0), ("ray", 0.1)),
    "আমিন": (("amin", 1.0),),
    "রশিদ": (("rashid", 1.0), ("roshid", 0.05)),
    "উল্লাহ": (("ullah", 1.0), ("ulla", 0.05)),
    "জামান": (("zaman", 1.0), ("jaman", 0.05)),
    "চাকমা": (("chakma", 1.0),),
    "শেখ": (("sheikh", 1.0), ("shekh", 0.1)),
    "ভূঁইয়া": (("bhuiyan", 1.0), ("bhuiya", 0.1), ("bhuyan", 0.1)),
    "মামুন": (("mamun", 1.0),),
    "রেজা": (("reza", 1.0),),
    "খানম": (("khanam", 1.0),),
    "মন্ডল": (("mondal", 1.0), ("mandal", 0.3)),
    "বড়ুয়া": (("barua", 1.0), ("baruah", 0.05)),
    "বিবি": (("bibi", 1.0),),
    "রানী": (("rani", 1.0), ("ranee", 0.05)),
    "বালা": (("bala", 1.0),),
    "আব্দুল": (("abdul", 1.0), ("abdull", 0.02)),
    "আবুল": (("abul", 1.0),),
    "আবু": (("abu", 1.0),),
}
# Dak nam (pet names): the published examples (Bubai, Bablu) plus common ones compiled by hand;
# value: (sexes that use it, Latin spellings).
DAK_NAM: dict[str, tuple[str, tuple[str, ...]]] = {
    "বুবাই": ("M", ("bubai",)),
    "বাবলু": ("M", ("bablu",)),
    "রানা": ("M", ("rana",)),
    "বাবু": ("M", ("babu",)),
    "খোকন": ("M", ("khokon", "khokan")),
    "মিঠু": ("MF", ("mithu",)),
    "পিন্টু": ("M", ("pintu",)),
    "রিংকু": ("M", ("rinku", "ringku")),
    "মুন্না": ("M", ("munna",)),
    "রাজু": ("M", ("raju",)),
    "বাপ্পী": ("M", ("bappi", "bappy")),
    "টিটু": ("M", ("titu",)),
    "বুলবুল": ("M", ("bulbul",)),
    "ছোটন": ("M", ("choton", "chhoton")),
    "টুটুল": ("M", ("tutul",)),
    "জনি": ("M", ("jony", "joni")),
    "রনি": ("M", ("rony", "roni")),
    "মনা": ("F", ("mona", "mana")),
    "সুমি": ("F", ("sumi", "shumi")),
    "টুম্পা": ("F", ("tumpa",)),
    "মিতু": ("F", ("mitu", "meetu")),
    "সোনা": ("MF", ("sona", "shona")),
    "মনি": ("MF", ("moni", "mani", "monee")),
    "পাখি": ("F", ("pakhi",)),
    "লিপি": ("F", ("lipi",)),
    "শিমু": ("F", ("shimu", "simu")),
    "ঝুমা": ("F", ("jhuma", "juma")),
    "রুমা": ("F", ("ruma",)),
    "পিংকি": ("F", ("pinki", "pinky")),
    "টুনি": ("F", ("tuni",)),
    "লাকি": ("F", ("lucky", "laki")),
    "সাথী": ("F", ("sathi", "shathi")),
    "খুকি": ("F", ("khuki",)),
    "বিথী": ("F", ("bithi",)),
    "শাপলা": ("F", ("shapla", "sapla")),
    "কলি": ("F", ("koli", "kali")),
}
# Land ports / border crossings (public facts) and the ISO code of their district.
BORDER_POSTS: tuple[tuple[str, str, str], ...] = (
    ("Benapole", "বেনাপোল", "BD-22"),
    ("Bhomra", "ভোমরা", "BD-58"),
    ("Darshana", "দর্শনা", "BD-07"),
    ("Maheshpur", "মহেশপুর", "BD-23"),
    ("Sonamasjid", "সোনামসজিদ", "BD-45"),
    ("Rohanpur", "রহনপুর", "BD-45"),
    ("Hili", "হিলি", "BD-14"),
    ("Birol", "বিরল", "BD-14"),
    ("Banglabandha", "বাংলাবান্ধা", "BD-52"),
    ("Burimari", "বুড়িমারী", "BD-32"),
    ("Roumari", "রৌমারী", "BD-28"),
    ("Nakugaon", "নাকুগাঁও", "BD-57"),
    ("Haluaghat", "হালুয়াঘাট", "BD-34"),
    ("Tamabil", "তামাবিল", "BD-60"),
    ("Sheola", "শেওলা", "BD-60"),
    ("Akhaura", "আখাউড়া", "BD-04"),
    ("Bibir Bazar", "বিবির বাজার", "BD-08"),
    ("Belonia", "বিলোনিয়া", "BD-16"),
    ("Teknaf", "টেকনাফ", "BD-11"),
)

# (items, cumulative weights, total weight): sampled with one bisect, no per-call arithmetic.
_WeightedTable = tuple[tuple[str, ...], tuple[float, ...], float]


def _table(pairs: Iterable[tuple[str, float]]) -> _WeightedTable:
    items: list[str] = []
    cum: list[float] = []
    total = 0.0
    for item, weight in pairs:
        if weight <= 0:
            continue
        total += weight
        items.append(item)
        cum.append(total)
    return tuple(items), tuple(cum), total


def _pick(table: _WeightedTable, rng: random.Random) -> str:
    return table[0][bisect(table[1], rng.random() * table[2])]


def _nfc_pairs(pairs: Iterable[tuple[str, float]]) -> tuple[tuple[str, float], ...]:
    return tuple((_nfc(a), w) for a, w in pairs)


@dataclass(frozen=True, slots=True)
class _GivenName:
    token: str
    sexes: frozenset[str]
    religions: frozenset[str]
    sources: int


@lru_cache(maxsize=1)
def _given_name_universe() -> dict[str, _GivenName]:
    """Every usable Bangla given-name token with its sexes, religions and number of sources."""
    reserved = _reserved_tokens()
    sexes: dict[str, set[str]] = {}
    religions: dict[str, set[str]] = {}
    sources: dict[str, set[str]] = {}

    def add(raw: str, sex: str | None, religion: str | None, source: str) -> None:
        parts = _nfc(raw).split()
        if not parts:
            return
        token = parts[0]
        if not _is_bangla_word(token) or token in reserved:
            return
        if sex:
            sexes.setdefault(token, set()).add(sex)
        else:
            sexes.setdefault(token, set())
        if religion:
            religions.setdefault(token, set()).add(religion)
        sources.setdefault(token, set()).add(source)

    with (SOURCES / "faker_bn_BD_person_names.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["kind"] == "first_name":
                rel = {"islamic": "muslim", "hindu": "hindu"}.get(row["religion_tag"])
                add(row["name_bn"], row["gender"][:1].upper(), rel, "faker")
                add(row["name_bn"], row["gender"][:1].upper(), rel, "faker_common")
    with (SOURCES / "banglanamemaker_baby_names.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["name_bn"]:
                add(row["name_bn"], row["gender"][:1].upper(), row["religion"], "bnm")
    with (SOURCES / "bangla_name_generator_lists.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            sex = {"male_first_names": "M", "female_first_names": "F"}.get(row["list"])
            if sex:
                add(row["name_bn"], sex, None, "lifeparticle")
    with (SOURCES / "bengali_female_vs_male_names_faruk_ahmad.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            add(row["Name"], "F" if row["Gender"] == "1" else "M", None, "faruk")
    return {
        t: _GivenName(t, frozenset(sexes[t]), frozenset(religions.get(t, ())), len(sources[t]))
        for t in sorted(sources)
        if sexes[t]
    }


@lru_cache(maxsize=1)
def _reserved_tokens() -> frozenset[str]:
    """Tokens the generator uses outside given names: never partitioned, never given names."""
    groups: list[Iterable[tuple[str, float]]] = [
        PREFIX_MALE_BN,
        PREFIX_FEMALE_BN,
        FATHER_PARTICLES,
        SURNAMES_MUSLIM_MALE,
        SURNAMES_MUSLIM_FEMALE,
        MOTHER_SURNAMES_MUSLIM,
        SURNAMES_HINDU,
        MOTHER_MIDDLE_HINDU,
    ]
    tokens = {_nfc(t) for group in groups for t, _ in group}
    tokens |= {_nfc(t) for t in DAK_NAM}
    return frozenset(tokens)


def vocab_part(token: str) -> VocabPart:
    """The vocabulary part of a Bangla given-name token (stable hash partition).

    Names from Faker's short "common" lists and 40% of the rest (by hash) are shared by every
    split; of the others 30% are train-only, 15% validation-only, 15% test-only. Tokens that the
    generator does not use as given names are reported as SHARED.
    """
    info = _given_name_universe().get(_nfc(token))
    if info is None or info.sources >= 3:
        return VocabPart.SHARED
    bucket = _stable_hash("vocab:" + info.token) % 100
    if bucket < 40:
        return VocabPart.SHARED
    if bucket < 70:
        return VocabPart.TRAIN
    if bucket < 85:
        return VocabPart.VALIDATION
    return VocabPart.TEST


def given_names_for(split: Split) -> frozenset[str]:
    """The Bangla given-name tokens a split may use (shared part + the split's own part)."""
    own = VocabPart(split.value)
    return frozenset(t for t in _given_name_universe() if vocab_part(t) in (VocabPart.SHARED, own))


@lru_cache(maxsize=1)
def _latin_lexicon() -> dict[str, list[tuple[str, float]]]:
    """Attested human romanisations of Bangla words (Dakshina, BanglaNameMaker), by NFC word."""
    wanted = set(_given_name_universe()) | set(_reserved_tokens())
    lex: dict[str, list[tuple[str, float]]] = {}
    with (SOURCES / "dakshina_bn_romanization_lexicon.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            native = _nfc(row["native"])
            if native in wanted:
                roman = row["romanization"].strip().lower()
                if roman.isascii() and roman.isalpha():
                    lex.setdefault(native, []).append((roman, float(row["attestations"])))
    with (SOURCES / "banglanamemaker_baby_names.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            native = _nfc(row["name_bn"]) if row["name_bn"] else ""
            roman = row["name_en"].strip().lower()
            if native in wanted and roman.isascii() and roman.isalpha():
                lex.setdefault(native, []).append((roman, 3.0))
    return lex


@cache
def _latin_table(token: str) -> _WeightedTable:
    """Weighted Latin spellings of one Bangla token (lower case), cached per token.

    Official surname spellings dominate for surnames; attested human romanisations for other
    words, with a 10% share of rule-based noisy variants; rule-based variants alone for words
    no human source covers.
    """
    rng = random.Random(_stable_hash("latin:" + token))
    pairs: dict[str, float] = {}
    official = _surname_latin().get(token)
    if official is not None:
        total = sum(w for _, w in official)
        for roman, w in official:
            pairs[roman] = pairs.get(roman, 0.0) + 0.9 * w / total
        attested = _latin_lexicon().get(token, [])
        att_total = sum(w for _, w in attested) or 1.0
        for roman, w in attested:
            pairs[roman] = pairs.get(roman, 0.0) + 0.1 * w / att_total
        return _table(sorted(pairs.items()))
    attested = _latin_lexicon().get(token, [])
    if attested:
        att_total = sum(w for _, w in attested)
        for roman, w in attested:
            pairs[roman] = pairs.get(roman, 0.0) + 0.9 * w / att_total
        for _ in range(2):
            roman = noise.romanise_rule(token, rng)
            pairs[roman] = pairs.get(roman, 0.0) + 0.05
    else:
        for _ in range(4):
            roman = noise.romanise_rule(token, rng)
            pairs[roman] = pairs.get(roman, 0.0) + 0.25
    return _table(sorted(pairs.items()))


@lru_cache(maxsize=1)
def _surname_latin() -> dict[str, tuple[tuple[str, float], ...]]:
    return {_nfc(k): v for k, v in SURNAME_LATIN.items()}


@dataclass(frozen=True, slots=True)
class _District:
    code: str
    name: str
    name_bn: str
    latin: _WeightedTable
    upazilas: tuple[tuple[str, str], ...]  # (Latin, Bangla)
    neighbours: tuple[int, ...]
    posts_by_distance: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class _Geo:
    districts: tuple[_District, ...]
    weights: _WeightedTable  # district index (as str) by population-ish weight


_VARIANT_WEIGHTS = {
    "iso_3166_2_name": 6.0,
    "nuhil_geocode_name": 3.0,
    "official_before_2018": 3.0,
    "proposed_2018_not_adopted": 0.5,
    "gov_bd_domain_slug": 0.5,
    "geonames_hq_town_name": 1.0,
    "geonames_hq_town_alternate": 0.3,
}
# Districts that send many children across (border districts and Dhaka), weighted up.
_HEAVY_DISTRICTS = {
    "BD-22": 4.0,  # Jashore
    "BD-58": 4.0,  # Satkhira
    "BD-23": 3.0,  # Jhenaidah
    "BD-07": 2.5,  # Chuadanga
    "BD-39": 2.5,  # Meherpur
    "BD-45": 2.5,  # Chapai Nawabganj
    "BD-54": 2.0,  # Rajshahi
    "BD-14": 2.0,  # Dinajpur
    "BD-28": 2.0,  # Kurigram
    "BD-32": 2.0,  # Lalmonirhat
    "BD-60": 2.0,  # Sylhet
    "BD-11": 2.5,  # Cox's Bazar
    "BD-13": 3.0,  # Dhaka
    "BD-27": 2.0,  # Khulna
}


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    y = math.radians(lat2 - lat1)
    return 6371.0 * math.hypot(x, y)


@lru_cache(maxsize=1)
def _geo() -> _Geo:
    """Districts with their real spelling variants, upazilas, nearest neighbours and posts."""
    with (GEO / "bd_districts.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    rows.sort(key=lambda r: r["iso_3166_2"])
    variants: dict[str, dict[str, float]] = {r["iso_3166_2"]: {} for r in rows}
    with (GEO / "bd_place_name_variants.csv").open(encoding="utf-8") as fh:
        for v in csv.DictReader(fh):
            weight = _VARIANT_WEIGHTS.get(v["variant_kind"])
            if v["level"] != "district" or weight is None or v["script"] != "Latn":
                continue
            if v["is_ascii"] != "1":
                continue
            sim = v["similarity_to_canonical"]
            if v["variant_kind"].startswith("geonames") and (not sim or float(sim) < 0.6):
                continue
            text = v["variant"].strip()
            if text.islower():
                text = text.title()
            table = variants.setdefault(v["iso_3166_2"], {})
            table[text] = table.get(text, 0.0) + weight
    upazilas: dict[str, list[tuple[str, str]]] = {}
    with (GEO / "bd_upazilas.csv").open(encoding="utf-8") as fh:
        for u in csv.DictReader(fh):
            upazilas.setdefault(u["district_name"], []).append((u["name"], _nfc(u["bn_name"])))
    coords = [(float(r["lat"]), float(r["lon"])) for r in rows]
    post_idx = {r["iso_3166_2"]: i for i, r in enumerate(rows)}
    districts: list[_District] = []
    for i, r in enumerate(rows):
        lat, lon = coords[i]
        by_distance = sorted(
            (j for j in range(len(rows)) if j != i), key=lambda j: _km(lat, lon, *coords[j])
        )
        posts = sorted(
            range(len(BORDER_POSTS)),
            key=lambda p: _km(lat, lon, *coords[post_idx[BORDER_POSTS[p][2]]]),
        )
        latin = variants[r["iso_3166_2"]] or {r["name_iso"]: 1.0}
        districts.append(
            _District(
                code=r["iso_3166_2"],
                name=r["name_iso"],
                name_bn=_nfc(r["bn_name"]),
                latin=_table(sorted(latin.items())),
                upazilas=tuple(upazilas.get(r["name"], [(r["name"], _nfc(r["bn_name"]))])),
                neighbours=tuple(by_distance[:4]),
                posts_by_distance=tuple(posts[:3]),
            )
        )
    weights = _table((str(i), _HEAVY_DISTRICTS.get(d.code, 1.0)) for i, d in enumerate(districts))
    return _Geo(tuple(districts), weights)


@dataclass(frozen=True, slots=True)
class _Vocab:
    """Per-split sampling tables of given names (Zipf-like weights) and surnames."""

    given: dict[tuple[str, str], _WeightedTable]  # (sex, religion) -> table
    dak: dict[str, _WeightedTable]  # sex -> table
    surname_male_muslim: _WeightedTable
    surname_female_muslim: _WeightedTable
    mother_surname_muslim: _WeightedTable
    surname_hindu: _WeightedTable
    mother_middle_hindu: _WeightedTable
    particles: _WeightedTable
    prefix_bn: dict[str, _WeightedTable]
    prefix_latin: dict[str, _WeightedTable]


@lru_cache(maxsize=3)
def _vocab(split: Split) -> _Vocab:
    allowed = given_names_for(split)
    universe = _given_name_universe()
    given: dict[tuple[str, str], _WeightedTable] = {}
    for sex in ("M", "F"):
        for religion in ("muslim", "hindu"):
            pool = [
                g
                for g in universe.values()
                if g.token in allowed
                and sex in g.sexes
                and (religion in g.religions or (religion == "muslim" and not g.religions))
            ]
            # Zipf-like: names in more lists first, then a stable hash order; weight 1/(rank+5).
            pool.sort(key=lambda g: (-g.sources, -(religion in g.religions), _stable_hash(g.token)))
            given[(sex, religion)] = _table((g.token, 1.0 / (r + 5)) for r, g in enumerate(pool))
    dak = {
        sex: _table((_nfc(t), 1.0) for t, (sexes, _) in DAK_NAM.items() if sex in sexes)
        for sex in ("M", "F")
    }
    return _Vocab(
        given=given,
        dak=dak,
        surname_male_muslim=_table(_nfc_pairs(SURNAMES_MUSLIM_MALE)),
        surname_female_muslim=_table(_nfc_pairs(SURNAMES_MUSLIM_FEMALE)),
        mother_surname_muslim=_table(_nfc_pairs(MOTHER_SURNAMES_MUSLIM)),
        surname_hindu=_table(_nfc_pairs(SURNAMES_HINDU)),
        mother_middle_hindu=_table(_nfc_pairs(MOTHER_MIDDLE_HINDU)),
        particles=_table(_nfc_pairs(FATHER_PARTICLES)),
        prefix_bn={"M": _table(_nfc_pairs(PREFIX_MALE_BN)), "F": _table(PREFIX_FEMALE_BN)},
        prefix_latin={"M": _table(PREFIX_MALE_LATIN), "F": _table(PREFIX_FEMALE_LATIN)},
    )


@lru_cache(maxsize=1)
def _dak_latin() -> dict[str, _WeightedTable]:
    return {_nfc(t): _table((s, 1.0) for s in spellings) for t, (_, spellings) in DAK_NAM.items()}


# --------------------------------------------------------------------------------------------
# People
# --------------------------------------------------------------------------------------------

_REPORT_START = date(2018, 1, 1).toordinal()
_REPORT_END = date(2025, 12, 31).toordinal()
_LAST_INTERCEPTION = date(2026, 10, 31).toordinal()
_DAYS_PER_YEAR = 365.25


@dataclass(slots=True)
class _Family:
    religion: str
    father: tuple[str, ...]  # Bangla tokens without prefix
    father_prefix: bool
    mother: tuple[str, ...]
    district: int
    upazila: int
    phone: str
    uses_prefix: bool


@dataclass(slots=True)
class _Child:
    family: _Family
    sex: Sex
    given: tuple[str, ...]
    surname: str | None
    dak: str
    birth: int  # ordinal day
    report_ids: list[str] = field(default_factory=list)
    report_dates: list[int] = field(default_factory=list)
    report_bangla: bool = False
    has_reported_sibling: bool = False


class _People:
    """Samples families and children for one split."""

    def __init__(self, split: Split, rng: random.Random) -> None:
        self.vocab = _vocab(split)
        self.geo = _geo()
        self.rng = rng

    def family(self) -> _Family:
        rng, v = self.rng, self.vocab
        religion = "hindu" if rng.random() < NOISE.hindu_share else "muslim"
        if religion == "muslim":
            first = _pick(v.given[("M", religion)], rng)
            if rng.random() < 0.15:
                father: tuple[str, ...] = (_pick(v.particles, rng), first)
            else:
                father = (first, _pick(v.surname_male_muslim, rng))
            mother: tuple[str, ...] = (
                _pick(v.given[("F", religion)], rng),
                _pick(v.mother_surname_muslim, rng),
            )
        else:
            surname = _pick(v.surname_hindu, rng)
            father = (_pick(v.given[("M", religion)], rng), surname)
            mother_given = _pick(v.given[("F", religion)], rng)
            if rng.random() < 0.6:
                mother = (mother_given, _pick(v.mother_middle_hindu, rng), surname)
            else:
                mother = (mother_given, surname)
        district = int(_pick(self.geo.weights, rng))
        n_upazilas = len(self.geo.districts[district].upazilas)
        return _Family(
            religion=religion,
            father=father,
            father_prefix=religion == "muslim" and rng.random() < 0.75,
            mother=mother,
            district=district,
            upazila=int(rng.random() * n_upazilas),
            phone=f"01{3 + int(rng.random() * 7)}{int(rng.random() * 10**8):08d}",
            uses_prefix=religion == "muslim" and rng.random() < NOISE.muslim_prefix_share,
        )

    def child(self, family: _Family, *, reported_on: int | None = None) -> _Child:
        rng, v = self.rng, self.vocab
        sex = Sex.MALE if rng.random() < 0.5 else Sex.FEMALE
        s = sex.value
        given = _pick(v.given[(s, family.religion)], rng)
        names: tuple[str, ...] = (given,)
        surname: str | None
        if family.religion == "hindu":
            surname = family.father[-1] if rng.random() < 0.9 else None
        elif sex is Sex.MALE:
            if rng.random() < 0.75:
                same = rng.random() < 0.4 and family.father[0] not in _reserved_tokens()
                surname = family.father[-1] if same else _pick(v.surname_male_muslim, rng)
            else:
                surname = None
        else:
            surname = _pick(v.surname_female_muslim, rng) if rng.random() < 0.8 else None
        if rng.random() < 0.08:  # two-part given names (Nusrat Jahan Mim style)
            second = _pick(v.given[(s, family.religion)], rng)
            if second != given:
                names = (given, second)
        age_years = rng.triangular(5.0, 17.99, 13.0)
        at = reported_on if reported_on is not None else rng.randint(_REPORT_START, _REPORT_END)
        return _Child(
            family=family,
            sex=sex,
            given=names,
            surname=surname,
            dak=_pick(v.dak[s], rng),
            birth=at - int(age_years * _DAYS_PER_YEAR),
        )


# --------------------------------------------------------------------------------------------
# Rendering names and places
# --------------------------------------------------------------------------------------------


def _latin_tokens(tokens: Sequence[str], rng: random.Random) -> str:
    rand = rng.random
    out = []
    for t in tokens:
        items, cum, total = _latin_table(t)
        out.append(items[bisect(cum, rand() * total)])
    return " ".join(out)


def _render_name(
    tokens: Sequence[str], *, prefix_sex: str | None, bangla: bool, v: _Vocab, rng: random.Random
) -> str:
    """Tokens (Bangla) -> text in the chosen script, with an optional honorific prefix."""
    if bangla:
        body = " ".join(tokens)
        if prefix_sex is not None:
            return _pick(v.prefix_bn[prefix_sex], rng) + " " + body
        return body
    body = _latin_tokens(tokens, rng)
    if prefix_sex is not None:
        body = _pick(v.prefix_latin[prefix_sex], rng) + " " + body
    return noise.latin_case(body, rng)


def _district_text(d: _District, *, bangla: bool, rng: random.Random) -> str:
    return d.name_bn if bangla else _pick(d.latin, rng)


def _upazila_text(d: _District, idx: int, *, bangla: bool, rng: random.Random) -> str:
    latin, bn = d.upazilas[idx]
    if bangla:
        return bn
    if rng.random() < 0.15:
        return noise.latin_case(_pick(_place_latin(bn), rng), rng)
    return latin


@cache
def _place_latin(name_bn: str) -> _WeightedTable:
    """Three rule-romanised spellings of a Bangla place name (for hand-written upazilas)."""
    rng = random.Random(_stable_hash("place:" + name_bn))
    words = name_bn.split()
    return _table((" ".join(noise.romanise_rule(w, rng) for w in words), 1.0) for _ in range(3))


# --------------------------------------------------------------------------------------------
# Reports and interceptions
# --------------------------------------------------------------------------------------------


def _report(child: _Child, report_id: str, at: int, *, people: _People, bangla: bool) -> Report:
    rng, v, fam = people.rng, people.vocab, child.family
    d = people.geo.districts[fam.district]
    tokens = [*child.given, *([child.surname] if child.surname else [])]
    keep_prefix = fam.uses_prefix and rng.random() < NOISE.report_prefix_kept
    prefix_sex = child.sex.value if keep_prefix else None
    name = _render_name(tokens, prefix_sex=prefix_sex, bangla=bangla, v=v, rng=rng)
    father = None
    if rng.random() < NOISE.report_father_present:
        father_prefix = "M" if fam.father_prefix else None
        father = _render_name(fam.father, prefix_sex=father_prefix, bangla=bangla, v=v, rng=rng)
    mother = None
    if rng.random() < NOISE.report_mother_present:
        mother = _render_name(fam.mother, prefix_sex=None, bangla=bangla, v=v, rng=rng)
    age: float | None = None
    if rng.random() < NOISE.report_age_present:
        age = float(int((at - child.birth) / _DAYS_PER_YEAR))
        if rng.random() < NOISE.report_age_off_by_one:
            age = max(1.0, age + rng.choice((-1.0, 1.0)))
    upazila = None
    if rng.random() < NOISE.report_upazila_present:
        upazila = _upazila_text(d, fam.upazila, bangla=bangla, rng=rng)
    phone = None
    if rng.random() < NOISE.report_phone_present:
        phone = noise.phone_format(fam.phone, rng)
        if bangla and rng.random() < 0.2:
            phone = phone.translate(noise.BANGLA_DIGITS)
    if child.report_ids:  # a second report of the same child at another police station
        ps_district = people.geo.districts[int(_pick(people.geo.weights, rng))]
        ps_upazila = rng.randrange(len(ps_district.upazilas))
    else:
        ps_district, ps_upazila = d, fam.upazila
    return Report(
        report_id=report_id,
        name=name,
        father_name=father,
        mother_name=mother,
        sex=child.sex if rng.random() < NOISE.report_sex_present else None,
        age=age,
        report_date=date.fromordinal(at),
        district=_district_text(d, bangla=bangla, rng=rng)
        if rng.random() < NOISE.report_district_present
        else None,
        upazila=upazila,
        police_station=_upazila_text(ps_district, ps_upazila, bangla=bangla, rng=rng),
        guardian_phone=phone,
    )


def _elapsed_days(rng: random.Random) -> int:
    u = rng.random()
    if u < NOISE.elapsed_under_6m:
        years = rng.uniform(0.02, 0.5)
    elif u < NOISE.elapsed_under_6m + NOISE.elapsed_6m_to_2y:
        years = rng.uniform(0.5, 2.0)
    else:
        years = rng.uniform(2.0, 5.0)
    return int(years * _DAYS_PER_YEAR)


_AGE_HEAPS = (8.0, 10.0, 12.0, 14.0, 15.0, 16.0)


def _estimated_age(true_age: float, rng: random.Random) -> float:
    guess = rng.gauss(true_age, NOISE.int_age_sd_years)
    if rng.random() < NOISE.int_age_heaped:
        nearest = min(_AGE_HEAPS, key=lambda h: abs(h - guess))
        if abs(nearest - guess) <= 1.5:  # a guard says "about 12", not "12" for a 7-year-old
            guess = nearest
    return float(min(19, max(3, round(guess))))


def _interception(
    child: _Child, interception_id: str, *, people: _People, rng: random.Random
) -> tuple[Interception, TruthRow]:
    """What a border guard writes down about ``child``, and the truth flags of that record."""
    v, fam, geo = people.vocab, child.family, people.geo
    reported = bool(child.report_ids)
    if reported:
        at = child.report_dates[0] + _elapsed_days(rng)
        if at > _LAST_INTERCEPTION:
            first = child.report_dates[0] + 7
            at = rng.randint(first, max(first, _LAST_INTERCEPTION))
    else:
        at = rng.randint(_REPORT_START, _LAST_INTERCEPTION)
    bangla = rng.random() < NOISE.int_bangla_script
    s = child.sex.value

    # name
    name: str | None
    name_missing = rng.random() < NOISE.int_name_missing
    nickname_only = not name_missing and rng.random() < NOISE.int_nickname_only
    typo_made = False
    if name_missing:
        name = None
    elif nickname_only:
        if rng.random() < 0.5 or bangla:
            if bangla:
                name = child.dak
            else:
                name = noise.latin_case(_pick(_dak_latin()[child.dak], rng), rng)
        else:
            given_latin = _pick(_latin_table(child.given[0]), rng)
            name = noise.latin_case(noise.short_form(given_latin, rng), rng)
    else:
        tokens = list(child.given)
        if child.surname and rng.random() >= NOISE.int_surname_dropped:
            tokens.append(child.surname)
        elif not child.surname and rng.random() < NOISE.int_surname_added:
            if s == "F" and fam.religion == "muslim":
                tokens.append(_pick(v.surname_female_muslim, rng))
            else:
                tokens.append(fam.father[-1])
        if rng.random() < NOISE.int_dak_appended:
            tokens.append(child.dak)
        keep_prefix = fam.uses_prefix and rng.random() >= NOISE.int_prefix_dropped
        prefix_sex = s if keep_prefix else None
        name = _render_name(tokens, prefix_sex=prefix_sex, bangla=bangla, v=v, rng=rng)
        if bangla and rng.random() < NOISE.int_bangla_respelled:
            name = noise.bangla_spelling(name, rng)
        if rng.random() < NOISE.int_name_typo:
            name = noise.typo(name, rng)
            typo_made = True

    # parents
    u = rng.random()
    father: str | None = None
    if u >= NOISE.int_father_missing:
        if u < NOISE.int_father_missing + NOISE.int_father_given_only:
            given = fam.father[1] if fam.father[0] in _reserved_tokens() else fam.father[0]
            father = _render_name((given,), prefix_sex=None, bangla=bangla, v=v, rng=rng)
        else:
            prefix = "M" if fam.father_prefix and rng.random() < 0.5 else None
            father = _render_name(fam.father, prefix_sex=prefix, bangla=bangla, v=v, rng=rng)
        if rng.random() < NOISE.int_father_typo:
            father = noise.typo(father, rng)
    u = rng.random()
    mother: str | None = None
    if u >= NOISE.int_mother_missing:
        tokens_m = (
            fam.mother[:1]
            if u < NOISE.int_mother_missing + NOISE.int_mother_given_only
            else fam.mother
        )
        mother = _render_name(tokens_m, prefix_sex=None, bangla=bangla, v=v, rng=rng)

    # sex and age
    sex: Sex | None = child.sex
    u = rng.random()
    if u < NOISE.int_sex_missing:
        sex = None
    elif u < NOISE.int_sex_missing + NOISE.int_sex_wrong:
        sex = Sex.FEMALE if child.sex is Sex.MALE else Sex.MALE
    age = None
    if rng.random() >= NOISE.int_age_missing:
        age = _estimated_age((at - child.birth) / _DAYS_PER_YEAR, rng)

    # place
    d = geo.districts[fam.district]
    district: str | None = None
    upazila: str | None = None
    u = rng.random()
    wrong_or_missing = True
    upazila_only = False
    if u < NOISE.int_district_missing:
        pass
    elif u < NOISE.int_district_missing + NOISE.int_upazila_only:
        upazila = _upazila_text(d, fam.upazila, bangla=bangla, rng=rng)
        upazila_only = True
    elif u < NOISE.int_district_missing + NOISE.int_upazila_only + NOISE.int_district_neighbour:
        district = _district_text(geo.districts[rng.choice(d.neighbours)], bangla=bangla, rng=rng)
    else:
        wrong_or_missing = False
        district = _district_text(d, bangla=bangla, rng=rng)
        if not bangla and rng.random() < NOISE.int_district_typo:
            district = noise.typo(district, rng)
        if rng.random() < NOISE.int_upazila_given:
            upazila = _upazila_text(d, fam.upazila, bangla=bangla, rng=rng)
    post_idx = d.posts_by_distance[0] if rng.random() < 0.5 else rng.randrange(len(BORDER_POSTS))
    post_latin, post_bn, _ = BORDER_POSTS[post_idx]

    phone = None
    if rng.random() < NOISE.int_phone_present:
        digits = fam.phone
        if rng.random() < NOISE.int_phone_wrong_digit:
            digits = noise.wrong_digit(digits, rng)
        phone = noise.phone_format(digits, rng)

    record = Interception(
        interception_id=interception_id,
        name=name,
        father_name=father,
        mother_name=mother,
        sex=sex,
        age=age,
        interception_date=date.fromordinal(at),
        home_district=district,
        home_upazila=upazila,
        border_post=post_bn if bangla else post_latin,
        guardian_phone=phone,
    )
    truth = TruthRow(
        interception_id=interception_id,
        report_id=child.report_ids[0] if reported else None,
        duplicate_report_ids=tuple(child.report_ids[1:]),
        cross_script=reported and name is not None and bangla != child.report_bangla,
        nickname_only=nickname_only,
        district_wrong_or_missing=wrong_or_missing,
        no_father_name=father is None,
        elapsed_over_2y=reported and (at - child.report_dates[0]) > 2 * _DAYS_PER_YEAR,
        sibling_in_reports=child.has_reported_sibling,
        has_duplicate_report=len(child.report_ids) > 1,
        name_typo=typo_made,
        upazila_only=upazila_only,
        split_only_name=vocab_part(child.given[0]) is not VocabPart.SHARED,
    )
    return record, truth


# --------------------------------------------------------------------------------------------
# Generation
# --------------------------------------------------------------------------------------------


def _rng(split: Split, seed: int, stream: str) -> random.Random:
    return random.Random(_stable_hash(f"{split.value}:{_SPLIT_SALT[split]}:{seed}:{stream}"))


def _id_width(n: int) -> int:
    return max(6, len(str(n)))


def _generate(
    *,
    n_reports: int,
    n_interceptions: int,
    seed: int,
    split: Split,
    reported_share: float,
    sink: Callable[[Report], None],
) -> tuple[list[Interception], list[TruthRow]]:
    """Core generator: reports go to ``sink`` one by one; interceptions are returned.

    Reported children for interceptions are chosen by reservoir sampling while reports stream
    past, so memory stays proportional to the number of interceptions.
    """
    if n_reports < 0 or n_interceptions < 0:
        raise ValueError("n_reports and n_interceptions must be >= 0")
    if not 0.0 <= reported_share <= 1.0:
        raise ValueError("reported_share must be within 0-1")
    rng = _rng(split, seed, "reports")
    pick_rng = _rng(split, seed, "reservoir")
    people = _People(split, rng)
    prefix = _ID_PREFIX[split]
    width = _id_width(n_reports)
    k = round(n_interceptions * reported_share)
    reservoir: list[_Child] = []
    family_reservoir: list[_Family] = []
    n_children = 0
    n_families = 0
    made = 0
    while made < n_reports:
        family = people.family()
        n_families += 1
        if len(family_reservoir) < n_interceptions:
            family_reservoir.append(family)
        else:
            j = int(pick_rng.random() * n_families)
            if j < n_interceptions:
                family_reservoir[j] = family
        siblings = 2 if rng.random() < NOISE.sibling_family_share else 1
        first_date = rng.randint(_REPORT_START, _REPORT_END)
        kids = [people.child(family, reported_on=first_date) for _ in range(siblings)]
        for kid in kids:
            kid.has_reported_sibling = siblings > 1
            n_reports_for_kid = 2 if rng.random() < NOISE.duplicate_report_share else 1
            kid.report_bangla = rng.random() < NOISE.report_bangla_script
            for r in range(n_reports_for_kid):
                if made >= n_reports:
                    break
                made += 1
                report_id = f"{prefix}-R-{made:0{width}d}"
                at = first_date if r == 0 else min(_REPORT_END, first_date + rng.randint(1, 60))
                bangla = kid.report_bangla if r == 0 else rng.random() < 0.5
                sink(_report(kid, report_id, at, people=people, bangla=bangla))
                kid.report_ids.append(report_id)
                kid.report_dates.append(at)
            if not kid.report_ids:
                continue
            n_children += 1
            if len(reservoir) < k:
                reservoir.append(kid)
            else:
                j = int(pick_rng.random() * n_children)
                if j < k:
                    reservoir[j] = kid

    int_rng = _rng(split, seed, "interceptions")
    int_people = _People(split, int_rng)
    children: list[_Child] = list(reservoir)
    while len(children) < n_interceptions:
        if family_reservoir and int_rng.random() < NOISE.unreported_sibling_share:
            family = int_rng.choice(family_reservoir)
            kid = int_people.child(family)
            kid.has_reported_sibling = True
        else:
            kid = int_people.child(int_people.family())
        children.append(kid)
    int_rng.shuffle(children)
    width = _id_width(n_interceptions)
    interceptions: list[Interception] = []
    truth: list[TruthRow] = []
    for i, kid in enumerate(children, start=1):
        interception_id = f"{prefix}-I-{i:0{width}d}"
        record, row = _interception(kid, interception_id, people=int_people, rng=int_rng)
        interceptions.append(record)
        truth.append(row)
    return interceptions, truth


def generate(
    *,
    n_reports: int,
    n_interceptions: int,
    seed: int,
    split: Split = Split.TRAIN,
    reported_share: float = 0.75,
) -> SyntheticSet:
    """Generate one synthetic split: reports, interceptions and truth (deterministic in the args).

    ``reported_share`` of the interceptions are of reported children (fewer if there are fewer
    reported children than that); the others were never reported.
    """
    reports: list[Report] = []
    interceptions, truth = _generate(
        n_reports=n_reports,
        n_interceptions=n_interceptions,
        seed=seed,
        split=split,
        reported_share=reported_share,
        sink=reports.append,
    )
    return SyntheticSet(reports, interceptions, truth, split, seed)


# --------------------------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------------------------


_BANGLA_LETTER = re.compile("[\u0980-\u09ff]")


def _has_bangla(text: str | None) -> bool:
    return text is not None and _BANGLA_LETTER.search(text) is not None


def _fmt_date(value: date | None, key: str, *, bangla: bool) -> str:
    """Dates as written on forms: ISO mostly, dd/mm/yyyy for ~40% (stable per record id)."""
    if value is None:
        return ""
    h = zlib.crc32(key.encode())
    if h % 10 < 6:
        text = value.isoformat()
    else:
        text = f"{value.day:02d}/{value.month:02d}/{value.year:04d}"
    if bangla and h % 7 == 0:
        text = text.translate(noise.BANGLA_DIGITS)
    return text


def _fmt_age(value: float | None, key: str, *, estimate: bool, bangla: bool) -> str:
    if value is None:
        return ""
    age = int(value) if value == int(value) else value
    h = zlib.crc32(("age:" + key).encode()) % 40
    if estimate and h == 0 and isinstance(age, int) and age >= 2:
        return f"{age - 1}-{age + 1}"
    text = f"~{age}" if estimate and h == 1 else str(age)
    if bangla and h % 5 == 2:
        text = text.translate(noise.BANGLA_DIGITS)
    return text


def _report_row(r: Report) -> list[str]:
    bangla = _has_bangla(r.name)
    return [
        r.report_id,
        r.name or "",
        r.father_name or "",
        r.mother_name or "",
        r.sex.value if r.sex else "",
        _fmt_age(r.age, r.report_id, estimate=False, bangla=bangla),
        _fmt_date(r.report_date, r.report_id, bangla=bangla),
        r.district or "",
        r.upazila or "",
        r.police_station or "",
        r.guardian_phone or "",
    ]


def _interception_row(i: Interception) -> list[str]:
    bangla = _has_bangla(i.name)
    return [
        i.interception_id,
        i.name or "",
        i.father_name or "",
        i.mother_name or "",
        i.sex.value if i.sex else "",
        _fmt_age(i.age, i.interception_id, estimate=True, bangla=bangla),
        i.interception_date.isoformat() if i.interception_date else "",
        i.home_district or "",
        i.home_upazila or "",
        i.border_post or "",
        i.guardian_phone or "",
    ]


def _truth_row(t: TruthRow) -> list[str]:
    flags = [str(int(getattr(t, f))) for f in TRUTH_FLAGS]
    return [t.interception_id, t.report_id or "", "|".join(t.duplicate_report_ids), *flags]


def _write_rows(path: Path, header: Sequence[str], rows: Iterable[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def write_csvs(data: SyntheticSet, out_dir: Path) -> None:
    """Write reports.csv, interceptions.csv and truth.csv (UTF-8, header row) into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    _write_rows(out_dir / "reports.csv", REPORT_COLUMNS, map(_report_row, data.reports))
    _write_interceptions_and_truth(data.interceptions, data.truth, out_dir)


def _write_interceptions_and_truth(
    interceptions: list[Interception], truth: list[TruthRow], out_dir: Path
) -> None:
    _write_rows(
        out_dir / "interceptions.csv", INTERCEPTION_COLUMNS, map(_interception_row, interceptions)
    )
    _write_rows(out_dir / "truth.csv", TRUTH_COLUMNS, map(_truth_row, truth))


def stream_csvs(
    out_dir: Path,
    *,
    n_reports: int,
    n_interceptions: int,
    seed: int,
    split: Split = Split.TRAIN,
    reported_share: float = 0.75,
) -> None:
    """Same files as ``write_csvs(generate(...), out_dir)``, streaming reports straight to disk.

    For big benchmark sets (1,000,000 reports): memory stays proportional to the interceptions.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    with (out_dir / "reports.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(REPORT_COLUMNS)
        interceptions, truth = _generate(
            n_reports=n_reports,
            n_interceptions=n_interceptions,
            seed=seed,
            split=split,
            reported_share=reported_share,
            sink=lambda r: writer.writerow(_report_row(r)),
        )
    _write_interceptions_and_truth(interceptions, truth, out_dir)


def read_truth(path: Path) -> list[TruthRow]:
    """Read a truth.csv written by this module back into ``TruthRow`` records."""
    rows: list[TruthRow] = []
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            flags = {f: row.get(f, "0") == "1" for f in TRUTH_FLAGS}
            dups = tuple(x for x in (row.get("duplicate_report_ids") or "").split("|") if x)
            rows.append(
                TruthRow(
                    interception_id=row["interception_id"],
                    report_id=row["report_id"] or None,
                    duplicate_report_ids=dups,
                    **flags,
                )
            )
    return rows


def fingerprint() -> str:
    """A short hash of the generator's code: use it in cache keys of generated data sets.

    Any change to ``generate.py`` or ``noise.py`` changes it, so a benchmark cache keyed on it
    never serves data made by an older generator.
    """
    here = Path(__file__).resolve().parent
    digest = hashlib.blake2b(digest_size=6)
    for name in ("generate.py", "noise.py"):
        digest.update((here / name).read_bytes())
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class CommittedSplit:
    """The recipe of one split committed under ``training_data/<split>/``."""

    split: Split
    n_reports: int
    n_interceptions: int
    seed: int


COMMITTED: tuple[CommittedSplit, ...] = (
    CommittedSplit(Split.TRAIN, 6000, 3000, 20261),
    CommittedSplit(Split.VALIDATION, 4000, 1500, 20262),
    CommittedSplit(Split.TEST, 4000, 1500, 20263),
)
DATA_ROOT = Path(__file__).resolve().parent


def write_committed(root: Path = DATA_ROOT) -> None:
    """Regenerate the committed splits (``root/train``, ``root/validation``, ``root/test``)."""
    for c in COMMITTED:
        stream_csvs(
            root / c.split.value,
            n_reports=c.n_reports,
            n_interceptions=c.n_interceptions,
            seed=c.seed,
            split=c.split,
        )


def summarise(truth: Sequence[TruthRow]) -> dict[str, tuple[int, float]]:
    """Slice sizes among the *reported* interceptions: ``{flag: (count, share)}``.

    Also ``"reported"`` and ``"unreported"`` (share of all interceptions). Counts only, no names:
    safe to print and log.
    """
    reported = [t for t in truth if t.report_id is not None]
    n_all, n_rep = len(truth), len(reported)
    out = {
        "reported": (n_rep, n_rep / n_all if n_all else 0.0),
        "unreported": (n_all - n_rep, (n_all - n_rep) / n_all if n_all else 0.0),
    }
    for flag in TRUTH_FLAGS:
        count = sum(1 for t in reported if getattr(t, flag))
        out[flag] = (count, count / n_rep if n_rep else 0.0)
    return out


# --------------------------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------------------------


def main(argv: Iterator[str] | Sequence[str] | None = None) -> int:
    """``python -m training_data.generate --split test --reports 20000 --interceptions 2000
    --seed 7 --out DIR``: writes the three CSVs and prints counts (no names) to stderr."""
    parser = argparse.ArgumentParser(
        prog="python -m training_data.generate", description=(__doc__ or "").splitlines()[0]
    )
    parser.add_argument("--split", choices=[s.value for s in Split], default=Split.TRAIN.value)
    parser.add_argument("--reports", type=int)
    parser.add_argument("--interceptions", type=int)
    parser.add_argument("--seed", type=int)
    parser.add_argument("--reported-share", type=float, default=0.75)
    parser.add_argument("--out", type=Path)
    parser.add_argument(
        "--committed",
        action="store_true",
        help="regenerate the committed train/validation/test splits in training_data/",
    )
    parser.add_argument(
        "--summary",
        type=Path,
        metavar="DIR",
        help="print the slice sizes of DIR/truth.csv (counts only) and exit",
    )
    args = parser.parse_args(list(argv) if argv is not None else None)
    if args.summary is not None:
        for key, (count, share) in summarise(read_truth(args.summary / "truth.csv")).items():
            print(f"{key:28s} {count:7d} {share:7.1%}")
        return 0
    if args.committed:
        write_committed()
        print("regenerated the committed splits", file=sys.stderr)
        return 0
    missing = [
        f"--{name.replace('_', '-')}"
        for name in ("reports", "interceptions", "seed", "out")
        if getattr(args, name) is None
    ]
    if missing:
        parser.error(f"missing {', '.join(missing)} (or use --committed)")
    stream_csvs(
        args.out,
        n_reports=args.reports,
        n_interceptions=args.interceptions,
        seed=args.seed,
        split=Split(args.split),
        reported_share=args.reported_share,
    )
    print(
        f"wrote {args.reports} reports and {args.interceptions} interceptions "
        f"({args.split}, seed {args.seed}) to {args.out}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
