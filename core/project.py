"""The user's whole piece of work, and the one state of an app session.

A `Project` holds the data, column roles, R and its variants, settings and the model (all
saved by `core.projectfile`), and, for the app, what is not saved: the uploaded bytes (to
re-read them with another encoding or sheet), the training run, one-shot notices, and every
derived result, cached with the inputs it was computed from (`derived`), so that a rerun
that changes nothing recomputes nothing. The command line builds one per call.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from core.columns import PreparedTable, prepare_table
from core.errors import InputError
from core.model import FittedModel, TrainConfig
from core.roles import Role
from core.semantics import SemanticMatrix
from core.worker import CheckWorker, TrainingWorker

_VALUES = (str, int, float, bool, bytes, type(None))


@dataclass
class TableSource:
    """The table's file as uploaded, so that it can be read again with another encoding or sheet."""
    name: str
    raw: bytes
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)


@dataclass(eq=False)   # a session's state: compared by identity
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
    conditions: list[str] = field(default_factory=list)   # the Generate page's, e.g. "结构体系=砌体结构"
    # -- not saved: the app session's state
    source: TableSource | None = None         # the uploaded bytes of `data`
    training: TrainingWorker | None = None    # the run in progress, or finished and not yet collected
    checking: CheckWorker | None = None       # the Evaluate page's augmentation check, likewise
    notices: list[tuple[str, str]] = field(default_factory=list)   # (kind, text) shown once, next run
    dropped_semantics: tuple[str, int] | None = None   # (table, count): an R that did not fit the new table
    failed_source: TableSource | None = None  # a workbook whose first sheet was not a table (others offered)
    undo_semantics: SemanticMatrix | None = None   # R before the last suggested tick was applied
    generated: pd.DataFrame | None = None     # the rows the Generate page offers for download:
                                              # every input column, in input order
    _derived: dict[str, tuple[tuple, Any]] = field(default_factory=dict, repr=False)

    def columns(self) -> list[str]:
        """Every column of the loaded table, in order (R is written over these)."""
        return [] if self.data is None else [str(name) for name in self.data.columns]

    def prepared(self) -> PreparedTable:
        """The cleaned table, computed once per change of the data, roles or exclusions."""
        if self.data is None:
            raise InputError("no data loaded yet")
        return self.derived("prepared", (self.data, tuple(self.roles.items()), tuple(self.exclude)),
                            lambda: prepare_table(self.data, self.roles, self.exclude, self.source_name or "data"))

    def scoring_semantics(self) -> tuple[SemanticMatrix, bool]:
        """(R, True) to score the model with: the current R; (R, False) with the R the model was
        trained with when the current one has no semantic over the model's columns."""
        current = self.semantics.aligned(self.model.columns) if self.semantics is not None else None
        return (current, True) if current is not None and current.names else (self.model.semantics, False)

    # ------------------------------------------------------------ derived results

    def derived(self, name: str, inputs: tuple, compute: Callable[[], Any]) -> Any:
        """`compute()`, or its value from the last call with the same `inputs`.

        Inputs are compared by identity for objects (a DataFrame, a model: they are replaced,
        never changed in place), by value for plain values and tuples of them, and by content
        for an R."""
        key = tuple(_key(value) for value in inputs)
        held = self._derived.get(name)
        if held is not None and _same(held[0], key):
            return held[1]
        value = compute()
        self._derived[name] = (key, value)
        return value

    def remember(self, name: str, inputs: tuple, value: Any) -> Any:
        """Keep the result of a user's action (e.g. rows of a class) with what it was made from."""
        self._derived[name] = (tuple(_key(v) for v in inputs), value)
        return value

    def recall(self, name: str, inputs: tuple) -> Any | None:
        """A remembered result, if it was made from these inputs."""
        held = self._derived.get(name)
        return held[1] if held is not None and _same(held[0], tuple(_key(v) for v in inputs)) else None

    # ------------------------------------------------------------ changes

    def replace_table(self, frame: pd.DataFrame, source_name: str, encoding: str | None,
                      source: TableSource | None = None) -> set[str]:
        """Load another table; returns what it cost: {"model"} when the model no longer fits,
        {"semantics"} when R ticked columns the table does not have (R starts empty then:
        a new table never inherits unrelated semantics)."""
        same = self.data is not None and self.data.equals(frame)
        old_name, old_semantics = self.source_name, self.semantics
        self.data, self.source_name, self.encoding, self.source = frame, source_name, encoding, source
        lost = set()
        if same:
            return lost
        self.roles, self.exclude, self.variants, self.conditions = {}, [], {}, []
        self.undo_semantics = None
        columns = self.columns()
        if old_semantics is not None and old_semantics.names and not old_semantics.fits(columns):
            self.dropped_semantics = (old_name, len(old_semantics.names))
            self.semantics = SemanticMatrix.empty(columns)
            lost.add("semantics")
        else:
            self.semantics = (old_semantics or SemanticMatrix.empty(columns)).aligned(columns)
        if self.model is not None:
            self.model, self.generated = None, None
            lost.add("model")
        return lost

    def set_roles(self, roles: dict[str, Role], exclude: list[str]) -> bool:
        """New role overrides, checked by preparing the table (InputError leaves them as they
        were); True when the model no longer fits and was dropped."""
        before = (self.roles, self.exclude)
        self.roles, self.exclude = roles, exclude
        try:
            table = self.prepared()
        except InputError:
            self.roles, self.exclude = before
            raise
        if self.model is not None and schema_differences(self.model, table):
            self.model, self.generated = None, None
            return True
        return False

    def collect_training(self) -> TrainingWorker | None:
        """A finished run, once: its model becomes the project's when it fits the current data.
        Returns the finished worker (to say how it ended), or None when there is nothing new."""
        worker = self.training
        if worker is None or worker.running:
            return None
        self.training = None
        if worker.result is not None and self.fits(worker.result):
            self.model, self.generated = worker.result, None
        return worker

    def collect_check(self) -> CheckWorker | None:
        """A finished augmentation check, once: its result, ((model, real), report), is remembered
        as "comparison" for the model and rows it ran on. Returns the finished worker (to say
        how it ended), or None when there is nothing new."""
        worker = self.checking
        if worker is None or worker.running:
            return None
        self.checking = None
        if worker.result is not None:
            inputs, report = worker.result
            self.remember("comparison", inputs, report)
        return worker

    def fits(self, model: FittedModel) -> bool:
        """The model was trained on the columns the project has now."""
        try:
            return self.data is not None and not schema_differences(model, self.prepared())
        except InputError:
            return False


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


def _key(value):
    """How an input is compared: R by content, tuples element-wise, everything else as is."""
    if isinstance(value, SemanticMatrix):
        return ("R", tuple(value.names), tuple(value.features), value.values.tobytes())
    if isinstance(value, tuple):
        return tuple(_key(item) for item in value)
    return value


def _same(a, b) -> bool:
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, _VALUES) and isinstance(b, _VALUES):
        return type(a) is type(b) and a == b
    return a is b
