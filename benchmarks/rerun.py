"""What a rerun that changes nothing costs, per page, on a large table.

    python benchmarks/rerun.py [--rows 100000]

A survey-like table (tests/survey_table.py, plus two numeric columns: 40 columns) with its R and
a model (a short training: the model's quality does not matter here) is put in a Project; each
page runs once through the real router (streamlit's AppTest), then three more times with no
change. Prints the median seconds of those reruns per page: the script's own time on the server,
which is what every click waits for before the browser draws. Target: <= 0.1 s at 100,000 rows.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

from core.model import TrainConfig  # noqa: E402
from core.project import Project  # noqa: E402
from core.semantics import SemanticMatrix  # noqa: E402
from core.table import read_table  # noqa: E402
from core.training import fit  # noqa: E402
from tests.survey_table import survey_frame, survey_semantics  # noqa: E402

PAGES = ["pages/data.py", "pages/semantics.py", "pages/train.py", "pages/analysis.py",
         "pages/generate.py", "pages/evaluate.py"]


def project_of(n_rows: int) -> Project:
    frame = survey_frame(n_rows, seed=5)
    rng = np.random.default_rng(5)
    frame["wall_thickness_mm"] = np.round(rng.normal(240, 30, n_rows), 1)
    frame["carbonation_depth_mm"] = np.round(rng.gamma(2.0, 3.0, n_rows), 2)
    raw = read_table(frame.to_csv(index=False).encode(), "survey.csv", max_bytes=2**31).frame
    project = Project(data=raw, source_name="survey.csv", encoding="utf-8",
                      roles={"damage_grade": "categorical"})
    project.semantics = SemanticMatrix.from_frame(survey_semantics(raw.columns), project.columns())
    project.model = fit(project.prepared(), project.semantics, TrainConfig(epochs=20, finetune_epochs=5))
    return project


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    project = project_of(args.rows)
    print(f"{args.rows:,} rows x {project.data.shape[1]} columns; median of 3 reruns that change nothing:")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.session_state["project"] = project
    at.run()
    for page in PAGES:
        started = time.perf_counter()
        at.switch_page(page).run()
        first = time.perf_counter() - started
        times = []
        for _ in range(3):
            started = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - started)
        assert not at.exception, [e.value for e in at.exception]
        print(f"  {page:22s} first visit {first:6.2f} s   rerun {statistics.median(times):6.3f} s")


if __name__ == "__main__":
    main()
