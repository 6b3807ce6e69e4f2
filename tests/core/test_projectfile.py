"""The project file: a faithful round trip, and refusal of everything unsafe before loading."""
import hashlib
import io
import json
import pickle
import struct
import zipfile
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import torch

from core.errors import InputError
from core.generation import generate
from core.latents import Gaussian
from core.project import Project
from core.projectfile import load_project, save_project
from core.model import TrainConfig
from core.table import read_table
from core.training import fit
from tests.conftest import edit_project_file, factor_table


@pytest.fixture(scope="module")
def project():
    table, semantics = factor_table(n_rows=16, n_groups=2, per_group=4)
    raw = table.frame.astype(str)   # the raw table is strings, as the reader gives it
    p = Project(data=raw, source_name="t.csv", semantics=semantics,
                settings=TrainConfig(epochs=20, finetune_epochs=5, mode="semantic", detail_latents=0))   # detail: test_detail
    p.model = fit(p.prepared(), semantics, p.settings)
    p.variants["only S0"] = semantics
    p.conditions = ["g0_c2=高", "g1_c0=-1..1"]
    return p


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_round_trip_keeps_everything(project):
    data = save_project(project)
    assert set(_members(data)) == {"project.json", "model.safetensors", "latents.safetensors", "data.csv"}
    back = load_project(data)
    for key, value in project.model.vae.state_dict().items():
        assert torch.equal(value, back.model.vae.state_dict()[key])
    assert back.model.history == project.model.history
    assert back.model.critical_epoch == project.model.critical_epoch
    assert back.model.config == project.model.config
    np.testing.assert_array_equal(back.model.residual_std, project.model.residual_std)
    np.testing.assert_array_equal(back.model.latents.centres, project.model.latents.centres)
    np.testing.assert_array_equal(back.model.latents.spreads, project.model.latents.spreads)
    np.testing.assert_array_equal(back.model.latents.bandwidth, project.model.latents.bandwidth)
    np.testing.assert_array_equal(back.model.latents.correlation, project.model.latents.correlation)
    assert back.model.calibration.keys() == project.model.calibration.keys() != set()
    for name, table in project.model.calibration.items():
        np.testing.assert_array_equal(back.model.calibration[name], table)
    assert back.conditions == project.conditions == ["g0_c2=高", "g1_c0=-1..1"]
    assert generate(back.model, 20, seed=3).equals(generate(project.model, 20, seed=3))
    assert back.model.score().mi == pytest.approx(project.model.score().mi)
    pd.testing.assert_frame_equal(back.data, project.data)
    assert list(back.variants) == ["only S0"] and back.semantics.names == project.semantics.names
    document = json.loads(_members(data)["project.json"])
    assert document["model"]["encoder_layers"] == ["encoder.0.weight", "mu_head.weight"]
    assert {"torch", "numpy", "pandas", "python"} <= set(document["versions"])


def test_pickle_is_refused_without_loading():
    with pytest.raises(InputError, match="is a pickle"):
        load_project(pickle.dumps({"x": 1}), "evil.zip")


def test_torch_save_archive_is_refused(tmp_path):
    buffer = io.BytesIO()
    torch.save({"w": torch.zeros(2)}, buffer)   # a zip holding data.pkl
    with pytest.raises(InputError, match="is not allowed"):
        load_project(buffer.getvalue(), "model.pt")


def test_unknown_member_and_parent_path_are_refused(project):
    members = _members(save_project(project))
    with pytest.raises(InputError, match="member 'notes.txt' is not allowed"):
        load_project(_zip({**members, "notes.txt": b"hi"}))
    with pytest.raises(InputError, match="member path '../project.json' is unsafe"):
        load_project(_zip({"../project.json": members["project.json"]}))


def test_zip_bomb_is_refused_by_ratio():
    with pytest.raises(InputError, match="zip bomb"):
        load_project(_zip({"project.json": b"{}", "data.csv": b"0" * (8 * 2**20)}))


def test_oversized_member_is_refused(monkeypatch):
    monkeypatch.setitem(__import__("core.projectfile").projectfile.MEMBER_LIMITS, "project.json", 10)
    with pytest.raises(InputError, match="over its limit"):
        load_project(_zip({"project.json": b"x" * 100}))


def test_hash_mismatch_is_refused(project):
    members = _members(save_project(project))
    members["data.csv"] = members["data.csv"].replace(b"\n", b"\n", 1) + b"1,1,1,1,1,1,1,1\n"
    with pytest.raises(InputError, match="'data.csv' does not match its hash"):
        load_project(_zip(members))


def test_schema_mismatch_says_what_differs(project):
    members = _members(save_project(project))
    data = project.data.rename(columns={"g0_c0": "renamed"})
    members["data.csv"] = data.to_csv(index=False).encode()
    document = json.loads(members["project.json"])
    document["hashes"]["data.csv"] = hashlib.sha256(members["data.csv"]).hexdigest()
    members["project.json"] = json.dumps(document).encode()
    with pytest.raises(InputError, match="column 'g0_c0' is missing from the data.*'renamed' is new"):
        load_project(_zip(members))


def test_weights_that_do_not_fit_are_refused(project):
    members = _members(save_project(project))
    document = json.loads(members["project.json"])
    document["model"]["latent_dim"] = 5
    members["project.json"] = json.dumps(document).encode()
    with pytest.raises(InputError, match="does not fit the described model"):
        load_project(_zip(members))


def _edited(project, edit, json_mixture: bool = True, latents: bytes | None = None) -> bytes:
    """The project's file with its model description edited; `json_mixture`: the latent mixture in
    project.json, as files saved before latents.safetensors held it; `latents`: that member's bytes."""
    members = _members(save_project(project))
    document = json.loads(members["project.json"])
    if json_mixture:
        mixture = project.model.latents
        del members["latents.safetensors"], document["hashes"]["latents.safetensors"]
        document["model"].update(latent_centres=mixture.centres.tolist(), latent_spreads=mixture.spreads.tolist(),
                                 latent_bandwidth=mixture.bandwidth.tolist())
    elif latents is not None:
        members["latents.safetensors"] = latents
        document["hashes"]["latents.safetensors"] = hashlib.sha256(latents).hexdigest()
    edit(document["model"])
    members["project.json"] = json.dumps(document).encode()
    return _zip(members)


def test_a_mixture_saved_in_project_json_still_loads(project):
    older = load_project(_edited(project, lambda m: None)).model
    for name in ("centres", "spreads", "bandwidth"):
        np.testing.assert_array_equal(getattr(older.latents, name), getattr(project.model.latents, name))
    assert older.latents.correlation is None   # saved before the kernel was shaped: it stays diagonal
    diagonal = replace(project.model, latents=replace(project.model.latents, correlation=None))
    assert generate(older, 20, seed=3).equals(generate(diagonal, 20, seed=3))


def test_the_latents_member_is_checked_before_use(project):
    from safetensors.torch import save as save_tensors
    mixture = project.model.latents

    def member(**change):
        tensors = {name: torch.from_numpy(np.ascontiguousarray(getattr(mixture, name))) for name in
                   ("centres", "spreads", "bandwidth")}
        return save_tensors({name: tensor for name, tensor in {**tensors, **change}.items() if tensor is not None})
    rows = len(mixture.centres)
    for latents, says in [(member(spreads=-torch.from_numpy(mixture.spreads)), "the spreads positive"),
                          (member(centres=torch.full((rows, 2), float("nan"), dtype=torch.float64)), "finite"),
                          (member(centres=torch.zeros((rows, 3), dtype=torch.float64)), "tensor 'centres' is"),
                          (member(bandwidth=torch.ones(2, dtype=torch.float32)), "not F64"),
                          (member(bandwidth=None), "missing tensor 'bandwidth'"),
                          (member(extra=torch.zeros(1, dtype=torch.float64)), "unexpected tensor 'extra'"),
                          (member(correlation=torch.full((2, 2), 2.0, dtype=torch.float64)), "correlation must be"),
                          (member(correlation=torch.ones(2, dtype=torch.float64)), "tensor 'correlation' is"),
                          (member(centres=torch.zeros((20_001, 2), dtype=torch.float64),
                                  spreads=torch.ones((20_001, 2), dtype=torch.float64)), "centres \\(rows\\)"),
                          (b"not tensors at all", "latents.safetensors is not a safetensors file")]:
        with pytest.raises(InputError, match=says):
            load_project(_edited(project, lambda m: None, json_mixture=False, latents=latents), "p.zip")


def test_a_latents_member_saved_before_the_shaped_kernel_draws_as_it_did(project):
    from safetensors.torch import save as save_tensors
    mixture = project.model.latents
    assert mixture.correlation is not None and mixture.correlation.shape == (2, 2)
    older = save_tensors({name: torch.from_numpy(np.ascontiguousarray(getattr(mixture, name)))
                          for name in ("centres", "spreads", "bandwidth")})
    model = load_project(_edited(project, lambda m: None, json_mixture=False, latents=older)).model
    assert model.latents.correlation is None
    diagonal = replace(project.model, latents=replace(mixture, correlation=None))
    assert generate(model, 20, seed=3).equals(generate(diagonal, 20, seed=3))


def test_latent_distribution_is_checked_and_optional(project):
    def drop(model):
        del model["latent_centres"], model["latent_spreads"]
    old = load_project(_edited(project, drop))           # saved before the latent distribution
    assert old.model.latents is None and np.array_equal(old.model.latent_prior().cov, np.eye(2))
    mixture = project.model.latents
    for edit in [lambda m: m.update(latent_spreads=(-mixture.spreads).tolist()),   # not a spread
                 lambda m: m.update(latent_centres=mixture.centres[:, :1].tolist()),  # the wrong size
                 lambda m: m.update(latent_centres=[[0, "x"]] * len(mixture.centres)),
                 lambda m: m.pop("latent_spreads")]:
        with pytest.raises(InputError, match="latent_centres and latent_spreads must be two tables of 1 to"):
            load_project(_edited(project, edit))


def test_the_bandwidth_is_kept_and_older_mixtures_keep_the_rule_of_their_time(project):
    mixture = project.model.latents
    assert np.array_equal(load_project(save_project(project)).model.latents.bandwidth, mixture.bandwidth)
    older = load_project(_edited(project, lambda m: m.pop("latent_bandwidth"))).model.latents
    n, dim = mixture.centres.shape   # Scott's rule in all the latents' dimensions, as they were widened
    assert older.bandwidth == pytest.approx(n ** (-1 / (dim + 4)) * mixture.centres.std(axis=0))
    assert np.array_equal(older.spreads, mixture.spreads)
    for bad in ([1.0], [-1.0] * dim, ["x"] * dim, [float("nan")] * dim):
        with pytest.raises(InputError, match="latent_bandwidth must be"):
            load_project(_edited(project, lambda m: m.update(latent_bandwidth=bad)))


def test_projects_saved_with_a_gaussian_keep_it(project):
    def gaussian(model):
        del model["latent_centres"], model["latent_spreads"]
        model.update(latent_mean=[0.5, -0.5], latent_cov=[[1.0, 0.3], [0.3, 2.0]])
    old = load_project(_edited(project, gaussian))
    assert isinstance(old.model.latents, Gaussian) and old.model.latents.cov[0, 1] == 0.3
    again = load_project(save_project(old)).model.latents            # saved again as it was
    assert isinstance(again, Gaussian) and np.array_equal(again.cov, old.model.latents.cov)
    for edit in [lambda m: m.update(latent_cov=[[1, 0], [0, -1]]),          # not a covariance
                 lambda m: m.update(latent_cov=[[1, 0.5], [0, 1]]),         # not symmetric
                 lambda m: m.update(latent_mean=[0, "x"]),
                 lambda m: m.update(latent_mean=[0, 0, 0])]:                # the wrong size
        with pytest.raises(InputError, match="latent_mean and latent_cov must be 2 finite numbers"):
            load_project(_edited(project, lambda m: (gaussian(m), edit(m))))


def test_calibration_is_checked_and_optional(project):
    old = load_project(_edited(project, lambda model: model.pop("calibration")))
    assert old.model.calibration == {}
    for edit, message in [(lambda m: m["calibration"].update(ghost=[1.0]), "'ghost', which is not a modelled"),
                          (lambda m: m["calibration"].update(g0_c0=[[2, 1], [0, 1]]), "'g0_c0' is malformed"),
                          (lambda m: m["calibration"].update(g0_c2=[0.0]), "'g0_c2' is malformed"),
                          (lambda m: m["calibration"].update(g0_c1=["nan"]), "'g0_c1' is malformed")]:
        with pytest.raises(InputError, match=message):
            load_project(_edited(project, edit))


def test_not_a_zip_and_truncated_zip():
    with pytest.raises(InputError, match="not a .zip"):
        load_project(b"semantic,a\n", "r.csv")
    with pytest.raises(InputError, match="not a readable .zip"):
        load_project(b"PK\x03\x04" + b"\x00" * 40, "cut.zip")


def _with(project, edit_document=None, weights: bytes | None = None) -> bytes:
    """The project's file with project.json edited and/or other weights, hashes updated to match."""
    members = _members(save_project(project))
    document = json.loads(members["project.json"])
    if weights is not None:
        members["model.safetensors"] = weights
        document["hashes"]["model.safetensors"] = hashlib.sha256(weights).hexdigest()
    if edit_document is not None:
        edit_document(document)
    members["project.json"] = json.dumps(document).encode()
    return _zip(members)


@pytest.fixture
def never_built(monkeypatch):
    """Loading fails the test if it gets as far as building a VAE."""
    def refuse(*args, **kwargs):
        raise AssertionError("a VAE was built from a description that should have been refused")
    monkeypatch.setattr("core.projectfile.build_vae", refuse)


def _set(path: str, value):
    """An edit of project.json setting the field at a dotted path (list indices as numbers)."""
    def edit(document):
        *parents, last = path.split(".")
        node = document
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        node[int(last) if isinstance(node, list) else last] = value
    return edit


@pytest.mark.parametrize("path, value, fragment", [
    ("model.config.hidden", [16000, 16000], "model.config.hidden must be from 1 to 4096 (got 16000)"),
    ("model.config.hidden", [-5], "model.config.hidden must be from 1 to 4096 (got -5)"),
    ("model.config.hidden", [64] * 9, "hidden (layers) must be from 0 to 8 (got 9)"),
    ("model.config.hidden", [32], "tensor 'encoder.0.weight' is [64, "),     # sane, but not the weights
    ("model.config.hidden", ["64"], "model.config.hidden must be a whole number (got '64')"),
    ("model.config.hidden", [16.0], "model.config.hidden must be a whole number (got 16.0)"),
    ("model.config.epochs", 0, "model.config.epochs must be from 1 to 100000 (got 0)"),
    ("model.config.seed", 10**23, "model.config.seed must be from 0 to 4294967295"),
    ("model.config.learning_rate", "fast", "learning_rate must be a finite number (got 'fast')"),
    ("model.config.mode", "magic", "model.config.mode: unknown mode 'magic'"),
    ("model.latent_dim", 10**6, "model.latent_dim must be from 1 to 64 (got 1000000)"),
    ("model.latent_dim", 5, "tensor 'mu_head.weight' is [2, 64], the description needs [5, 64]"),
    ("model.n_inputs", -1, "model.n_inputs must be from 1 to 100000 (got -1)"),
    ("model.n_inputs", "abc", "model.n_inputs must be a whole number (got 'abc')"),
    ("model.transformer.layout.0.low", "abc", "layout[0].low must be a finite number (got 'abc')"),
    ("model.transformer.layout.0.std", 0, "std must be above 0"),
    ("model.transformer.layout.0.decimals", 10**9, "layout[0].decimals must be from 0 to 30"),
    ("model.transformer.layout.0.step", -0.5, "layout[0].step must be from 0 to 1e+300 (got -0.5)"),
    ("model.transformer.layout.0.step", "5", "layout[0].step must be a finite number (got '5')"),
    ("model.transformer.layout.0.style", "{Y}-{__class__}", "layout[0].style must be a date template"),
    ("model.transformer.layout.0.style", 7, "layout[0].style must be a date template"),
    ("model.transformer.layout.0.blank", "yes", "layout[0].blank must be true or false"),
    ("model.transformer.layout.0.role", "excluded", "layout[0].role must be one of"),
    ("model.transformer.layout.0.stop", 10**9, "layout[0].stop must be from 1 to"),
    ("model.transformer.layout", [], "layout must be a non-empty list"),
    ("model.history.0.mi", "x", "history[0].mi must be a finite number (got 'x')"),
    ("model.history.0.phase", "other", "history[0].phase must be one of train, finetune"),
    ("model.history.0.epoch", -1, "history[0].epoch must be from 1 to 25 (got -1)"),
    ("model.history", [{"epoch": 1, "phase": "train", "recon": 1, "kl": 1, "mi": 1}] * 26,
     "history (records) must be from 0 to 25 (got 26)"),
    ("model.critical_epoch", 10**9, "model.critical_epoch must be from 1 to 20 (got 1000000000)"),
    ("model.mi_before_finetune", float("inf"), "mi_before_finetune must be a finite number"),
    ("model.history.0.mi", 100.5, "history[0].mi must be from -6400 to 100 (got 100.5)"),
    ("model.trained_semantics.names", ["s"] * 1001, "names (semantics) must be from 0 to 1000"),
    ("settings.finetune_epochs", -1, "settings.finetune_epochs must be from 0 to 100000 (got -1)"),
    ("settings.critical_epoch", 21, "settings.critical_epoch must be from 1 to 20 (got 21)"),
])
def test_every_number_of_the_model_description_is_checked_before_building(project, never_built,
                                                                           path, value, fragment):
    with pytest.raises(InputError) as caught:
        load_project(_with(project, _set(path, value)), "shared.zip")
    assert str(caught.value).startswith("shared.zip: ") and fragment in str(caught.value), str(caught.value)


def test_deeply_nested_json_is_a_clear_error(project):
    nested = b"[" * 200_000 + b"]" * 200_000
    with pytest.raises(InputError, match="shared.zip: project.json is nested too deeply"):
        load_project(_zip({"project.json": nested}), "shared.zip")
    deep_header = b"{\"a\":" * 50_000 + b"1" + b"}" * 50_000
    weights = struct.pack("<Q", len(deep_header)) + deep_header
    with pytest.raises(InputError, match="model.safetensors is not a safetensors file"):
        load_project(_with(project, weights=weights), "shared.zip")


def test_a_safetensors_header_that_lies_is_refused_before_building(project, never_built):
    real = _members(save_project(project))["model.safetensors"]
    (length,) = struct.unpack("<Q", real[:8])
    with pytest.raises(InputError, match="header of 18446744073709551615 bytes"):
        load_project(_with(project, weights=b"\xff" * 8 + real[8:]), "shared.zip")
    header = json.loads(real[8:8 + length])
    header["extra"] = {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}
    text = json.dumps(header).encode()
    with pytest.raises(InputError, match="unexpected tensor 'extra'"):
        load_project(_with(project, weights=struct.pack("<Q", len(text)) + text + real[8 + length:]), "shared.zip")
    header.pop("extra")
    header["mu_head.bias"]["dtype"] = "F64"
    text = json.dumps(header).encode()
    with pytest.raises(InputError, match="tensor 'mu_head.bias' is F64, not F32"):
        load_project(_with(project, weights=struct.pack("<Q", len(text)) + text + real[8 + length:]), "shared.zip")
    text = json.dumps(json.loads(real[8:8 + length])).encode()    # the right shapes, the data cut off
    with pytest.raises(InputError, match="needs \\d+ bytes of weights"):
        load_project(_with(project, weights=struct.pack("<Q", len(text)) + text), "shared.zip")


def test_the_computed_shapes_are_the_real_state_dict():
    from core.vae import TabularVAE, state_shapes
    for n_inputs, latent_dim, hidden in [(7, 3, (16, 8)), (5, 2, ()), (9, 4, (64,)), (12, 1, (40, 33, 9))]:
        for masked in (False, True):
            columns = torch.rand(n_inputs, latent_dim) > 0.5 if masked else None
            vae = TabularVAE(n_inputs, latent_dim, hidden, column_latents=columns)
            assert state_shapes(n_inputs, latent_dim, hidden, masked) == \
                {name: tuple(t.shape) for name, t in vae.state_dict().items()}


def test_a_table_of_long_repeated_labels_saves_and_loads():
    frame = pd.DataFrame({"a": [str(i) for i in range(16)], "备注": ["同一段很长的说明" * 10_000] * 16})
    data = save_project(Project(data=frame, source_name="long.csv"))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:                  # deflating it would look like a bomb
        assert archive.getinfo("data.csv").compress_type == zipfile.ZIP_STORED
        assert archive.getinfo("project.json").compress_type == zipfile.ZIP_DEFLATED
    pd.testing.assert_frame_equal(load_project(data).data, frame)


def test_saving_applies_the_load_limits(project, monkeypatch):
    monkeypatch.setitem(__import__("core.projectfile").projectfile.MEMBER_LIMITS, "data.csv", 100)
    with pytest.raises(InputError, match=r"cannot be saved: its data.csv would be [\d,]+ bytes, over the 100 "):
        save_project(project)


def test_latent_dim_0_in_an_older_file_still_means_one_per_semantic(project):
    def edit(document):
        document["settings"]["latent_dim"] = document["model"]["config"]["latent_dim"] = 0
    back = load_project(_with(project, edit))
    assert back.settings.latent_dim is None and back.model.config.latent_dim is None


def test_the_largest_mixture_fits_its_member():
    from core.latents import MIXTURE_COMPONENTS, PosteriorMixture
    from core.limits import MAX_LATENT_DIM
    from core.latentfile import LATENTS, mixture_to_bytes
    from core.projectfile import MEMBER_LIMITS
    shape = (MIXTURE_COMPONENTS, MAX_LATENT_DIM)
    largest = PosteriorMixture(np.zeros(shape), np.ones(shape), np.zeros(MAX_LATENT_DIM))
    assert len(mixture_to_bytes(largest)) <= MEMBER_LIMITS[LATENTS]


def test_a_reopened_project_names_the_rows_of_its_file():
    body = "".join("砖混,3,无\n" if i == 8 else f"{'框架' if i % 2 else '砖混'},{i % 5 + 1},{0.1 * i:.1f}\n"
                   for i in range(12))
    text = "某区房屋安全鉴定汇总表\n结构,层数,裂缝宽度\n" + body + "合计,36,\n"   # a title row and a totals row
    raw = read_table(text.encode(), "survey.csv").frame
    assert list(raw.index[:2]) == [3, 4] and raw.index.name == "row"
    project = Project(data=raw, source_name="survey.csv")
    back = load_project(save_project(project), "p.zip")
    assert list(back.data.index) == list(raw.index) and back.data.index.name == "row"
    [crack] = [entry for entry in back.prepared().report if entry.name == "裂缝宽度"]
    assert crack.text_cells == [(11, "无")]   # the file's row 11 (title, header, 8 rows above it)

    def older(document):   # saved before the rows were kept: numbered from 2 as before
        del document["rows"]
    assert list(load_project(edit_project_file(save_project(project), older)).data.index) == list(range(12))

    def wrong(document):
        document["rows"] = [[3, 5]]
    with pytest.raises(InputError, match="p.zip: project.json rows do not fit the 12 rows of data.csv"):
        load_project(edit_project_file(save_project(project), wrong), "p.zip")
