"""Do generated rows of a rare class help a classifier? Our rows against SMOTE-NC, side by side.

The check (`compare`): on several stratified splits of the real rows, train a random
forest on (a) the training rows only, (b) plus our rows of the class (the default route,
core.augmentation.interpolate_class), (c) plus as many SMOTE-NC rows, and score each on the
held-out rows: macro-F1 and the class's recall; and ours minus SMOTE-NC paired split by split
(`paired_gain`), which tells ahead from level where the routes' own spreads overlap.
Our addition: the paper motivates the method by augmentation but does not measure it.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import f1_score, recall_score

from core.augmentation import (ClassSample, LOW_ACCEPTANCE, balance_count, check_label, class_counts,
                               interpolate_class, smote_nc_neighbours)
from core.columns import ColumnSpec, PreparedTable, filled_in
from core.evaluation import count_copies
from core.messages import Message, msg
from core.model import FittedModel
from core.training import TrainingCancelled, fit

N_TREES = 100              # random forest size: ~0.2 s per fit on 500 rows
MAX_FORESTS = 3            # forests (seeds) averaged per score on a small table ...
FOREST_ROWS = 3_000        # ... as many as fit this many training rows, at least one
ROUTES = ("real", "real+vae", "real+smote_nc")
N_SPLITS = 5               # stratified splits of the check, unless told


def compare(model: FittedModel, real: pd.DataFrame, label: str, value: str,
            n_rows: int | None = None, n_splits: int = N_SPLITS, test_share: float = 0.3,
            seed: int = 0, refit: bool = False,
            on_split: Callable[[int, int], None] | None = None,
            should_stop: Callable[[], bool] | None = None) -> dict:
    """Macro-F1 and minority recall of the three routes, mean and sd over stratified splits.

    n_rows: rows of the class added by both generators per split (default: enough to
    match the most frequent class). Caveat: a model trained on all of `real` has seen
    the held-out rows, which can flatter our route (SMOTE-NC sees only the training
    rows). refit=True removes the leak: each split trains a fresh model, with the
    model's settings and R, on its training rows only (slow: one training per split).
    on_split(done, n_splits) is called after each split, for a progress bar; TrainingCancelled
    is raised once should_stop() turns true (checked before each split, and inside each refit).
    """
    check_label(model, real, label, value, min_rows=2)   # one to train on, one to test
    real = real[filled_in(real, label)].reset_index(drop=True)   # a row whose class is blank has none
    design = _Design(model, label)
    scores = {route: [] for route in ROUTES}
    samples, copies, n_new, gains = [], [], [], []
    for split in range(n_splits):
        if should_stop is not None and should_stop():
            raise TrainingCancelled
        rng = np.random.default_rng(seed + split)
        train_idx, test_idx = stratified_split(real[label].astype(str), test_share, rng)
        train, test = real.iloc[train_idx], real.iloc[test_idx]
        n_new.append(n_rows or balance_count(class_counts(train[label]), value))
        generator = _refit(model, train, should_stop) if refit else model
        samples.append(interpolate_class(generator, train, label, value, n_new[-1], seed + split))
        smote = smote_nc_rows(train, label, value, n_new[-1], design.numeric, seed + split)
        copies.append(count_copies(samples[-1].rows, train) / max(1, len(samples[-1].rows)))
        for route, extra in zip(ROUTES, (None, samples[-1].rows, smote)):
            if route == "real" or extra is not None:
                scores[route].append(design.score(train, extra, test, value, seed))
        if smote is not None:
            gains.append(scores["real+vae"][-1][0] - scores["real+smote_nc"][-1][0])
        if on_split is not None:
            on_split(split + 1, n_splits)
    return {"label": label, "minority": value, "n_splits": n_splits, "refit": refit,
            "n_new": round(float(np.mean(n_new)), 1),
            "routes": {route: _summary(values) for route, values in scores.items()},
            "vae_minus_smote_nc": paired_gain(gains),
            "acceptance": float(np.mean([s.acceptance for s in samples])), "copy_rate": float(np.mean(copies)),
            "notes": _split_notes(samples, n_new, len(scores["real+smote_nc"]), value)}


LEVEL_WITHIN = 2.0   # standard errors: a paired gain inside ±2 SE reads as "level"


def paired_gain(gains: list[float]) -> dict | None:
    """Macro-F1 of real+vae minus real+smote_nc, split by split (both on the same split): the
    mean, its standard error (None with one split), the splits where ours is higher, and a
    verdict, "ahead", "behind" or "level" (within LEVEL_WITHIN standard errors of 0, or one
    split); None when SMOTE-NC ran on no split. Pairing removes the split-to-split spread that
    both routes share, which the per-route sd includes."""
    if not gains:
        return None
    gains = np.asarray(gains, dtype=float)
    se = float(gains.std(ddof=1) / np.sqrt(len(gains))) if len(gains) > 1 else None
    mean = float(gains.mean())
    verdict = "level" if se is None or abs(mean) <= LEVEL_WITHIN * se else "ahead" if mean > 0 else "behind"
    return {"macro_f1": mean, "se": se, "ahead": int((gains > 0).sum()), "splits": len(gains),
            "verdict": verdict}


def _split_notes(samples: list[ClassSample], n_new: list[int], n_smote: int, value: str) -> list[Message]:
    """One note per kind of trouble, counted over the splits (not one per split)."""
    n, notes = len(samples), []
    low = [s.acceptance for s in samples if s.acceptance < LOW_ACCEPTANCE]
    if low:
        notes.append(msg("augment.low_acceptance_splits", k=len(low), n=n, share=f"{LOW_ACCEPTANCE:.0%}",
                         value=value, lowest=f"{min(low):.0%}"))
    short = sum(len(s.rows) < k for s, k in zip(samples, n_new))
    if short:
        notes.append(msg("augment.short_splits", k=short, n=n, value=value))
    if n_smote < n:
        notes.append(msg("augment.smote_some", value=value, k=n - n_smote, n=n) if n_smote
                     else msg("augment.smote_none", value=value))
    return notes


def stratified_split(labels: pd.Series, test_share: float, rng: np.random.Generator
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Row positions (train, test): per class round(share * n) test rows, at least 1 and at
    most n - 1, so every class with two or more rows is in both parts (sklearn's
    StratifiedShuffleSplit may leave a 2-row class out of the test part)."""
    train, test = [], []
    for _, positions in labels.groupby(labels, sort=True).indices.items():
        positions = rng.permutation(positions)
        n_test = min(max(round(test_share * len(positions)), 1), len(positions) - 1)
        test.extend(positions[:n_test])
        train.extend(positions[n_test:])
    return np.sort(train), np.sort(test)


def smote_nc_rows(train: pd.DataFrame, label: str, value: str, n_rows: int, numeric: list[str],
                  seed: int) -> pd.DataFrame | None:
    """n_rows SMOTE-NC rows of the class (Chawla et al. 2002, §6.1); None when it has one row.

    Each new row takes a random row i of the class and one of its k = min(5, n - 1) nearest
    rows j of the class: numbers x_i + u (x_j - x_i), u ~ U(0, 1); labels the most frequent
    among i's k neighbours, a tie broken at random as imbalanced-learn 0.14 breaks it (before
    2026-12-07, the label seen first in the class won every tie); distances as imbalanced-learn's
    SMOTENC measures them (`smote_nc_neighbours`). Our own implementation, so the app needs no
    extra dependency; benchmarks/augmentation.py checks it against imbalanced-learn's.
    """
    own = train[train[label].astype(str) == value].drop(columns=[label]).reset_index(drop=True)
    if len(own) < 2:
        return None
    k = min(5, len(own) - 1)
    numbers = [c for c in own.columns if c in numeric]
    neighbours = smote_nc_neighbours(own, numbers, k)
    rng = np.random.default_rng(seed)
    base = rng.integers(len(own), size=n_rows)
    other = neighbours[base, rng.integers(k, size=n_rows)]
    step = rng.random(n_rows)   # one per row: the new row lies on the segment from i to j
    rows = pd.DataFrame(index=range(n_rows))
    for column in own.columns:
        if column in numbers:
            values = own[column].to_numpy(dtype=float)
            rows[column] = values[base] + step * (values[other] - values[base])
        else:   # the most frequent label among the neighbours, a tie broken at random
            found = own[column].to_numpy(dtype=object)
            codes_of = pd.factorize(own[column].astype(str))[0]
            counts = np.zeros((n_rows, codes_of.max() + 1), dtype=float)
            np.add.at(counts, (np.repeat(np.arange(n_rows), k), codes_of[neighbours[base]].ravel()), 1)
            counts += 0.5 * rng.random(counts.shape)   # < 1: reorders equal counts only
            first = pd.Series(found).groupby(codes_of).first().to_numpy()
            rows[column] = first[counts.argmax(axis=1)]
    rows.insert(list(train.columns).index(label), label, value)
    return rows


def _refit(model: FittedModel, train: pd.DataFrame, should_stop: Callable[[], bool] | None = None) -> FittedModel:
    """A model like `model` trained on `train` only; the categories stay those of the full data."""
    specs = [ColumnSpec(s.name, s.role, s.categories, s.style, s.blank) for s in model.transformer.layout_]
    return fit(PreparedTable(train.reset_index(drop=True), specs), model.semantics, model.config,
               should_stop=should_stop)


class _Design:
    """Classifier inputs: the model's own encoding minus the label (one-hot labels, numbers)."""

    def __init__(self, model: FittedModel, label: str):
        self.transformer = model.transformer
        span = next(s for s in model.transformer.layout_ if s.name == label)
        self.keep = np.r_[0:span.start, span.stop:model.transformer.n_columns]
        self.label = label
        self.numeric = [s.name for s in model.transformer.layout_ if s.kind == "numeric"]

    def matrix(self, frame: pd.DataFrame) -> np.ndarray:
        return self.transformer.transform(frame)[:, self.keep]

    def score(self, train, extra, test, value: str, seed: int) -> tuple[float, float]:
        """(macro-F1, recall of `value`) on the held-out rows, the mean over `forests(train)`
        random forests with seeds seed, seed + 1, ...: on a small table one forest's seed moves
        the paired gain by about as much as the routes differ (docs/method.md)."""
        rows = train if extra is None else pd.concat([train, extra], ignore_index=True)
        inputs, classes = self.matrix(rows), rows[self.label].astype(str).to_numpy()
        held_out, truth = self.matrix(test), test[self.label].astype(str).to_numpy()
        scores = []
        for k in range(forests(train)):
            forest = RandomForestClassifier(n_estimators=N_TREES, random_state=seed + k, n_jobs=1)
            predicted = forest.fit(inputs, classes).predict(held_out)
            scores.append((f1_score(truth, predicted, average="macro", zero_division=0),
                           recall_score(truth, predicted, labels=[value], average="macro", zero_division=0)))
        f1, recall = np.mean(scores, axis=0)
        return float(f1), float(recall)


def forests(train: pd.DataFrame) -> int:
    """Forests averaged per score: MAX_FORESTS on up to FOREST_ROWS / MAX_FORESTS training rows,
    fewer above, one above FOREST_ROWS / 2. Our decision: the seed's spread matters where the
    class has few held-out rows, and a large table's forests are slow."""
    return min(MAX_FORESTS, max(1, FOREST_ROWS // max(1, len(train))))


def _summary(values: list[tuple[float, float]]) -> dict | None:
    if not values:
        return None
    f1, recall = np.array(values).T
    return {"macro_f1": float(f1.mean()), "macro_f1_sd": float(f1.std()),
            "minority_recall": float(recall.mean()), "minority_recall_sd": float(recall.std()),
            "macro_f1_splits": f1.tolist()}   # per split, for paired comparisons
