"""Shared test data: small tables with known hidden factors, one per semantic group."""
from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.columns import ColumnSpec, PreparedTable
from core.roles import Role
from core.semantics import SemanticMatrix


ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("OMP_NUM_THREADS", "1")   # two test workers share two cores: no oversubscription


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """`python -m core ARGS` in this process (fast): exit code, stdout and stderr as a user sees them."""
    from core.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.chdir(cwd or Path.cwd()), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(arg) for arg in args])
    return subprocess.CompletedProcess(["python", "-m", "core", *args], code, out.getvalue(), err.getvalue())


def edit_project_file(data: bytes, edit: Callable[[dict], None]) -> bytes:
    """A project file with its project.json changed in place by `edit`, as a hand-edited file is."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    document = json.loads(members["project.json"])
    edit(document)
    members["project.json"] = json.dumps(document).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, member in members.items():
            archive.writestr(name, member)
    return buffer.getvalue()


def fit_on_cli(folder: Path, frame: pd.DataFrame, groups: dict[str, list[str]]) -> Path:
    """`frame` as folder/survey.csv, an R of `groups` (semantic -> its columns) as folder/R.csv, and
    `fit` run there on the command line (80 + 20 epochs, seed 1) into folder/p.zip."""
    frame.to_csv(folder / "survey.csv", index=False)
    pd.DataFrame({"feature": list(frame.columns),
                  **{name: [int(c in columns) for c in frame.columns] for name, columns in groups.items()}}
                 ).to_csv(folder / "R.csv", index=False)
    result = cli("fit", "survey.csv", "--semantics", "R.csv", "--out", "p.zip", "--epochs", "80",
                 "--finetune-epochs", "20", "--seed", "1", cwd=folder)
    assert result.returncode == 0, result.stderr
    return folder


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """`python -m core ARGS` in a fresh process, as a user runs it (for what only a real process shows)."""
    return subprocess.run([sys.executable, "-m", "core", *args], cwd=cwd, capture_output=True,
                          text=True, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


def factor_table(n_rows: int = 30, n_groups: int = 4, per_group: int = 4, seed: int = 0
                 ) -> tuple[PreparedTable, SemanticMatrix]:
    """Each group of columns is a noisy function of its own standard-normal factor.

    Columns cycle through continuous, binary (是/否), categorical (低/中/高) and integer.
    """
    rng = np.random.default_rng(seed)
    factors = rng.normal(size=(n_rows, n_groups))
    columns, specs = {}, []
    for g in range(n_groups):
        for j in range(per_group):
            name = f"g{g}_c{j}"
            signal = factors[:, g] + 0.4 * rng.normal(size=n_rows)
            kind = j % 4
            if kind == 0:
                columns[name], spec = np.round(signal, 3), ColumnSpec(name, Role.CONTINUOUS)
            elif kind == 1:
                columns[name] = np.where(signal > 0, "是", "否")
                spec = ColumnSpec(name, Role.BINARY, ("否", "是"))
            elif kind == 2:
                labels = np.array(["低", "中", "高"], dtype=object)
                columns[name] = labels[np.digitize(signal, [-0.5, 0.5])].astype(str)
                spec = ColumnSpec(name, Role.CATEGORICAL, ("中", "低", "高"))
            else:
                columns[name] = np.round(3 * signal + 10).astype(float)
                spec = ColumnSpec(name, Role.INTEGER)
            specs.append(spec)
    frame = pd.DataFrame(columns)
    for spec in specs:   # a category may be absent from a small sample: list only those seen
        if spec.categories:
            seen = set(frame[spec.name])
            specs[specs.index(spec)] = ColumnSpec(spec.name, spec.role,
                                                  tuple(c for c in spec.categories if c in seen))
    features = list(frame.columns)
    values = [[int(name.startswith(f"g{g}_")) for name in features] for g in range(n_groups)]
    return PreparedTable(frame, specs), SemanticMatrix([f"S{g}" for g in range(n_groups)], features, values)


@pytest.fixture(scope="session")
def small_fit():
    """One fitted model shared by the tests that only read it (training is the slow part)."""
    from core.model import TrainConfig
    from core.training import fit
    table, semantics = factor_table()
    return table, semantics, fit(table, semantics, TrainConfig(epochs=150, finetune_epochs=150, seed=3))
