"""The recipes in training_data.splits: the generated splits a model is trained on by default."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from training_data.splits import (
    GENERATED_SEEDS,
    generated_splits,
    generated_splits_description,
)
from training_data.truth import read_truth

FILES = ("reports.csv", "interceptions.csv", "truth.csv")

# sha256 of generated_splits(dir, 600), recorded from matcher.training.generated_splits before the
# recipe moved to training_data (issue 10): moving it must not change what a model trains on.
RECORDED_600 = {
    "train": (
        "a9b2cfaefb364651825212cc951ea16a71c9fd1694c0b5c6be03afc5ae10146f",
        "0c078d8a5a7addac0d588ac8fac978557f360e3dae5fe0720f60226700cdd6df",
        "6431d8f2d8a76b5d1e53f4f8858907afecfe938a80d47db971ebd75a0c7661dc",
    ),
    "validation": (
        "18e1eb232e88ee8c1bdfad49839832cf4617ae692f19d8d6ae7f8a094d4fdfd8",
        "65a5d436fd167e89a5df0b1338005a9fb160cbb1cd759cebf816eb00729d60a1",
        "56ddfe412bd033eb662b08f66b799c66a24cca8c1a2d7f9f20954eb7374a4235",
    ),
}


def _sha256(folder: Path) -> tuple[str, ...]:
    return tuple(hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in FILES)


def test_generated_splits_keep_the_recorded_recipe(tmp_path: Path) -> None:
    train, val = generated_splits(tmp_path, 600)
    assert (train, val) == (tmp_path / "train", tmp_path / "validation")
    assert {"train": _sha256(train), "validation": _sha256(val)} == RECORDED_600


@pytest.mark.parametrize(
    ("n_reports", "n_train", "n_validation"),
    [(50, 50, 50), (600, 72, 240), (1_000, 120, 400)],
    ids=["floor-of-50", "600", "1000"],
)
def test_validation_gets_more_interceptions_than_train(
    n_reports: int, n_train: int, n_validation: int, tmp_path: Path
) -> None:
    train, val = generated_splits(tmp_path, n_reports)
    assert len(read_truth(train / "truth.csv")) == n_train
    assert len(read_truth(val / "truth.csv")) == n_validation
    ids = [line.split(",", 1)[0] for line in (train / "reports.csv").read_text().splitlines()[1:]]
    assert len(ids) == n_reports
    assert ids[0].startswith("TRN-R-")
    assert (val / "reports.csv").read_text().splitlines()[1].startswith("VAL-R-")


def test_description_names_the_size_and_seeds() -> None:
    text = generated_splits_description(50_000)
    assert text == "generated: 50000 reports each, seeds (11, 12)"
    assert str(GENERATED_SEEDS) in text
