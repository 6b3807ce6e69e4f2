"""The user's whole piece of work: data, column roles, R and its variants, settings, model.

The app keeps one `Project` in each session's state; the command line builds one
per call; `core.projectfile` saves and restores it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from core.columns import PreparedTable, Role, prepare_table
from core.errors import InputError
from core.model import FittedModel
from core.semantics import SemanticMatrix
from core.model import TrainConfig


@dataclass
class Project:
    data: pd.DataFrame | None = None          # the raw table as read: strings, NaN for blanks
    source_name: str = ""                     # file name, used in messages
    encoding: str | None = None               # what the reader used (CSV only)
    roles: dict[str, Role] = field(default_factory=dict)   # the user's overrides only
    exclude: list[str] = field(default_factory=list)
    semantics: SemanticMatrix | None = None   # the current R
    variants: dict[str, SemanticMatrix] = field(default_factory=dict)   # saved R variants by name
    settings: TrainConfig = field(default_factory=TrainConfig)
    model: FittedModel | None = None
    generated: pd.DataFrame | None = None     # the rows the Generate page offers for download:
                                              # every input column, in input order (not saved)

    def columns(self) -> list[str]:
        """Every column of the loaded table, in order (R is written over these)."""
        return [] if self.data is None else [str(name) for name in self.data.columns]

    def prepared(self) -> PreparedTable:
        if self.data is None:
            raise InputError("no data loaded yet")
        return prepare_table(self.data, self.roles, self.exclude, self.source_name or "data")


def schema_differences(model: FittedModel, table: PreparedTable) -> list[str]:
    """What differs between the columns a model was trained on and a prepared table."""
    trained = {span.name: span for span in model.transformer.layout_}
    current = {spec.name: spec for spec in table.specs}
    notes = [f"column '{name}' is missing from the data" for name in trained if name not in current]
    notes += [f"column '{name}' is new in the data" for name in current if name not in trained]
    for name in trained.keys() & current.keys():
        span, spec = trained[name], current[name]
        if span.role != spec.role:
            notes.append(f"column '{name}' is {spec.role.value} in the data but {span.role.value} in the model")
        elif not spec.is_numeric and not set(spec.categories) <= set(span.categories):
            new = sorted(set(spec.categories) - set(span.categories))
            notes.append(f"column '{name}' has values the model never saw: {', '.join(new[:5])}")
    return notes
