"""The conditions benchmark picks the conditions its docstring promises."""
import numpy as np
import pandas as pd

from benchmarks.conditions import conditions
from core.columns import prepare_table
from core.transformer import TableTransformer


def test_each_kind_of_condition_is_picked_as_described():
    n = 400
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({
        "structure": ["框架"] * 300 + ["砖混"] * 88 + ["木"] * 12,          # 木: 3 %, rare
        "grade": rng.choice([1, 2, 3], n, p=[0.6, 0.37, 0.03]).astype(str),   # integer codes
        "crack": rng.gamma(2.0, 0.3, n).round(3).astype(str),
        "flag": ["是"] * 396 + ["否"] * 4})                                 # 否: 1 %, under MIN_ROWS
    table = prepare_table(frame)
    layout = TableTransformer().fit(table).layout_
    picked = {(kind, str(condition)) for kind, condition in conditions(table.frame, layout)}
    rarest_grade = table.frame["grade"].value_counts().index[-1]
    assert ("rare label", "structure=木") in picked and ("common label", "structure=框架") in picked
    assert ("integer code", f"grade={rarest_grade:g}") in picked
    assert not any(text.startswith("flag=否") for _, text in picked)                  # 4 rows: too few
    assert not any(kind == "common label" and text.startswith("flag") for kind, text in picked)   # 99 %
    low = table.frame["crack"].quantile(0.96)
    ranges = [text for kind, text in picked if kind == "numeric range" and text.startswith("crack=")]
    assert ranges == [f"crack={low:.10g}..{table.frame['crack'].max():.10g}"]


def test_the_report_lists_conditions_below_target_at_each_sample_size(monkeypatch, tmp_path):
    import benchmarks.conditions as bench
    monkeypatch.setattr(bench, "ROOT", tmp_path)
    (tmp_path / "benchmarks").mkdir()
    row = {"table": "t", "kind": "rare label", "real_share": 0.03, "rows": bench.N_ROWS, "satisfied": 1.0, "ms": 9.0}
    results = [{**row, "condition": "a=1", "shift_r": 0.96, "shift_r_large": 0.97},
               {**row, "condition": "b=0", "kind": "common label", "real_share": 0.87,
                "shift_r": 0.62, "shift_r_large": 0.85}]
    text = bench.write(results, "conditions")
    assert "| t | 2 | 2/2 | 100% | 0.62 / 0.79 | 1/2 | 0.96 | 0.85 / 0.91 | 2/2 | 9 (9) |" in text
    at_small, at_large = text.split("Conditions below r = 0.7 at")[1:]
    assert "`b=0` (87.0% of the rows): r = 0.62 at 2,000 rows, 0.85 at 20,000" in at_small
    assert "- none" in at_large
