"""How a Bangla name is written down: its Latin spellings, and a name rendered in either script.

Why: the same child is spelt differently on every form ("Akter", "Akhter", "Aktar"), and that
variation must come from how people really romanise Bangla names, not from the matcher's own
transliterator (the evaluation would be circular). Spellings are drawn, in order of preference,
from official-style surname forms, the attested human romanisations of the Dakshina lexicon
(CC BY-SA 4.0, Roark et al., LREC 2020) and BanglaNameMaker (MIT), and last from
:func:`training_data.noise.romanise_rule`; the weights are in DATA_CARD.md.

Contract:
- :func:`latin_spellings` gives a weighted table of lower-case Latin spellings for any Bangla
  token (never empty for a non-empty token); it is deterministic per token and cached.
- :func:`render_name` writes name tokens in Bangla script as they are, or in Latin with one
  spelling drawn per token and a case style from :func:`training_data.noise.latin_case`, with an
  optional honorific prefix of the given sex (``"M"`` / ``"F"``).
- Source files are read lazily, once.
"""

from __future__ import annotations

import csv
import random
from bisect import bisect
from collections.abc import Sequence
from functools import cache, lru_cache

from training_data import noise
from training_data.names import (
    DAK_NAM,
    SOURCES,
    Vocab,
    given_name_universe,
    reserved_tokens,
)
from training_data.sampling import WeightedTable, nfc, pick, stable_hash, weighted

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


@lru_cache(maxsize=1)
def _latin_lexicon() -> dict[str, list[tuple[str, float]]]:
    """Attested human romanisations of Bangla words (Dakshina, BanglaNameMaker), by NFC word."""
    wanted = set(given_name_universe()) | set(reserved_tokens())
    lex: dict[str, list[tuple[str, float]]] = {}
    with (SOURCES / "dakshina_bn_romanization_lexicon.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            native = nfc(row["native"])
            if native in wanted:
                roman = row["romanization"].strip().lower()
                if roman.isascii() and roman.isalpha():
                    lex.setdefault(native, []).append((roman, float(row["attestations"])))
    with (SOURCES / "banglanamemaker_baby_names.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            native = nfc(row["name_bn"]) if row["name_bn"] else ""
            roman = row["name_en"].strip().lower()
            if native in wanted and roman.isascii() and roman.isalpha():
                lex.setdefault(native, []).append((roman, 3.0))
    return lex


@cache
def latin_spellings(token: str) -> WeightedTable:
    """Weighted Latin spellings of one Bangla token (lower case), cached per token.

    Official surname spellings dominate for surnames; attested human romanisations for other
    words, with a 10% share of rule-based noisy variants; rule-based variants alone for words
    no human source covers.
    """
    rng = random.Random(stable_hash("latin:" + token))
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
        return weighted(sorted(pairs.items()))
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
    return weighted(sorted(pairs.items()))


@lru_cache(maxsize=1)
def _surname_latin() -> dict[str, tuple[tuple[str, float], ...]]:
    return {nfc(k): v for k, v in SURNAME_LATIN.items()}


@lru_cache(maxsize=1)
def dak_spellings() -> dict[str, WeightedTable]:
    """Latin spellings of each dak nam (equal weights), by NFC Bangla token."""
    return {nfc(t): weighted((s, 1.0) for s in spellings) for t, (_, spellings) in DAK_NAM.items()}


def _latin_tokens(tokens: Sequence[str], rng: random.Random) -> str:
    # the inner loop of every Latin name: pick() inlined (same draws, fewer calls)
    rand = rng.random
    out = []
    for t in tokens:
        items, cum, total = latin_spellings(t)
        out.append(items[bisect(cum, rand() * total)])
    return " ".join(out)


def render_name(
    tokens: Sequence[str], *, prefix_sex: str | None, bangla: bool, v: Vocab, rng: random.Random
) -> str:
    """Tokens (Bangla) -> text in the chosen script, with an optional honorific prefix."""
    if bangla:
        body = " ".join(tokens)
        if prefix_sex is not None:
            return pick(v.prefix_bn[prefix_sex], rng) + " " + body
        return body
    body = _latin_tokens(tokens, rng)
    if prefix_sex is not None:
        body = pick(v.prefix_latin[prefix_sex], rng) + " " + body
    return noise.latin_case(body, rng)
