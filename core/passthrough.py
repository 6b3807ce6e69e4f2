"""Columns the model does not learn, written back so that a generated file lines up with the survey.

`complete` returns every input column, in input order:
- a modelled column: as generated;
- a constant column (one value, perhaps with blanks): that value, blanks at their rate;
- an identifier-like column (more than one value and every value unique): left empty, so
  no real identifier is copied;
- any other column the model does not use (excluded by the user, mostly missing, named
  like an id but repeating): cells drawn independently from the real column, blanks included.
Decision (ours; the paper models every column it is given): independent draws keep each
such column's distribution but none of its relations to the other columns, and every
download says which columns were filled this way.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.messages import Message, from_json, msg, to_json

MAX_KEPT = 2_000          # cells kept per column (a seeded uniform sample of longer columns)
KINDS = ("constant", "sampled", "blank")


@dataclass(frozen=True)
class Passthrough:
    """How one column that is not modelled is written back."""
    name: str
    kind: str                              # one of KINDS
    reason: Message                        # why the model does not use it
    values: tuple[str | None, ...] = ()    # distinct cell texts, None for blank
    counts: tuple[int, ...] = ()           # how often each occurs (in the kept sample)

    @classmethod
    def of(cls, name: str, texts: Sequence[str | None], reason: Message) -> "Passthrough":
        if len(texts) > MAX_KEPT:
            keep = np.random.default_rng(len(texts)).choice(len(texts), MAX_KEPT, replace=False)
            texts = [texts[i] for i in np.sort(keep)]
        present = [text for text in texts if text is not None]
        counts = Counter(texts)
        if len(set(present)) == 1:
            kind = "constant"
        elif len(present) > 1 and len(set(present)) == len(present):
            return cls(name, "blank", reason)
        else:
            kind = "sampled"
        return cls(name, kind, reason, tuple(counts), tuple(counts.values()))

    def draw(self, n_rows: int, rng: np.random.Generator) -> pd.Series:
        if self.kind == "blank" or not self.values:
            return pd.Series([None] * n_rows, dtype=object)
        shares = np.asarray(self.counts, dtype=float) / sum(self.counts)
        cells = np.asarray(self.values, dtype=object)[rng.choice(len(self.values), n_rows, p=shares)]
        numbers = pd.to_numeric(pd.Series(cells, dtype=object), errors="coerce")
        if numbers.notna().sum() == sum(value is not None for value in cells):   # all numbers
            whole = numbers.dropna().mod(1).eq(0).all()
            return numbers.astype("Int64") if whole else numbers
        return pd.Series(cells, dtype=object)

    def note(self) -> Message:
        if self.kind == "constant":
            value = next(value for value in self.values if value is not None)
            return msg("out.kind.constant", name=self.name, value=value)
        return msg(f"out.kind.{self.kind}", name=self.name)

    def to_dict(self) -> dict:
        return {"name": self.name, "kind": self.kind, "reason": to_json(self.reason),
                "values": list(self.values), "counts": list(self.counts)}

    @classmethod
    def from_dict(cls, data: dict) -> "Passthrough":
        kind = str(data["kind"])
        values = tuple(None if v is None else str(v) for v in data.get("values", []))
        counts = tuple(int(c) for c in data.get("counts", []))
        if kind not in KINDS or len(values) != len(counts) or any(c < 0 for c in counts) \
                or (kind != "blank" and not sum(counts)):
            raise ValueError(f"unmodelled column '{data.get('name')}' is described inconsistently")
        return cls(str(data["name"]), kind, from_json(data.get("reason", "")), values, counts)


def complete(rows: pd.DataFrame, columns: Sequence[str], passthrough: Sequence[Passthrough],
             seed: int = 0) -> pd.DataFrame:
    """`rows` (modelled columns) with every column of `columns`, in that order."""
    if not passthrough:
        return rows
    rng = np.random.default_rng([seed, 0x5eed])   # its own stream: the modelled rows stay as drawn
    filled = {p.name: p.draw(len(rows), rng) for p in passthrough}
    base = rows.reset_index(drop=True)
    frame = pd.DataFrame({name: base[name] if name in base.columns else filled[name] for name in columns})
    frame.index = rows.index
    return frame


def note(passthrough: Sequence[Passthrough]) -> Message | None:
    """One sentence naming the columns a generated file did not model, and how they were filled."""
    if not passthrough:
        return None
    return msg("out.unmodelled", n=len(passthrough), columns=[p.note() for p in passthrough])
