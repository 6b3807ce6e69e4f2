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
