"""Data page: the sample on first visit, uploads (good and bad), encodings, role overrides."""
from __future__ import annotations

import json

from tests.app.conftest import SAMPLE, open_page, texts

SMALL = "层数,材料,裂缝宽度\n" + "\n".join(f"{3 + i % 4},{'砖' if i % 2 else '混凝土'},{0.1 * i:.1f}"
                                         for i in range(12)) + "\n"


def upload(at, name: str, content: bytes):
    at.file_uploader(key="table_upload").set_value((name, content, "text/csv"))
    return at.run()


def test_first_visit_loads_the_sample_with_the_preset():
    at = open_page()
    project = at.session_state["project"]
    assert len(project.data) == 30 and project.source_name == SAMPLE.name
    assert len(project.semantics.names) == 8
    assert at.title[0].value == "1 · Data"
    assert "Load the building records" in at.caption[0].value   # the page's one sentence
    assert at.metric[0].value == "30 × 46"
    assert "utf-8-sig" in texts(at.caption)
    profile = at.dataframe[1].value
    assert len(profile) == 46 and {"Type", "Missing", "Distribution"} <= set(profile.columns)
    # bars start at 0, so the rarest label shows (by default a cell's axis starts at its smallest count)
    assert json.loads(at.dataframe[1].proto.columns)["Distribution"]["type_config"]["y_min"] == 0
    shape = next(spec for spec in project.prepared().specs if spec.name == "平面形状")
    assert shape.categories == ("规则", "基本规则", "不规则") != tuple(sorted(shape.categories))
    assert list(profile.set_index("Column").loc["平面形状", "Distribution"]) == [   # in the scale's order
        int((project.data["平面形状"] == label).sum()) for label in shape.categories]


def test_upload_replaces_the_data_and_clears_the_model(trained):
    at = open_page(project=trained)
    at = upload(at, "small.csv", SMALL.encode("utf-8"))
    project = at.session_state["project"]
    assert list(project.data.columns) == ["层数", "材料", "裂缝宽度"]
    assert project.model is None
    assert "no longer fits" in texts(at.warning)
    assert "Loaded small.csv (12 rows)" in texts(at.success)
    assert project.semantics.features == ["层数", "材料", "裂缝宽度"]
    assert project.semantics.names == []            # the sample's semantics tick none of these columns
    assert "were not carried over" in texts(at.warning)


def test_a_bad_upload_shows_an_error_and_keeps_the_data(trained):
    at = open_page(project=trained)
    at = upload(at, "broken.csv", b"\x00\x01\x02 binary \x00 garbage")
    assert "previous data is kept" in texts(at.error)
    project = at.session_state["project"]
    assert len(project.data) == 30 and project.model is trained.model
    at = upload(at, "tiny.csv", b"a,b\n1,2\n3,4\n")    # too few rows to train
    assert "at least 8" in texts(at.error)
    assert len(at.session_state["project"].data) == 30


def test_encoding_is_detected_and_can_be_overridden():
    at = open_page()
    at = upload(at, "gbk.csv", SMALL.encode("gbk"))
    assert at.session_state["project"].encoding == "gbk"
    assert "Detected encoding: gbk" in texts(at.caption)
    at.selectbox(key="encoding_choice").set_value("utf-8").run()   # wrong on purpose
    assert "cannot be read as utf-8" in texts(at.error)
    assert at.session_state["project"].encoding == "gbk"            # kept
    at.selectbox(key="encoding_choice").set_value("gb18030").run()
    project = at.session_state["project"]
    assert project.encoding == "gb18030" and list(project.data.columns)[0] == "层数"


def test_role_override_and_its_error_path():
    at = open_page()
    at.selectbox(key="override_column").set_value("地上层数")
    at.selectbox(key="override_role_en").set_value("excluded")
    at.button[1].click().run()
    project = at.session_state["project"]
    assert project.exclude == ["地上层数"]
    assert "地上层数" not in project.prepared().features
    at.selectbox(key="override_column").set_value("结构体系")
    at.selectbox(key="override_role_en").set_value("continuous")
    at.button[1].click().run()
    assert "does not fit this column" in texts(at.error)
    assert "结构体系" not in at.session_state["project"].roles
    reset = [b for b in at.button if b.label == "Undo all type changes"][0]
    reset.click().run()
    assert at.session_state["project"].exclude == []


def test_chinese_interface():
    at = open_page()
    at.button_group(key="lang_choice").set_value("zh").run()
    assert at.title[0].value == "1 · 数据"
    assert "载入模型要学习的建筑记录" in at.caption[0].value


def test_a_survey_with_a_title_row_dates_and_addresses_loads_models_the_dates_and_sets_the_addresses_aside():
    rows = [f"{3 + i % 4},{'砖' if i % 2 else '混凝土'},2019-{1 + i % 12:02d}-{1 + i % 28:02d},"
            f"街道{i % 70}号,{0.1 * i:.1f}" for i in range(120)]
    text = "某区房屋安全鉴定汇总表,,,,\n层数,材料,检测日期,地址,裂缝宽度\n" + "\n".join(rows) + "\n"
    at = upload(open_page(), "区汇总.csv", text.encode("gbk"))
    project = at.session_state["project"]
    assert list(project.data.columns) == ["层数", "材料", "检测日期", "地址", "裂缝宽度"]
    assert "row(s) 1 read as a title above the header and skipped ('某区房屋安全鉴定汇总表')" in texts(at.warning)
    assert "Loaded 区汇总.csv (120 rows)" in texts(at.success)
    shown = texts(at.caption)
    assert "地址 (70 different labels: free text" in shown and "检测日期" not in shown
    roles = {e.name: e.role.value for e in project.prepared().report}
    assert roles["地址"] == "excluded" and roles["检测日期"] == "date"


def test_a_table_saved_by_pandas_with_its_index_loads_without_the_index():
    rows = [f"{i},{3 + i % 4},{'砖' if i % 2 else '混凝土'},{0.1 * i:.1f}" for i in range(40)]
    at = upload(open_page(), "exported.csv", (",层数,材料,裂缝宽度\n" + "\n".join(rows) + "\n").encode())
    assert list(at.session_state["project"].data.columns) == ["层数", "材料", "裂缝宽度"]
    assert "column A has no header and numbers the rows (0 to 39)" in texts(at.warning)
    assert "Loaded exported.csv (40 rows)" in texts(at.success)


def test_a_workbook_with_a_two_row_merged_header_loads_with_one_name_per_column():
    import io
    import openpyxl
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["序号", "基本信息", None, "损伤情况"])
    sheet.append([None, "结构", "层数", "裂缝宽度"])
    for i in range(30):
        sheet.append([i + 1, "框架" if i % 3 else "砖混", 2 + i % 5, round(0.05 * (i % 9), 2)])
    for cells in ("A1:A2", "B1:C1"):
        sheet.merge_cells(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    at = upload(open_page(), "汇总.xlsx", buffer.getvalue())
    assert list(at.session_state["project"].data.columns) == ["序号", "结构", "层数", "裂缝宽度"]
    assert "rows 1, 2 read as one header of two rows" in texts(at.warning)
    assert "Loaded 汇总.xlsx (30 rows)" in texts(at.success)


def test_a_column_that_keeps_its_blanks_says_so_in_the_profile():
    rows = [f"{3 + i % 4},{'砖' if i % 2 else '混凝土'},{'' if i % 2 else f'{0.1 * i:.1f}'}" for i in range(40)]
    at = upload(open_page(), "depth.csv", ("层数,材料,碳化深度\n" + "\n".join(rows) + "\n").encode())
    profile = next(frame.value for frame in at.dataframe if "Missing values" in frame.value.columns)
    depth = profile.set_index("Column").loc["碳化深度"]
    assert depth["Missing"] == 20
    assert depth["Missing values"] == "kept: blank as often in generated rows (filled with median 1.9 for training)"
    assert profile.set_index("Column").loc["层数", "Missing values"] == ""
