"""Are the generated rows realistic, valid and new? Fidelity, validity, novelty and privacy.

Our addition: the paper does not evaluate generated rows. The fidelity scores use
SDMetrics' definitions (KSComplement, TVComplement, CorrelationSimilarity and
ContingencySimilarity, averaged as in its quality report's "column shapes" and
"column pair trends"). They are re-implemented here because sdmetrics cannot be a
dependency (licence); tests/core/test_evaluation.py checks them on small cases
computed by hand instead, and benchmarks/run.py compares them with SDMetrics' own in a
separate venv (equal to 1e-15 on buildings_500, mixed pairs aside: see `quantile_bins`).

Every function takes DataFrames in the original columns (real: the prepared table,
numbers as floats and labels as strings; generated: `core.generation.generate`) and
the model's `transformer.layout_`, which says which columns are numbers, their
training range and their categories. All scores are in 0..1, higher is better,
except the exact-copy rate and the DCR ratio (see `dcr_ratio`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.columns import blank_column
from core.errors import InputError
from core.roles import Role
from core.transformer import Span, decimals

N_BINS = 5                 # quintiles: still 6 real rows per bin at the paper's 30 rows
MIN_GENERATED = 500        # generated rows for the metrics: len(real) between these two bounds
MAX_GENERATED = 10_000     # beyond it, more rows change the scores by less than their noise
DCR_ROWS = 1_000           # generated (and random) rows whose closest real row is searched ...
DCR_REAL = 10_000          # ... among at most this many real rows (seeded subsample)
DCR_CELLS = 4_000_000      # rows x real rows x columns per distance chunk (~32 MB of floats)


# ---------------------------------------------------------------- single scores

def ks_similarity(real, synthetic) -> float:
    """1 - KS statistic: one minus the largest gap between the two empirical CDFs, computed as
    scipy.stats.ks_2samp computes it (its p-value, which we do not need, is most of its cost);
    a missing value makes it NaN, as there."""
    a, b = np.sort(np.asarray(real, float)), np.sort(np.asarray(synthetic, float))
    if np.isnan(a[-1:]).any() or np.isnan(b[-1:]).any():   # sorting puts NaN last
        return float("nan")
    both = np.concatenate([a, b])
    gaps = np.searchsorted(a, both, side="right") / len(a) - np.searchsorted(b, both, side="right") / len(b)
    return 1.0 - float(max(np.clip(-gaps.min(), 0, 1), gaps.max()))


def tvd_similarity(real: pd.Series, synthetic: pd.Series) -> float:
    """1 - total variation distance, TVD = 1/2 * sum over labels of |p_real - p_synthetic|."""
    codes_real, codes_synthetic = _factorize(real, synthetic)
    return 1.0 - _tvd(codes_real, codes_synthetic)


def correlation_similarity(real_a, real_b, synthetic_a, synthetic_b) -> float:
    """1 - |rho_real - rho_synthetic| / 2, rho = Pearson's correlation of the two columns.

    A constant column has no Pearson correlation; we count it as rho = 0 (no linear
    relation) rather than fail, so a generator that collapses a column is scored, not skipped.
    """
    return 1.0 - abs(_pearson(real_a, real_b) - _pearson(synthetic_a, synthetic_b)) / 2


def contingency_similarity(real_a: pd.Series, real_b: pd.Series,
                           synthetic_a: pd.Series, synthetic_b: pd.Series) -> float:
    """1 - TVD of the two joint (contingency) tables of label pairs, as shares of rows."""
    ra, sa = _factorize(real_a, synthetic_a)
    rb, sb = _factorize(real_b, synthetic_b)
    return 1.0 - _joint_tvd(ra, rb, sa, sb)


def _pearson(a, b) -> float:
    a, b = np.asarray(a, float), np.asarray(b, float)
    if a.std() == 0 or b.std() == 0:
        return 0.0
    return float(np.corrcoef(a, b)[0, 1])


def _correlations(frame: pd.DataFrame) -> np.ndarray:
    """(k, k) Pearson correlations of the k columns at once, 0 where a column is constant
    (as `_pearson`)."""
    values = frame.to_numpy(float)
    if values.shape[1] < 2:
        return np.zeros((values.shape[1], values.shape[1]))
    constant = values.std(axis=0) == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = np.corrcoef(values, rowvar=False)
    rho[constant, :] = rho[:, constant] = 0.0
    return rho


def _factorize(real: pd.Series, synthetic: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes over the labels of both sides (a label only one side has counts too; a
    missing cell is a label of its own, so rows from another generator with gaps still score)."""
    codes, _ = pd.factorize(pd.concat([real.astype(str), synthetic.astype(str)], ignore_index=True),
                            use_na_sentinel=False)
    return codes[:len(real)], codes[len(real):]


def _tvd(codes_real: np.ndarray, codes_synthetic: np.ndarray) -> float:
    size = int(max(codes_real.max(initial=0), codes_synthetic.max(initial=0))) + 1
    p = np.bincount(codes_real, minlength=size) / len(codes_real)
    q = np.bincount(codes_synthetic, minlength=size) / len(codes_synthetic)
    return 0.5 * float(np.abs(p - q).sum())


def _joint_tvd(ra, rb, sa, sb) -> float:
    width = int(max(rb.max(initial=0), sb.max(initial=0))) + 1
    return _tvd(ra * width + rb, sa * width + sb)   # one code per (a, b) cell


def quantile_bins(real: pd.Series, synthetic: pd.Series, n_bins: int = N_BINS
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Bin codes of a numeric column at the real data's quantiles.

    Tied quantiles merge (a crack width that is mostly 0 gets fewer bins); generated
    values beyond the real range fall into the first or last bin. SDMetrics uses
    equal-width bins here; quantiles keep skewed columns (crack widths, settlement
    rates) from crowding into one bin.
    """
    inner = np.unique(np.quantile(real.to_numpy(float), np.linspace(0, 1, n_bins + 1)))[1:-1]
    return np.digitize(real.to_numpy(float), inner), np.digitize(synthetic.to_numpy(float), inner)


# ---------------------------------------------------------------- fidelity

@dataclass
class Fidelity:
    score: float               # mean of column_shapes and pair_trends
    column_shapes: float       # mean over columns
    pair_trends: float         # mean over column pairs
    columns: pd.DataFrame      # column, metric ("KS" | "TVD"), score
    pairs: pd.DataFrame        # column_a, column_b, metric ("correlation" | "contingency"), score

    def to_dict(self, worst_pairs: int = 10) -> dict:
        worst = self.pairs.nsmallest(worst_pairs, "score")
        return {"fidelity": self.score, "column_shapes": self.column_shapes,
                "pair_trends": self.pair_trends,
                "columns": {r.column: {"metric": r.metric, "score": r.score}
                            for r in self.columns.itertuples()},
                "worst_pairs": worst.to_dict(orient="records")}


@dataclass
class CopyIndex:
    """The real rows as comparison keys, built once (a large table takes a while) and reused
    for every batch of generated rows. Numbers are compared at the real column's own precision
    (a crack width written with two decimals matches when both round to the same two
    decimals), labels exactly."""
    places: dict[str, int | None]   # decimals per numeric column, None for labels
    keys: np.ndarray                # sorted unique 64-bit hashes of the normalised rows
    repeats: int = 0                # real rows equal to another real row: the yardstick for copies

    @classmethod
    def of(cls, real: pd.DataFrame) -> "CopyIndex":
        places = {c: decimals(real[c]) if pd.api.types.is_numeric_dtype(real[c]) else None for c in real.columns}
        index = cls(places, np.empty(0, np.uint64))
        index.keys, counts = np.unique(index.keys_of(real).to_numpy(), return_counts=True)
        index.repeats = int(counts[counts > 1].sum())
        return index

    def keys_of(self, frame: pd.DataFrame) -> pd.Series:
        """One 64-bit hash per row of the values as compared (vectorised: 100,000 rows in well
        under a second; a collision between two different rows is a 1 in 2^64 chance)."""
        normalised = pd.DataFrame({
            column: frame[column].astype(str) if places is None
            else frame[column].astype(float).round(places) + 0.0      # + 0.0: -0.0 becomes 0.0
            for column, places in self.places.items()})
        return pd.util.hash_pandas_object(normalised, index=False)

    def count(self, generated: pd.DataFrame) -> int:
        """Generated rows equal to some real row in every column of the real table."""
        if not self.places or generated.empty or not set(self.places) <= set(generated.columns):
            return 0
        keys = self.keys_of(generated).to_numpy()
        found = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)   # binary search
        return int((self.keys[found] == keys).sum()) if len(self.keys) else 0


def count_copies(generated: pd.DataFrame, real: pd.DataFrame) -> int:
    """Generated rows equal to some real row in every column of `real` (see CopyIndex)."""
    columns = [c for c in real.columns if c in generated.columns]
    if not columns or generated.empty:
        return 0
    return CopyIndex.of(real[columns]).count(generated)


def column_shapes(real: pd.DataFrame, synthetic: pd.DataFrame, layout: list[Span],
                  codes: dict | None = None) -> pd.DataFrame:
    """Per column: 1 - KS statistic for numbers, 1 - TVD for categories (from `pair_codes`, when
    given, instead of coding the labels again)."""
    rows = []
    for span in layout:
        a, b = real[span.name], synthetic[span.name]
        if span.kind == "numeric":
            rows.append((span.name, "KS", ks_similarity(a, b)))
        else:
            rows.append((span.name, "TVD", 1.0 - _tvd(*codes[span.name]) if codes else tvd_similarity(a, b)))
    return pd.DataFrame(rows, columns=["column", "metric", "score"])


def pair_codes(real: pd.DataFrame, synthetic: pd.DataFrame, layout: list[Span], n_bins: int = N_BINS) -> dict:
    """Per column, (real, synthetic) integer codes over both sides: `quantile_bins` of a number,
    the labels of a label column (`_factorize`)."""
    return {span.name: quantile_bins(real[span.name], synthetic[span.name], n_bins) if span.kind == "numeric"
            else _factorize(real[span.name], synthetic[span.name]) for span in layout}


def pair_trends(real: pd.DataFrame, synthetic: pd.DataFrame, layout: list[Span],
                n_bins: int = N_BINS, codes: dict | None = None) -> pd.DataFrame:
    """Per column pair: correlation similarity for two numbers, contingency similarity otherwise.

    In a mixed pair the numeric column is cut into `quantile_bins` of the real data
    first, so the pair is compared as a contingency table (as SDMetrics does).
    """
    codes = codes or pair_codes(real, synthetic, layout, n_bins)
    numeric = [span.name for span in layout if span.kind == "numeric"]
    where = {name: i for i, name in enumerate(numeric)}
    rho_real, rho_synthetic = _correlations(real[numeric]), _correlations(synthetic[numeric])
    rows = []
    for i, first in enumerate(layout):
        for second in layout[i + 1:]:
            x, y = first.name, second.name
            if first.kind == second.kind == "numeric":   # correlation_similarity, from the matrices
                a, b = where[x], where[y]
                rows.append((x, y, "correlation", 1.0 - abs(rho_real[a, b] - rho_synthetic[a, b]) / 2))
            else:
                (ra, sa), (rb, sb) = codes[x], codes[y]
                rows.append((x, y, "contingency", 1.0 - _joint_tvd(ra, rb, sa, sb)))
    return pd.DataFrame(rows, columns=["column_a", "column_b", "metric", "score"])


def fidelity(real: pd.DataFrame, synthetic: pd.DataFrame, layout: list[Span],
             n_bins: int = N_BINS) -> Fidelity:
    """Column shapes, pair trends and their mean (one column: the shapes alone)."""
    _check_columns(real, layout, "the real data")
    _check_columns(synthetic, layout, "the generated rows")
    codes = pair_codes(real, synthetic, layout, n_bins)   # once for both
    shapes, pairs = column_shapes(real, synthetic, layout, codes), pair_trends(real, synthetic, layout, n_bins, codes)
    shape_mean = float(shapes["score"].mean())
    pair_mean = float(pairs["score"].mean()) if len(pairs) else shape_mean
    return Fidelity((shape_mean + pair_mean) / 2, shape_mean, pair_mean, shapes, pairs)


# ---------------------------------------------------------------- validity

def validity(synthetic: pd.DataFrame, layout: list[Span]) -> dict:
    """Share of generated numbers inside the training range, and of labels seen in training.

    Both should be 1.0: the decoder clips numbers and only emits known categories, so
    anything less is a bug. `columns` lists each column's share. A share over no
    columns of that kind is 1.0. A number counts as inside when it is within half of its
    column's last written decimal of the range (`Span.written`: uis' ND2 reaches
    -23.0258509299405 and is written at 6 decimals, so its floor reads -23.025851).
    """
    _check_columns(synthetic, layout, "the generated rows")
    shares, inside = {}, {"numeric": [0, 0], "category": [0, 0]}   # kind -> [n inside, n]
    for span in layout:
        values = synthetic[span.name]
        if span.kind == "numeric":
            slack = max(1e-9 * max(1.0, span.high - span.low),   # float noise of the clip
                        0.0 if span.role is Role.INTEGER else 0.5 * 10.0 ** -span.decimals)   # rounding
            ok = values.astype(float).between(span.low - slack, span.high + slack)
            kind = "numeric"
        else:
            ok, kind = values.astype(str).isin(span.categories), "category"
        shares[span.name] = float(ok.mean()) if len(ok) else 1.0
        inside[kind][0] += int(ok.sum())
        inside[kind][1] += len(ok)
    share = {kind: n_ok / n if n else 1.0 for kind, (n_ok, n) in inside.items()}
    return {"numeric_in_range": share["numeric"], "categories_seen": share["category"],
            "columns": shares}


# ---------------------------------------------------------------- novelty and privacy

def exact_copy_rate(real: pd.DataFrame, synthetic: pd.DataFrame) -> float:
    """Share of generated rows equal to some real row in every column.

    Numbers are compared after rounding to the real column's decimals
    (`count_copies`, the same count the Generate page shows).
    """
    return count_copies(synthetic, real) / len(synthetic) if len(synthetic) else 0.0


def closest_distances(rows: pd.DataFrame, real: pd.DataFrame, layout: list[Span]) -> np.ndarray:
    """(n_rows,) distance of each row to its closest real row (DCR).

    Gower-like: per column |a - b| / (training range) for numbers (clipped to 1), 0 or 1
    for labels, then the mean over columns; so 0 = identical, 1 = as different as possible.
    """
    numbers = [s for s in layout if s.kind == "numeric"]
    labels = [s for s in layout if s.kind != "numeric"]
    scale = np.array([s.high - s.low if s.high > s.low else 1.0 for s in numbers])
    real_num = real[[s.name for s in numbers]].to_numpy(float) / scale          # (R, p)
    rows_num = rows[[s.name for s in numbers]].to_numpy(float) / scale          # (N, p)
    pairs = [_factorize(real[s.name], rows[s.name]) for s in labels]
    real_lab = np.stack([p[0] for p in pairs], axis=1) if pairs else np.zeros((len(real), 0))
    rows_lab = np.stack([p[1] for p in pairs], axis=1) if pairs else np.zeros((len(rows), 0))
    chunk = max(1, DCR_CELLS // max(1, len(real) * len(layout)))
    out = np.empty(len(rows))
    for start in range(0, len(rows), chunk):
        stop = start + chunk
        numeric = np.minimum(np.abs(rows_num[start:stop, None, :] - real_num[None]), 1).sum(-1)
        mismatch = (rows_lab[start:stop, None, :] != real_lab[None]).sum(-1)     # (n, R)
        out[start:stop] = ((numeric + mismatch) / len(layout)).min(axis=1)
    return out


def random_rows(layout: list[Span], n_rows: int, seed: int = 0) -> pd.DataFrame:
    """Rows drawn uniformly from each column's training range or categories, independently."""
    rng = np.random.default_rng(seed)
    columns = {}
    for span in layout:
        if span.kind == "numeric":
            columns[span.name] = rng.uniform(span.low, span.high, n_rows)
        else:
            columns[span.name] = pd.Series(rng.choice(np.asarray(span.categories, dtype=object), n_rows),
                                           dtype=str)
    return pd.DataFrame(columns)


def dcr_ratio(real: pd.DataFrame, synthetic: pd.DataFrame, layout: list[Span], seed: int = 0
              ) -> tuple[float, float, float]:
    """(ratio, median DCR of the generated rows, median DCR of as many random rows).

    The ratio puts the DCR on a scale: near 0, generated rows sit on top of real rows
    (copies, a privacy risk); near 1, they are as far from the real rows as random
    noise. Realistic new rows lie in between.

    Our decision: the search costs rows x real rows, so on large tables it uses a seeded
    subsample of `DCR_ROWS` generated and random rows against `DCR_REAL` real rows; both
    medians are taken against the same real rows, so the ratio stays comparable. (Exact
    copies are counted against every real row, `exact_copy_rate`.)
    """
    rng = np.random.default_rng(seed)
    real = _subsample(real, DCR_REAL, rng)
    synthetic = _subsample(synthetic, DCR_ROWS, rng)
    generated = float(np.median(closest_distances(synthetic, real, layout)))
    noise = float(np.median(closest_distances(random_rows(layout, len(synthetic), seed), real, layout)))
    return (generated / noise if noise > 0 else float("nan")), generated, noise


# ---------------------------------------------------------------- all of it

def _subsample(frame: pd.DataFrame, most: int, rng: np.random.Generator) -> pd.DataFrame:
    return frame if len(frame) <= most else frame.iloc[np.sort(rng.choice(len(frame), most, replace=False))]


def evaluate(model, real: pd.DataFrame, n_rows: int | None = None, seed: int = 0) -> dict:
    """Generate len(real) rows, at least 500 and at most 10,000 (seeded), and score them against
    `real`; JSON-ready. `blanks`: for each column that keeps its blanks, the share of blank
    cells in the real and in the generated rows. `real_repeat_rate`, the share of real rows equal
    to another, is the yardstick for `exact_copy_rate` (our addition): a new row drawn from the
    population the real rows come from matches one of them about as often, so on a table of
    coarse columns (a few classes, bins, whole numbers) copies above 0 are not by themselves a leak."""
    from core.generation import generate  # generation imports the model; keep this module light

    layout = model.transformer.layout_
    _check_columns(real, layout, "the real data")
    synthetic = generate(model, n_rows or min(max(len(real), MIN_GENERATED), MAX_GENERATED), seed=seed)
    blanks = {span.name: {"real": float(real[blank_column(span.name)].mean()),
                          "generated": float(synthetic[blank_column(span.name)].mean())}
              for span in layout if span.blank and blank_column(span.name) in real.columns}
    real = real[[s.name for s in layout]]
    ratio, dcr_generated, dcr_random = dcr_ratio(real, synthetic, layout, seed)
    copies = CopyIndex.of(real)
    return {"n_real": len(real), "n_generated": len(synthetic),
            **fidelity(real, synthetic, layout).to_dict(),
            "validity": validity(synthetic, layout),
            "exact_copy_rate": copies.count(synthetic) / len(synthetic), "real_repeat_rate": copies.repeats / len(real),
            "dcr_ratio": ratio, "dcr_generated": dcr_generated, "dcr_random": dcr_random,
            "blanks": blanks}


def _check_columns(frame: pd.DataFrame, layout: list[Span], what: str) -> None:
    missing = [s.name for s in layout if s.name not in frame.columns]
    if missing:
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise InputError(f"{what}: the model's column '{missing[0]}' is missing{more}")
