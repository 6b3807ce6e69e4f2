"""The command line end to end in a temp dir: fit, report, generate, and bad input."""
import errno
import json
import os

import numpy as np
import pandas as pd
import pytest

from tests.conftest import cli as run
from tests.conftest import ROOT, factor_table, run_cli
from tests.core.test_table import xlsx_bytes




@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    table, semantics = factor_table(n_rows=24, n_groups=3, per_group=4)
    frame = table.frame.copy()
    frame.insert(0, "编号", [f"B{i:03d}" for i in range(len(frame))])   # an id column, excluded
    frame.to_csv(folder / "data.csv", index=False, encoding="gbk")
    (folder / "R.csv").write_bytes(semantics.to_csv_bytes())
    fitted = run("fit", "data.csv", "--semantics", "R.csv", "--out", "p.zip", "--epochs", "40",
                 "--finetune-epochs", "20", "--hidden", "16,8", "--seed", "2", "--mode", "semantic", cwd=folder)
    assert fitted.returncode == 0, fitted.stderr
    assert "critical epoch" in fitted.stdout and "MI" in fitted.stdout
    assert "columns are modelled; the other 1 come back" in fitted.stderr   # the id column
    return folder, table, semantics


def test_the_count_of_unmodelled_columns_is_said_only_when_there_are_some(workdir):
    folder, _, _ = workdir
    data = pd.read_csv(folder / "data.csv", encoding="gbk").drop(columns=["编号"])
    data.to_csv(folder / "all_modelled.csv", index=False)
    result = run("fit", "all_modelled.csv", "--semantics", "R.csv", "--out", "all.zip", "--epochs", "2",
                 "--finetune-epochs", "0", "--detail-latents", "0", cwd=folder)
    assert result.returncode == 0, result.stderr
    assert "all_modelled.csv: read as utf-8" in result.stderr and "are modelled" not in result.stderr


def test_report_is_one_json_object_with_the_contract_keys(workdir):
    folder, table, semantics = workdir
    result = run("report", "p.zip", cwd=folder)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["features"] == table.features          # the id column was excluded
    n_cols, latents = len(report["columns"]), report["latent_dim"]
    assert latents == 3 and report["semantics"] == semantics.names
    assert np.array(report["contribution"]).shape == (latents, n_cols)
    np.testing.assert_allclose(np.array(report["contribution"]).sum(axis=0), np.ones(n_cols))
    assert set(np.unique(report["binary"])) <= {0, 1}
    assert np.array(report["distance"]).shape == (latents, 3)
    assert len(report["column_feature"]) == n_cols and max(report["column_feature"]) == len(table.features) - 1
    matched = sum(m["distance"] for m in report["matches"])
    assert report["mi"] == pytest.approx((1 - matched) * 100)
    assert report["mi_optimal"] >= report["mi"] - 1e-9
    assert report["mi_before_finetune"] is not None and 1 <= report["critical_epoch"] <= 40
    # the fit keeps the 8 detail latents or none, whichever generates the better rows (training._with_detail)
    kept = report["detail_latents"]
    assert kept in (0, 8) and report["latent_dim"] == 3
    phases = [h["phase"] for h in report["history"]]
    assert set(phases) == {"train", "finetune"} | ({"detail"} if kept else set())
    assert phases[-1] == ("detail" if kept else "finetune")
    assert set(report["history"][0]) == {"epoch", "phase", "recon", "kl", "mi"}
    assert report["encoder_layers"] == ["encoder.0.weight", "encoder.2.weight", "mu_head.weight"]


def test_report_scores_another_r_without_retraining(workdir):
    folder, table, _ = workdir
    other = pd.DataFrame({"semantic": ["only"], table.features[0]: [1]})
    other.to_csv(folder / "other.csv", index=False)
    report = json.loads(run("report", "p.zip", "--semantics", "other.csv", cwd=folder).stdout)
    assert report["semantics"] == ["only"] and len(report["matches"]) == 1


def test_generate_writes_the_used_columns_with_bom(workdir):
    folder, table, semantics = workdir
    result = run("generate", "p.zip", "--n", "40", "--out", "out.csv", "--set", "S1=2.5",
                 "--set-latent", "0=-1", "--seed", "3", cwd=folder)
    assert result.returncode == 0, result.stderr
    raw = (folder / "out.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = pd.read_csv(folder / "out.csv", encoding="utf-8-sig")
    assert list(rows.columns) == ["编号", *table.features] and len(rows) == 40   # every input column
    assert rows["编号"].isna().all()                     # an identifier is never copied
    assert "not modelled" in result.stderr and "编号 (left empty" in result.stderr


def test_generate_where_gives_exactly_n_rows_that_all_satisfy_it(workdir):
    folder, table, _ = workdir
    low, high = np.quantile(table.frame["g1_c0"], [0.5, 1.0])
    result = run("generate", "p.zip", "--n", "60", "--out", "where.csv", "--where", "g0_c2=高",
                 "--where", f"g1_c0={low}..{high}", "--where", "g2_c1=是", "--set", "S0=1", cwd=folder)
    assert result.returncode == 0, result.stderr
    rows = pd.read_csv(folder / "where.csv", encoding="utf-8-sig")
    assert len(rows) == 60 and (rows["g0_c2"] == "高").all() and (rows["g2_c1"] == "是").all()
    assert rows["g1_c0"].between(low, high).all()


def test_generate_others_reaches_the_sampler(workdir, monkeypatch):
    """--others picks how the free latents are drawn (the draws themselves: test_generation)."""
    import core.cli
    folder, _, _ = workdir
    asked, real_generate = [], core.cli.generate

    def recording(*args, **kwargs):
        asked.append(kwargs["others"])
        return real_generate(*args, **kwargs)
    monkeypatch.setattr(core.cli, "generate", recording)
    for others in ("covary", "isolate"):
        assert run("generate", "p.zip", "--n", "20", "--out", f"{others}.csv", "--set", "S0=2.5",
                   "--others", others, cwd=folder).returncode == 0
        assert len(pd.read_csv(folder / f"{others}.csv", encoding="utf-8-sig")) == 20
    assert run("generate", "p.zip", "--n", "20", "--out", "default.csv", cwd=folder).returncode == 0
    assert asked == ["covary", "isolate", "covary"]


@pytest.mark.parametrize("args, fragment", [
    (["generate", "p.zip", "--n", "5", "--out", "o.csv", "--where", "g0_c2=极高"], "'极高' never occurs in 'g0_c2'"),
    (["generate", "p.zip", "--n", "5", "--out", "o.csv", "--where", "ghost=1"], "'ghost' is not a modelled column"),
    (["generate", "p.zip", "--n", "5", "--out", "o.csv", "--where", "g0_c0=3..1"], "LO (3) is above HI (1)"),
    (["generate", "p.zip", "--n", "5", "--out", "o.csv", "--where", "g0_c2=高", "--where", "g0_c2=低"],
     "no row of the data has all of these at once"),
    (["generate", "p.zip", "--n", "5", "--out", "o.csv", "--others", "both"], "invalid choice"),
    (["fit", "missing.csv", "--semantics", "R.csv", "--out", "x.zip"], "missing.csv"),
    (["fit", "data.csv", "--semantics", "bad_r.csv", "--out", "x.zip"], "are not columns of the data: 'nope'"),
    (["fit", "data.csv", "--semantics", "R.csv", "--out", "x.zip", "--exclude", "ghost"], "ghost"),
    (["fit", "data.csv", "--semantics", "R.csv", "--out", "x.zip", "--hidden", "6a"], "--hidden"),
    (["report", "data.csv"], "data.csv"),
    (["generate", "p.zip", "--n", "5", "--out", "o.csv", "--set", "nonsense"], "NAME=Z"),
    (["generate", "p.zip", "--n", "5", "--out", "o.csv", "--set", "cracks=1"], "unknown semantic 'cracks'"),
    (["generate", "p.zip", "--n", "5", "--out", "o.csv", "--set-latent", "11=1"], "latent 11 does not exist"),
    (["fit", "data.csv"], "required"),
    (["fit", "data.csv", "--semantics", "R.csv", "--out", "x.zip", "--mode", "magic"], "invalid choice"),
])
def test_bad_input_exits_2_with_one_error_line(workdir, capsys, args, fragment):
    folder, _, _ = workdir
    (folder / "bad_r.csv").write_text("semantic,nope\nx,1\n")
    result = run(*args, cwd=folder)
    code, err = result.returncode, result.stderr
    assert code == 2
    assert err.startswith("error: ") and err.count("\n") == 1 and fragment in err, err


def test_bad_input_has_no_traceback_in_a_real_process(workdir):
    folder, _, _ = workdir
    (folder / "garbage.csv").write_bytes(b"\x00\x01\x02\xff" * 50)
    result = run_cli("fit", "garbage.csv", "--semantics", "R.csv", "--out", "x.zip", cwd=folder)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith("error: ") and "garbage.csv" in result.stderr


@pytest.mark.parametrize("args, fragment", [
    (["fit", "data.csv", "--semantics", "R.csv", "--out", "data.csv"], "--out data.csv is the input data data.csv"),
    (["fit", "data.csv", "--semantics", "R.csv", "--out", "R.csv"], "--out R.csv is the semantics file R.csv"),
    (["fit", "data.csv", "--semantics", "R.csv", "--out", "./sub/../data.csv"], "is the input data data.csv"),
    (["fit", "data.csv", "--semantics", "missing.csv", "--out", "data.csv"], "is the input data"),  # before reading
    (["fit", "data.csv", "--semantics", "R.csv", "--out", "alias.csv"], "--out alias.csv is the input data"),
    (["generate", "p.zip", "--n", "5", "--out", "p.zip"], "--out p.zip is the project file p.zip"),
    (["generate", "./p.zip", "--n", "5", "--out", "alias.zip"], "--out alias.zip is the project file ./p.zip"),
])
def test_an_output_that_is_an_input_is_refused_before_any_work(workdir, args, fragment):
    folder, _, _ = workdir
    for alias, real in (("alias.csv", "data.csv"), ("alias.zip", "p.zip")):
        if not (folder / alias).is_symlink():
            (folder / alias).symlink_to(folder / real)
    before = {name: (folder / name).read_bytes() for name in ("data.csv", "R.csv", "p.zip")}
    result = run(*args, cwd=folder)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1 and fragment in result.stderr, \
        result.stderr
    assert "destroy the input" in result.stderr
    assert {name: (folder / name).read_bytes() for name in before} == before


def test_a_failed_save_keeps_the_old_output_and_leaves_no_temporary(workdir, monkeypatch):
    folder, _, _ = workdir
    (folder / "kept.csv").write_bytes(b"the old rows")
    listing = sorted(os.listdir(folder))

    def full_disk(descriptor):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr("core.atomic.os.fsync", full_disk)
    result = run("generate", "p.zip", "--n", "50", "--out", "kept.csv", cwd=folder)
    assert result.returncode == 2
    assert result.stderr == "error: kept.csv: cannot write (No space left on device)\n"
    assert (folder / "kept.csv").read_bytes() == b"the old rows" and sorted(os.listdir(folder)) == listing


FIT = ["fit", "data.csv", "--semantics", "R.csv", "--out", "never.zip"]
GENERATE = ["generate", "p.zip", "--out", "never.csv"]


@pytest.mark.parametrize("args, message", [
    (FIT + ["--epochs", "0"], "--epochs must be from 1 to 100000 (got 0)"),
    (FIT + ["--epochs", "-3"], "--epochs must be from 1 to 100000 (got -3)"),
    (FIT + ["--epochs", "100001"], "--epochs must be from 1 to 100000 (got 100001)"),
    (FIT + ["--seed", str(10**23)], f"--seed must be from 0 to 4294967295 (got {10**23})"),
    (FIT + ["--seed", "-1"], "--seed must be from 0 to 4294967295 (got -1)"),
    (FIT + ["--latent-dim", "0"], "--latent-dim must be from 1 to 64 (got 0)"),
    (FIT + ["--latent-dim", "1000"], "--latent-dim must be from 1 to 64 (got 1000)"),
    (FIT + ["--finetune-epochs", "-1"], "--finetune-epochs must be from 0 to 100000 (got -1)"),
    (FIT + ["--target-mi", "500"], "--target-mi must be from 0 to 100 (got 500.0)"),
    (FIT + ["--free-bits", "-1"], "--free-bits must be from 0 to 10 (got -1.0)"),
    (FIT + ["--target-mi", "-1"], "--target-mi must be from 0 to 100 (got -1.0)"),
    (FIT + ["--target-mi", "nan"], "--target-mi must be a finite number (got nan)"),
    (FIT + ["--target-mi", "inf"], "--target-mi must be a finite number (got inf)"),
    (FIT + ["--epochs", "40", "--critical-epoch", "41"], "--critical-epoch must be from 1 to 40 (got 41)"),
    (FIT + ["--critical-epoch", "0"], "--critical-epoch must be from 1 to 300 (got 0)"),
    (FIT + ["--hidden", "16000,16000"], "--hidden must be from 1 to 4096 (got 16000)"),
    (FIT + ["--hidden", "-5"], "--hidden must be from 1 to 4096 (got -5)"),
    (FIT + ["--hidden", "0"], "--hidden must be from 1 to 4096 (got 0)"),
    (FIT + ["--hidden", ",".join(["8"] * 9)], "--hidden (layers) must be from 0 to 8 (got 9)"),
    (["fit", "missing.csv", "--semantics", "R.csv", "--out", "x.zip", "--epochs", "0"],
     "--epochs must be from 1 to 100000 (got 0)"),
    (GENERATE + ["--n", "0"], "--n must be from 1 to 1000000 (got 0)"),
    (GENERATE + ["--n", str(10**7)], "--n must be from 1 to 1000000 (got 10000000)"),
    (GENERATE + ["--n", "5", "--seed", str(10**23)], f"--seed must be from 0 to 4294967295 (got {10**23})"),
    (GENERATE + ["--n", "5", "--set", "S0=1e300"], "--set S0 must be from -10 to 10 (got 1e+300)"),
    (GENERATE + ["--n", "5", "--set", "S0=-11"], "--set S0 must be from -10 to 10 (got -11.0)"),
    (GENERATE + ["--n", "5", "--set", "S0=nan"], "--set S0 must be a finite number (got nan)"),
    (GENERATE + ["--n", "5", "--set-latent", "0=inf"], "--set-latent 0 must be a finite number (got inf)"),
    (["evaluate", "p.zip", "--real", "data.csv", "--n", "0"], "--n must be from 1 to 1000000 (got 0)"),
    (["evaluate", "p.zip", "--real", "data.csv", "--seed", "-2"], "--seed must be from 0 to 4294967295 (got -2)"),
])
def test_every_numeric_argument_is_range_checked_naming_the_limit(workdir, args, message):
    folder, _, _ = workdir
    result = run(*args, cwd=folder)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == f"error: {message}\n", result.stderr
    assert not (folder / "never.zip").exists() and not (folder / "never.csv").exists()


def test_argument_errors_have_no_traceback_in_a_real_process(workdir):
    folder, _, _ = workdir
    for args in (FIT + ["--seed", str(10**23)], GENERATE + ["--n", "5", "--set", "S0=1e300"]):
        result = run_cli(*args, cwd=folder)
        assert result.returncode == 2 and "Traceback" not in result.stderr and result.stderr.count("\n") == 1


def test_values_at_the_limits_are_accepted(workdir):
    folder, _, _ = workdir
    result = run("generate", "p.zip", "--n", "3", "--out", "edge.csv", "--seed", str(2**32 - 1),
                 "--set", "S0=10", "--set-latent", "1=-10", cwd=folder)
    assert result.returncode == 0, result.stderr
    assert len(pd.read_csv(folder / "edge.csv", encoding="utf-8-sig")) == 3


def test_generate_writes_chunk_by_chunk_with_one_header(workdir, monkeypatch):
    folder, table, _ = workdir
    import core.cli
    sizes = []
    real_generate = core.cli.generate

    def spy(model, n_rows, *args, **kwargs):
        sizes.append(n_rows)
        return real_generate(model, n_rows, *args, **kwargs)
    monkeypatch.setattr(core.cli, "CHUNK_ROWS", 7)
    monkeypatch.setattr(core.cli, "generate", spy)
    for name, n in (("chunked.csv", "20"), ("again.csv", "20"), ("first.csv", "7")):
        result = run("generate", "p.zip", "--n", n, "--out", name, "--set", "S1=1.5", "--seed", "4", cwd=folder)
        assert result.returncode == 0, result.stderr
        assert f"wrote {n} rows x {len(table.features) + 1} columns to {name}" in result.stdout
    assert sizes == [7, 7, 6, 7, 7, 6, 7]                       # no call draws more than a chunk
    raw = (folder / "chunked.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw.count(b"\xef\xbb\xbf") == 1 and raw.count(b"\xe7\xbc\x96") == 1
    rows = pd.read_csv(folder / "chunked.csv", encoding="utf-8-sig")
    assert list(rows.columns) == ["编号", *table.features] and len(rows) == 20   # the header once
    assert raw == (folder / "again.csv").read_bytes()                           # the same seed, the same file
    first = pd.read_csv(folder / "first.csv", encoding="utf-8-sig")
    pd.testing.assert_frame_equal(rows.head(7), first)                          # chunk 0 is what one call draws
    assert not rows.iloc[7:14].reset_index(drop=True).equals(rows.iloc[:7])     # other chunks draw anew


def test_generate_where_is_chunked_too(workdir, monkeypatch):
    folder, _, _ = workdir
    monkeypatch.setattr("core.cli.CHUNK_ROWS", 4)
    result = run("generate", "p.zip", "--n", "10", "--out", "where_chunks.csv", "--where", "g0_c2=高", cwd=folder)
    assert result.returncode == 0, result.stderr
    rows = pd.read_csv(folder / "where_chunks.csv", encoding="utf-8-sig")
    assert len(rows) == 10 and (rows["g0_c2"] == "高").all()


def test_generate_memory_does_not_grow_with_n(workdir, monkeypatch):
    import tracemalloc
    folder, _, _ = workdir
    monkeypatch.setattr("core.cli.CHUNK_ROWS", 500)
    peaks = {}
    for n in (500, 4000):
        tracemalloc.start()
        assert run("generate", "p.zip", "--n", str(n), "--out", f"mem{n}.csv", cwd=folder).returncode == 0
        peaks[n] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert peaks[4000] < 1.5 * peaks[500], peaks                # eight times the rows, not eight times the memory


@pytest.mark.parametrize("first, fragment", [
    ([["2024 年鉴定汇总"]], "sheet '封面' has a header but no data rows"),
    ([["a", "b"], [1, 2], [3, 4]], "has 2 data row(s); at least 8 are needed to train a model"),
])
def test_data_on_another_sheet_gives_the_sheet_option_and_names(workdir, first, fragment):
    folder, table, _ = workdir
    data = [list(table.frame.columns)] + table.frame.astype(str).values.tolist()
    (folder / "book.xlsx").write_bytes(xlsx_bytes({"封面": first, "数据": data, "说明": [["x"]]}))
    result = run("fit", "book.xlsx", "--semantics", "R.csv", "--out", "never.zip", cwd=folder)
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert fragment in result.stderr
    assert result.stderr.rstrip().endswith("the workbook's other sheets are '数据', '说明': choose one with "
                                           "--sheet NAME"), result.stderr
    chosen = run("fit", "book.xlsx", "--sheet", "封面", "--semantics", "R.csv", "--out", "never.zip", cwd=folder)
    assert chosen.returncode == 2 and "--sheet" not in chosen.stderr        # the user chose it: no hint


def test_too_few_rows_from_a_stray_quote_says_so(workdir):
    folder, _, _ = workdir
    (folder / "quoted.csv").write_text("a,b\n1,2\n3,\"oops\n" + "".join(f"{i},{i}\n" for i in range(20)))
    result = run("fit", "quoted.csv", "--semantics", "R.csv", "--out", "never.zip", cwd=folder)
    assert result.returncode == 2
    assert result.stderr == ("error: quoted.csv has 2 data row(s); at least 8 are needed to train a model; "
                             "row 3 opens a quote mark (\") whose cell runs over 21 lines and swallows the rows "
                             "after it: the quote mark may be missing its pair\n")


def _under_1_gib(*args, cwd):
    """`python -m core ARGS` in a process that cannot allocate more than 1 GiB of data."""
    import resource
    import subprocess
    import sys

    def limit():
        resource.setrlimit(resource.RLIMIT_DATA, (2**30, 2**30))
    return subprocess.run([sys.executable, "-m", "core", *args], cwd=cwd, capture_output=True, text=True,
                          preexec_fn=limit, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


def test_a_project_asking_for_huge_layers_is_refused_without_allocating_them(workdir):
    import zipfile
    folder, _, _ = workdir
    with zipfile.ZipFile(folder / "p.zip") as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    document = json.loads(members["project.json"])
    document["model"]["config"]["hidden"] = [16000, 16000]    # 61 s and 12.7 GB before the checks
    members["project.json"] = json.dumps(document).encode()
    with zipfile.ZipFile(folder / "huge.zip", "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    assert _under_1_gib("report", "p.zip", cwd=folder).returncode == 0     # the limit itself is no obstacle
    for args in (["report", "huge.zip"], ["generate", "huge.zip", "--n", "5", "--out", "h.csv"]):
        result = _under_1_gib(*args, cwd=folder)
        assert result.returncode == 2, result.stderr
        assert result.stderr == "error: huge.zip: project.json model.config.hidden must be from 1 to 4096 (got 16000)\n"


def test_ctrl_c_during_a_chunked_save_keeps_the_old_file(workdir, monkeypatch):
    import core.cli
    folder, _, _ = workdir
    (folder / "kept.csv").write_bytes(b"the old rows")
    listing = sorted(os.listdir(folder))
    calls = []
    real_generate = core.cli.generate

    def interrupted(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:            # the first chunk is already written to the temporary file
            raise KeyboardInterrupt
        return real_generate(*args, **kwargs)
    monkeypatch.setattr(core.cli, "CHUNK_ROWS", 10)
    monkeypatch.setattr(core.cli, "generate", interrupted)
    result = run("generate", "p.zip", "--n", "30", "--out", "kept.csv", cwd=folder)
    assert result.returncode == 130 and result.stdout == ""
    assert result.stderr == "error: interrupted; no file was changed by the unfinished step\n"
    assert (folder / "kept.csv").read_bytes() == b"the old rows" and sorted(os.listdir(folder)) == listing
