"""The engineer's semantic-feature dependency matrix R (§1.4 (1), Eq. 5).

R is K semantics x F original features, 1 = "this feature belongs to this
semantic". A feature may belong to several semantics or to none.

File layout (R.csv): first column `semantic` holds the names, then one column per
data column holding 1 or 0; blank means 0; a data column missing from R counts as
0; an R column that is not in the data is an error that names it.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from core.errors import InputError
from core.table import load_bytes
from core.transformer import Span


@dataclass
class SemanticMatrix:
    names: list[str]        # K semantic names
    features: list[str]     # F original data columns, in data order
    values: np.ndarray      # (K, F) of 0/1

    def __post_init__(self):
        self.values = np.asarray(self.values, dtype=np.int8).reshape(len(self.names), len(self.features))

    @classmethod
    def empty(cls, features: list[str]) -> "SemanticMatrix":
        return cls([], list(features), np.zeros((0, len(features))))

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, features: list[str], source: str = "R.csv",
                   require_members: bool = True) -> "SemanticMatrix":
        """Build R from a table in the R.csv layout, against the data's used columns."""
        frame = frame.rename(columns=lambda c: str(c).strip().lstrip("\ufeff"))
        if frame.columns.empty or frame.columns[0] != "semantic":
            raise InputError(f"{source}: the first column must be named 'semantic' "
                             f"(found '{frame.columns[0] if len(frame.columns) else ''}')")
        unknown = [c for c in frame.columns[1:] if c not in features]
        if unknown:
            raise InputError(f"{source}: column '{unknown[0]}' is not a column of the data"
                             + (f" (and {len(unknown) - 1} more)" if len(unknown) > 1 else ""))
        names = [str(n).strip() for n in frame["semantic"]]
        for row, name in enumerate(names, start=2):
            if not name or name == "nan":
                raise InputError(f"{source}: row {row} has no semantic name")
        if len(set(names)) < len(names):
            dup = next(n for n in names if names.count(n) > 1)
            raise InputError(f"{source}: semantic '{dup}' appears twice")
        values = np.zeros((len(names), len(features)), dtype=np.int8)
        for column in frame.columns[1:]:
            cells = pd.to_numeric(frame[column].replace(r"^\s*$", np.nan, regex=True), errors="coerce")
            raw = frame[column].astype(str).str.strip()
            bad = cells.isna() & frame[column].notna() & (raw != "")
            bad |= cells.notna() & ~cells.isin([0, 1])
            if bad.any():
                row = int(np.flatnonzero(bad.to_numpy())[0])
                raise InputError(f"{source}: row {row + 2}, column '{column}' must be 1, 0 or "
                                 f"blank (found '{frame[column].iloc[row]}')")
            values[:, features.index(column)] = cells.fillna(0).to_numpy()
        matrix = cls(names, list(features), values)
        if require_members and (empty := matrix.empty_semantics()):
            raise InputError(f"{source}: semantic '{empty[0]}' has no feature (tick at least one)")
        return matrix

    @classmethod
    def from_csv(cls, data: bytes | str | Path, features: list[str], source: str | None = None,
                 require_members: bool = True) -> "SemanticMatrix":
        data, source = load_bytes(data, source or (None if isinstance(data, (str, Path)) else "R.csv"))
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise InputError(f"{source}: is not a text CSV in UTF-8 or GBK")
        try:
            frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise InputError(f"{source}: is not a readable CSV ({str(exc).splitlines()[0]})") from None
        return cls.from_frame(frame, features, source, require_members)

    def to_frame(self) -> pd.DataFrame:
        frame = pd.DataFrame(self.values.astype(int), columns=self.features)
        frame.insert(0, "semantic", self.names)
        return frame

    def to_csv_bytes(self) -> bytes:
        return self.to_frame().to_csv(index=False).encode("utf-8-sig")

    def expand(self, layout: list[Span]) -> np.ndarray:
        """Eq. 5 on encoded columns: every encoded column of a feature inherits its 0/1.

        Returns (K, N). A layout column not in `features` (never in R) is 0.
        """
        index = {name: i for i, name in enumerate(self.features)}
        expanded = np.zeros((len(self.names), layout[-1].stop if layout else 0))
        for span in layout:
            if span.name in index:
                expanded[:, span.start:span.stop] = self.values[:, [index[span.name]]]
        return expanded

    def empty_semantics(self) -> list[str]:
        return [n for n, row in zip(self.names, self.values) if not row.any()]

    def unassigned_features(self) -> list[str]:
        return [f for f, col in zip(self.features, self.values.T) if not col.any()]

    def warnings(self, latent_dim: int | None = None) -> list[str]:
        """Plain-language problems with this R, for the app and the command line."""
        notes = [f"semantic '{n}' has no feature" for n in self.empty_semantics()]
        if unassigned := self.unassigned_features():
            notes.append(f"{len(unassigned)} feature(s) belong to no semantic: " + ", ".join(unassigned[:8])
                         + (" …" if len(unassigned) > 8 else ""))
        k = len(self.names)
        if latent_dim is not None and k != latent_dim:
            notes.append(f"{k} semantics and {latent_dim} latents: only {min(k, latent_dim)} pairs are "
                         "matched; the other " + ("semantics stay without a latent" if k > latent_dim
                                                   else "latents stay unnamed"))
        return notes
