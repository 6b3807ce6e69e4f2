"""Issue 6's input cases through the command line: accepted files train, refused ones exit 2
with one `error:` line naming the file."""
import pytest

from core.cli import main
from tests.robust_cases import ACCEPTED, REFUSED


@pytest.mark.parametrize("name, data, roles", ACCEPTED, ids=[c[0] for c in ACCEPTED])
def test_accepted_files_train(tmp_path, capsys, name, data, roles):
    (tmp_path / name).write_bytes(data)
    first = next(iter(roles))
    (tmp_path / "R.csv").write_text(f"semantic,{first}\nS,1\n", encoding="utf-8")
    code = main(["fit", str(tmp_path / name), "--semantics", str(tmp_path / "R.csv"),
                 "--out", str(tmp_path / "p.zip"), "--epochs", "6", "--finetune-epochs", "2"])
    assert code == 0, capsys.readouterr().err
    assert (tmp_path / "p.zip").stat().st_size > 0


@pytest.mark.parametrize("name, data, fragment", REFUSED, ids=[c[0] for c in REFUSED])
def test_refused_files_exit_2_with_one_line_naming_the_file(tmp_path, capsys, name, data, fragment):
    (tmp_path / name).write_bytes(data)
    (tmp_path / "R.csv").write_text("semantic,x\nS,1\n", encoding="utf-8")
    code = main(["fit", str(tmp_path / name), "--semantics", str(tmp_path / "R.csv"), "--out", str(tmp_path / "p.zip")])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: ") and err.count("\n") == 1
    assert name in err and fragment in err, err
    assert not (tmp_path / "p.zip").exists()
