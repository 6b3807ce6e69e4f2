"""Eight sessions train at once: the slots cap them, the rest queue, and other pages keep answering.

    python benchmarks/load.py [--sessions 8]

Each session is the app itself (streamlit's AppTest, the real router and pages) on the 30-row
sample with default settings; all click Train within a moment. While they run, a ninth session
reruns the Data page again and again. Prints how many trained at once (at most the cap of
pages/ui.py), the places in the queue the Train pages showed, whether every run gave the same
model as training alone, and the Data page's rerun times during the load (target: <= 1 s).
"""
from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

from benchmarks.machine import machine  # noqa: E402
from core import worker as workers  # noqa: E402
from core.training import fit  # noqa: E402


def session(page: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    return at.switch_page(page).run()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=8)
    args = parser.parse_args()
    trainers = [session("pages/train.py") for _ in range(args.sessions)]
    watcher = session("pages/data.py")
    for at in trainers:
        next(b for b in at.button if b.label == "Train").click().run()
    runs = [at.session_state["project"].training for at in trainers]
    most, places, latencies = 0, set(), []
    while any(run.running for run in runs):
        most = max(most, workers._SLOTS.running)
        for at in trainers:   # what each Train page shows now
            at.run()
            for info in at.info:
                places |= {int(n) for n in re.findall(r"Place in the queue: (\d+)", info.value)}
        started = time.perf_counter()
        watcher.run()
        latencies.append(time.perf_counter() - started)
    project = trainers[0].session_state["project"]
    alone = fit(project.prepared(), project.semantics, project.settings)
    same = sum(all((run.result.vae.state_dict()[k] == v).all() for k, v in alone.vae.state_dict().items())
               for run in runs if run.result is not None)
    print(f"{machine()}: {args.sessions} sessions; at most {most} trained at once (cap {workers._SLOTS.limit}); "
          f"queue places shown: {sorted(places)}; {same} of {args.sessions} gave the model of a run alone; "
          f"Data page during the load: median {statistics.median(latencies):.2f} s, "
          f"max {max(latencies):.2f} s over {len(latencies)} reruns")


if __name__ == "__main__":
    main()
