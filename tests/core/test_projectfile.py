"""The project file: a faithful round trip, and refusal of everything unsafe before loading."""
import hashlib
import io
import json
import pickle
import zipfile

import numpy as np
import pandas as pd
import pytest
import torch

from core.errors import InputError
from core.generation import generate
from core.project import Project
from core.projectfile import load_project, save_project
from core.model import TrainConfig
from core.training import fit
from tests.conftest import factor_table


@pytest.fixture(scope="module")
def project():
    table, semantics = factor_table(n_rows=16, n_groups=2, per_group=4)
    raw = table.frame.astype(str)   # the raw table is strings, as the reader gives it
    p = Project(data=raw, source_name="t.csv", semantics=semantics,
                settings=TrainConfig(epochs=20, finetune_epochs=5, mode="semantic"))
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
    assert set(_members(data)) == {"project.json", "model.safetensors", "data.csv"}
    back = load_project(data)
    for key, value in project.model.vae.state_dict().items():
        assert torch.equal(value, back.model.vae.state_dict()[key])
    assert back.model.history == project.model.history
    assert back.model.critical_epoch == project.model.critical_epoch
    assert back.model.config == project.model.config
    np.testing.assert_array_equal(back.model.residual_std, project.model.residual_std)
    np.testing.assert_array_equal(back.model.latent_mean, project.model.latent_mean)
    np.testing.assert_array_equal(back.model.latent_cov, project.model.latent_cov)
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


def _edited(project, edit) -> bytes:
    members = _members(save_project(project))
    document = json.loads(members["project.json"])
    edit(document["model"])
    members["project.json"] = json.dumps(document).encode()
    return _zip(members)


def test_latent_distribution_is_checked_and_optional(project):
    def drop(model):
        del model["latent_mean"], model["latent_cov"]
    old = load_project(_edited(project, drop))           # saved before the latent distribution
    assert old.model.latent_mean is None and np.array_equal(old.model.latent_prior()[1], np.eye(2))
    for edit in [lambda m: m.update(latent_cov=[[1, 0], [0, -1]]),          # not a covariance
                 lambda m: m.update(latent_cov=[[1, 0.5], [0, 1]]),         # not symmetric
                 lambda m: m.update(latent_mean=[0, "x"]),
                 lambda m: m.update(latent_mean=[0, 0, 0])]:                # the wrong size
        with pytest.raises(InputError, match="latent_mean and latent_cov must be 2 finite numbers"):
            load_project(_edited(project, edit))


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
