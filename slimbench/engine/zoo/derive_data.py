"""Derive the bundled copies of scikit-learn's small data sets (run once, by a developer).

    python -m slimbench.engine.zoo.derive_data

Slimbench must run without scikit-learn, so the two tables it needs are copied once into
``slimbench/resources/data/*.npz`` together with their train/test split. The split is stored,
not recomputed at run time, so that no random-number stream of a future numpy or torch can move
a sample from one side to the other and silently change the zoo's accuracies.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.model_selection import train_test_split

from slimbench.engine.zoo.datasets import DATA_DIR

SPLIT_SEED = 0


def _split(labels: np.ndarray, test_size: int) -> tuple[np.ndarray, np.ndarray]:
    # Stratified, so the small test sets hold every class in its usual share.
    index = np.arange(len(labels))
    train, test = train_test_split(
        index, test_size=test_size, random_state=SPLIT_SEED, shuffle=True, stratify=labels
    )
    return train.astype(np.int64), test.astype(np.int64)


def derive_digits(out_dir: Path) -> Path:
    bunch = load_digits()
    pixels = bunch.images.astype(np.uint8)  # values 0..16: counts of set pixels in 4x4 blocks
    if not np.array_equal(pixels, bunch.images):
        raise ValueError("digits pixels are not whole numbers")
    labels = bunch.target.astype(np.uint8)
    train, test = _split(labels, test_size=360)
    path = out_dir / "digits.npz"
    np.savez_compressed(path, pixels=pixels, labels=labels, train_index=train, test_index=test)
    return path


def derive_breast_cancer(out_dir: Path) -> Path:
    bunch = load_breast_cancer()
    train, test = _split(bunch.target, test_size=114)
    path = out_dir / "breast_cancer.npz"
    np.savez_compressed(
        path,
        features=bunch.data.astype(np.float64),
        labels=bunch.target.astype(np.uint8),
        feature_names=np.asarray(bunch.feature_names, dtype=str),
        target_names=np.asarray(bunch.target_names, dtype=str),
        train_index=train,
        test_index=test,
    )
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DATA_DIR, help="output folder")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for path in (derive_digits(args.out), derive_breast_cancer(args.out)):
        print(f"wrote {path} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
