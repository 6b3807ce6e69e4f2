"""Rows of a rare class from the VAE, and whether they help a classifier.

Our addition: the paper generates rows by semantic, not by class.

The route (`sample_class`):
1. encode the real rows of the class: mu_i, logvar_i for each row i;
2. draw z = mu_i + widen * sigma_i * e, e ~ N(0, I), for rows i chosen at random;
3. accept each z with the probability p(class | z) that the decoder's label head gives
   (rejection sampling: accepted z follow the proposal of step 2 given the class);
4. an accepted z becomes its most likely row (mean numbers, most likely labels) with
   the class as its label; repeat until n rows or MAX_DRAWS_PER_ROW * n draws.
Drawing around the posteriors of the class's own rows, not from the prior N(0, I),
puts the draws where the model has seen the class (prior draws seldom land there).
`widen` > 1 spreads them further.
Why the most likely row and not a draw from p(x | z) as `generate` does: given z the
decoder treats columns as independent, so a drawn row can pair the class with features
drawn towards a neighbouring class; the variety comes from z instead. Why accept with
p(class | z) and not when the class is the most likely label: a rare class is seldom
ranked first (buildings_30, default settings: Dsu and Csu never were, 0 rows made).
On buildings_500 (Dsu, 10 splits) macro-F1 was 0.485 with rows drawn from p(x | z),
0.528 when accepting only where Dsu ranked first, 0.520 with this route; SMOTE-NC 0.521.

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

from core.columns import ColumnSpec, PreparedTable, Role
from core.errors import InputError
from core.messages import msg
from core.model import FittedModel
from core.views import count_copies

MAX_DRAWS_PER_ROW = 20     # give up after 20 draws per requested row
LOW_ACCEPTANCE = 0.1       # below this share of draws accepted as the class, say so
N_TREES = 100              # random forest size: stable scores, ~0.2 s per fit on 500 rows


@dataclass
class ClassSample:
    rows: pd.DataFrame          # generated rows, all of the class (may be fewer than asked)
    n_drawn: int                # latent draws decoded
    acceptance: float           # share of the draws accepted as the class
    notes: list[str] = field(default_factory=list)


def check_label(model: FittedModel, real: pd.DataFrame, label: str, value: str, min_rows: int = 1) -> None:
    """The label must be a labelled column the model trained on, and the class must occur."""
    spans = {s.name: s for s in model.transformer.layout_}
    if label not in spans:
        raise InputError(msg("label.unknown", label=label))
    if spans[label].kind == "numeric":   # a class coded 1/2/3 is read as integers unless told
        code = "label.numbers_hint" if spans[label].role is Role.INTEGER else "label.numbers"
        raise InputError(msg(code, label=label))
    if value not in spans[label].categories:
        raise InputError(msg("label.unknown_class", value=value, label=label,
                             classes=", ".join(spans[label].categories)))
    found = int((real[label].astype(str) == value).sum())
    if found < min_rows:
        raise InputError(msg("label.too_few", value=value, label=label, found=found, needed=min_rows))


def sample_class(model: FittedModel, real: pd.DataFrame, label: str, value: str, n_rows: int,
                 seed: int = 0, widen: float = 1.0) -> ClassSample:
    """Up to n_rows generated rows of class `value` of column `label` (see the module's route)."""
    check_label(model, real, label, value)
    if n_rows < 1:
        raise InputError("the number of rows to generate must be at least 1")
    seeds = real[real[label].astype(str) == value]
    span = next(s for s in model.transformer.layout_ if s.name == label)
    with torch.no_grad():
        mu, logvar = model.vae.encode(torch.from_numpy(model.transformer.transform(seeds)))  # (m, L)
    sigma = widen * torch.exp(0.5 * logvar)
    generator = torch.Generator().manual_seed(seed)
    kept, n_kept, n_drawn, budget = [], 0, 0, MAX_DRAWS_PER_ROW * n_rows
    while n_kept < n_rows and n_drawn < budget:
        batch = min(max(2 * (n_rows - n_kept), 64), budget - n_drawn)
        pick = torch.randint(len(seeds), (batch,), generator=generator)
        z = mu[pick] + sigma[pick] * torch.randn((batch, model.latent_dim), generator=generator)
        with torch.no_grad():
            out = model.vae.decode(z).numpy().astype(np.float64)                         # (batch, N)
        accept = torch.rand(batch, generator=generator).numpy() < class_probability(out, span, value)
        rows = model.transformer.inverse_transform(out[accept])   # the most likely rows
        rows[label] = value
        kept.append(rows)
        n_kept, n_drawn = n_kept + len(kept[-1]), n_drawn + batch
    sample = ClassSample(pd.concat(kept, ignore_index=True).head(n_rows), n_drawn, n_kept / n_drawn)
    if sample.acceptance < LOW_ACCEPTANCE:
        sample.notes.append(f"only {sample.acceptance:.0%} of the draws were accepted as '{value}': the "
                            f"model rarely reproduces this class; try widen < 1 or a longer training")
    if len(sample.rows) < n_rows:
        sample.notes.append(f"made {len(sample.rows)} of {n_rows} rows of '{value}' in {n_drawn} draws")
    return sample


def class_probability(out: np.ndarray, span, value: str) -> np.ndarray:
    """(n,) the decoder's probability of label `value` from its outputs (n, N): sigmoid of
    the binary column, softmax over the one-hot group."""
    block = out[:, span.start:span.stop]
    index = span.categories.index(value)
    if span.kind == "binary":
        p_second = 1.0 / (1.0 + np.exp(-block[:, 0]))
        return p_second if index == 1 else 1.0 - p_second
    weights = np.exp(block - block.max(axis=1, keepdims=True))
    return weights[:, index] / weights.sum(axis=1)


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
    samples, copies, n_new = [], [], []
    for split in range(n_splits):
        rng = np.random.default_rng(seed + split)
        train_idx, test_idx = stratified_split(real[label].astype(str), test_share, rng)
        train, test = real.iloc[train_idx], real.iloc[test_idx]
        n_new.append(n_rows or balance_count(train[label], value))
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
