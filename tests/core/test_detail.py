"""Detail latents (core.vae.DetailPath, core.training.fit_detail): they add to the semantic
model and change nothing of what fine-tuning left."""
import numpy as np
import pytest
import torch

from core.controllability import controllability
from core.errors import InputError
from core.generation import generate
from core.model import TrainConfig
from core.projectfile import load_project, save_project
from core.project import Project
from core.training import fit
from core.vae import state_shapes
from tests.conftest import edit_project_file, factor_table

FAST = dict(epochs=40, finetune_epochs=10, hidden=(32,), seed=3, detail_kl_weight=1.0)   # no choice


@pytest.fixture(scope="module")
def pair():
    """The same table and settings fitted without and with 3 detail latents."""
    table, semantics = factor_table(n_rows=60, n_groups=3, per_group=4)
    alone = fit(table, semantics, TrainConfig(detail_latents=0, **FAST))
    detailed = fit(table, semantics, TrainConfig(detail_latents=3, detail_epochs=15, **FAST))
    return table, semantics, alone, detailed


def test_detail_latents_follow_the_semantic_ones(pair):
    _, semantics, alone, detailed = pair
    assert (alone.latent_dim, alone.semantic_dim) == (3, 3)
    assert (detailed.latent_dim, detailed.semantic_dim) == (6, 3)
    assert detailed.latents.centres.shape[1] == detailed.latents.spreads.shape[1] == 6
    assert [r.phase for r in detailed.history].count("detail") == 15
    assert detailed.slider_latents() == alone.slider_latents() == {0: 0, 1: 1, 2: 2}


def test_the_semantic_model_is_left_exactly_as_fine_tuning_left_it(pair):
    _, _, alone, detailed = pair
    before, after = alone.vae.state_dict(), detailed.vae.state_dict()
    for name, tensor in before.items():   # encoder (Eq. 2-4), heads and masked decoder
        assert torch.equal(tensor, after[name]), name
    assert detailed.score().mi == alone.score().mi
    assert np.array_equal(detailed.score().distance, alone.score().distance)


def test_detail_latents_reach_every_column_and_sliders_still_only_their_group(pair):
    _, _, _, detailed = pair
    z = torch.zeros((4, detailed.latent_dim))
    moved = z.clone()
    moved[:, 3:] = 1.5
    with torch.no_grad():
        shift = (detailed.vae.decode(moved) - detailed.vae.decode(z)).abs().amax(dim=0)
    assert (shift > 0).all()   # the detail path adds to every encoded column
    controls = controllability(detailed, n_rows=200)
    assert all(c.hit for c in controls) and min(c.selectivity for c in controls) > 5


def test_paper_mode_has_no_detail_latents():
    table, semantics = factor_table(n_rows=30, n_groups=2, per_group=3)
    model = fit(table, semantics, TrainConfig(mode="paper", **FAST))
    assert model.latent_dim == model.semantic_dim == 2 and model.vae.detail is None
    assert all(r.phase != "detail" for r in model.history)


def test_a_saved_model_with_detail_latents_generates_the_same_rows():
    table, semantics = factor_table(n_rows=40, n_groups=2, per_group=4)
    project = Project(data=table.frame.astype(str), source_name="t.csv", semantics=semantics,
                      settings=TrainConfig(detail_latents=4, detail_epochs=5, **FAST))
    detailed = project.model = fit(project.prepared(), semantics, project.settings)
    loaded = load_project(save_project(project)).model
    assert (loaded.latent_dim, loaded.semantic_dim) == (6, 2)
    assert generate(loaded, 50, seed=4).equals(generate(detailed, 50, seed=4))


def test_a_model_file_whose_detail_latents_do_not_match_its_weights_is_refused():
    table, semantics = factor_table(n_rows=30, n_groups=2, per_group=3)
    project = Project(data=table.frame.astype(str), source_name="t.csv", semantics=semantics,
                      settings=TrainConfig(detail_latents=4, detail_epochs=3, **FAST))
    project.model = fit(project.prepared(), semantics, project.settings)
    edited = edit_project_file(save_project(project),
                               lambda document: document["model"]["config"].update(detail_latents=3))
    with pytest.raises(InputError, match=r"detail.mu_head.weight"):
        load_project(edited)


def test_a_non_finite_loss_while_training_the_detail_latents_keeps_their_last_good_weights(monkeypatch):
    import core.training as training
    table, semantics = factor_table(n_rows=30, n_groups=2, per_group=3)
    seen, state = [], {}
    original = training.fit_detail

    def spy(vaes, *args, **kwargs):
        state["vae"] = vaes[0]
        return original(vaes, *args, **kwargs)

    def poison_at_detail_epoch_3():   # should_stop runs at the start of each epoch
        records = [r for r in seen if r[1] == "detail"]
        if len(records) == 2 and "good" not in state:
            detail = state["vae"].detail
            state["good"] = {k: v.clone() for k, v in detail.state_dict().items()}
            with torch.no_grad():
                detail.mu_head.weight[0, 0] = float("nan")
        return False
    monkeypatch.setattr(training, "fit_detail", spy)
    model = fit(table, semantics, TrainConfig(detail_latents=2, detail_epochs=6, **FAST),
                on_epoch=lambda *r: seen.append(r), should_stop=poison_at_detail_epoch_3)
    assert [r[1] for r in seen].count("detail") == 2
    assert any(note.code == "train.nan_stop.detail" for note in model.notes)
    for key, value in state["good"].items():
        assert torch.equal(model.vae.detail.state_dict()[key], value), key
    assert np.isfinite(generate(model, 20).select_dtypes("number").to_numpy()).all()


def test_the_kl_weight_is_chosen_by_the_fidelity_of_generated_rows():
    table, semantics = factor_table(n_rows=60, n_groups=3, per_group=4)
    config = TrainConfig(detail_latents=3, detail_epochs=10, **{**FAST, "detail_kl_weight": None})
    assert config.detail_checkpoints == 10   # the two weights train in the same checkpoints
    seen = []
    model = fit(table, semantics, config, on_epoch=lambda *record: seen.append(record))
    assert [phase for _, phase, *_ in seen].count("detail") == 10
    codes = [note.code for note in model.notes]
    if "train.detail_none" in codes:
        assert model.latent_dim == 3 and model.config.detail_latents == 0 and model.vae.detail is None
    else:
        assert codes[-1] == "train.detail_chosen" and model.config.detail_kl_weight in (1.0, 0.2)
        assert model.latent_dim == 6 and [r.phase for r in model.history].count("detail") == 10


def test_model_files_from_before_detail_latents_have_none():
    old = TrainConfig.from_dict({"mode": "semantic", "epochs": 10})
    assert old.detail_latents == 0 and old.detail_dim == 0 and old.detail_checkpoints == 0
    assert TrainConfig(detail_latents=8).detail_dim == 8 and TrainConfig(detail_latents=2, epochs=7).detail_checkpoints == 7
    assert TrainConfig(detail_latents=2, epochs=7, detail_kl_weight=0.5).detail_checkpoints == 7
    assert TrainConfig(mode="paper", detail_latents=8).detail_dim == 0


def test_state_shapes_describe_the_detail_path(pair):
    _, _, _, detailed = pair
    shapes = {name: tuple(t.shape) for name, t in detailed.vae.state_dict().items()}
    n_inputs = detailed.transformer.n_columns
    assert detailed.config.detail_units == 64 == shapes["detail.encoder.0.bias"][0]   # twice the widest layer
    assert state_shapes(n_inputs, 3, (32,), masked=True, detail=3, detail_units=64) == shapes
    assert state_shapes(n_inputs, 3, (32,), masked=True) != shapes


def test_a_model_file_from_before_detail_hidden_keeps_its_detail_path_as_wide_as_its_widest_layer():
    table, semantics = factor_table(n_rows=30, n_groups=2, per_group=3)
    project = Project(data=table.frame.astype(str), source_name="t.csv", semantics=semantics,
                      settings=TrainConfig(detail_latents=2, detail_epochs=3, detail_hidden=32, **FAST))
    project.model = fit(project.prepared(), semantics, project.settings)
    older = edit_project_file(save_project(project), lambda document: document["model"]["config"].pop("detail_hidden"))
    loaded = load_project(older).model
    assert loaded.config.detail_units == 32 and TrainConfig(hidden=(32,)).detail_units == 64
    assert generate(loaded, 30, seed=2).equals(generate(project.model, 30, seed=2))


def test_the_detail_latents_kl_is_weighted_and_the_semantic_ones_are_not():
    from core.vae import kl_divergence
    mu, logvar = torch.tensor([[1.0, 2.0]]), torch.zeros((1, 2))
    assert kl_divergence(mu, logvar).item() == pytest.approx(0.5 + 2.0)
    assert kl_divergence(mu, logvar, torch.tensor([1.0, 0.2])).item() == pytest.approx(0.5 + 0.2 * 2.0)


def test_detail_latents_are_within_limits():
    with pytest.raises(InputError, match="detail_latents"):
        TrainConfig(detail_latents=-1).check()
    with pytest.raises(InputError, match="detail_epochs"):
        TrainConfig(detail_epochs=0).check()
    with pytest.raises(InputError, match="detail_hidden"):
        TrainConfig(detail_hidden=0).check()
    for weight in (0, 1.5, float("nan")):
        with pytest.raises(InputError, match="detail_kl_weight"):
            TrainConfig(detail_kl_weight=weight).check()


def _candidates(monkeypatch, poison=None):
    """fit_detail's candidates (their VAEs), keeping each as it ended; `poison`: (candidate, epoch)
    whose detail weights turn NaN at the start of that detail checkpoint, with the weights it had."""
    import core.training as training
    state, original = {"detail": 0}, training.fit_detail

    def spy(vaes, *args, **kwargs):
        state["vaes"] = vaes
        return original(vaes, *args, **kwargs)

    def should_stop():   # runs at the start of each checkpoint
        if poison and "vaes" in state and state["detail"] == poison[1] - 1 and "good" not in state:
            detail = state["vaes"][poison[0]].detail
            state["good"] = {k: v.clone() for k, v in detail.state_dict().items()}
            with torch.no_grad():
                detail.mu_head.weight[0, 0] = float("nan")
        return False

    def on_epoch(epoch, phase, *_):
        state["detail"] += phase == "detail"
    monkeypatch.setattr(training, "fit_detail", spy)
    return state, on_epoch, should_stop


def test_candidates_trained_together_end_as_each_would_alone(monkeypatch):
    table, semantics = factor_table(n_rows=60, n_groups=3, per_group=4)
    settings = dict(detail_latents=3, detail_epochs=12, **FAST)
    state, on_epoch, should_stop = _candidates(monkeypatch)
    fit(table, semantics, TrainConfig(**{**settings, "detail_kl_weight": None}), on_epoch, should_stop)
    for vae, weight in zip(state["vaes"], (1.0, 0.2)):
        alone = fit(table, semantics, TrainConfig(**{**settings, "detail_kl_weight": weight}))
        for key, value in alone.vae.detail.state_dict().items():
            assert torch.equal(vae.detail.state_dict()[key], value), (weight, key)


def test_a_candidate_whose_loss_is_not_finite_stops_and_the_other_goes_on(monkeypatch):
    table, semantics = factor_table(n_rows=60, n_groups=3, per_group=4)
    settings = dict(detail_latents=3, detail_epochs=12, **FAST)
    state, on_epoch, should_stop = _candidates(monkeypatch, poison=(1, 4))   # β = 0.2, at checkpoint 4
    model = fit(table, semantics, TrainConfig(**{**settings, "detail_kl_weight": None}), on_epoch, should_stop)
    assert state["detail"] == 12                       # the first candidate reported every checkpoint
    stopped = state["vaes"][1].detail.state_dict()
    for key, value in state["good"].items():           # its weights from before the poisoned checkpoint
        assert torch.equal(stopped[key], value), key
    alone = fit(table, semantics, TrainConfig(**{**settings, "detail_kl_weight": 1.0}))
    for key, value in alone.vae.detail.state_dict().items():
        assert torch.equal(state["vaes"][0].detail.state_dict()[key], value), key
    # the stopped candidate may still be kept, with its last good weights and the note saying it stopped
    if model.config.detail_latents and model.config.detail_kl_weight == 0.2:
        assert any(getattr(note, "code", None) == "train.nan_stop.detail" for note in model.notes)
        for key, value in state["good"].items():
            assert torch.equal(model.vae.detail.state_dict()[key], value), key
    else:
        assert not any(getattr(note, "code", None) == "train.nan_stop.detail" for note in model.notes)
