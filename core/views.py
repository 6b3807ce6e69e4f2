"""Small pure helpers behind the app's tables and downloads (no streamlit here).

Kept in core so they are tested without a browser: the match table, the
distribution counts in the data profile, how many generated rows copy a real
row, and the CSV / XLSX bytes of a download.
"""
from __future__ import annotations

import io

import numpy as np
import pandas as pd

from core.matching import Match
from core.transformer import decimals



def match_table(matches: list[Match], semantic_names: list[str]) -> pd.DataFrame:
    """One row per matched pair: latent index, semantic name, distance D (Eq. 7)."""
    rows = [(m.latent, semantic_names[m.semantic], m.distance) for m in matches]
    return pd.DataFrame(rows, columns=["latent", "semantic", "distance"])


def distribution_counts(values: pd.Series, numeric: bool, bins: int = 10) -> list[int]:
    """Counts for a tiny bar chart: a histogram for numbers, label counts otherwise."""
    values = values.dropna()
    if values.empty:
        return []
    if numeric:
        counts, _ = np.histogram(values.astype(float), bins=bins)
        return [int(c) for c in counts]
    return [int(c) for c in values.astype(str).value_counts().sort_index()]


def count_copies(generated: pd.DataFrame, real: pd.DataFrame) -> int:
    """Generated rows equal to some real row in every column of `real`.

    Numbers are compared at the real column's own precision (a crack width written
    with two decimals matches when both round to the same two decimals), labels exactly.
    """
    columns = [c for c in real.columns if c in generated.columns]
    if not columns or generated.empty:
        return 0

    def keys(frame: pd.DataFrame) -> pd.Series:
        parts = []
        for column in columns:
            series = frame[column]
            if pd.api.types.is_numeric_dtype(real[column]):
                places = decimals(real[column])
                parts.append(series.astype(float).round(places).map(lambda v: f"{v:.{places}f}"))
            else:
                parts.append(series.astype(str))
        return pd.concat(parts, axis=1).agg("\x1f".join, axis=1)

    return int(keys(generated).isin(set(keys(real))).sum())


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 with BOM, so Excel opens Chinese headers correctly."""
    return frame.to_csv(index=False).encode("utf-8-sig")


def xlsx_bytes(frame: pd.DataFrame, sheet: str = "generated", notes: list[str] = ()) -> bytes:
    """An .xlsx workbook; numbers stay numbers, whole numbers stay whole. `notes` (e.g. which
    columns were not modelled) go to a second sheet, "notes", one per row."""
    frame = frame.copy()
    for column in frame.columns:
        series = frame[column]
        if pd.api.types.is_float_dtype(series) and series.notna().all() \
                and np.all(np.mod(series.to_numpy(), 1) == 0):
            frame[column] = series.astype("int64")
        elif not pd.api.types.is_numeric_dtype(series):
            frame[column] = series.astype(object)
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        frame.to_excel(writer, index=False, sheet_name=sheet)
        if notes:
            pd.DataFrame({"notes": list(notes)}).to_excel(writer, index=False, sheet_name="notes")
    return buffer.getvalue()
