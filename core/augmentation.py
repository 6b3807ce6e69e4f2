"""Rows of a rare class from the VAE, and whether they help a classifier.

Our addition: the paper generates rows by semantic, not by class.

The route (`sample_class`):
1. encode the real rows of the class: mu_i, logvar_i for each row i;
2. draw z = mu_i + widen * sigma_i * e, e ~ N(0, I), for rows i chosen at random;
3. decode as `core.generation` does (mean numbers, most likely labels);
4. keep the rows whose label decodes to the class; repeat until n rows or
   MAX_DRAWS_PER_ROW * n draws.
Drawing around the posteriors of the class's own rows, not from the prior N(0, I),
puts the draws where the model has seen the class, so most decode to it even when
it is rare (prior draws seldom land there). `widen` > 1 spreads them further.

The check (`compare`): on several stratified splits of the real rows, train a random
forest on (a) the training rows only, (b) plus our rows of the class, (c) plus as many
SMOTE-NC rows, and score each on the held-out rows: macro-F1 and the class's recall.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import f1_score, recall_score

from core.columns import ColumnSpec, PreparedTable
from core.errors import InputError
from core.generation import decode
from core.model import FittedModel
from core.views import count_copies

MAX_DRAWS_PER_ROW = 20     # give up after 20 draws per requested row
LOW_ACCEPTANCE = 0.1       # below this share of draws decoding to the class, say so
N_TREES = 100              # random forest size: stable scores, ~0.2 s per fit on 500 rows


@dataclass
class ClassSample:
    rows: pd.DataFrame          # generated rows, all of the class (may be fewer than asked)
    n_drawn: int                # latent draws decoded
    acceptance: float           # share of the draws that decoded to the class
    notes: list[str] = field(default_factory=list)


def check_label(model: FittedModel, real: pd.DataFrame, label: str, value: str, min_rows: int = 1) -> None:
    """The label must be a labelled column the model trained on, and the class must occur."""
    spans = {s.name: s for s in model.transformer.layout_}
    if label not in spans:
        raise InputError(f"label column '{label}' is not a column the model was trained on")
    if spans[label].kind == "numeric":
        raise InputError(f"label column '{label}' holds numbers; choose a column of classes")
    if value not in spans[label].categories:
        raise InputError(f"'{value}' is not a class of '{label}'; its classes are: "
                         + ", ".join(spans[label].categories))
    found = int((real[label].astype(str) == value).sum())
    if found < min_rows:
        raise InputError(f"class '{value}' of '{label}' has {found} row(s) in the data; "
                         f"at least {min_rows} needed")


def sample_class(model: FittedModel, real: pd.DataFrame, label: str, value: str, n_rows: int,
                 seed: int = 0, widen: float = 1.0) -> ClassSample:
    """Up to n_rows generated rows of class `value` of column `label` (see the module's route)."""
    check_label(model, real, label, value)
    if n_rows < 1:
        raise InputError("the number of rows to generate must be at least 1")
    seeds = real[real[label].astype(str) == value]
    with torch.no_grad():
        mu, logvar = model.vae.encode(torch.from_numpy(model.transformer.transform(seeds)))  # (m, L)
    sigma = widen * torch.exp(0.5 * logvar)
    generator = torch.Generator().manual_seed(seed)
    kept, n_kept, n_drawn, budget = [], 0, 0, MAX_DRAWS_PER_ROW * n_rows
    while n_kept < n_rows and n_drawn < budget:
        batch = min(max(2 * (n_rows - n_kept), 64), budget - n_drawn)
        pick = torch.randint(len(seeds), (batch,), generator=generator)
        z = mu[pick] + sigma[pick] * torch.randn((batch, model.latent_dim), generator=generator)
        rows = decode(model, z.numpy())
        kept.append(rows[rows[label] == value])
        n_kept, n_drawn = n_kept + len(kept[-1]), n_drawn + batch
    sample = ClassSample(pd.concat(kept, ignore_index=True).head(n_rows), n_drawn, n_kept / n_drawn)
    if sample.acceptance < LOW_ACCEPTANCE:
        sample.notes.append(f"only {sample.acceptance:.0%} of the draws decoded to '{value}': the "
                            f"model rarely reproduces this class; try widen < 1 or a longer training")
    if len(sample.rows) < n_rows:
        sample.notes.append(f"made {len(sample.rows)} of {n_rows} rows of '{value}' in {n_drawn} draws")
    return sample


def augment(model: FittedModel, real: pd.DataFrame, label: str, value: str, n_rows: int,
            seed: int = 0, widen: float = 1.0) -> pd.DataFrame:
    """Exactly n_rows new rows of class `value`; InputError (with the acceptance) if it cannot."""
    sample = sample_class(model, real, label, value, n_rows, seed, widen)
    if len(sample.rows) < n_rows:
        raise InputError("; ".join(sample.notes))
    return sample.rows


def balance_count(labels: pd.Series, value: str) -> int:
    """Rows of `value` to add so that it is as frequent as the most frequent class (at least 1)."""
    counts = labels.astype(str).value_counts()
    return max(1, int(counts.max() - counts.get(value, 0)))


# ---------------------------------------------------------------- the classifier comparison

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
    acceptance, copies, n_new, notes = [], [], [], set()
    for split in range(n_splits):
        rng = np.random.default_rng(seed + split)
        train_idx, test_idx = stratified_split(real[label].astype(str), test_share, rng)
        train, test = real.iloc[train_idx], real.iloc[test_idx]
        n_new.append(n_rows or balance_count(train[label], value))
        generator = _refit(model, train) if refit else model
        ours = sample_class(generator, train, label, value, n_new[-1], seed + split, widen)
        smote = smote_nc_rows(train, label, value, n_new[-1], design.numeric, seed + split)
        acceptance.append(ours.acceptance)
        copies.append(count_copies(ours.rows, train) / max(1, len(ours.rows)))
        notes.update(ours.notes + ([] if smote is not None else
                                   [f"SMOTE-NC needs 2 rows of '{value}' in a training split"]))
        for route, extra in zip(ROUTES, (None, ours.rows, smote)):
            if route == "real" or extra is not None:
                scores[route].append(design.score(train, extra, test, value, seed))
    return {"label": label, "minority": value, "n_splits": n_splits, "refit": refit,
            "n_new": round(float(np.mean(n_new)), 1),
            "routes": {route: _summary(values) for route, values in scores.items()},
            "acceptance": float(np.mean(acceptance)), "copy_rate": float(np.mean(copies)),
            "notes": sorted(notes)}


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
            "minority_recall": float(recall.mean()), "minority_recall_sd": float(recall.std())}
