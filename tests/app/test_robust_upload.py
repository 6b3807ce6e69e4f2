"""Issue 6's input cases through the Data page's upload: accepted files replace the data with
the right roles; refused ones show one clear sentence and keep the current work."""
import pytest

from core.columns import prepare_table
from tests.app.conftest import open_page, texts
from tests.robust_cases import ACCEPTED, REFUSED


def upload(at, name: str, content: bytes):
    at.file_uploader(key="table_upload").set_value((name, content, "application/octet-stream"))
    return at.run()


@pytest.fixture(scope="module")
def page():
    return open_page()


@pytest.mark.parametrize("name, data, roles", ACCEPTED, ids=[c[0] for c in ACCEPTED])
def test_accepted_upload_replaces_the_data(page, name, data, roles):
    at = upload(page, name, data)
    project = at.session_state["project"]
    assert project.source_name == name and len(project.data) == 12, texts(at.error)
    got = {spec.name: spec.role.value for spec in prepare_table(project.data).specs}
    assert all(got[column] == role for column, role in roles.items()), got


@pytest.mark.parametrize("name, data, fragment", REFUSED, ids=[c[0] for c in REFUSED])
def test_refused_upload_says_why_and_keeps_the_work(trained, name, data, fragment):
    at = open_page(project=trained)
    at = upload(at, name, data)
    errors = texts(at.error)
    assert name in errors and fragment in errors and "previous data is kept" in errors, errors
    project = at.session_state["project"]
    assert len(project.data) == 30 and project.model is trained.model


def test_an_upload_over_the_size_limit_is_refused(trained, monkeypatch):
    import core.upload
    monkeypatch.setattr(core.upload, "DEFAULT_MAX_BYTES", 1000)   # the limit is configurable
    at = upload(open_page(project=trained), "big.csv", ACCEPTED[0][1] * 10)
    errors = texts(at.error)
    assert "big.csv" in errors and "over the" in errors and "limit" in errors, errors
    assert len(at.session_state["project"].data) == 30


def test_another_sheet_can_be_chosen():
    import io

    import openpyxl
    book = openpyxl.Workbook()
    book.active.title = "说明"
    book.active.append(["这张表是说明，不是数据"])
    data = book.create_sheet("数据")
    data.append(["层数", "材料", "裂缝宽度"])
    for i in range(12):
        data.append([3 + i % 4, "砖" if i % 2 else "混凝土", 0.1 * i])
    buffer = io.BytesIO()
    book.save(buffer)
    at = upload(open_page(), "two_sheets.xlsx", buffer.getvalue())
    assert "sheet '说明'" in texts(at.error)                  # the first sheet is notes, not data
    assert at.session_state["project"].source_name == "buildings_30.csv"
    at.selectbox(key="failed_sheet").set_value("数据").run()
    project = at.session_state["project"]
    assert project.source_name == "two_sheets.xlsx" and list(project.data.columns) == ["层数", "材料", "裂缝宽度"]
