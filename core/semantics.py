"""The engineer's semantic-feature dependency matrix R (§1.4 (1), Eq. 5).

R is K semantics x F features, 1 = "this feature belongs to this semantic". A feature
may belong to several semantics or to none. The features are every column of the
input table, modelled or not: an engineer writes R once for a survey, and a slice in
which a flag never occurs (a constant column, not modelled) must not break it. Such a
tick is kept, scores nothing (Eq. 5 expands only modelled columns) and is reported;
including the column again brings it back.

File layout (R.csv): first column `semantic` holds the names, then one column per
data column holding 1 or 0; blank means 0; a data column missing from R counts as
0; R columns that are not columns of the table are an error listing all of them.
"""
from __future__ import annotations

import difflib
import io
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from core.errors import InputError
from core.messages import Message, msg
from core.upload import load_bytes
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
        """Build R from a table in the R.csv layout, over `features` (the input table's columns)."""
        frame = frame.rename(columns=lambda c: str(c).strip().lstrip("\ufeff")).astype(object)
        if frame.columns.empty or frame.columns[0] in features:
            raise InputError(msg("r.first_column", source=source,
                                 found=frame.columns[0] if len(frame.columns) else ""))
        frame = _semantics_across(frame, features)
        unknown = [c for c in frame.columns[1:] if c not in features]
        if unknown:
            raise InputError(msg("r.unknown_columns", source=source, n=len(unknown),
                                 names=[_suggest(name, features) for name in unknown]))
        names = [str(n).strip() for n in frame.iloc[:, 0]]
        for row, name in enumerate(names, start=2):
            if not name or name == "nan":
                raise InputError(msg("r.no_name", source=source, row=row))
        if len(set(names)) < len(names):
            raise InputError(msg("r.twice", source=source, name=next(n for n in names if names.count(n) > 1)))
        values = np.zeros((len(names), len(features)), dtype=np.int8)
        for column in frame.columns[1:]:
            cells = [TICKS.get(_tick_key(cell)) for cell in frame[column]]
            if None in cells:
                row = cells.index(None)
                raise InputError(msg("r.bad_cell", source=source, row=row + 2, column=column,
                                     found=frame[column].iloc[row]))
            values[:, features.index(column)] = cells
        matrix = cls(names, list(features), values)
        if require_members and (empty := matrix.empty_semantics()):
            raise InputError(msg("r.no_feature", semantic=empty[0]))
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
            raise InputError(msg("r.not_text", source=source))
        try:
            frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise InputError(msg("r.not_csv", source=source, detail=str(exc).splitlines()[0])) from None
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

    def together(self, a: str, b: str) -> bool:
        """Are columns `a` and `b` ticked in the same semantics (a column R does not list, in none)?"""
        def ticks(name: str) -> tuple[int, ...]:
            return tuple(self.values[:, self.features.index(name)]) if name in self.features else (0,) * len(self.names)
        return ticks(a) == ticks(b)

    def empty_semantics(self) -> list[str]:
        return [n for n, row in zip(self.names, self.values) if not row.any()]

    def unassigned_features(self) -> list[str]:
        return [f for f, col in zip(self.features, self.values.T) if not col.any()]

    def usable(self, modelled: list[str]) -> np.ndarray:
        """(K,) True where a semantic ticks at least one of the `modelled` columns."""
        keep = np.isin(self.features, modelled)
        return self.values[:, keep].any(axis=1) if len(self.names) else np.zeros(0, dtype=bool)

    def aligned(self, features: list[str]) -> "SemanticMatrix":
        """R over exactly these features: names kept, ticks of columns not in `features` dropped,
        new columns unticked."""
        if self.features == list(features):
            return self
        index = {name: i for i, name in enumerate(self.features)}
        values = np.zeros((len(self.names), len(features)), dtype=np.int8)
        for j, name in enumerate(features):
            if name in index:
                values[:, j] = self.values[:, index[name]]
        return SemanticMatrix(list(self.names), list(features), values)

    def fits(self, features: list[str]) -> bool:
        """Every ticked column is one of `features` (an R written for this table or a slice of it)."""
        ticked = [f for f, column in zip(self.features, self.values.T) if column.any()]
        return bool(ticked) and set(ticked) <= set(features)

    def warnings(self, latent_dim: int | None = None,
                 unmodelled: Mapping[str, Message] | None = None) -> list[Message]:
        """Plain-language problems with this R, for the app and the command line.

        `unmodelled`: input columns the model does not use, with the reason; ticks on them
        are reported (they score nothing)."""
        unmodelled = unmodelled or {}
        notes = []
        for name, row in zip(self.names, self.values):
            ticked = [f for f, tick in zip(self.features, row) if tick]
            idle = [f for f in ticked if f in unmodelled]
            if not ticked:
                notes.append(msg("r.no_feature", semantic=name))
                continue
            if idle:
                notes.append(msg("r.not_modelled", semantic=name, n=len(idle),
                                 columns=[msg("r.column_reason", name=f, reason=unmodelled[f]) for f in idle]))
            if len(idle) == len(ticked):
                notes.append(msg("r.no_usable_feature", semantic=name))
        unassigned = [f for f in self.unassigned_features() if f not in unmodelled]
        if unassigned:
            notes.append(msg("r.unassigned", n=len(unassigned),
                             names=", ".join(unassigned[:8]) + (" …" if len(unassigned) > 8 else "")))
        k = len(self.names)
        if latent_dim is not None and k != latent_dim and k:
            code = "r.latents_differ_more" if k > latent_dim else "r.latents_differ_fewer"
            notes.append(msg(code, k=k, latents=latent_dim, pairs=min(k, latent_dim)))
        return notes


TICKS = {"1": 1, "0": 0, "": 0, "true": 1, "false": 0, "yes": 1, "no": 0, "y": 1, "n": 0,
         "是": 1, "否": 0, "√": 1, "✓": 1, "✔": 1}   # what an engineer types in a tick grid


def _tick_key(cell) -> str:
    if cell is None or (isinstance(cell, float) and np.isnan(cell)):
        return ""
    text = str(cell).strip().lower()
    return text[:-2] if text.endswith(".0") else text   # 1.0 from a spreadsheet


def _semantics_across(frame: pd.DataFrame, features: list[str]) -> pd.DataFrame:
    """R written the other way round (features down the first column, one column per
    semantic, as the app's grid shows it) is turned into the R.csv layout."""
    header = list(frame.columns[1:])
    down = [str(value).strip() for value in frame.iloc[:, 0]]
    if not header or any(name in features for name in header) \
            or sum(name in features for name in down) < max(1, len(down) / 2):
        return frame
    turned = pd.DataFrame(frame.iloc[:, 1:].to_numpy().T, columns=down)
    turned.insert(0, "semantic", header)
    return turned


def _suggest(name: str, features: list[str]) -> Message | str:
    """'name' with the closest column as a did-you-mean, when one is close enough."""
    close = difflib.get_close_matches(name, features, n=1, cutoff=0.6)
    return msg("r.did_you_mean", name=name, suggestion=close[0]) if close else f"'{name}'"
