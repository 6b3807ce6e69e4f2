"""The shipped SYNTHETIC sample data: schema, reproducibility, semantic structure, label.

The data dictionary is read from sample_data/make_sample.py itself (imported by path), never
re-declared here, so these tests check the files against the one definition.
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "sample_data"
SCRIPT = DATA / "make_sample.py"
GENERATED = ["buildings_30.csv", "buildings_500.csv", "buildings_30_factors.csv",
             "buildings_500_factors.csv", "semantics.csv", "README.md"]


def _load_module():
    spec = importlib.util.spec_from_file_location("make_sample", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ms = _load_module()
TABLES = {"buildings_30": 30, "buildings_500": 500}


def read(name):
    return pd.read_csv(DATA / name, encoding="utf-8-sig")


def ordinal_codes(df, name):
    """Numeric view of a column for correlation: numbers as is, grades as their rank."""
    col = ms.BY_NAME[name]
    if col.kind in ("continuous", "integer"):
        return df[name].astype(float)
    if col.kind in ("ordinal", "binary"):
        return df[name].map({v: i for i, v in enumerate(col.levels)}).astype(float)
    return None  # nominal: no order to correlate with


def spearman(x, y):
    return x.rank().corr(y.rank())


# ------------------------------------------------------------------ schema
def test_dictionary_shape():
    assert len(ms.COLUMNS) == 46
    assert len(ms.FEATURES) == 45
    assert ms.COLUMNS[-1].name == ms.LABEL == "安全性等级"
    assert len({c.name for c in ms.COLUMNS}) == 46
    assert {c.kind for c in ms.COLUMNS} == {"continuous", "integer", "binary", "categorical", "ordinal"}
    for c in ms.COLUMNS:
        if c.kind == "binary":
            assert set(c.levels) in ({"有", "无"}, {"是", "否"}), c.name
        if c.kind in ("categorical", "ordinal"):
            assert len(c.levels) >= 3, c.name
        if c.kind in ("continuous", "integer"):
            assert c.lo < c.hi, c.name
        assert c.semantic in ms.SEMANTICS or (c.name == ms.LABEL and c.semantic == "")


@pytest.mark.parametrize("table,rows", TABLES.items())
def test_table_matches_dictionary(table, rows):
    df = read(f"{table}.csv")
    assert df.shape == (rows, 46)
    assert list(df.columns) == [c.name for c in ms.COLUMNS]
    assert not df.isna().any().any()
    for c in ms.COLUMNS:
        values = df[c.name]
        if c.kind == "continuous":
            assert pd.api.types.is_float_dtype(values), c.name
            assert values.between(c.lo, c.hi).all(), c.name
            assert (values.round(c.dec) == values).all(), c.name
        elif c.kind == "integer":
            assert pd.api.types.is_integer_dtype(values), c.name
            assert values.between(c.lo, c.hi).all(), c.name
        else:
            assert set(values) <= set(c.levels), (c.name, set(values) - set(c.levels))
            if c.kind == "binary":
                assert values.nunique() == 2, c.name


def test_continuous_written_with_fixed_decimals():
    text = (DATA / "buildings_30.csv").read_text(encoding="utf-8-sig").splitlines()
    header, first = text[0].split(","), text[1].split(",")
    for c in ms.COLUMNS:
        if c.kind == "continuous":
            cell = first[header.index(c.name)]
            assert len(cell.split(".")[1]) == c.dec, (c.name, cell)


def test_files_are_utf8_bom_with_unix_newlines():
    for name in GENERATED[:-1]:
        raw = (DATA / name).read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), name
        assert b"\r" not in raw, name


def test_small_table_has_no_constant_column():
    df = read("buildings_30.csv")
    assert (df.nunique() >= 2).all(), list(df.columns[df.nunique() < 2])


def test_encoded_width_is_paper_like():
    for table in TABLES:
        df = read(f"{table}.csv")
        width = sum(df[c.name].nunique() if c.kind in ("categorical", "ordinal") else 1
                    for c in ms.COLUMNS if c.name != ms.LABEL)
        assert width == ms.encoded_width(df)
        assert 100 <= width <= 130, (table, width)


# ------------------------------------------------------------------ physical plausibility
def test_engineering_rules_hold():
    df = read("buildings_500.csv")
    masonry = df["结构体系"].isin(["砖混结构", "底框结构"])
    assert df.loc[masonry, "地上层数"].max() <= 7
    assert df.loc[masonry, "高宽比"].max() <= 2.5
    storeys = df.groupby("结构体系")["地上层数"].median()
    assert storeys["框剪结构"] > storeys["框架结构"] > storeys["砖混结构"]
    assert (df["碳化深度(mm)"] <= df["保护层厚度(mm)"] + 10.0).all()
    reached = df["碳化深度(mm)"] >= df["保护层厚度(mm)"]
    assert reached.any() and (df.loc[reached, "钢筋锈蚀"] != "无").all()
    age = ordinal_codes(df, "使用年限(年)")
    assert spearman(age, df["碳化深度(mm)"]) > 0.3      # carbonation grows with age
    precast = df["预制构件连接"] != "无预制构件"
    assert precast[df["结构体系"] == "砖混结构"].mean() > precast[df["结构体系"] == "框剪结构"].mean()


# ------------------------------------------------------------------ reproducibility
def test_script_regenerates_files_byte_for_byte(tmp_path):
    ms.main(tmp_path)
    for name in GENERATED:
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name


def test_script_cli_writes_to_out_dir(tmp_path):
    import subprocess
    subprocess.run([sys.executable, str(SCRIPT), "--out", str(tmp_path)], check=True,
                   capture_output=True)
    assert (tmp_path / "buildings_30.csv").read_bytes() == (DATA / "buildings_30.csv").read_bytes()


def test_readme_says_synthetic_and_documents_every_column():
    text = (DATA / "README.md").read_text(encoding="utf-8")
    assert "SYNTHETIC" in text
    assert "python sample_data/make_sample.py" in text
    for c in ms.COLUMNS:
        assert f"| {c.name} | {c.en} |" in text, c.name


# ------------------------------------------------------------------ semantics (R matrix)
def test_semantics_matrix():
    r = read("semantics.csv")
    data_columns = list(read("buildings_30.csv").columns)
    assert r.columns[0] == "semantic"
    assert list(r["semantic"]) == list(ms.SEMANTICS) == [
        "结构体系和布置", "地基基础状况", "裂缝及损坏情况", "整体和构件变形",
        "耐久性", "环境情况", "历史情况", "连接关系"]
    features = list(r.columns[1:])
    assert set(features) <= set(data_columns)
    assert ms.LABEL not in features
    assert set(features) == set(data_columns) - {ms.LABEL}
    m = r[features]
    assert set(np.unique(m.to_numpy())) == {0, 1}
    assert (m.sum(axis=0) == 1).all()          # every feature in exactly one semantic
    for sem, row in zip(r["semantic"], m.to_numpy()):
        assert row.sum() >= 4, sem
        assert {f for f, v in zip(features, row) if v} == {
            c.name for c in ms.COLUMNS if c.semantic == sem}


# ------------------------------------------------------------------ hidden factors
@pytest.mark.parametrize("table,rows", TABLES.items())
def test_factor_files(table, rows):
    fac = read(f"{table}_factors.csv")
    assert list(fac.columns) == list(ms.SEMANTICS)
    assert fac.shape == (rows, 8)
    if rows >= 500:
        assert fac.mean().abs().max() < 0.15 and (fac.std() - 1).abs().max() < 0.15


@pytest.mark.parametrize("table", TABLES)
def test_each_group_tracks_its_own_factor(table):
    """Mean |Spearman| of a group's ordered features with its own factor beats every other factor."""
    df, fac = read(f"{table}.csv"), read(f"{table}_factors.csv")
    for own in ms.SEMANTICS:
        cols = [c.name for c in ms.COLUMNS if c.semantic == own]
        codes = [x for x in (ordinal_codes(df, c) for c in cols) if x is not None]
        assert len(codes) >= 3, own
        strength = {s: np.mean([abs(spearman(x, fac[s])) for x in codes]) for s in ms.SEMANTICS}
        others = max(v for s, v in strength.items() if s != own)
        assert strength[own] > others + 0.15, (table, own, strength)
        if table == "buildings_500":
            assert strength[own] > 0.4, (own, strength[own])


# ------------------------------------------------------------------ label
def test_label_counts_and_imbalance():
    small, large = read("buildings_30.csv")[ms.LABEL], read("buildings_500.csv")[ms.LABEL]
    assert set(small) == set(large) == set(ms.GRADES)
    assert 2 <= (small == "Dsu").sum() <= 3
    assert 0.05 <= (large == "Dsu").mean() <= 0.10
    counts = large.value_counts()
    assert counts["Dsu"] < counts["Csu"] < counts["Bsu"]


def test_label_follows_the_factors():
    df, fac = read("buildings_500.csv"), read("buildings_500_factors.csv")
    score = fac.to_numpy() @ np.array(ms.LABEL_WEIGHTS)
    grade = df[ms.LABEL].map({g: i for i, g in enumerate(ms.GRADES)})
    means = pd.Series(score).groupby(grade).mean()
    assert means.is_monotonic_increasing and len(means) == 4
    assert spearman(pd.Series(score), grade) > 0.8


# ------------------------------------------------------------------ CLI training test
def test_cli_trains_on_the_sample_with_its_semantics(tmp_path):
    """The app's default data and preset go through `python -m core fit` and `report`."""
    import json

    from tests.conftest import cli

    out = tmp_path / "p.zip"
    fitted = cli("fit", DATA / "buildings_30.csv", "--semantics", DATA / "semantics.csv", "--out", out)
    assert fitted.returncode == 0, fitted.stderr
    report = json.loads(cli("report", out).stdout)
    assert len(report["features"]) == 46 and len(report["columns"]) == 101
    assert report["semantics"] == list(pd.read_csv(DATA / "semantics.csv", encoding="utf-8-sig")["semantic"])
    assert len(report["matches"]) == 8 and 0 < report["mi"] <= 100
