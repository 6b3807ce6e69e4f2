"""Evaluate page: realism cards and charts, rows of a rare class with downloads, the comparison."""
from __future__ import annotations

import io

import pandas as pd

from tests.app.conftest import open_page, shown, texts

PAGE = "pages/evaluate.py"
LABEL = "安全性等级"


def compare(at):
    """Click Compare, let the comparison's worker thread finish, and show its result."""
    at.button(key="ev_compare").click().run()
    worker = at.session_state["project"].checking
    assert worker is not None, "the comparison runs in a worker thread"
    worker.join(timeout=180)
    assert not worker.running
    return at.run()


def test_cards_and_charts(trained):
    at = open_page(PAGE, trained)
    assert [m.label for m in at.metric] == ["Realism (fidelity)", "Valid values", "Copies of a real row",
                                            "Distance to real rows"]
    assert at.metric[1].value == "100%"
    repeats = at.session_state["project"].data.duplicated(keep=False).mean()   # 0 in the sample: all rows differ
    assert f"below the real rows' own repeats: {repeats:.1%} of them equal another real row" in texts(at.caption)
    assert "Blank cells" not in texts(at.caption)   # the sample has none
    assert len(at.get("plotly_chart")) == 2                      # selectivity and per-column realism
    assert at.selectbox(key="ev_label").value == LABEL          # the last column of classes
    assert at.selectbox(key="ev_class").value == "Dsu"          # rarest first (2 rows in the sample)
    assert at.number_input(key=f"ev_n_{LABEL}_Dsu").value == 13 - 2   # as many as the largest class
    assert not at.error


def test_rows_of_the_chosen_class_can_be_made_and_downloaded(trained):
    at = open_page(PAGE, trained)
    at.number_input(key=f"ev_n_{LABEL}_Dsu").set_value(7).run()
    at.button(key="ev_make").click().run()
    assert not at.exception
    sample = at.session_state["project"].recall("class_rows", (trained.model, trained.prepared().frame))[1]
    assert len(sample.rows) == 7 and (sample.rows[LABEL] == "Dsu").all()
    assert "7 new rows of **Dsu**" in texts(at.markdown)
    downloads = {d.label: d for d in at.download_button}
    assert {"Download the new rows (CSV)", "Download real + new rows (CSV)"} <= set(downloads)
    assert len(pd.read_csv(io.BytesIO(sample.rows.to_csv(index=False).encode()))) == 7


def test_the_comparison_table_has_three_routes(trained):
    at = open_page(PAGE, trained)
    compare(at)
    assert not at.exception and at.session_state["project"].checking is None   # collected once
    table = at.dataframe[-1].value
    assert list(table.iloc[:, 0]) == ["real rows only", "real + our VAE rows", "real + SMOTE-NC rows"]
    assert table.iloc[2, 1] == "—"                               # one Dsu row per split: no SMOTE-NC
    assert any("SMOTE-NC needs 2 rows" in shown(w.value) for w in at.warning)


def test_the_comparison_says_whether_ours_is_ahead_of_smote_nc(trained):
    at = open_page(PAGE, trained)
    at.selectbox(key="ev_class").set_value("Csu").run()   # 3 rows: 2 to train on, SMOTE-NC runs
    compare(at)
    assert not at.exception
    result = at.session_state["project"].recall("comparison", (trained.model, trained.prepared().frame))
    gain = result["vae_minus_smote_nc"]
    assert gain["splits"] == 5 and not result["refit"]
    assert "held-out ones included" in texts(at.caption)   # the leak is said, and how to remove it
    line = next(shown(m.value) for m in at.markdown if "paired split by split" in m.value)
    assert f"{gain['macro_f1']:+.3f} ± {gain['se']:.3f}" in line
    assert f"higher on {gain['ahead']} of 5 splits: **{gain['verdict']}" in line


def test_the_comparison_can_train_a_fresh_model_per_split(trained):
    at = open_page(PAGE, trained, timeout=180)
    at.checkbox(key="ev_refit").check().run()
    at.selectbox(key="ev_class").set_value("Csu").run()
    compare(at)
    assert not at.exception
    result = at.session_state["project"].recall("comparison", (trained.model, trained.prepared().frame))
    assert result["refit"] and result["routes"]["real+vae"] is not None
    assert "A fresh model was trained on each split's training rows" in texts(at.caption)
    assert "held-out ones included" not in texts(at.caption)


def test_the_page_renders_in_chinese(trained):
    at = open_page(project=trained)
    at.button_group(key="lang_choice").set_value("zh").run()
    at.switch_page(PAGE).run()
    assert not at.exception
    assert at.title[0].value == "6 · 评估" and at.metric[0].label == "真实度（保真度）"


def test_the_comparison_notes_are_translated(trained):
    at = open_page(project=trained)
    at.button_group(key="lang_choice").set_value("zh").run()
    at.switch_page(PAGE).run()
    compare(at)
    assert any("SMOTE-NC 需要训练部分中至少 2 行“Dsu”" in shown(w.value) for w in at.warning)


def test_columns_that_keep_their_blanks_show_how_often_they_are_blank():
    import numpy as np
    from core.project import Project
    from core.semantics import SemanticMatrix
    from core.training import fit
    from tests.app.conftest import FAST
    rng = np.random.default_rng(0)
    n = 120
    brick = rng.random(n) < 0.4
    frame = pd.DataFrame({"结构": np.where(brick, "砖混", "框架"), "层数": rng.integers(1, 7, n).astype(str),
                          "碳化深度": np.where(brick, None, np.round(rng.gamma(2.0, 0.5, n), 1).astype(str))})
    project = Project(data=frame, source_name="depth.csv", encoding="utf-8")
    project.semantics = SemanticMatrix(["构造", "耐久"], project.prepared().features, [[1, 1, 0], [0, 0, 1]])
    project.settings = FAST
    project.model = fit(project.prepared(), project.semantics, FAST)
    at = open_page(PAGE, project)
    caption = next(c.value for c in at.caption if c.value.startswith("Blank cells, real → generated"))
    assert caption.startswith(f"Blank cells, real → generated: 碳化深度 {brick.mean():.0%} → ")


def test_a_class_filled_for_training_is_not_counted_or_compared():
    """Two blank grades of 80 are filled with the commonest for training; they are no class."""
    import numpy as np
    from core.project import Project
    from core.semantics import SemanticMatrix
    from core.training import fit
    from tests.app.conftest import FAST
    rng = np.random.default_rng(1)
    n = 80
    grade = rng.choice(["A", "B", "C"], n, p=[0.6, 0.3, 0.1]).astype(object)
    grade[[3, 7]] = None
    frame = pd.DataFrame({"结构": rng.choice(["砖混", "框架"], n), "层数": rng.integers(1, 7, n).astype(str),
                          "等级": grade})
    project = Project(data=frame, source_name="grades.csv", encoding="utf-8")
    assert project.prepared().filled["等级"].sum() == 2
    project.semantics = SemanticMatrix(["构造", "安全"], project.prepared().features, [[1, 1, 0], [0, 0, 1]])
    project.settings = FAST
    project.model = fit(project.prepared(), project.semantics, FAST)
    at = open_page(PAGE, project)
    at.selectbox(key="ev_label").set_value("等级").run()
    counts = frame["等级"].value_counts()
    assert at.selectbox(key="ev_class").options == [f"{name} ({counts[name]} rows)" for name in ("C", "B", "A")]
    assert at.number_input(key="ev_n_等级_C").value == counts["A"] - counts["C"]
    compare(at)
    assert not at.exception and at.session_state["project"].recall("comparison", (project.model,
                                                                                  project.prepared().frame))


def _slow_comparison(on_split, should_stop):
    import time

    from core.training import TrainingCancelled
    for split in range(1, 10_000):
        if should_stop():
            raise TrainingCancelled
        on_split(split, 10_000)
        time.sleep(0.01)


def test_a_running_comparison_shows_its_progress_and_can_be_cancelled(trained):
    from core.worker import CheckWorker
    at = open_page(PAGE, trained)
    trained.checking = CheckWorker(_slow_comparison, n_splits=10_000).start()
    at.run()
    assert not at.exception
    assert at.button(key="ev_compare").disabled                      # one comparison at a time
    assert "Training classifiers: split" in at.get("progress")[0].proto.text
    at.button(key="ev_cancel").click().run()
    worker = trained.checking or at.session_state["project"].checking
    worker.join(30)
    assert worker.cancelled
    at.run()
    assert at.session_state["project"].checking is None               # collected once
    assert "The comparison was cancelled" in texts(at.info)
    assert not at.button(key="ev_compare").disabled


def test_a_failed_comparison_says_why_and_keeps_the_page(trained):
    from core.errors import InputError
    from core.worker import CheckWorker

    def fails(on_split, should_stop):
        raise InputError("the class 'Dsu' has 1 row")
    at = open_page(PAGE, trained)
    trained.checking = CheckWorker(fails, n_splits=5).start()
    trained.checking.join(30)
    at.run()
    assert not at.exception and at.session_state["project"].checking is None
    assert any("The comparison failed" in shown(e.value) and "has 1 row" in shown(e.value) for e in at.error)
