"""Rows of a rare class: do they help a classifier? Our routes beside SMOTE-NC, in the same run.

    python benchmarks/augmentation.py [--splits 5]    # writes benchmarks/AUGMENTATION.md
    python benchmarks/augmentation.py --aside DIR     # tables kept aside: AUGMENTATION_ASIDE.md
    python benchmarks/augmentation.py --aside DIR --out augmentation_fresh   # AUGMENTATION_FRESH.md

Tables: buildings_500 (安全性等级 = Dsu) and a 3,000-row survey-like table (tests/survey_table.py,
its rarest damage_grade). With --aside, each DIR/*.csv at up to ASIDE_ROWS rows (seeded), its
label chosen by `rare_label` and R dealt at random (benchmarks/fidelity.random_semantics); a
table without such a label is skipped, and the results say so.
On each stratified split (core.augmentation_check.stratified_split) a fresh model is fitted on
the training rows only (no leak), and random forests (core.augmentation_check.forests) are
scored on the held-out rows, trained on:
- the real training rows only;
- plus our rows of the class: by the default route, interpolation between neighbours in the
  latent space or by SMOTE-NC's distance (core.augmentation.interpolate_class, what
  `evaluate --label` reports as real+vae), and for
  comparison by the posterior route (core.augmentation.sample_class) and the condition route
  (core.conditions.sample_where with LABEL=CLASS);
- plus as many SMOTE-NC rows, ours (core.augmentation_check.smote_nc_rows) and
  imbalanced-learn's SMOTENC (a benchmark-only dependency, checked against ours), and the
  latter's rows rounded as the data is written (`as_written`), as ours are.
Macro-F1 and the class's recall: mean ± sd over the splits.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.fidelity import random_semantics  # noqa: E402
from benchmarks.machine import command, machine as benchmark_machine  # noqa: E402

from core.augmentation import balance_count, class_counts, interpolate_class, sample_class  # noqa: E402
from core.augmentation_check import _Design, _refit, paired_gain, smote_nc_rows, stratified_split  # noqa: E402
from core.columns import prepare_table  # noqa: E402
from core.conditions import Condition, sample_where  # noqa: E402
from core.model import TrainConfig  # noqa: E402
from core.semantics import SemanticMatrix  # noqa: E402
from core.table import read_table  # noqa: E402
from core.training import fit  # noqa: E402
from tests.survey_table import survey_frame, survey_semantics  # noqa: E402

ROUTES = ("real", "real + ours (neighbour interpolation, default)", "real + ours (posterior route)",
          "real + ours (condition route)",
          "real + SMOTE-NC (ours)", "real + SMOTE-NC (imbalanced-learn)",
          "real + SMOTE-NC (imbalanced-learn), rounded as the data")
PEERS = ROUTES[-3:]   # ours (default) is compared with each, split by split


def imblearn_rows(train: pd.DataFrame, label: str, value: str, n_rows: int, numeric: list[str], seed: int):
    """imbalanced-learn's SMOTENC rows; its SMOTE when every feature is a number (SMOTENC refuses
    such a table, and on one SMOTE-NC is SMOTE)."""
    from imblearn.over_sampling import SMOTE, SMOTENC

    n_class = int((train[label].astype(str) == value).sum())
    features = train.drop(columns=[label])
    labels = [c for c in features.columns if c not in numeric]
    options = dict(sampling_strategy={value: n_class + n_rows}, k_neighbors=min(5, n_class - 1), random_state=seed)
    sampler = SMOTENC(categorical_features=labels, **options) if labels else SMOTE(**options)
    x, _ = sampler.fit_resample(features, train[label].astype(str))
    rows = x.iloc[len(train):].reset_index(drop=True)
    rows.insert(list(train.columns).index(label), label, value)
    return rows


def as_written(model, rows: pd.DataFrame, label: str, value: str) -> pd.DataFrame:
    """`rows` as our rows are written: numbers at the data's precision (whole storeys, not 4.6),
    within the training range. SMOTE-NC's rows are not; a forest can tell such off-grid rows
    from the real ones, which changes what they teach it."""
    written = model.transformer.inverse_transform(model.transformer.transform(rows))
    written[label] = value
    return written


def tables():
    raw = read_table(ROOT / "sample_data" / "buildings_500.csv").frame
    preset = pd.read_csv(ROOT / "sample_data" / "semantics.csv", encoding="utf-8-sig", dtype=str)
    yield "buildings_500", raw, {}, SemanticMatrix.from_frame(preset, list(raw.columns)), "安全性等级", "Dsu"
    frame = survey_frame(3000, seed=31)
    raw = read_table(frame.to_csv(index=False).encode(), "survey.csv").frame
    rare = raw["damage_grade"].value_counts().index[-1]
    yield ("survey_3000", raw, {"damage_grade": "categorical"},
           SemanticMatrix.from_frame(survey_semantics(frame.columns), list(raw.columns)), "damage_grade", rare)


ASIDE_ROWS = 1_000
RARE_SHARE = 0.10   # the label's rarest class should be about this common ...
MAX_RARE_SHARE = 0.20   # ... and at most this: near-balanced classes need no augmentation


def rare_label(raw: pd.DataFrame) -> tuple[str, str]:
    """(column, class) for a table kept aside: among the non-numeric columns with 2-5 classes whose
    rarest class has at least 20 rows and at most MAX_RARE_SHARE of them, the one whose rarest
    class's share is nearest RARE_SHARE."""
    specs = {spec.name: spec for spec in prepare_table(raw, {}).specs}
    candidates = []
    for name, spec in specs.items():
        counts = raw[name].astype(str).value_counts()
        if not spec.is_numeric and 2 <= len(counts) <= 5 and 20 <= counts.iloc[-1] <= MAX_RARE_SHARE * len(raw):
            candidates.append((abs(counts.iloc[-1] / len(raw) - RARE_SHARE), name, counts.index[-1]))
    if not candidates:
        raise ValueError(f"no column with 2-5 classes whose rarest has at least 20 rows and at most "
                         f"{MAX_RARE_SHARE:.0%}")
    _, name, value = min(candidates)
    return name, value


def aside_tables(folder: Path, skipped: list[str]):
    """The tables of `folder`; each one without a rare label is named in `skipped`, with why."""
    for path in sorted(folder.glob("*.csv")):
        raw = read_table(path, max_bytes=2**31).frame
        if len(raw) > ASIDE_ROWS:
            raw = raw.sample(ASIDE_ROWS, random_state=0).reset_index(drop=True)
        try:
            label, value = rare_label(raw)
        except ValueError as error:
            skipped.append(f"{path.stem}_{len(raw)}: {error}")
            continue
        semantics = SemanticMatrix.from_frame(random_semantics(list(raw.columns)), list(raw.columns))
        yield f"{path.stem}_{len(raw)}", raw, {}, semantics, label, value


def run(raw, roles, semantics, label, value, splits: int) -> dict[str, list]:
    table = prepare_table(raw, roles)
    real = table.frame.reset_index(drop=True)
    model = fit(table, semantics, TrainConfig(epochs=5, finetune_epochs=0))   # the layout; refit per split
    design = _Design(model, label)
    scores = {route: [] for route in ROUTES}
    for split in range(splits):
        rng = np.random.default_rng(split)
        train_idx, test_idx = stratified_split(real[label].astype(str), 0.3, rng)
        train, test = real.iloc[train_idx], real.iloc[test_idx]
        n_new = balance_count(class_counts(train[label]), value)
        fresh = _refit(replace_config(model), train)
        peer = imblearn_rows(train, label, value, n_new, design.numeric, split)
        extra = [None, interpolate_class(fresh, train, label, value, n_new, seed=split).rows,
                 sample_class(fresh, train, label, value, n_new, seed=split).rows,
                 sample_where(fresh, train, [Condition(label, value=value)], n_new, seed=split),
                 smote_nc_rows(train, label, value, n_new, design.numeric, split),
                 peer, as_written(fresh, peer, label, value)]
        for route, rows in zip(ROUTES, extra):
            scores[route].append(design.score(train, rows, test, value, split))
        print(split, {route: round(values[-1][0], 3) for route, values in scores.items()}, flush=True)
    return scores


def replace_config(model):
    """The split's fresh model uses the default settings, not the layout model's few epochs."""
    from dataclasses import replace
    return replace(model, config=TrainConfig())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--splits", type=int, default=5)
    parser.add_argument("--aside", type=Path, help="a folder of CSV tables kept out of the repo")
    parser.add_argument("--out", help="file stem of the results in benchmarks/ "
                                      "(default: augmentation, or augmentation_aside with --aside)")
    args = parser.parse_args()
    if args.splits < 1:
        parser.error("--splits must be at least 1")
    torch.set_num_threads(1)
    machine = benchmark_machine()
    lines = ["# Augmentation: rows of a rare class against SMOTE-NC", "",
             f"`{command()}` on {machine}. A fresh model (defaults) per split on its training rows; "
             "per route, the mean over random forests (100 trees; 3 seeds up to 1,000 training rows, "
             "`core.augmentation_check.forests`) scored on the held-out 30 %; "
             "each generator adds as many rows of the class as make it as frequent as the largest class. "
             "The default route (`core.augmentation.interpolate_class`, reported by `evaluate --label` as "
             "real+vae) interpolates between rows of the class that are neighbours in the latent space or by "
             "SMOTE-NC's distance (since 2026-12-06; before, in the latent space only); "
             "the posterior route (`sample_class`) and the condition route (`sample_where`) are the earlier "
             "ones. SMOTE-NC's rows keep their numbers off the data's grid (4.6 storeys, stage 2.3); ours are "
             "written at the data's precision and on its steps, and the last route writes imbalanced-learn's rows "
             "the same way (`as_written`).", "",
             "| table | class | route | macro-F1 | class recall |", "|---|---|---|---|---|"]
    paired = ["", "Ours (default) minus SMOTE-NC, macro-F1 paired over the same splits (mean ± standard error; "
              "splits where ours is higher):", ""]
    twice = ["", "The check's resolution: our SMOTE-NC minus imbalanced-learn's, the same algorithm twice "
             "(its own random numbers), paired the same way:", ""]
    skipped: list[str] = []
    for name, raw, roles, semantics, label, value in (aside_tables(args.aside, skipped) if args.aside else tables()):
        scores = run(raw, roles, semantics, label, value, args.splits)
        for route, values in scores.items():
            f1, recall = np.array(values).T
            lines.append(f"| {name} | {label} = {value} | {route} | {f1.mean():.3f} ± {f1.std():.3f} | "
                         f"{recall.mean():.2f} ± {recall.std():.2f} |")
        ours = np.array(scores[ROUTES[1]])[:, 0]
        for route in PEERS:
            paired.append(f"- {name}, against {route.removeprefix('real + ')}: "
                          f"{_gap(ours - np.array(scores[route])[:, 0])}")
        twice.append(f"- {name}: {_gap(np.array(scores[PEERS[0]])[:, 0] - np.array(scores[PEERS[1]])[:, 0])}")
    lines += paired + twice
    if skipped:
        lines += ["", "Skipped, without a rare label (`rare_label`):", ""] + [f"- {why}" for why in skipped]
    stem = args.out or ("augmentation_aside" if args.aside else "augmentation")
    (ROOT / "benchmarks" / f"{stem.upper()}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def _gap(gains: np.ndarray) -> str:
    """A paired gap as the lists above write it: mean ± standard error; splits above 0, verdict."""
    gain = paired_gain(list(gains))
    se = "" if gain["se"] is None else f" ± {gain['se']:.3f}"
    return f"{gain['macro_f1']:+.3f}{se}; {gain['ahead']} of {gain['splits']}, {gain['verdict']}"


if __name__ == "__main__":
    main()
