"""The VAE, its losses, the critical point, fine-tuning (Eq. 10-12) and reproducibility."""
import os
import threading

import numpy as np
import pytest
import torch

from core.errors import InputError
from core.finetune import clarity_loss, eta, soft_clarity
from core.matching import greedy_match
from core.optim import Adam
from core.model import TrainConfig
from core.training import TrainingCancelled, detect_critical_epoch, elbo_plateau, fit
from core.transformer import TableTransformer
from core.vae import LossLayout, TabularVAE, kl_divergence, reconstruction_loss
from tests.conftest import factor_table


def _setup(seed=0, hidden=(16, 8)):
    table, semantics = factor_table(n_rows=20, n_groups=3, per_group=4)
    transformer = TableTransformer().fit(table)
    x = torch.from_numpy(transformer.transform(table.frame))
    vae = TabularVAE(transformer.n_columns, 3, hidden, torch.Generator().manual_seed(seed))
    return x, vae, LossLayout.from_spans(transformer.layout_), semantics.expand(transformer.layout_)


def test_gradient_reaches_every_parameter_including_through_the_clarity_term():
    x, vae, layout, r = _setup()
    x_hat, mu, logvar = vae(x, torch.Generator().manual_seed(0))
    weights = [l.weight for l in vae.encoder_linears()]
    d = soft_clarity(weights, torch.as_tensor(r, dtype=torch.float32), [], 0.03)  # no matches: MI 1
    assert d.item() == pytest.approx(1.0)
    from core.contribution import contribution
    from core.matching import binarise, distance
    hard = distance(binarise(contribution([w.detach().double().numpy() for w in weights])), r)
    matches = greedy_match(hard)
    clarity = clarity_loss(weights, torch.as_tensor(r, dtype=torch.float32), matches, 1.0, 0.1 / 3)
    loss = reconstruction_loss(x_hat, x, layout) + kl_divergence(mu, logvar) + clarity
    loss.backward()
    for name, p in vae.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name
    vae.zero_grad()
    clarity_loss([l.weight for l in vae.encoder_linears()], torch.as_tensor(r, dtype=torch.float32),
                 matches, 1.0, 0.1 / 3).backward()
    for layer in vae.encoder_linears():   # the clarity term alone reaches every encoder layer
        assert layer.weight.grad.abs().sum() > 0


def test_eta_makes_the_clarity_term_a_quarter_of_the_loss_at_the_stop():
    recon, kl, mi = 12.0, 4.0, 40.0
    assert eta(recon, kl, mi) / (mi / 100) == pytest.approx((recon + kl) / 4)


def test_losses_by_hand():
    spans = TableTransformer.from_dict({"layout": [
        {"name": "x", "role": "continuous", "start": 0, "stop": 1, "categories": [], "low": 0, "high": 1, "mean": 0, "std": 1},
        {"name": "b", "role": "binary", "start": 1, "stop": 2, "categories": ["n", "y"], "low": 0, "high": 0, "mean": 0, "std": 1},
        {"name": "c", "role": "categorical", "start": 2, "stop": 4, "categories": ["p", "q"], "low": 0, "high": 0, "mean": 0, "std": 1},
    ]}).layout_
    layout = LossLayout.from_spans(spans)
    x = torch.tensor([[1.0, 1.0, 0.0, 1.0]])
    x_hat = torch.tensor([[3.0, 0.0, 0.0, 0.0]])
    expected = 0.5 * 4 + np.log(2) + np.log(2)   # squared error, BCE at logit 0, CE of a uniform pair
    assert float(reconstruction_loss(x_hat, x, layout)) == pytest.approx(expected, rel=1e-6)
    mu, logvar = torch.tensor([[1.0, 0.0]]), torch.tensor([[0.0, np.log(4.0)]])
    # 0.5 * sum(mu^2 + sigma^2 - 1 - log sigma^2) = 0.5 * (1 + 0 + 4 - 1 - log 4)
    assert float(kl_divergence(mu, logvar)) == pytest.approx(0.5 * (4 - np.log(4)), rel=1e-6)


def test_own_adam_matches_torch_adam():
    torch.manual_seed(0)
    a, b, unused = torch.nn.Linear(4, 3), torch.nn.Linear(4, 3), torch.nn.Linear(4, 3)
    b.load_state_dict(a.state_dict())
    before = [p.detach().clone() for p in unused.parameters()]
    ours = Adam([*a.parameters(), *unused.parameters()], lr=0.01)   # `unused` never gets a gradient
    theirs = torch.optim.Adam(b.parameters(), lr=0.01)
    x = torch.randn(8, 4)
    for _ in range(5):
        for model, opt in ((a, ours), (b, theirs)):
            opt.zero_grad()
            model(x).pow(2).sum().backward()
            opt.step()
    for p, q in zip(a.parameters(), b.parameters()):
        torch.testing.assert_close(p, q)
    for p, q in zip(unused.parameters(), before):
        assert torch.equal(p, q)


def test_critical_epoch_finds_the_plateau_and_can_be_overridden():
    kl = [min(e, 40) / 10 for e in range(1, 101)]          # rises for 40 epochs, then flat
    critical = detect_critical_epoch(kl)
    assert 40 <= critical <= 55
    assert detect_critical_epoch(list(np.linspace(0, 10, 100))) == 100   # never settles
    table, semantics = factor_table(n_rows=12, n_groups=2, per_group=3)
    model = fit(table, semantics, TrainConfig(epochs=30, finetune_epochs=2, critical_epoch=7))
    assert model.critical_epoch == 7
    assert [r.epoch for r in model.history if r.phase == "finetune"] == [8, 9]


def test_finetuning_raises_hard_mi(small_fit):
    _, _, model = small_fit
    finetune = [r for r in model.history if r.phase == "finetune"]
    assert len(finetune) == 150
    assert model.score().mi == pytest.approx(finetune[-1].mi)
    assert model.score().mi > model.mi_before_finetune + 20, (model.mi_before_finetune, model.score().mi)


def test_target_mi_stops_finetuning():
    table, semantics = factor_table(n_rows=20, n_groups=3)
    model = fit(table, semantics, TrainConfig(epochs=60, finetune_epochs=300, target_mi=1.0))
    assert len([r for r in model.history if r.phase == "finetune"]) == 1
    assert any("target MI" in str(note) for note in model.notes)


def _weights(model):
    return {k: v.clone() for k, v in model.vae.state_dict().items()}


def test_same_seed_identical_weights_even_with_parallel_runs():
    table, semantics = factor_table(n_rows=20, n_groups=3)
    config = TrainConfig(epochs=40, finetune_epochs=20, seed=5)
    alone = _weights(fit(table, semantics, config))
    results = {}

    def run(key, seed):
        results[key] = _weights(fit(table, semantics, TrainConfig(epochs=40, finetune_epochs=20, seed=seed)))
    threads = [threading.Thread(target=run, args=(k, s)) for k, s in (("a", 5), ("b", 6), ("c", 5))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for key in ("a", "c"):
        assert all(torch.equal(alone[k], results[key][k]) for k in alone)
    assert not all(torch.equal(alone[k], results["b"][k]) for k in alone)


def test_callback_sees_every_epoch_and_cancel_stops():
    table, semantics = factor_table(n_rows=12, n_groups=2, per_group=3)
    seen = []
    fit(table, semantics, TrainConfig(epochs=10, finetune_epochs=3, critical_epoch=10, detail_kl_weight=1.0),
        on_epoch=lambda *record: seen.append(record))
    assert [(e, p) for e, p, *_ in seen] == ([(e, "train") for e in range(1, 11)] + [(e, "finetune") for e in (11, 12, 13)]
                                             + [(e, "detail") for e in range(14, 24)])   # as many as `epochs`
    assert all(np.isfinite(v) for _, _, *values in seen for v in values)
    with pytest.raises(TrainingCancelled):
        fit(table, semantics, TrainConfig(epochs=10), should_stop=lambda: len(seen) > 15,
            on_epoch=lambda *record: seen.append(record))


def test_non_finite_loss_keeps_last_good_weights(monkeypatch):
    table, semantics = factor_table(n_rows=12, n_groups=2, per_group=3)
    seen, state = [], {}

    def corrupt_at_epoch_4():   # should_stop runs at the start of each epoch
        if len(seen) == 3 and "good" not in state:
            vae = state["vae"]
            state["good"] = {k: v.clone() for k, v in vae.state_dict().items()}
            with torch.no_grad():
                vae.encoder[0].weight[0, 0] = float("nan")
        return False

    original = TabularVAE.__init__

    def capture(self, *args, **kwargs):
        original(self, *args, **kwargs)
        state.setdefault("vae", self)
    monkeypatch.setattr(TabularVAE, "__init__", capture)
    model = fit(table, semantics, TrainConfig(epochs=10, finetune_epochs=0, detail_latents=0),   # detail: test_detail
                on_epoch=lambda *r: seen.append(r), should_stop=corrupt_at_epoch_4)
    assert len(seen) == 3 and model.critical_epoch == 3
    assert any("epoch 4" in str(note) and "NaN" in str(note) for note in model.notes), model.notes
    for key, value in state["good"].items():
        assert torch.equal(model.vae.state_dict()[key], value), key


def test_data_too_large_to_model_is_refused_naming_the_column():
    table, semantics = factor_table(n_rows=12, n_groups=2, per_group=3)
    table.frame.loc[0, "g0_c0"] = 1e300          # its standard deviation overflows
    with pytest.raises(InputError, match="column 'g0_c0' has values too large"):
        fit(table, semantics, TrainConfig(epochs=5, finetune_epochs=0))


def test_divergence_in_the_first_epoch_is_a_clear_error(monkeypatch):
    table, semantics = factor_table(n_rows=12, n_groups=2, per_group=3)
    original = TabularVAE.reset_parameters

    def poisoned(self, generator):
        original(self, generator)
        with torch.no_grad():
            self.mu_head.weight.fill_(float("nan"))
    monkeypatch.setattr(TabularVAE, "reset_parameters", poisoned)
    with pytest.raises(InputError, match="diverged in the first epoch"):
        fit(table, semantics, TrainConfig(epochs=5, finetune_epochs=0))


def test_settings_round_trip_and_files_without_a_mode_are_paper_models():
    config = TrainConfig(hidden=(32, 16), target_mi=70.0, mode="semantic")
    assert TrainConfig.from_dict(config.to_dict()) == config
    assert TrainConfig.from_dict({"epochs": 10}).mode == "paper"   # saved before modes existed


def test_a_checkpoint_is_a_full_pass_on_small_tables_and_bounded_on_large_ones():
    from core.training import Batches

    small = Batches(torch.zeros((30, 3)), 64, 16, torch.Generator().manual_seed(0))
    assert [len(rows) for rows in small.checkpoint()] == [30]
    medium = Batches(torch.arange(500.0)[:, None], 64, 16, torch.Generator().manual_seed(0))
    seen = torch.cat(list(medium.checkpoint()))[:, 0]
    assert len(seen) == 500 and set(seen.tolist()) == set(range(500))          # every row once
    large = Batches(torch.arange(100_000.0)[:, None], 64, 16, torch.Generator().manual_seed(0))
    first, second = (torch.cat(list(large.checkpoint()))[:, 0] for _ in range(2))
    assert len(first) == len(second) == 16 * 64                                 # bounded, whatever n
    assert not set(first.tolist()) & set(second.tolist())                       # the stream goes on
    assert (small.partial, medium.partial, large.partial) == (False, False, True)


def test_elbo_plateau_waits_for_the_loss_to_level_off():
    falling = list(100 * np.exp(-np.arange(300) / 20))            # levels off near epoch 100
    assert not elbo_plateau(falling[:60], 300)                    # too early to tell
    assert not elbo_plateau(falling[:100], 300)                   # still gaining > 1 % over 30 epochs
    assert elbo_plateau(falling[:160], 300)
    assert not elbo_plateau(list(np.linspace(50, 10, 200)), 300)  # steady progress never plateaus
    assert not elbo_plateau([5.0] * 200, 300)                     # no gain at all is no plateau either
    negative = [value - 80 for value in falling[:160]]            # the loss of numbers can be negative
    assert elbo_plateau(negative, 300)


def test_large_tables_stop_at_the_plateau_and_small_ones_train_every_epoch():
    table, semantics = factor_table(n_rows=600, n_groups=2, per_group=3, seed=1)
    config = TrainConfig(epochs=200, finetune_epochs=0, checkpoint_steps=2, seed=0,   # 600 rows > 2 x 64
                         detail_kl_weight=1.0)
    model = fit(table, semantics, config)

    def epochs(model, phase="train"):
        return sum(record.phase == phase for record in model.history)
    trained = epochs(model)
    assert 60 <= trained < 200 and model.critical_epoch <= trained
    assert [m.code for m in model.notes] == ["train.plateau"]   # one KL weight: no choice to report
    assert epochs(model, "detail") <= 200   # the detail latents stop at their own plateau
    full = fit(table, semantics, TrainConfig(epochs=200, finetune_epochs=0, seed=0, detail_kl_weight=1.0))   # one pass
    assert epochs(full) == epochs(full, "detail") == 200 and not full.notes
    moved = fit(table, semantics, TrainConfig(epochs=200, finetune_epochs=0, checkpoint_steps=2, seed=0,
                                              critical_epoch=150))   # a critical point the user chose
    assert epochs(moved) == 200 and moved.critical_epoch == 150


def test_training_cost_does_not_grow_with_rows():
    """Optimisation steps per run are bounded by (epochs + finetune_epochs + detail checkpoints) x
    checkpoint_steps; the detail checkpoints are as many as `epochs`, every KL weight
    tried training in the same ones."""
    table, semantics = factor_table(n_rows=5000, n_groups=2, per_group=3, seed=1)
    config = TrainConfig(epochs=6, finetune_epochs=3, checkpoint_steps=4, seed=0)   # two detail KL weights tried
    steps = []
    import core.training as training
    original = training.Batches.checkpoint

    def counted(self):
        for rows in original(self):
            steps.append(len(rows))
            yield rows
    try:
        training.Batches.checkpoint = counted
        model = fit(table, semantics, config)
    finally:
        training.Batches.checkpoint = original
    assert len(steps) <= (6 + 3 + 6) * 4 == config.detail_checkpoints * 4 + 36 and set(steps) == {64}
    assert len(model.history) in (9, 15)   # the detail latents kept, or left out


def test_device_is_chosen_in_one_place():
    from core.device import configure_threads, resolve_device

    assert resolve_device("cpu").type == "cpu"
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(InputError, match="device 'tpu' is not one of auto, cpu, cuda"):
        resolve_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(InputError, match="no CUDA GPU"):
            resolve_device("cuda")
    before = torch.get_num_threads()
    try:
        assert configure_threads() == int(os.environ["OMP_NUM_THREADS"]) == torch.get_num_threads()
    finally:
        torch.set_num_threads(before)


@pytest.mark.parametrize("settings, message", [
    (dict(latent_dim=0), "latent_dim must be from 1 to 64 (got 0)"),            # was: silently the default
    (dict(latent_dim=65), "latent_dim must be from 1 to 64 (got 65)"),
    (dict(finetune_epochs=-1), "finetune_epochs must be from 0 to 100000 (got -1)"),   # was: silently 0
    (dict(epochs=10, critical_epoch=11), "critical_epoch must be from 1 to 10 (got 11)"),   # was: clamped
    (dict(epochs=0), "epochs must be from 1 to 100000 (got 0)"),
    (dict(learning_rate=0.0), "learning_rate must be above 0 and at most 10 (got 0.0)"),
    (dict(learning_rate=float("nan")), "learning_rate must be a finite number (got nan)"),
    (dict(seed=2**32), "seed must be from 0 to 4294967295 (got 4294967296)"),
    (dict(temperature=-1.0), "temperature must be above 0 and at most 100 (got -1.0)"),
])
def test_fit_refuses_settings_out_of_range_instead_of_clamping(settings, message):
    table, semantics = factor_table(n_rows=12, n_groups=2, per_group=2)
    with pytest.raises(InputError) as caught:
        fit(table, semantics, TrainConfig(**settings))
    assert str(caught.value) == message


def test_the_default_latent_size_is_checked_too():
    from core.semantics import SemanticMatrix
    table, _ = factor_table(n_rows=12, n_groups=2, per_group=2)
    many = SemanticMatrix([f"S{i}" for i in range(65)], table.features, np.ones((65, len(table.features))))
    with pytest.raises(InputError, match=r"latent_dim \(by default one per semantic\) must be from 1 to 64 \(got 65\)"):
        fit(table, many, TrainConfig(epochs=2, finetune_epochs=0))
