"""Generate the SYNTHETIC sample tables of Latent Semantics Studio.

None of these rows is a real building. Each row is drawn from the documented latent-factor
model below, so the semantic structure (which features move together) is known and testable.

    python sample_data/make_sample.py              # rewrites every file in sample_data/
    python sample_data/make_sample.py --out DIR    # writes the same files into DIR

Deterministic: numpy's default_rng(seed), only standard_normal() and random() draws, values
rounded at generation, fixed decimals in the CSVs, UTF-8 with BOM, "\\n" line ends.
"""
from __future__ import annotations

import argparse
import math
from pathlib import Path
from statistics import NormalDist
from typing import NamedTuple

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ND = NormalDist()
SEMANTICS = ("结构体系和布置", "地基基础状况", "裂缝及损坏情况", "整体和构件变形",
             "耐久性", "环境情况", "历史情况", "连接关系")  # the paper's Table 2, in order
LABEL = "安全性等级"
GRADES = ("Asu", "Bsu", "Csu", "Dsu")
GRADE_SHARE = (0.30, 0.40, 0.22, 0.08)   # population shares the label thresholds are set from
LABEL_WEIGHTS = (0.6, 1.0, 1.0, 1.0, 0.7, 0.3, 0.4, 0.7)  # weight of each factor in the score
LABEL_NOISE = 0.35                        # sd of the noise added to the standardised score
# Engineering couplings between factors: (child, parent, coefficient); child keeps unit variance.
COUPLINGS = (("裂缝及损坏情况", "历史情况", 0.3),   # older, altered buildings crack more
             ("耐久性", "历史情况", 0.3),          # ... and have worse durability
             ("整体和构件变形", "地基基础状况", 0.25))  # uneven settlement tilts the building
# The 30-row seed is the first from 20240530 up whose file has 2-3 Dsu rows (5-10 %) and no
# constant column; main() checks this and fails loudly if a change to the model breaks it.
FILES = {"buildings_30": (30, 20240532), "buildings_500": (500, 20240531)}
AGE_BINS = tuple(f"{a}–{a + 5}" for a in range(0, 50, 5)) + ("50以上",)
BEGIN, END = "<!-- BEGIN GENERATED (make_sample.py) -->", "<!-- END GENERATED -->"


class Col(NamedTuple):
    name: str           # Chinese header, as in the CSV
    en: str             # English name
    unit: str           # "" when none
    kind: str           # continuous / integer / binary / categorical / ordinal
    semantic: str       # one of SEMANTICS; "" for the label
    meaning: str
    levels: tuple = ()  # binary/categorical/ordinal: allowed values (ordinal: best -> worst)
    lo: float = 0.0     # continuous/integer: allowed range
    hi: float = 0.0
    dec: int = 0        # continuous: decimals written


def num(name, en, unit, sem, meaning, lo, hi, dec):
    return Col(name, en, unit, "integer" if dec is None else "continuous", sem, meaning,
               lo=lo, hi=hi, dec=dec or 0)


def cat(name, en, kind, sem, meaning, levels):
    return Col(name, en, "", kind, sem, meaning, levels=tuple(levels.split("/")))


S1, S2, S3, S4, S5, S6, S7, S8 = SEMANTICS
COLUMNS = (
    cat("结构体系", "structural_system", "categorical", S1, "主体结构形式", "框架结构/框剪结构/砖混结构/剪力墙结构/底框结构"),
    cat("平面形状", "plan_shape", "ordinal", S1, "平面布置规则程度", "规则/基本规则/不规则"),
    cat("立面规则性", "elevation_regularity", "ordinal", S1, "竖向布置（收进、错层）规则程度", "规则/基本规则/不规则"),
    num("长宽比", "plan_aspect_ratio", "", S1, "平面长边与短边之比", 1.0, 5.0, 1),
    num("高宽比", "height_width_ratio", "", S1, "房屋总高度与平面短边宽度之比", 0.3, 6.0, 1),
    num("XY向跨度比", "span_ratio_xy", "", S1, "两个方向柱网跨度之比（小/大）", 0.3, 1.0, 1),
    num("地上层数", "storeys", "层", S1, "地上层数（砖混≤7）", 1, 30, None),
    cat("基础类型", "foundation_type", "categorical", S2, "基础形式，随结构体系而定", "独立基础/条形基础/筏板基础/桩基础"),
    cat("场地土类别", "site_class", "ordinal", S2, "建筑场地类别（GB 50011）", "I类/II类/III类/IV类"),
    cat("不均匀沉降", "uneven_settlement", "ordinal", S2, "地基不均匀沉降的程度", "无/轻微/明显/严重"),
    num("沉降速率(mm/月)", "settlement_rate", "mm/月", S2, "最近观测期的最大沉降速率", 0.0, 3.0, 2),
    cat("基础损伤", "foundation_damage", "binary", S2, "基础有无开裂、腐蚀或位移", "无/有"),
    num("梁最大裂缝宽度(mm)", "beam_crack_max", "mm", S3, "梁的最大裂缝宽度，0 = 未见裂缝", 0.0, 1.5, 2),
    num("柱最大裂缝宽度(mm)", "column_crack_max", "mm", S3, "柱的最大裂缝宽度，0 = 未见裂缝", 0.0, 1.5, 2),
    num("板最大裂缝宽度(mm)", "slab_crack_max", "mm", S3, "楼板的最大裂缝宽度，0 = 未见裂缝", 0.0, 1.5, 2),
    cat("墙体裂缝", "wall_cracks", "ordinal", S3, "墙体（砌体或填充墙）裂缝程度", "无/轻微/中等/严重"),
    cat("混凝土剥落", "concrete_spalling", "binary", S3, "有无混凝土剥落、露筋", "无/有"),
    num("受损构件比例(%)", "damaged_member_share", "%", S3, "有裂缝或损坏的构件占检查构件的比例", 0.0, 40.0, 1),
    cat("裂缝类型", "crack_type", "categorical", S3, "主要裂缝的成因类型", "收缩裂缝/温度裂缝/受力裂缝/沉降裂缝/锈胀裂缝"),
    num("整体倾斜率(‰)", "overall_tilt", "‰", S4, "顶点侧移与总高度之比", 0.0, 10.0, 2),
    num("梁挠跨比(‰)", "beam_deflection_span", "‰", S4, "梁最大挠度与计算跨度之比", 0.2, 10.0, 2),
    num("板挠跨比(‰)", "slab_deflection_span", "‰", S4, "楼板最大挠度与计算跨度之比", 0.2, 10.0, 2),
    num("柱倾斜(‰)", "column_tilt", "‰", S4, "柱最大层间倾斜", 0.0, 15.0, 2),
    cat("楼面振感", "floor_vibration", "ordinal", S4, "使用中可感知的楼面振动", "无/轻微/明显"),
    num("混凝土强度推定值(MPa)", "concrete_strength", "MPa", S5, "回弹/钻芯推定的混凝土抗压强度", 15.0, 50.0, 1),
    num("碳化深度(mm)", "carbonation_depth", "mm", S5, "平均碳化深度，随使用年限增长", 0.0, 40.0, 1),
    num("保护层厚度(mm)", "cover_thickness", "mm", S5, "实测钢筋保护层厚度", 15.0, 40.0, 1),
    cat("钢筋锈蚀", "rebar_corrosion", "ordinal", S5, "钢筋锈蚀程度（碳化到筋则至少轻微）", "无/轻微/中等/严重"),
    cat("渗漏水", "water_leakage", "binary", S5, "屋面、外墙或管道有无渗漏", "无/有"),
    cat("外墙饰面脱落", "facade_finish_loss", "ordinal", S5, "外墙面砖或抹灰脱落范围", "无/局部/大面积"),
    cat("环境类别", "environment_class", "ordinal", S6, "混凝土结构环境类别（GB 50010）", "一类/二a类/二b类/三a类/三b类"),
    num("年平均相对湿度(%)", "relative_humidity", "%", S6, "所在地年平均相对湿度", 40.0, 95.0, 1),
    cat("临近施工或振动源", "nearby_vibration", "binary", S6, "附近有无基坑施工、交通或机械振动", "无/有"),
    cat("地下水位", "groundwater_level", "ordinal", S6, "地下水位相对基础的高低", "低/中/高"),
    cat("抗震设防烈度", "seismic_intensity", "ordinal", S6, "所在地抗震设防烈度", "6度/7度/8度"),
    cat("使用年限(年)", "service_years", "ordinal", S7, "已使用年数，5 年一档", "/".join(AGE_BINS)),
    cat("使用荷载变化情况", "load_change", "ordinal", S7, "使用荷载相对设计的变化", "无变化/较小变化/较大变化"),
    cat("改扩建情况", "alteration", "categorical", S7, "建成后的改建、加层或扩建", "无/内部改造/加层/扩建"),
    cat("用途变更", "change_of_use", "binary", S7, "使用功能是否变更过", "否/是"),
    cat("灾害经历", "disaster_history", "categorical", S7, "经历过的主要灾害", "无/火灾/地震/水灾"),
    num("维修加固次数", "repair_count", "次", S7, "建成后的维修加固次数", 0, 5, None),
    cat("梁柱节点状况", "beam_column_joints", "ordinal", S8, "梁柱节点构造与现状", "完好/轻微缺陷/明显缺陷/严重缺陷"),
    cat("圈梁构造柱设置", "ring_beams_tie_columns", "ordinal", S8, "圈梁、构造柱（框架为填充墙构造柱、系梁）", "符合要求/基本符合/不符合"),
    cat("填充墙拉结", "infill_wall_ties", "ordinal", S8, "填充墙与主体结构的拉结", "可靠/基本可靠/不可靠"),
    cat("预制构件连接", "precast_connections", "categorical", S8, "预制板、楼梯等预制构件的连接", "无预制构件/连接可靠/连接松动/连接失效"),
    cat(LABEL, "safety_grade", "ordinal", "", "安全性等级（GB 50292，Asu 最好）；标签，不属于任何语义", "/".join(GRADES)),
)
BY_NAME = {c.name: c for c in COLUMNS}
FEATURES = tuple(c.name for c in COLUMNS if c.name != LABEL)


# ---------------------------------------------------------------- sampling helpers
def grade(rng, s, noise, shares):
    """Ordinal index 0..len(shares)-1 of latent s + noise*e, cut so the shares hold for s ~ N(0,1)."""
    latent = s + noise * rng.standard_normal(len(s))
    sd = math.sqrt(1.0 + noise ** 2)
    cuts = [ND.inv_cdf(c) * sd for c in np.cumsum(shares)[:-1]]
    return np.searchsorted(cuts, latent, side="right")


def pick(rng, logits):
    """Nominal index per row, drawn from softmax(logits) with one uniform draw per row."""
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    cum = np.cumsum(p / p.sum(axis=1, keepdims=True), axis=1)
    return np.minimum((rng.random(len(logits))[:, None] > cum).sum(axis=1), logits.shape[1] - 1)


def lognormal(rng, median, s, slope, noise):
    return median * np.exp(slope * s + noise * rng.standard_normal(len(s)))


def labels(name, idx):
    return np.array(BY_NAME[name].levels, dtype=object)[idx]


def mixing():
    """A with factors s = A e, e ~ N(0, I): each row has unit norm, so every factor is N(0, 1)."""
    A = np.eye(len(SEMANTICS))
    for child, parent, b in COUPLINGS:
        c, p = SEMANTICS.index(child), SEMANTICS.index(parent)
        A[c, c], A[c, p] = math.sqrt(1 - b * b), b
    return A


def factors(rng, n):
    """Hidden severity factors, one N(0,1) column per semantic (higher = worse), 4 decimals."""
    return np.round(rng.standard_normal((n, len(SEMANTICS))) @ mixing().T, 4) + 0.0


# ---------------------------------------------------------------- the generating model
def generate(n, seed):
    rng = np.random.default_rng(seed)
    F = factors(rng, n)
    s1, s2, s3, s4, s5, s6, s7, s8 = F.T
    out = {}
    # 1 结构体系和布置: irregular, slender, masonry-prone layouts at high s1
    base = np.log([0.48, 0.18, 0.20, 0.08, 0.06])
    sys_i = pick(rng, base + np.outer(s1, [0.0, -0.3, 0.6, -0.3, 0.6]))
    out["结构体系"] = labels("结构体系", sys_i)
    out["平面形状"] = labels("平面形状", grade(rng, s1, 0.7, [0.55, 0.30, 0.15]))
    out["立面规则性"] = labels("立面规则性", grade(rng, s1, 0.8, [0.60, 0.28, 0.12]))
    out["长宽比"] = 1.0 + lognormal(rng, 0.55, s1, 0.45, 0.35)
    lo, hi = np.array([4, 8, 2, 10, 3])[sys_i], np.array([12, 20, 7, 30, 7])[sys_i]  # storeys
    u = np.array([ND.cdf(v) for v in 0.5 * s1 + math.sqrt(0.75) * rng.standard_normal(n)])
    storeys = np.minimum(lo + np.floor(u * (hi - lo + 1)), hi).astype(int)
    out["地上层数"] = storeys
    masonry = np.isin(sys_i, [2, 4])                                       # 砖混, 底框
    height = storeys * np.where(masonry, 3.0, 3.3)                         # storey height, m
    width = np.clip(lognormal(rng, 9.0, s1, -0.2, 0.25), 6.0, 25.0)        # plan short side, m
    width = np.where(masonry, np.maximum(width, height / 2.5), width)      # GB 50011: H/B <= 2.5
    out["高宽比"] = height / width
    out["XY向跨度比"] = 0.75 - 0.10 * s1 + 0.10 * rng.standard_normal(n)
    # 2 地基基础状况: shallow footings on poor ground settle; type follows the structural system
    base = np.log([[0.55, 0.10, 0.10, 0.25], [0.05, 0.05, 0.45, 0.45],
                   [0.05, 0.85, 0.05, 0.05], [0.02, 0.03, 0.45, 0.50],
                   [0.30, 0.55, 0.05, 0.10]])[sys_i]
    out["基础类型"] = labels("基础类型", pick(rng, base + np.outer(s2, [0.3, 0.3, -0.2, -0.3])))
    out["场地土类别"] = labels("场地土类别", grade(rng, s2, 0.9, [0.10, 0.50, 0.32, 0.08]))
    out["不均匀沉降"] = labels("不均匀沉降", grade(rng, s2, 0.5, [0.45, 0.33, 0.16, 0.06]))
    out["沉降速率(mm/月)"] = lognormal(rng, 0.30, s2, 0.7, 0.35)
    out["基础损伤"] = labels("基础损伤", grade(rng, s2, 0.6, [0.85, 0.15]))
    # 3 裂缝及损坏情况: widths below 0.05 mm count as "no crack found" (0)
    for member, med in (("梁", 0.15), ("柱", 0.08), ("板", 0.12)):
        w = lognormal(rng, med, s3, 0.75, 0.4)
        out[f"{member}最大裂缝宽度(mm)"] = np.where(w < 0.05, 0.0, w)
    out["墙体裂缝"] = labels("墙体裂缝", grade(rng, s3, 0.6, [0.30, 0.40, 0.22, 0.08]))
    out["混凝土剥落"] = labels("混凝土剥落", grade(rng, s3, 0.7, [0.78, 0.22]))
    out["受损构件比例(%)"] = lognormal(rng, 6.0, s3, 0.7, 0.35)
    base = np.log([0.36, 0.28, 0.18, 0.10, 0.08])  # settlement cracks follow s2, rust cracks s5
    logits = (base + np.outer(s3, [-0.6, -0.2, 0.7, 0.5, 0.3])
              + np.outer(s2, [0, 0, 0, 0.8, 0]) + np.outer(s5, [0, 0, 0, 0, 0.8]))
    out["裂缝类型"] = labels("裂缝类型", pick(rng, logits))
    # 4 整体和构件变形
    out["整体倾斜率(‰)"] = lognormal(rng, 1.2, s4, 0.6, 0.35)
    out["梁挠跨比(‰)"] = lognormal(rng, 1.8, s4, 0.5, 0.35)
    out["板挠跨比(‰)"] = lognormal(rng, 1.6, s4, 0.5, 0.4)
    out["柱倾斜(‰)"] = lognormal(rng, 1.5, s4, 0.6, 0.4)
    out["楼面振感"] = labels("楼面振感", grade(rng, s4, 0.9, [0.70, 0.24, 0.06]))
    # 7 历史情况 before 5, because carbonation needs the age
    age = lognormal(rng, 20.0, s7, 0.45, 0.2)                               # years in service
    out["使用年限(年)"] = labels("使用年限(年)", np.minimum(age // 5, 10).astype(int))
    out["使用荷载变化情况"] = labels("使用荷载变化情况", grade(rng, s7, 0.8, [0.55, 0.33, 0.12]))
    logits = np.log([0.60, 0.22, 0.10, 0.08]) + np.outer(s7, [-0.8, 0.2, 0.6, 0.4])
    out["改扩建情况"] = labels("改扩建情况", pick(rng, logits))
    out["用途变更"] = labels("用途变更", grade(rng, s7, 0.8, [0.80, 0.20]))
    logits = np.log([0.80, 0.08, 0.07, 0.05]) + np.outer(s7, [-0.9, 0.4, 0.4, 0.4])
    out["灾害经历"] = labels("灾害经历", pick(rng, logits))
    out["维修加固次数"] = grade(rng, s7, 0.7, [0.42, 0.30, 0.15, 0.08, 0.03, 0.02])
    # 5 耐久性: carbonation x = k * sqrt(age); rebar rusts once carbonation reaches the cover
    strength0 = np.array([30.0, 35.0, 22.0, 35.0, 25.0])[sys_i]                   # by structural system
    out["混凝土强度推定值(MPa)"] = strength0 - 5.0 * s5 + 3.0 * rng.standard_normal(n)
    cover = np.round(np.clip(28.0 - 4.0 * s5 + 3.0 * rng.standard_normal(n), 15.0, 40.0), 1)
    out["保护层厚度(mm)"] = cover
    carb = np.round(np.minimum(lognormal(rng, 1.6, s5, 0.45, 0.2) * np.sqrt(age), cover + 10.0), 1)
    out["碳化深度(mm)"] = carb
    rust = grade(rng, s5, 0.6, [0.50, 0.30, 0.15, 0.05])
    out["钢筋锈蚀"] = labels("钢筋锈蚀", np.where(carb >= cover, np.maximum(rust, 1), rust))
    out["渗漏水"] = labels("渗漏水", grade(rng, s5, 0.8, [0.70, 0.30]))
    out["外墙饰面脱落"] = labels("外墙饰面脱落", grade(rng, s5, 0.8, [0.60, 0.30, 0.10]))
    # 6 环境情况
    out["环境类别"] = labels("环境类别", grade(rng, s6, 0.6, [0.45, 0.30, 0.15, 0.07, 0.03]))
    out["年平均相对湿度(%)"] = 68.0 + 9.0 * s6 + 5.0 * rng.standard_normal(n)
    out["临近施工或振动源"] = labels("临近施工或振动源", grade(rng, s6, 1.0, [0.75, 0.25]))
    out["地下水位"] = labels("地下水位", grade(rng, s6, 0.8, [0.40, 0.40, 0.20]))
    out["抗震设防烈度"] = labels("抗震设防烈度", grade(rng, s6, 1.0, [0.25, 0.50, 0.25]))
    # 8 连接关系: masonry almost always has precast hollow slabs, cast-in-place systems rarely
    out["梁柱节点状况"] = labels("梁柱节点状况", grade(rng, s8, 0.6, [0.45, 0.35, 0.15, 0.05]))
    out["圈梁构造柱设置"] = labels("圈梁构造柱设置", grade(rng, s8, 0.8, [0.55, 0.33, 0.12]))
    out["填充墙拉结"] = labels("填充墙拉结", grade(rng, s8, 0.7, [0.50, 0.35, 0.15]))
    has_precast = rng.random(n) < np.array([0.35, 0.15, 0.85, 0.10, 0.70])[sys_i]
    conn = 1 + grade(rng, s8, 0.7, [0.50, 0.35, 0.15])
    out["预制构件连接"] = labels("预制构件连接", np.where(has_precast, conn, 0))
    # label: weighted severity score + noise, cut at fixed population quantiles
    w = np.array(LABEL_WEIGHTS)
    cov = mixing() @ mixing().T                                  # the factors' covariance
    score = F @ w / math.sqrt(w @ cov @ w) + LABEL_NOISE * rng.standard_normal(n)
    out[LABEL] = labels(LABEL, grade_cut(score / math.sqrt(1 + LABEL_NOISE ** 2)))
    return finish(out), pd.DataFrame(F, columns=list(SEMANTICS))


def grade_cut(z):
    cuts = [ND.inv_cdf(c) for c in np.cumsum(GRADE_SHARE)[:-1]]
    return np.searchsorted(cuts, z, side="right")


def finish(out):
    """Clip numbers to the dictionary's ranges, round, and order the columns as COLUMNS."""
    df = pd.DataFrame({c.name: out[c.name] for c in COLUMNS})
    for c in COLUMNS:
        if c.kind == "continuous":
            df[c.name] = np.round(np.clip(df[c.name].astype(float), c.lo, c.hi), c.dec) + 0.0
        elif c.kind == "integer":
            df[c.name] = np.clip(df[c.name].astype(int), c.lo, c.hi)
    return df


# ---------------------------------------------------------------- writing
def encoded_width(df):
    """Columns after one-hot encoding: numbers and binaries 1 each, categories one per level seen."""
    return sum(df[c.name].nunique() if c.kind in ("categorical", "ordinal") else 1
               for c in COLUMNS if c.name != LABEL)


def write_csv(df, path, decimals):
    text = df.copy()
    for name, d in decimals.items():
        text[name] = [f"{v:.{d}f}" for v in df[name]]
    text.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\n")


def semantics_matrix():
    rows = [[sem] + [int(BY_NAME[f].semantic == sem) for f in FEATURES] for sem in SEMANTICS]
    return pd.DataFrame(rows, columns=["semantic", *FEATURES])


def render_generated(summaries):
    def allowed(c):
        if c.kind in ("continuous", "integer"):
            return f"{c.lo:g}–{c.hi:g}" + (f", {c.dec} d.p." if c.kind == "continuous" else "")
        return (" → " if c.kind == "ordinal" else " / ").join(c.levels)
    lines = [BEGIN, "", "### Files and label counts", "",
             "| file | rows | seed | Asu | Bsu | Csu | Dsu | encoded columns |", "|---|---|---|---|---|---|---|---|"]
    for name, (n, seed, counts, width) in summaries.items():
        lines.append(f"| `{name}.csv` | {n} | {seed} | " + " | ".join(str(counts[g]) for g in GRADES)
                     + f" | {width} |")
    full = sum(len(c.levels) if c.kind in ("categorical", "ordinal") else 1 for c in COLUMNS
               if c.name != LABEL)
    lines += ["", f"With every allowed level present the encoding would have {full} columns.",
              "", "### Model parameters", "",
              f"- Factor couplings (child = b·parent + √(1−b²)·own noise): "
              + "; ".join(f"{c} ← {p} (b = {b})" for c, p, b in COUPLINGS),
              "- Label weights: " + ", ".join(f"{s} {w}" for s, w in zip(SEMANTICS, LABEL_WEIGHTS)),
              f"- Label noise sd {LABEL_NOISE}; population shares "
              + ", ".join(f"{g} {p:.0%}" for g, p in zip(GRADES, GRADE_SHARE)),
              "", "### Data dictionary", "",
              "Ordinal levels are listed from least to most severe (→).", "",
              "| # | 中文列名 | English name | unit | type | allowed values / range | semantic | meaning |",
              "|---|---|---|---|---|---|---|---|"]
    for i, c in enumerate(COLUMNS, 1):
        lines.append(f"| {i} | {c.name} | {c.en} | {c.unit or '—'} | {c.kind} | {allowed(c)} | "
                     f"{c.semantic or '— (label)'} | {c.meaning} |")
    return "\n".join(lines + ["", END])


def main(out_dir=HERE):
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    decimals = {c.name: c.dec for c in COLUMNS if c.kind == "continuous"}
    summaries = {}
    for name, (n, seed) in FILES.items():
        df, fac = generate(n, seed)
        counts = df[LABEL].value_counts()
        if n == 30 and (counts.get("Dsu", 0) not in (2, 3) or (df.nunique() < 2).any()):
            raise RuntimeError(f"seed {seed}: the 30-row file needs 2-3 Dsu and no constant column")
        write_csv(df, out_dir / f"{name}.csv", decimals)
        write_csv(fac, out_dir / f"{name}_factors.csv", {s: 4 for s in SEMANTICS})
        summaries[name] = (n, seed, {g: int(counts.get(g, 0)) for g in GRADES}, encoded_width(df))
    semantics_matrix().to_csv(out_dir / "semantics.csv", index=False, encoding="utf-8-sig",
                              lineterminator="\n")
    readme = (out_dir / "README.md") if (out_dir / "README.md").exists() else HERE / "README.md"
    head, rest = readme.read_text(encoding="utf-8").split(BEGIN, 1)
    text = head + render_generated(summaries) + rest.split(END, 1)[1]
    (out_dir / "README.md").write_text(text, encoding="utf-8", newline="\n")
    return summaries


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(HERE), help="output directory (default: sample_data/)")
    for name, summary in main(ap.parse_args().out).items():
        print(name, summary)
