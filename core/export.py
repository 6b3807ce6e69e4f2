"""Downloads: generated rows as CSV or XLSX bytes, the way Excel users expect them."""
from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pandas as pd


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


_UNSAFE = re.compile(r'[\\/:*?"<>|\s]+')   # not allowed, or awkward, in a file name on common systems


def download_name(source: str, parts: list[str], extension: str, most: int = 120) -> str:
    """A file name that says what is inside, e.g. `buildings_30__裂缝及损坏情况+2__n500__seed0.csv`:
    the table's name without its extension, then each part, joined by "__"; characters a file
    system may refuse become "_", and the stem is cut to `most` characters."""
    stem = "__".join([Path(source).stem or "table", *parts])
    stem = _UNSAFE.sub("_", stem).strip("._") or "table"
    return f"{stem[:most]}.{extension}"
