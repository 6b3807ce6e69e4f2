"""A form's tick boxes ("√" where a wall cracks, blank where it does not): read as binary with
blank meaning no, however rare the ticks, written back blank, and conditioned on either way."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.columns import prepare_table, reading_notes
from core.roles import NO_MARK, Role, infer_roles, mark_of
from tests.conftest import cli, fit_on_cli


def test_one_mark_and_blanks_is_a_tick_box_before_the_missing_rule():
    blank = [None] * 18
    assert mark_of(["√", "√"] + blank) == "√" and mark_of(["是", None]) == "是" and mark_of(["1", None]) == "1"
    assert mark_of(["√", "×", None]) is None          # two values: an ordinary binary column
    assert mark_of(["√", "√"]) is None                # no blank: a constant
    assert mark_of(["砖混", None]) is None             # a word that is no mark
    frame = pd.DataFrame({"裂缝": ["√", "√"] + blank, "层数": [str(i % 5) for i in range(20)]})
    assert infer_roles(frame.rename(columns={"裂缝": "编号"}))["编号"][0] is Role.EXCLUDED   # an id stays an id
    role, reason = infer_roles(frame)["裂缝"]
    assert role is Role.BINARY and str(reason) == "'√' or blank: a tick box, blank read as no"
    table = prepare_table(frame)
    assert table.specs[0].categories == (NO_MARK, "√") and table.frame["裂缝"].tolist() == ["√", "√"] + [""] * 18
    assert not any(note.code == "read.filled" for note in reading_notes(table))   # a blank is no, not missing


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ticks")
    rng = np.random.default_rng(0)
    n = 300
    age = rng.integers(5, 60, n)
    crack = np.where(rng.random(n) < age / 120, "√", "")
    frame = pd.DataFrame({"房龄": age, "墙体开裂": crack, "结构": rng.choice(["砖混", "框架"], n)})
    return fit_on_cli(folder, frame, {"age": ["房龄", "墙体开裂"], "kind": ["结构"]})


@pytest.mark.parametrize("where, ticked", [("墙体开裂=√", True), ("墙体开裂=", False)])
def test_ticked_and_blank_rows_on_demand_are_written_as_the_form_has_them(fitted, where, ticked):
    result = cli("generate", "p.zip", "--n", "400", "--out", "rows.csv", "--where", where, cwd=fitted)
    assert result.returncode == 0, result.stderr
    rows = pd.read_csv(fitted / "rows.csv", dtype=str, keep_default_na=False)
    assert (rows["墙体开裂"] == ("√" if ticked else "")).all() and len(rows) == 400
    real = pd.read_csv(fitted / "survey.csv", dtype=str, keep_default_na=False)
    real_age = real.loc[real["墙体开裂"] == ("√" if ticked else ""), "房龄"].astype(float).mean()
    assert abs(rows["房龄"].astype(float).mean() - real_age) < 4     # cracked walls are the older ones
