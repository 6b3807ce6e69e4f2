"""Generate page: sliders by semantic, other latents, rows/seed, comparison plots, copies, downloads."""
from __future__ import annotations

import io

import pandas as pd

from core.semantics import SemanticMatrix
from core.export import csv_bytes, xlsx_bytes
from tests.app.conftest import figure, open_page, shown, texts

PAGE = "pages/generate.py"


def _fitted(frame: pd.DataFrame, name: str, groups: dict[str, list[int]]):
    """A project of `frame` (cells as read) with one semantic per entry of `groups` (its 0/1
    row of R), trained with the fast settings."""
    from core.project import Project
    from core.training import fit
    from tests.app.conftest import FAST
    project = Project(data=frame, source_name=name, encoding="utf-8")
    project.semantics = SemanticMatrix(list(groups), project.prepared().features, list(groups.values()))
    project.settings = FAST
    project.model = fit(project.prepared(), project.semantics, FAST)
    return project


def test_one_slider_per_matched_semantic(trained):
    at = open_page(PAGE, trained)
    labels = [s.label for s in at.slider]
    for name in trained.semantics.names:
        assert any(shown(label).startswith(name + " (z") for label in labels)
    assert len(labels) == 8
    rows = at.session_state["project"].generated
    assert len(rows) == 100 and list(rows.columns) == trained.model.transformer.features_
    assert {m.label for m in at.metric} == {"Rows generated", "Copies of a real row"}
    assert [d.label for d in at.download_button][-2:] == ["Download CSV", "Download Excel"]
    assert len(at.get("plotly_chart")) == 2               # two features compared by default


def test_moving_a_slider_changes_the_generated_rows(trained):
    at = open_page(PAGE, trained)
    before = at.session_state["project"].generated.copy()
    latent = trained.model.score(trained.semantics).latent_of(0)
    at.slider(key=f"z_{latent}").set_value(3.0).run()
    after = at.session_state["project"].generated
    assert not before.equals(after)
    at.slider(key=f"z_{latent}").set_value(0.0).run()
    assert before.equals(at.session_state["project"].generated)   # same seed, same rows


def test_rows_and_seed(trained):
    at = open_page(PAGE, trained)
    at.number_input(key="gen_rows").set_value(7).run()
    assert len(at.session_state["project"].generated) == 7
    first = at.session_state["project"].generated.copy()
    at.number_input(key="gen_seed").set_value(5).run()
    assert not first.equals(at.session_state["project"].generated)


def test_unmatched_latents_are_listed_under_other_latents(trained):
    R = trained.semantics                                 # 6 semantics for 8 latents
    trained.semantics = SemanticMatrix(R.names[:6], R.features, R.values[:6])
    at = open_page(PAGE, trained)
    assert at.expander[0].label == "Other latents (2, not matched to a semantic)"
    others = [s for s in at.slider if s.label.startswith("Latent z")]
    assert len(others) == 2 and all(s.proto.disabled for s in others)
    sampled = at.session_state["project"].generated.copy()
    at.toggle(key="gen_sample_others").set_value(False).run()
    assert not sampled.equals(at.session_state["project"].generated)
    assert not any(s.proto.disabled for s in at.slider if s.label.startswith("Latent z"))


def test_compare_plots_follow_the_chosen_features(trained):
    at = open_page(PAGE, trained)
    at.multiselect(key="gen_compare").set_value(["结构体系", "长宽比", "地上层数"]).run()
    titles = [figure(at, i)["layout"]["title"]["text"] for i in range(len(at.get("plotly_chart")))]
    assert len(titles) == 3 and titles[0].startswith("结构体系")


def test_download_content(trained):
    at = open_page(PAGE, trained)
    rows = at.session_state["project"].generated
    data = csv_bytes(rows)
    assert data.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert list(back.columns) == list(rows.columns) and len(back) == len(rows)
    book = pd.read_excel(io.BytesIO(xlsx_bytes(rows)))
    assert list(book.columns) == list(rows.columns)
    assert pd.api.types.is_integer_dtype(book["地上层数"])
    assert pd.api.types.is_float_dtype(book["长宽比"])


def test_each_slider_says_what_right_does_and_weak_sliders_are_flagged(trained):
    from dataclasses import replace

    from core.controllability import controllability
    from core.training import fit
    from tests.app.conftest import FAST

    at = open_page(PAGE, trained)
    captions = [c.value for c in at.caption if c.value.startswith("→ right:")]
    assert len(captions) == sum(bool(c.effects) for c in controllability(trained.model, n_rows=300))
    paper = fit(trained.prepared(), trained.semantics, replace(FAST, mode="paper"))
    weak = [c for c in controllability(paper, n_rows=300) if c.selectivity < 2]
    trained.model = paper
    at = open_page(PAGE, trained)
    assert len([w for w in at.warning if "Weak slider" in w.value]) == len(weak) > 0


def test_augment_a_class_to_n_rows(trained):
    at = open_page(PAGE, trained)
    assert at.selectbox(key="gen_aug_label").value == "安全性等级"
    assert at.selectbox(key="gen_aug_class").value == "Dsu"          # the rarest class first
    at.number_input(key="gen_aug_n_安全性等级_Dsu").set_value(12)
    [b for b in at.button if b.label == "Generate rows of this class"][0].click().run()
    assert not at.exception and not at.error, texts(at.error)
    rows = at.session_state["project"].recall("augmented", (trained.model, trained.prepared().frame))
    assert len(rows) == 12 and set(rows["安全性等级"]) == {"Dsu"}
    assert "12 new rows of class Dsu." in texts(at.markdown)


def test_sliders_at_zero_are_free_and_the_others_covary_or_isolate(trained):
    at = open_page(PAGE, trained)
    rows = at.session_state["project"].generated
    assert rows["地上层数"].nunique() > 1 and rows["结构体系"].nunique() > 1   # every semantic still varies
    latent = trained.model.score(trained.semantics).latent_of(0)
    at.slider(key=f"z_{latent}").set_value(2.0).run()
    covarying = at.session_state["project"].generated.copy()
    at.radio(key="gen_others").set_value("isolate").run()
    assert not covarying.equals(at.session_state["project"].generated)
    assert [o for o in at.radio(key="gen_others").options] == ["Co-vary", "Isolate"]


def test_conditions_are_added_kept_and_removed(trained):
    at = open_page(PAGE, trained)
    at.selectbox(key="where_column").set_value("结构体系").run()
    at.selectbox(key="where_value_结构体系").set_value("砖混结构").run()
    at.button(key="where_add").click().run()
    assert trained.conditions == ["结构体系=砖混结构"]
    rows = trained.generated
    assert len(rows) == 100 and (rows["结构体系"] == "砖混结构").all()
    at.selectbox(key="where_column").set_value("地上层数").run()
    at.button(key="where_add").click().run()               # a second condition: AND
    assert len(trained.conditions) == 2 and trained.conditions[1].startswith("地上层数=")
    floors = int(trained.conditions[1].split("=")[1])
    assert (trained.generated["地上层数"] == floors).all() and (trained.generated["结构体系"] == "砖混结构").all()
    at.button(key="where_drop_0").click().run()
    assert trained.conditions == [f"地上层数={floors}"]
    at.button(key="where_drop_0").click().run()
    assert trained.conditions == [] and trained.generated["结构体系"].nunique() > 1


def test_downloads_are_named_after_what_they_hold(trained, monkeypatch):
    import core.export
    names, real_name = [], core.export.download_name

    def recording(*args, **kwargs):
        names.append(real_name(*args, **kwargs))
        return names[-1]
    monkeypatch.setattr(core.export, "download_name", recording)   # pages import it on every run
    at = open_page(PAGE, trained)
    assert names[-1] == "buildings_30__n100__seed0.csv"            # no slider set: free semantics
    latent = trained.model.slider_latents(trained.semantics)[0]    # the slider of the first semantic
    at.slider(key=f"z_{latent}").set_value(2.0).run()
    at.number_input(key="gen_rows").set_value(50).run()
    assert names[-1] == f"buildings_30__{trained.semantics.names[0]}+2__n50__seed0.csv"


def test_a_column_of_dates_is_shown_as_dates_and_conditioned_by_a_range_of_days():
    import numpy as np
    from datetime import date
    rng = np.random.default_rng(0)
    n = 120
    frame = pd.DataFrame({"竣工日期": [f"{y}年{m}月" for y, m in zip(rng.integers(1960, 2015, n), rng.integers(1, 13, n))],
                          "结构": rng.choice(["砖混", "框架"], n), "裂缝宽度": np.round(rng.gamma(2.0, 0.2, n), 2)})
    project = _fitted(frame.astype(str), "dates.csv", {"年代": [1, 1, 0], "损坏": [0, 0, 1]})
    at = open_page(PAGE, project)
    assert project.generated["竣工日期"].str.fullmatch(r"\d{4}年\d{1,2}月").all()   # as the survey writes them
    at.selectbox(key="where_column").set_value("竣工日期").run()
    at.slider(key="where_range_竣工日期").set_value((date(1970, 1, 1), date(1979, 12, 31))).run()
    at.button(key="where_add").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert project.conditions == ["竣工日期=1970-01-01..1979-12-31"]
    years = project.generated["竣工日期"].str.slice(0, 4).astype(int)
    assert len(years) == 100 and years.between(1970, 1979).all()


def test_a_tick_box_left_blank_is_a_condition_the_picker_shows_as_blank():
    import numpy as np
    rng = np.random.default_rng(0)
    n = 120
    frame = pd.DataFrame({"墙体开裂": np.where(rng.random(n) < 0.2, "√", None), "层数": rng.integers(1, 7, n).astype(str),
                          "结构": rng.choice(["砖混", "框架"], n)})
    project = _fitted(frame, "ticks.csv", {"损坏": [1, 0, 0], "构造": [0, 1, 1]})
    at = open_page(PAGE, project)
    at.selectbox(key="where_column").set_value("墙体开裂").run()
    picker = at.selectbox(key="where_value_墙体开裂")
    assert picker.options == ["(blank)", "√"]
    picker.set_value("").run()
    at.button(key="where_add").click().run()
    assert not at.exception and project.conditions == ["墙体开裂="]
    assert (project.generated["墙体开裂"] == "").all() and len(project.generated) == 100
    at.selectbox(key="gen_aug_label").set_value("墙体开裂").run()
    classes = at.selectbox(key="gen_aug_class").options
    assert len(classes) == 2 and classes[1].startswith("(blank)")   # the rarer class first: the ticks


def test_a_column_that_keeps_its_blanks_can_be_conditioned_on_them():
    import numpy as np
    rng = np.random.default_rng(0)
    n = 120
    brick = rng.random(n) < 0.4
    frame = pd.DataFrame({"结构": np.where(brick, "砖混", "框架"), "层数": rng.integers(1, 7, n).astype(str),
                          "碳化深度": np.where(brick, None, np.round(rng.gamma(2.0, 0.5, n), 1).astype(str)),
                          "等级": np.where(rng.random(n) < 0.15, None, rng.choice(["A", "B"], n, p=[0.7, 0.3]))})
    project = _fitted(frame, "depth.csv", {"构造": [1, 1, 0, 1], "耐久": [0, 0, 1, 0]})
    at = open_page(PAGE, project)
    assert 0.2 < (project.generated["碳化深度"].isna()).mean() < 0.6   # the preview is as the file: blanks
    at.selectbox(key="where_column").set_value("碳化深度").run()
    at.checkbox(key="where_blank_碳化深度").check().run()
    at.button(key="where_add").click().run()
    assert not at.exception and project.conditions == ["碳化深度="]
    assert project.generated["碳化深度"].isna().all() and len(project.generated) == 100
    assert at.multiselect(key="gen_compare").options == ["结构", "层数", "碳化深度", "等级"]   # no companion
    at.multiselect(key="gen_compare").set_value(["碳化深度"]).run()
    assert not at.exception
    at.selectbox(key="gen_aug_label").set_value("等级").run()
    counts = frame["等级"].value_counts()   # the blank grades are no class: not counted with the fill
    assert at.selectbox(key="gen_aug_class").options == [f"B ({counts['B']} rows)", f"A ({counts['A']} rows)"]
    at.selectbox(key="where_column").set_value("层数").run()
    assert "where_blank_层数" not in [box.key for box in at.checkbox]   # a column without blanks has none


def test_a_column_recorded_in_steps_is_picked_on_its_steps():
    """Ages in 5s offer 20, 25, ... 65 as codes; a rating in halves moves its range in halves;
    the rows of either condition hold it on the grid."""
    import numpy as np
    rng = np.random.default_rng(0)
    n = 150
    age = rng.integers(0, 10, n)
    frame = pd.DataFrame({"年龄": (20 + 5 * age).astype(str), "评分": (0.5 + np.clip(age // 2, 0, 4)).astype(str),
                          "结构": rng.choice(["砖混", "框架"], n)})
    project = _fitted(frame, "steps.csv", {"年代": [1, 1, 0], "构造": [0, 0, 1]})
    at = open_page(PAGE, project)
    at.selectbox(key="where_column").set_value("年龄").run()
    assert at.selectbox(key="where_value_年龄").options == [str(v) for v in range(20, 70, 5)]
    at.selectbox(key="where_value_年龄").set_value(35).run()
    at.button(key="where_add").click().run()
    assert project.conditions == ["年龄=35"] and (project.generated["年龄"] == 35).all()
    at.button(key="where_drop_0").click().run()
    at.selectbox(key="where_column").set_value("评分").run()
    assert at.slider(key="where_range_评分").step == 1.0
    at.slider(key="where_range_评分").set_value((1.5, 3.5)).run()
    at.button(key="where_add").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert project.conditions == ["评分=1.5..3.5"] and project.generated["评分"].isin([1.5, 2.5, 3.5]).all()
