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
# recipe moved to training_data (issue 10): moving it must not change what a model trains on;
# re-recorded when interceptions that come before their report were added (issue 14).
RECORDED_600 = {
    "train": (
        "a9b2cfaefb364651825212cc951ea16a71c9fd1694c0b5c6be03afc5ae10146f",
        "1893c77505a74869f38b8172d539a68bc34872e1267d506a08939dfff09216c0",
        "ee87783b4541a04d0d69cc55ea586c3eb1c8e272a4745049a7b5240b5334b6a9",
    ),
    "validation": (
        "18e1eb232e88ee8c1bdfad49839832cf4617ae692f19d8d6ae7f8a094d4fdfd8",
        "67ba9ddbac0d3b6663754366bab097b420acefcd2ea31aa4f7c7178a91cb3603",
        "2fbdb9651115b5b7cb814bcf91bd9ddc03db9f37a9edb0b5addbece009e043af",
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
