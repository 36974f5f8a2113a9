"""Who the synthetic children are called: name tables, the given-name pool, per-split vocabularies.

Why: names are the hardest field to match and the one an honest evaluation must hold out, so the
choice of which names exist, how common each is and which split may use it lives in one place.
Given names are read from the public lists in ``training_data/sources/`` (see
``sources/PROVENANCE.md``); surnames, honorific prefixes, the আব্দুল particles and dak nam are
small hand-kept tables below, weighted with the *shape* of published frequency figures (the
tables themselves are not shipped; see DATA_CARD.md).

Contract:
- Tokens are Bangla script in NFC. Source files are read lazily, once: importing this module
  reads no file.
- :func:`given_name_universe` holds every usable given-name token (first token of each source
  entry, Bangla letters only, 2-14 characters, not a surname/prefix/particle/dak nam).
- :func:`vocab_part` partitions those tokens by a stable hash into a shared part and one part
  per split; :func:`given_names_for` is the shared part plus the split's own. Every other token
  (surnames, prefixes, particles, dak nam) is shared by every split.
- :func:`vocabulary` gives the sampling tables of one split: given names by (sex, religion) with
  Zipf-like weights 1/(rank+5), surnames, prefixes and dak nam by sex.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from training_data.sampling import (
    Split,
    WeightedTable,
    nfc,
    nfc_pairs,
    stable_hash,
    weighted,
)

SOURCES = Path(__file__).resolve().parent / "sources"


class VocabPart(StrEnum):
    """Where a Bangla given name may appear: every split (shared) or one split only."""

    SHARED = "shared"
    TRAIN = "train"
    VALIDATION = "validation"
    TEST = "test"


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


@dataclass(frozen=True, slots=True)
class GivenName:
    """One given-name token: the sexes and religions the lists give it, and how many lists."""

    token: str
    sexes: frozenset[str]
    religions: frozenset[str]
    sources: int


@lru_cache(maxsize=1)
def given_name_universe() -> dict[str, GivenName]:
    """Every usable Bangla given-name token with its sexes, religions and number of sources."""
    reserved = reserved_tokens()
    sexes: dict[str, set[str]] = {}
    religions: dict[str, set[str]] = {}
    sources: dict[str, set[str]] = {}

    def add(raw: str, sex: str | None, religion: str | None, source: str) -> None:
        parts = nfc(raw).split()
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
        t: GivenName(t, frozenset(sexes[t]), frozenset(religions.get(t, ())), len(sources[t]))
        for t in sorted(sources)
        if sexes[t]
    }


@lru_cache(maxsize=1)
def reserved_tokens() -> frozenset[str]:
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
    tokens = {nfc(t) for group in groups for t, _ in group}
    tokens |= {nfc(t) for t in DAK_NAM}
    return frozenset(tokens)


def vocab_part(token: str) -> VocabPart:
    """The vocabulary part of a Bangla given-name token (stable hash partition).

    Names from Faker's short "common" lists and 40% of the rest (by hash) are shared by every
    split; of the others 30% are train-only, 15% validation-only, 15% test-only. Tokens that the
    generator does not use as given names are reported as SHARED.
    """
    info = given_name_universe().get(nfc(token))
    if info is None or info.sources >= 3:
        return VocabPart.SHARED
    bucket = stable_hash("vocab:" + info.token) % 100
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
    return frozenset(t for t in given_name_universe() if vocab_part(t) in (VocabPart.SHARED, own))


@dataclass(frozen=True, slots=True)
class Vocab:
    """Per-split sampling tables of given names (Zipf-like weights) and surnames."""

    given: dict[tuple[str, str], WeightedTable]  # (sex, religion) -> table
    dak: dict[str, WeightedTable]  # sex -> table
    surname_male_muslim: WeightedTable
    surname_female_muslim: WeightedTable
    mother_surname_muslim: WeightedTable
    surname_hindu: WeightedTable
    mother_middle_hindu: WeightedTable
    particles: WeightedTable
    prefix_bn: dict[str, WeightedTable]
    prefix_latin: dict[str, WeightedTable]


@lru_cache(maxsize=3)
def vocabulary(split: Split) -> Vocab:
    """The sampling tables of ``split`` (built once per split and cached)."""
    allowed = given_names_for(split)
    universe = given_name_universe()
    given: dict[tuple[str, str], WeightedTable] = {}
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
            pool.sort(key=lambda g: (-g.sources, -(religion in g.religions), stable_hash(g.token)))
            given[(sex, religion)] = weighted((g.token, 1.0 / (r + 5)) for r, g in enumerate(pool))
    dak = {
        sex: weighted((nfc(t), 1.0) for t, (sexes, _) in DAK_NAM.items() if sex in sexes)
        for sex in ("M", "F")
    }
    return Vocab(
        given=given,
        dak=dak,
        surname_male_muslim=weighted(nfc_pairs(SURNAMES_MUSLIM_MALE)),
        surname_female_muslim=weighted(nfc_pairs(SURNAMES_MUSLIM_FEMALE)),
        mother_surname_muslim=weighted(nfc_pairs(MOTHER_SURNAMES_MUSLIM)),
        surname_hindu=weighted(nfc_pairs(SURNAMES_HINDU)),
        mother_middle_hindu=weighted(nfc_pairs(MOTHER_MIDDLE_HINDU)),
        particles=weighted(nfc_pairs(FATHER_PARTICLES)),
        prefix_bn={"M": weighted(nfc_pairs(PREFIX_MALE_BN)), "F": weighted(PREFIX_FEMALE_BN)},
        prefix_latin={"M": weighted(PREFIX_MALE_LATIN), "F": weighted(PREFIX_FEMALE_LATIN)},
    )
