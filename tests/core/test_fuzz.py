"""Property-based fuzzing: any value of any project.json field or numeric argument is either
accepted or refused with one InputError (one `error:` line, exit 2); never another exception,
and never a model larger than the limits."""
import io
import json
import resource
import zipfile
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import core.projectfile
from core import limits
from core.errors import InputError
from core.generation import generate
from core.model import TrainConfig
from core.project import Project
from core.projectfile import load_project, save_project
from core.training import fit
from tests.conftest import cli as run
from tests.conftest import factor_table

HANG = timedelta(seconds=10)       # an example slower than this fails as a hang
FUZZ = settings(max_examples=60, deadline=HANG, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

NUMBERS = st.one_of(st.integers(-10, 70), st.integers(-2**70, 2**70), st.sampled_from([0, -1, 10**6, 16000]),
                    st.floats(allow_nan=True, allow_infinity=True))
JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), NUMBERS, st.text(max_size=8)),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=3)),
    max_leaves=12)


@pytest.fixture(autouse=True)
def no_allocation_over_a_gigabyte():
    """The process's peak memory grows by less than 1 GB over each fuzz test (every example of it)."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss            # KiB on Linux
    yield
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown < 2**20, f"peak memory grew by {grown / 2**20:.2f} GB"


@pytest.fixture(scope="module")
def saved():
    table, semantics = factor_table(n_rows=16, n_groups=2, per_group=4)
    frame = table.frame.astype(str)
    frame.insert(0, "编号", [f"B{i:03d}" for i in range(len(frame))])      # unmodelled: an identifier
    frame["地区"] = ["东", "西", "南", "东"] * (len(frame) // 4)           # unmodelled: excluded, sampled
    frame["备注"] = "无"                                                   # unmodelled: constant
    project = Project(data=frame, source_name="t.csv", semantics=semantics, exclude=["地区"],
                      settings=TrainConfig(epochs=20, finetune_epochs=5, hidden=(16,)))
    project.model = fit(project.prepared(), semantics, project.settings)
    with zipfile.ZipFile(io.BytesIO(save_project(project))) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _paths(node, prefix=()):
    """Every path to a value inside project.json's model description (list items: the first two)."""
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node[:2]):
            yield from _paths(value, prefix + (index,))


def _load_changed(saved, document, node, path, value):
    """The saved project with `node[path]` (inside `document`, its project.json) set to `value`:
    the Project, or None after an InputError that names the file in one line."""
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in {**saved, "project.json": json.dumps(document).encode()}.items():
            archive.writestr(name, content)
    try:
        return load_project(buffer.getvalue(), "fuzzed.zip")
    except InputError as exc:
        assert str(exc).startswith("fuzzed.zip") and "\n" not in str(exc)
        return None


def _guarded_build(real):
    def build(config, n_inputs, latent_dim, expanded_r, generator=None):
        assert 1 <= n_inputs <= limits.MAX_ENCODED_COLUMNS and 1 <= latent_dim <= limits.MAX_LATENT_DIM
        assert all(1 <= size <= limits.MAX_HIDDEN_UNITS for size in config.hidden)
        return real(config, n_inputs, latent_dim, expanded_r, generator)
    return build


@settings(FUZZ, max_examples=200)
@given(data=st.data(), value=st.one_of(NUMBERS, JSON_VALUES))
def test_any_value_of_any_model_field_loads_or_is_one_input_error(saved, monkeypatch, data, value):
    monkeypatch.setattr(core.projectfile, "build_vae", _guarded_build(core.projectfile.build_vae))
    document = json.loads(saved["project.json"])
    paths = [p for p in _paths(document["model"]) if p]
    shapes = [p for p in paths if p[0] in ("n_inputs", "latent_dim", "critical_epoch", "mi_before_finetune")
              or p[:2] in (("config", "hidden"), ("config", "epochs"), ("config", "seed"), ("config", "mode"))
              or p[:3] == ("transformer", "layout", 0) or p[:2] == ("history", 0) or p[0] == "unmodelled"]
    path = data.draw(st.one_of(st.sampled_from(shapes), st.sampled_from(paths)))
    project = _load_changed(saved, document, document["model"], path, value)
    if project is None:
        return
    try:   # accepted: the model must then work
        assert len(generate(project.model, 3, seed=1)) == 3
    except InputError:
        pass


@FUZZ
@given(data=st.data(), value=st.one_of(NUMBERS, JSON_VALUES))
def test_any_value_of_any_other_project_field_loads_or_is_one_input_error(saved, data, value):
    document = json.loads(saved["project.json"])
    paths = [p for p in _paths(document) if p and p[0] not in ("model", "hashes")]
    path = data.draw(st.sampled_from(paths))
    project = _load_changed(saved, document, document, path, value)
    assert project is None or project.model is not None


@FUZZ
@given(n=st.one_of(st.integers(-10, 50), st.integers(limits.MAX_ROWS + 1, 2**70),   # valid sizes stay small
                  st.integers(-2**70, -1), st.floats(allow_nan=True, allow_infinity=True)),
       seed=NUMBERS, z=st.one_of(NUMBERS, st.text(max_size=6)))
def test_generate_arguments_exit_0_or_2_with_one_error_line(tmp_path_factory, saved, n, seed, z):
    folder = tmp_path_factory.getbasetemp() / "fuzz_generate"
    folder.mkdir(exist_ok=True)
    with zipfile.ZipFile(folder / "p.zip", "w") as archive:
        for name, content in saved.items():
            archive.writestr(name, content)
    result = run("generate", "p.zip", "--n", str(n), "--seed", str(seed), "--set", f"S0={z}",
                 "--out", "o.csv", cwd=folder)
    assert result.returncode in (0, 2), result.stderr
    if result.returncode == 2:
        assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr


@settings(max_examples=25, deadline=HANG, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(epochs=st.one_of(st.integers(-5, 3), st.integers(-2**70, 2**70)),
       finetune=st.one_of(st.integers(-3, 2), st.integers(-2**70, 2**70)),
       latent=st.one_of(st.integers(-2, 4), st.integers(60, 2**40)),
       critical=st.one_of(st.none(), st.integers(-2, 5)),
       target=st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True)),
       hidden=st.sampled_from(["8", "0", "-5", "16000,16000", "8,4", "", "1" + ",1" * 9, "x"]),
       seed=st.one_of(st.integers(0, 5), st.integers(-2**70, 2**70)))
def test_fit_arguments_exit_0_or_2_with_one_error_line(tmp_path_factory, epochs, finetune, latent, critical,
                                                       target, hidden, seed):
    folder = tmp_path_factory.getbasetemp() / "fuzz_fit"
    if not folder.exists():
        folder.mkdir()
        table, semantics = factor_table(n_rows=12, n_groups=2, per_group=2)
        table.frame.to_csv(folder / "data.csv", index=False)
        (folder / "R.csv").write_bytes(semantics.to_csv_bytes())
    args = ["fit", "data.csv", "--semantics", "R.csv", "--out", "p.zip", "--epochs", str(epochs),
            "--finetune-epochs", str(finetune), "--latent-dim", str(latent), f"--hidden={hidden}",
            "--seed", str(seed)]
    args += [] if critical is None else ["--critical-epoch", str(critical)]
    args += [] if target is None else ["--target-mi", str(target)]
    result = run(*args, cwd=folder)
    assert result.returncode in (0, 2), result.stderr
    if result.returncode == 2:
        assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
