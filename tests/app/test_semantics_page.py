"""Semantics page: the R grid (ticks reach R and MI live), add/rename/delete, CSV, variants."""
from __future__ import annotations

from core.semantics import SemanticMatrix
from tests.app.conftest import PRESET, open_page, texts

PAGE = "pages/semantics.py"


def tick(at, row: int, semantic: str, value: bool = True):
    """What the browser sends when a box is (un)ticked: the editor's edit state."""
    key = f"r_editor_{at.session_state['r_grid']['version']}"
    at.session_state[key] = {"edited_rows": {row: {semantic: value}}, "added_rows": [],
                             "deleted_rows": []}
    return at.run()


def mi(at) -> str:
    return [m for m in at.metric if m.label == "Clarity MI (greedy)"][0].value


def button(at, label: str):
    return [b for b in at.button if b.label == label][0]


def test_grid_shows_r_and_asks_for_a_model_for_live_scores():
    at = open_page(PAGE)
    grid = at.data_editor[0].value
    assert list(grid.columns) == at.session_state["project"].semantics.names
    assert grid.shape == (46, 8) and grid.loc["结构体系", "结构体系和布置"]
    assert "Once a model is trained" in texts(at.info)
    assert "安全性等级" in texts(at.warning)          # a feature in no semantic


def test_ticking_a_box_changes_r_and_mi_without_retraining(trained):
    at = open_page(PAGE, trained)
    before, original = mi(at), trained.semantics.values.copy()
    features = trained.semantics.features
    row = features.index("碳化深度(mm)")
    at = tick(at, row, "结构体系和布置")
    project = at.session_state["project"]
    assert project.semantics.values[0, row] == 1
    assert mi(at) != before
    assert project.model is trained.model               # no retraining
    at.run()                                            # the same edit state again:
    assert at.session_state["project"].semantics.values[0, row] == 1   # not applied twice
    assert at.session_state["project"].semantics.values.sum() == original.sum() + 1
    at = tick(at, row, "结构体系和布置", False)
    assert at.session_state["project"].semantics.values[0, row] == 0
    assert mi(at) == before


def test_add_rename_delete():
    at = open_page(PAGE)
    at.text_input(key="sem_new_name").input("荷载")
    at.button(key="sem_add_button").click().run()
    R = at.session_state["project"].semantics
    assert R.names[-1] == "荷载" and not R.values[-1].any()
    assert "semantic '荷载' has no feature" in texts(at.warning)
    assert list(at.data_editor[0].value.columns)[-1] == "荷载"
    at.text_input(key="sem_new_name").input("荷载")       # a duplicate is refused
    at.button(key="sem_add_button").click().run()
    assert "cannot be used" in texts(at.error)
    at.selectbox(key="sem_rename_which").set_value("荷载")
    at.text_input(key="sem_rename_to").input("使用荷载")
    at.button(key="sem_rename_button").click().run()
    assert at.session_state["project"].semantics.names[-1] == "使用荷载"
    at.selectbox(key="sem_delete_which").set_value("使用荷载")
    at.button(key="sem_delete_button").click().run()
    assert len(at.session_state["project"].semantics.names) == 8


def test_more_semantics_than_latents_is_explained(trained):
    trained.semantics = SemanticMatrix(trained.semantics.names + ["额外"], trained.semantics.features,
                                       list(trained.semantics.values) + [trained.semantics.values[0]])
    at = open_page(PAGE, trained)
    assert "9 semantics and 8 latents" in texts(at.warning)
    assert len(at.dataframe[1].value) == 8               # min(L, K) pairs still scored


def test_import_bad_and_good_r():
    at = open_page(PAGE)
    before = at.session_state["project"].semantics
    at.file_uploader(key="r_upload").set_value(("R.csv", "semantic,不存在的列\nA,1\n".encode(), "text/csv"))
    at.run()
    assert "not columns of the data" in texts(at.error)
    assert at.session_state["project"].semantics is before
    good = "semantic,长宽比,高宽比\n形状,1,1\n".encode("utf-8-sig")
    at.file_uploader(key="r_upload").set_value(("R2.csv", good, "text/csv"))
    at.run()
    R = at.session_state["project"].semantics
    assert R.names == ["形状"] and R.values.sum() == 2
    assert at.data_editor[0].value.shape == (46, 1)      # the grid follows the imported R
    button(at, "Load the paper's 8 semantics").click().run()
    assert at.session_state["project"].semantics.names == SemanticMatrix.from_csv(
        PRESET, R.features).names
    assert any(d.label == "Export R as CSV" for d in at.download_button)


def test_variants_compare_mi_and_can_be_restored(trained):
    original = trained.semantics.values.copy()
    at = open_page(PAGE, trained)
    at.text_input(key="variant_name").input("paper")
    button(at, "Save variant").click().run()
    at = tick(at, 0, "耐久性")
    at.text_input(key="variant_name").input("edited")
    button(at, "Save variant").click().run()
    table = next(d.value for d in at.dataframe if "Variant" in d.value.columns)
    assert list(table["Variant"]) == ["(current)", "paper", "edited"]
    assert {"Clarity MI (greedy)", "Clarity MI (optimal)", "Matches", "Sliders that steer their semantic",
            "Median selectivity"} <= set(table.columns)
    assert "z" in table["Matches"].iloc[1] and table["Sliders that steer their semantic"].iloc[1].endswith("/ 8")
    at.selectbox(key="diff_a").set_value("paper").run()
    at.selectbox(key="diff_b").set_value("edited").run()
    diff = at.dataframe[-1].value
    assert diff.to_dict("records") == [{"semantic": "耐久性", "feature": trained.semantics.features[0],
                                        "paper": 0, "edited": 1}]
    exported = next(d for d in at.download_button if d.label == "Export all variants")
    at.selectbox(key="variant_choice").set_value("paper")
    button(at, "Use").click().run()
    R = at.session_state["project"].semantics
    assert (R.values == original).all()
    assert not at.data_editor[0].value.loc[R.features[0], "耐久性"]   # grid rebuilt from R


def test_a_suggested_tick_is_applied_scored_and_undone(trained):
    from core.workbench import suggestions
    at = open_page(PAGE, trained)
    before, r_before = mi(at), trained.semantics
    best = suggestions(trained.model, r_before, 1)[0]
    assert best["delta"] > 0 and at.button(key="suggest_0")
    at.button(key="suggest_0").click().run()
    k, f = r_before.names.index(best["semantic"]), r_before.features.index(best["feature"])
    assert trained.semantics.values[k, f] == best["value"] != r_before.values[k, f]
    assert mi(at) == f"{best['mi']:.1f} %"                 # the page scores the new R as claimed
    at.run()                                               # the grid shows the new tick too
    assert bool(at.data_editor[0].value.loc[best["feature"], best["semantic"]]) == bool(best["value"])
    next(b for b in at.button if b.label == "Undo the last suggestion").click().run()
    assert (trained.semantics.values == r_before.values).all() and mi(at) == before
    assert not [b for b in at.button if b.label == "Undo the last suggestion"]


def test_variants_file_imports_all_at_once_and_a_match_is_explained(trained):
    from core.workbench import flipped, variants_to_csv
    at = open_page(PAGE, trained)
    R = trained.semantics
    data = variants_to_csv({"a": R, "b": flipped(R, R.names[0], R.features[3], 1 - R.values[0, 3])})
    at.file_uploader(key="variants_upload").set_value(("R_variants.csv", data, "text/csv")).run()
    assert list(trained.variants) == ["a", "b"] and "Imported 2 variant(s)" in texts(at.success)
    at.file_uploader(key="variants_upload").set_value(("R.csv", R.to_csv_bytes(), "text/csv")).run()
    assert "first column must be 'variant'" in texts(at.error) and list(trained.variants) == ["a", "b"]
    at.selectbox(key="explain_semantic").set_value(R.names[2]).run()
    assert any("Ticked but weak" in m.value for m in at.markdown)
    assert "What drives the latent of " + R.names[2] in texts_of_charts(at)


def texts_of_charts(at) -> str:
    from tests.app.conftest import figure
    return " ".join(figure(at, i)["layout"]["title"]["text"] for i in range(len(at.get("plotly_chart"))))
