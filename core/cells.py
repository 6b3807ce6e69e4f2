"""Reading one cell of an engineer's table: its text, missing, a number, a bin or a grade.

Reading a cell (`to_number`, `parse_bin`):
- Missing: blank, or a token in `MISSING_TOKENS` ("-", "N/A", "无数据", "#DIV/0!", ...).
- Number: "5", "-3.2", "1e-3", "1,234" or "1 234" (thousands; the reader has already turned
  decimal commas into dots), or a number followed by unit text without digits ("3层", "20mm").
  Full-width digits count, and a count in Chinese numerals with its unit ("三层" 3, "二十五年" 25;
  not "一级", a grade). Bins are never numbers.
- Date: `is_date`, `date_of`; a column of dates is modelled in decimal years (`years`) and
  written back in its own style (`date_style`, `write_date`).
- Bin: a range "15-20" (also – — ~ 〜 至 到, with optional units "15层至20层"), an open upper
  bin "≥30" ">=30" ">30" "30以上" "30+" "1990年以后", or an open lower bin "≤5" "<5" "5以下"
  "1978年以前". In `order_bins`, plain numbers count as one-value bins when at least one
  label is a real bin.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import numpy as np
import pandas as pd


MISSING_TOKENS = frozenset(t.casefold() for t in (
    "-", "--", "---", "—", "——", "/", "\\", "?", "？", "n/a", "na", "nan", "null", "#n/a",
    "无数据", "暂无", "暂无数据", "缺失", "缺测", "不详", "未知", "空",
    "#div/0!", "#value!", "#ref!", "#name?", "#num!", "#null!"))   # Excel error values
NEGATIVE_LABELS = frozenset(("否", "无", "没有", "不是", "非", "未", "×", "no", "n", "false", "f",
                             "0"))
ORDINAL_GRADES: tuple[tuple[str, ...], ...] = (   # matched ignoring case and spaces
    ("无", "轻微", "中等", "严重"),
    ("无", "轻微", "中度", "重度"),
    ("无", "轻微", "明显", "严重"),
    ("完好", "轻微缺陷", "明显缺陷", "严重缺陷"),
    ("规则", "基本规则", "不规则"),
    ("无变化", "较小变化", "较大变化"),                          # change of use load (paper's Table 1)
    ("无", "局部", "大面积"),                                    # extent of spalling / finish loss
    ("可靠", "基本可靠", "不可靠"),
    ("符合要求", "基本符合", "不符合"),
    ("基本完好", "轻微破坏", "中等破坏", "严重破坏", "倒塌"),    # GB/T 24335 earthquake damage
    ("完好", "基本完好", "一般损坏", "严重损坏", "危险"),        # housing condition grades
    ("好", "较好", "一般", "较差", "差"),
    ("低", "较低", "中", "较高", "高"),
    ("小", "中", "大"),
    ("A", "B", "C", "D"),                                        # JGJ 125 dangerous-house grades
    ("A级", "B级", "C级", "D级"),
    ("Asu", "Bsu", "Csu", "Dsu"),                                # GB 50292 safety, unit level
    ("Au", "Bu", "Cu", "Du"),                                    # GB 50292, member level too
    ("特一级", "一级", "二级", "三级", "四级"),                  # seismic grade
    ("甲类", "乙类", "丙类", "丁类"),                            # seismic fortification category
    ("6度", "7度", "8度", "9度"),                                # seismic intensity
    ("Ⅰ", "Ⅱ", "Ⅲ", "Ⅳ"), ("I", "II", "III", "IV"),             # site class
    ("Ⅰ类", "Ⅱ类", "Ⅲ类", "Ⅳ类"), ("I类", "II类", "III类", "IV类"),
    ("一类", "二a类", "二b类", "三a类", "三b类", "四类", "五类"),  # GB 50010 environment class
    ("none", "slight", "moderate", "severe"),
    ("low", "medium", "high"),
)

_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_NUM = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)"
_PLAIN = re.compile(rf"{_NUM}(?:[eE][+-]?\d+)?")
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:(?:,\d{3})+|(?:[ \u00a0\u202f]\d{3})+)(?:\.\d+)?")   # 1,234 or 1 234
_UNIT_START = r"(?:[^\W\d_]|[%°‰℃㎡㎜㎝㎞㎏㎥])"
_WITH_UNIT = re.compile(rf"({_NUM})\s*{_UNIT_START}\D*")
MAX_CELL_CHARS = 64            # longer text is never a number, bin or grade: skip the regexes
_BIN_NUM = r"(-?\d+(?:\.\d+)?)"
_UNIT = r"(?:(?![至到以及或之前后])(?:[^\W\d_]|[%°‰℃㎡㎜㎝㎞㎏㎥²³]))*"
_BIN_PATTERNS = (   # (pattern, kind): matched with spaces removed; kind says which end is open
    (re.compile(rf"{_BIN_NUM}{_UNIT}(?:-|–|—|~|〜|至|到){_BIN_NUM}{_UNIT}"), "range"),
    (re.compile(rf"(?:≥|>=|≧|>|大于等于|大于|不小于|不低于){_BIN_NUM}{_UNIT}"), "above"),
    (re.compile(rf"{_BIN_NUM}{_UNIT}(?:及以上|以上|或以上|\+|及以后|以后|之后|后)"), "above"),
    (re.compile(rf"(?:≤|<=|≦|<|小于等于|小于|不大于|不超过){_BIN_NUM}{_UNIT}"), "below"),
    (re.compile(rf"{_BIN_NUM}{_UNIT}(?:及以下|以下|或以下|以内|及以前|以前|之前|前)"), "below"),
)


_DATE = re.compile(r"(\d{4})[-/.年](\d{1,2})月?(?:[-/.月](\d{1,2})日?)?"   # year, month, day
                   r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
ISO_STYLE = "{Y}-{M0}-{D0}"   # `write_date`'s template for 2007-07-07


def _date_parts(text: str) -> re.Match | None:
    """`_DATE`'s match of a date cell; None for other text, and for "2007.07", a number."""
    text = text.strip()
    return None if _PLAIN.fullmatch(text) else _DATE.fullmatch(text)


def is_date(text: str) -> bool:
    """A calendar date, with or without the day or a time: "2007-07-07", "2007/7/7 10:30",
    "2007年7月7日", "2007-07" (a bare year is a number)."""
    return _date_parts(text) is not None


def date_of(text: str | None) -> date | None:
    """The calendar day of a date cell ("2007年7月" -> 2007-07-01; the time is dropped), or None
    for other text and impossible dates ("2007-13-45")."""
    parts = None if text is None else _date_parts(text)
    if parts is None:
        return None
    try:
        return date(int(parts[1]), int(parts[2]), int(parts[3] or 1))
    except ValueError:
        return None


def date_style(texts: Iterable[str]) -> str:
    """How a column writes its dates, as a template for `write_date`: "2007/7/7" -> "{Y}/{M}/{D}",
    "2007-07" -> "{Y}-{M0}" (0: a leading zero), "2007年7月7日" -> "{Y}年{M}月{D}日". The most
    frequent layout wins; month and day take a leading zero when any cell writes one ("07").
    A time of day is dropped."""
    layouts: Counter[str] = Counter()
    padded: set[str] = set()
    for text in texts:
        written = _DATE.fullmatch(text.strip())
        if written is None:
            continue
        layout, end = "", 0
        for group, part in zip((1, 2, 3), "YMD"):
            if written[group] is None:
                break
            layout += written.string[end:written.start(group)] + "{" + part + "}"
            end = written.end(group)
            if part != "Y" and written[group].startswith("0"):
                padded.add(part)
        following = written.string[end:end + 1]   # 2007年7月7日, 2007年7月
        layouts[layout + (following if following in ("日", "月") else "")] += 1
    style = layouts.most_common(1)[0][0] if layouts else "{Y}-{M}-{D}"
    for part in padded:
        style = style.replace("{" + part + "}", "{" + part + "0}")
    return style


def years(day: date) -> float:
    """A day as a decimal year, the day of the year over the year's length: 2007-07-02 -> 2007.4986.
    Decision (ours): dates are modelled as numbers in years, which sliders, ranges and charts
    show readably, and written back as dates (`write_date`)."""
    start = date(day.year, 1, 1)
    return day.year + (day - start).days / (date(day.year + 1, 1, 1) - start).days


def day_of(value: float) -> date:
    """The day a decimal year (`years`) falls on, to the nearest day."""
    year = min(max(int(math.floor(value)), 1), 9998)
    start = date(year, 1, 1)
    length = (date(year + 1, 1, 1) - start).days
    return start + timedelta(days=min(max(round((value - year) * length), 0), length - 1))


def write_date(value: float, style: str) -> str:
    """A decimal year (`years`) written as a date in `style` (`date_style`), to the nearest day."""
    day = day_of(value)
    return style.format(Y=day.year, M=day.month, M0=f"{day.month:02d}", D=day.day, D0=f"{day.day:02d}")


def cell_text(value: object) -> str | None:
    """A cell as the text an engineer sees: None when blank, "3" not "3.0", dates as ISO."""
    if isinstance(value, str):
        return value.strip() or None
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, (bool, np.bool_)):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        if math.isnan(value):
            return None
        integral = math.isfinite(value) and float(value).is_integer() and abs(value) < 1e16
        return str(int(value)) if integral else repr(float(value))
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value).strip() or None


def label_key(label: str) -> str:
    """Comparison key: full-width ASCII folded, spaces removed, case ignored."""
    return re.sub(r"\s+", "", label.translate(_FULL_WIDTH)).casefold()


def is_missing(cell: object) -> bool:
    text = cell_text(cell)
    return text is None or label_key(text) in MISSING_TOKENS


def to_number(cell: object) -> float | None:
    """A number, or None for missing, bins and text ("3层" -> 3.0, "15-20" -> None)."""
    text = cell_text(cell)
    if text is None or len(text) > MAX_CELL_CHARS or is_missing(text):
        return None
    text = text.translate(_FULL_WIDTH).strip()
    if _PLAIN.fullmatch(text):
        number = float(text)
    elif _THOUSANDS.fullmatch(text):
        number = float(re.sub(r"[, \u00a0\u202f]", "", text))
    elif (match := _WITH_UNIT.fullmatch(text)) and parse_bin(text) is None:
        number = float(match.group(1))
    elif match := _CHINESE_COUNT.fullmatch(text):
        number = float(chinese_number(match.group(1)))
    else:
        return None
    return number if math.isfinite(number) else None


_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
# a count in Chinese numerals with its unit: "三层" (3), "二十五年" (25); "一级", "二类" are grades, not counts
_CHINESE_COUNT = re.compile(r"([零〇一二两三四五六七八九十百]{1,5})\s*(?:层|户|间|人|年|个|处|条|根|栋|幢|米|套)")


def chinese_number(text: str) -> int:
    """Chinese numerals up to 999: "三" 3, "十二" 12, "二十五" 25, "一百零八" 108."""
    total, digit = 0, 0
    for char in text:
        if char in _DIGITS:
            digit = _DIGITS[char]
        else:   # 十 or 百: the digit before it, 1 when none ("十二")
            total += (digit or 1) * (10 if char == "十" else 100)
            digit = 0
    return total + digit


def parse_bin(label: object) -> tuple[float, float] | None:
    """(low, high) for a range or open bin; None for plain numbers and other text."""
    text = cell_text(label)
    if text is None or len(text) > MAX_CELL_CHARS:
        return None
    text = re.sub(r"\s+", "", text.translate(_FULL_WIDTH))
    if _PLAIN.fullmatch(text):   # '1.5e-3' is a number, not the range 1.5 'e' to 3
        return None
    for pattern, kind in _BIN_PATTERNS:
        match = pattern.fullmatch(text)
        if not match:
            continue
        if kind == "range":
            low, high = float(match.group(1)), float(match.group(2))
            return (low, high) if low < high else None
        end = float(match.group(1))
        return (end, math.inf) if kind == "above" else (-math.inf, end)
    return None


def order_bins(labels: Iterable[str]) -> list[str] | None:
    """Labels sorted by (low, high) when all are bins (plain numbers count as one-value bins
    if at least one label is a real bin); otherwise None."""
    labels = list(labels)
    keyed, real = [], False
    for label in labels:
        bounds = parse_bin(label)
        if bounds is None:
            number = to_number(label)
            if number is None or not _PLAIN.fullmatch(str(label).strip()):
                return None
            bounds = (number, number)
        else:
            real = True
        keyed.append((bounds, str(label)))
    return [label for _, label in sorted(keyed)] if real and labels else None


def grade_order(labels: Iterable[str]) -> list[str] | None:
    """Labels in the order of the first `ORDINAL_GRADES` scale holding all of them, or None."""
    labels = list(labels)
    for scale in ORDINAL_GRADES:
        rank = {label_key(grade): i for i, grade in enumerate(scale)}
        if labels and all(label_key(label) in rank for label in labels):
            return sorted(labels, key=lambda label: (rank[label_key(label)], label))
    return None


@lru_cache(maxsize=1 << 16)
def read_cell(text: str) -> tuple[bool, float | None, bool]:
    """(missing, number or bin value, written as a plain number) for one cell's text.
    Cached: columns repeat a few labels many times and these regexes dominate the run time."""
    plain = text.translate(_FULL_WIDTH).strip()
    is_plain = bool(_PLAIN.fullmatch(plain) or _THOUSANDS.fullmatch(plain))
    return is_missing(text), number_or_bin(text), is_plain


def number_or_bin(text: str) -> float | None:
    """A number; a bin stands for its midpoint, or its finite end when open."""
    number = to_number(text)
    if number is not None:
        return number
    bounds = parse_bin(text)
    if bounds is None:
        return None
    low, high = bounds
    return (low + high) / 2 if math.isfinite(low) and math.isfinite(high) else (
        low if math.isfinite(low) else high)
