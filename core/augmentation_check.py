"""Do generated rows of a rare class help a classifier? Our rows against SMOTE-NC, side by side.

The check (`compare`): on several stratified splits of the real rows, train a random
forest on (a) the training rows only, (b) plus our rows of the class, (c) plus as many
SMOTE-NC rows, and score each on the held-out rows: macro-F1 and the class's recall.
Our addition: the paper motivates the method by augmentation but does not measure it.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import f1_score, recall_score

from core.augmentation import ClassSample, LOW_ACCEPTANCE, balance_count, check_label, class_counts, sample_class
from core.columns import ColumnSpec, PreparedTable
from core.evaluation import count_copies
from core.model import FittedModel

N_TREES = 100              # random forest size: stable scores, ~0.2 s per fit on 500 rows
ROUTES = ("real", "real+vae", "real+smote_nc")


def compare(model: FittedModel, real: pd.DataFrame, label: str, value: str,
            n_rows: int | None = None, n_splits: int = 5, test_share: float = 0.3,
            seed: int = 0, widen: float = 1.0, refit: bool = False) -> dict:
    """Macro-F1 and minority recall of the three routes, mean and sd over stratified splits.

    n_rows: rows of the class added by both generators per split (default: enough to
    match the most frequent class). Caveat: a model trained on all of `real` has seen
    the held-out rows, which can flatter our route (SMOTE-NC sees only the training
    rows). refit=True removes the leak: each split trains a fresh model, with the
    model's settings and R, on its training rows only (slow: one training per split).
    """
    check_label(model, real, label, value, min_rows=2)   # one to train on, one to test
    real = real.reset_index(drop=True)
    design = _Design(model, label)
    scores = {route: [] for route in ROUTES}
    samples, copies, n_new = [], [], []
    for split in range(n_splits):
        rng = np.random.default_rng(seed + split)
        train_idx, test_idx = stratified_split(real[label].astype(str), test_share, rng)
        train, test = real.iloc[train_idx], real.iloc[test_idx]
        n_new.append(n_rows or balance_count(class_counts(train[label]), value))
        generator = _refit(model, train) if refit else model
        samples.append(sample_class(generator, train, label, value, n_new[-1], seed + split, widen))
        smote = smote_nc_rows(train, label, value, n_new[-1], design.numeric, seed + split)
        copies.append(count_copies(samples[-1].rows, train) / max(1, len(samples[-1].rows)))
        for route, extra in zip(ROUTES, (None, samples[-1].rows, smote)):
            if route == "real" or extra is not None:
                scores[route].append(design.score(train, extra, test, value, seed))
    return {"label": label, "minority": value, "n_splits": n_splits, "refit": refit,
            "n_new": round(float(np.mean(n_new)), 1),
            "routes": {route: _summary(values) for route, values in scores.items()},
            "acceptance": float(np.mean([s.acceptance for s in samples])), "copy_rate": float(np.mean(copies)),
            "notes": _split_notes(samples, n_new, len(scores["real+smote_nc"]), value)}


def _split_notes(samples: list[ClassSample], n_new: list[int], n_smote: int, value: str) -> list[str]:
    """One note per kind of trouble, counted over the splits (not one per split)."""
    n, notes = len(samples), []
    low = [s.acceptance for s in samples if s.acceptance < LOW_ACCEPTANCE]
    if low:
        notes.append(f"in {len(low)} of {n} splits under {LOW_ACCEPTANCE:.0%} of our draws were accepted as "
                     f"'{value}' (lowest {min(low):.0%}): the model rarely reproduces this class")
    short = sum(len(s.rows) < k for s, k in zip(samples, n_new))
    if short:
        notes.append(f"in {short} of {n} splits our route made fewer '{value}' rows than asked")
    if n_smote < n:
        notes.append(f"SMOTE-NC needs 2 rows of '{value}' in the training part; {n - n_smote} of {n} "
                     "splits had 1, so its scores are over the other splits" if n_smote else
                     f"SMOTE-NC needs 2 rows of '{value}' in the training part; no split had them")
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
    """n_rows SMOTE-NC rows of the class (SMOTE / SMOTEN when the features are all numbers /
    all labels), k_neighbors cut to the class size - 1; None when the class has one row."""
    from imblearn.over_sampling import SMOTE, SMOTEN, SMOTENC   # slow import, only when used

    n_class = int((train[label].astype(str) == value).sum())
    if n_class < 2:
        return None
    features = train.drop(columns=[label])
    categorical = [c for c in features.columns if c not in numeric]
    options = dict(sampling_strategy={value: n_class + n_rows}, k_neighbors=min(5, n_class - 1),
                   random_state=seed)
    if categorical and len(categorical) < features.shape[1]:
        sampler = SMOTENC(categorical_features=categorical, **options)
    else:
        sampler = SMOTEN(**options) if categorical else SMOTE(**options)
    x, _ = sampler.fit_resample(features, train[label].astype(str))
    rows = x.iloc[len(train):].reset_index(drop=True)   # imblearn appends the new rows
    rows.insert(list(train.columns).index(label), label, value)
    return rows


def _refit(model: FittedModel, train: pd.DataFrame) -> FittedModel:
    """A model like `model` trained on `train` only; the categories stay those of the full data."""
    from core.training import fit

    specs = [ColumnSpec(s.name, s.role, s.categories) for s in model.transformer.layout_]
    return fit(PreparedTable(train.reset_index(drop=True), specs), model.semantics, model.config)


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
        """(macro-F1, recall of `value`) of a fixed random forest on the held-out rows."""
        rows = train if extra is None else pd.concat([train, extra], ignore_index=True)
        forest = RandomForestClassifier(n_estimators=N_TREES, random_state=seed, n_jobs=1)
        forest.fit(self.matrix(rows), rows[self.label].astype(str).to_numpy())
        truth, predicted = test[self.label].astype(str).to_numpy(), forest.predict(self.matrix(test))
        return (float(f1_score(truth, predicted, average="macro", zero_division=0)),
                float(recall_score(truth, predicted, labels=[value], average="macro", zero_division=0)))


def _summary(values: list[tuple[float, float]]) -> dict | None:
    if not values:
        return None
    f1, recall = np.array(values).T
    return {"macro_f1": float(f1.mean()), "macro_f1_sd": float(f1.std()),
            "minority_recall": float(recall.mean()), "minority_recall_sd": float(recall.std()),
            "macro_f1_splits": f1.tolist()}   # per split, for paired comparisons
