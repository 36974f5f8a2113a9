"""Where the synthetic children live and cross: districts, upazilas, spellings, border posts.

Why: the place fields are noisy in their own ways (old and new district spellings, a neighbouring
district named instead, only the upazila given), and those habits need the real gazetteer. The
gazetteer is the public one shipped as ``matcher``'s package data (``matcher/data/geo/``, see its
``PROVENANCE.md``: nuhil/bangladesh-geocode, ISO 3166-2, GeoNames): this module reads those
source files directly, not ``matcher.places``'s resolver, so that what the generator writes does
not depend on how the matcher reads places. It is opened with ``importlib.resources``, so it is
found wherever ``matcher`` is installed, not by the repository's folder layout.

Contract:
- :func:`gazetteer` gives the 64 districts in ISO-code order, each with weighted Latin spellings
  (ASCII forms only; GeoNames forms only with similarity >= 0.6), its upazilas (Latin, Bangla),
  its 4 nearest districts by office distance (a proxy for adjacency) and its 3 nearest border
  posts; plus the home-district weights (border districts and Dhaka 2-4x). Read once, lazily.
- :func:`district_text` / :func:`upazila_text` write a place in the chosen script; 15% of Latin
  upazilas are rule-romanised from the Bangla name (hand-written spellings).
- :data:`BORDER_POSTS` are land ports and crossings: (Latin, Bangla, ISO code of the district).
"""

from __future__ import annotations

import csv
import math
import random
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib.resources import files

from training_data import noise
from training_data.sampling import WeightedTable, nfc, pick, stable_hash, weighted

GEO = files("matcher") / "data" / "geo"

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


@dataclass(frozen=True, slots=True)
class District:
    """One district as the generator uses it (neighbours and posts are indexes)."""

    code: str
    name: str
    name_bn: str
    latin: WeightedTable
    upazilas: tuple[tuple[str, str], ...]  # (Latin, Bangla)
    neighbours: tuple[int, ...]
    posts_by_distance: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Geo:
    """All districts, and the weights a family's home district is drawn with."""

    districts: tuple[District, ...]
    weights: WeightedTable  # district index (as str) by population-ish weight


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
def gazetteer() -> Geo:
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
            upazilas.setdefault(u["district_name"], []).append((u["name"], nfc(u["bn_name"])))
    coords = [(float(r["lat"]), float(r["lon"])) for r in rows]
    post_idx = {r["iso_3166_2"]: i for i, r in enumerate(rows)}
    districts: list[District] = []
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
            District(
                code=r["iso_3166_2"],
                name=r["name_iso"],
                name_bn=nfc(r["bn_name"]),
                latin=weighted(sorted(latin.items())),
                upazilas=tuple(upazilas.get(r["name"], [(r["name"], nfc(r["bn_name"]))])),
                neighbours=tuple(by_distance[:4]),
                posts_by_distance=tuple(posts[:3]),
            )
        )
    weights = weighted((str(i), _HEAVY_DISTRICTS.get(d.code, 1.0)) for i, d in enumerate(districts))
    return Geo(tuple(districts), weights)


def district_text(d: District, *, bangla: bool, rng: random.Random) -> str:
    """The district's Bangla name, or one of its Latin spellings drawn by weight."""
    return d.name_bn if bangla else pick(d.latin, rng)


def upazila_text(d: District, idx: int, *, bangla: bool, rng: random.Random) -> str:
    """Upazila ``idx`` of ``d``: Bangla, the gazetteer's Latin form, or a rule spelling (15%)."""
    latin, bn = d.upazilas[idx]
    if bangla:
        return bn
    if rng.random() < 0.15:
        return noise.latin_case(pick(_place_latin(bn), rng), rng)
    return latin


@cache
def _place_latin(name_bn: str) -> WeightedTable:
    """Three rule-romanised spellings of a Bangla place name (for hand-written upazilas)."""
    rng = random.Random(stable_hash("place:" + name_bn))
    words = name_bn.split()
    return weighted((" ".join(noise.romanise_rule(w, rng) for w in words), 1.0) for _ in range(3))
