"""A survey-like table, made to behave like a real post-earthquake building survey.

Real surveys are not like the bundled sample. This one has, on purpose:
- a unique `building_id` and region codes whose names end in `_id`;
- counts and ages (integers), area and height percentages;
- one-letter codes for foundation, roof, floor types and position;
- 0/1 flags for wall materials and secondary uses, some of which never occur in a slice
  (constant columns);
- a damage grade coded 1/2/3 (an integer-coded class, grade 1 rare);
- `age` with two text cells ("unknown", "inf") among the numbers.

Hidden factors drive groups of columns (size, material quality, use), and the damage
grade depends on all of them, so the groups are learnable and related.
`survey_semantics` writes an R over it that ticks a constant flag and the region code.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

MATERIALS = ("adobe_mud", "mud_mortar_stone", "stone_flag", "cement_mortar_stone",
             "mud_mortar_brick", "cement_mortar_brick", "timber", "bamboo",
             "rc_non_engineered", "rc_engineered", "other")
USES = ("agriculture", "hotel", "rental", "institution", "school", "industry",
        "health_post", "gov_office", "use_police", "use_other")
NEVER = ("has_secondary_use_institution", "has_secondary_use_school",
         "has_secondary_use_health_post", "has_secondary_use_use_police")   # all 0 here


def survey_frame(n_rows: int = 300, seed: int = 0, text_cells: bool = True) -> pd.DataFrame:
    """The raw table as an engineer's CSV would hold it (numbers as numbers, codes as text)."""
    rng = np.random.default_rng(seed)
    size, quality, use = rng.normal(size=(3, n_rows))

    def pick(labels: str, signal: np.ndarray, spread: float = 1.0) -> np.ndarray:
        """One-letter codes ordered by `signal`, with noise: neighbouring codes mix."""
        position = (signal + spread * rng.normal(size=n_rows)) / 2.5 + 0.5
        index = np.clip((position * len(labels)).astype(int), 0, len(labels) - 1)
        return np.array(list(labels))[index]

    frame = pd.DataFrame({
        "building_id": rng.choice(1_000_000, n_rows, replace=False),
        "geo_level_1_id": rng.integers(0, 31, n_rows),
        "count_floors_pre_eq": np.clip(np.round(2 + 0.9 * size + 0.4 * rng.normal(size=n_rows)), 1, 9),
        "age": 5 * np.clip(np.round(5 - 2.5 * quality + 2 * rng.normal(size=n_rows)), 0, 40),
        "area_percentage": np.clip(np.round(8 + 3 * size + 2 * rng.normal(size=n_rows)), 1, 60),
        "height_percentage": np.clip(np.round(5 + 1.5 * size + rng.normal(size=n_rows)), 2, 20),
        "land_surface_condition": pick("nto", rng.normal(size=n_rows)),
        "foundation_type": pick("rwuih", quality, 0.7),
        "roof_type": pick("nqx", quality, 0.8),
        "ground_floor_type": pick("fxvzm", quality, 0.8),
        "other_floor_type": pick("qxjs", quality + 0.3 * size, 0.8),
        "position": pick("sjto", rng.normal(size=n_rows)),
        "plan_configuration": np.where(rng.random(n_rows) < 0.9, "d",
                                       rng.choice(list("quams"), n_rows)),
    })
    weak = np.clip(-quality, -2, 2)
    for j, material in enumerate(MATERIALS):
        lean = weak if j < 6 else -weak                   # mud and stone: weak; rc, timber: strong
        base = (-0.4, 0.9, -2.0, -1.6, -1.0, -1.2, -0.6, -1.5, -1.6, -2.5, -2.8)[j]
        frame[f"has_superstructure_{material}"] = (rng.random(n_rows) < _sigmoid(base + lean)).astype(int)
    frame["legal_ownership_status"] = np.where(rng.random(n_rows) < 0.95, "v", rng.choice(list("awr"), n_rows))
    frame["count_families"] = np.clip(np.round(1 + 0.3 * size + 0.4 * rng.normal(size=n_rows)), 0, 9)
    secondary = rng.random(n_rows) < _sigmoid(-1.8 + 1.2 * use)
    frame["has_secondary_use"] = secondary.astype(int)
    shares = (0.6, 0.12, 0.1, 0, 0, 0.05, 0, 0.03, 0, 0.1)
    which = rng.choice(len(USES), n_rows, p=np.array(shares) / sum(shares))
    for j, name in enumerate(USES):
        frame[f"has_secondary_use_{name}"] = (secondary & (which == j)).astype(int)
    risk = 1.1 * weak + 0.5 * size - 0.3 * use + 0.02 * (frame["age"].to_numpy() - 25) \
        + 0.6 * rng.normal(size=n_rows)
    frame["damage_grade"] = np.digitize(risk, np.quantile(risk, [0.1, 0.55])) + 1   # 1 rare
    frame = frame.astype({c: "int64" for c in frame.columns if frame[c].dtype.kind == "f"})
    if text_cells:
        frame["age"] = frame["age"].astype(object)
        frame.loc[[7, 41], "age"] = ["unknown", "inf"]
    return frame


def survey_semantics(columns) -> pd.DataFrame:
    """R in the R.csv layout: 7 semantics over the survey's columns.

    It ticks `has_secondary_use_school` (constant in the table) and `geo_level_1_id`
    (excluded by its name), the two ticks a slice must not break."""
    groups = {
        "size": ["count_floors_pre_eq", "area_percentage", "height_percentage", "count_families"],
        "age": ["age"],
        "foundation and floors": ["foundation_type", "ground_floor_type", "other_floor_type", "roof_type"],
        "walls of earth and stone": [f"has_superstructure_{m}" for m in MATERIALS[:6]],
        "walls of timber and concrete": [f"has_superstructure_{m}" for m in MATERIALS[6:]],
        "site": ["land_surface_condition", "position", "plan_configuration", "geo_level_1_id",
                 "legal_ownership_status"],
        "use": ["has_secondary_use"] + [f"has_secondary_use_{u}" for u in USES],
    }
    columns = list(columns)
    rows = [{"semantic": name, **{c: int(c in members) for c in columns}}
            for name, members in groups.items()]
    return pd.DataFrame(rows, columns=["semantic", *columns])


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def survey_with_blanks(n_rows: int = 300, seed: int = 0) -> pd.DataFrame:
    """`survey_frame` with the blanks a real survey leaves, each where a survey leaves it:
    - `age` unknown for a fifth of the buildings, the older ones far more often;
    - the secondary-use section (every `has_secondary_use*` flag) not filled for 15 % of the
      buildings, all of its cells blank together;
    - `foundation_type` not inspected where the building has 3 floors or more, half the time."""
    frame = survey_frame(n_rows, seed, text_cells=False)
    rng = np.random.default_rng(seed + 1)
    age = frame["age"].to_numpy(dtype=float)
    unknown = rng.random(n_rows) < _sigmoid((age - 40) / 10) * 0.5
    frame["age"] = frame["age"].astype(object).where(~unknown, None)
    skipped = rng.random(n_rows) < 0.15
    for name in [c for c in frame.columns if c.startswith("has_secondary_use")]:
        frame[name] = frame[name].astype(object).where(~skipped, None)
    tall = (frame["count_floors_pre_eq"].to_numpy() >= 3) & (rng.random(n_rows) < 0.5)
    frame["foundation_type"] = frame["foundation_type"].astype(object).where(~tall, None)
    return frame
