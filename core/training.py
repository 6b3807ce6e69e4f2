"""Training (§1.1), the KL critical point and clarity fine-tuning (§1.5).

`fit` runs the whole of Fig. 8: train while tracking KL, find the critical point,
restore the weights there into a mirror model, then fine-tune with the clarity
term (core.finetune, Eq. 10-12) until a target MI or a maximum number of epochs.
In semantic mode the detail latents are trained last (`fit_detail`, our addition).
Progress goes to an `on_epoch(epoch, phase, recon, kl, mi)` callback.
"""
from __future__ import annotations

import copy
from dataclasses import replace
from typing import Callable

import numpy as np
import torch

from core import limits
from core.columns import PreparedTable
from core.errors import InputError
from core.device import resolve_device
from core.finetune import clarity_loss, eta
from core.matching import Match, clarity, greedy_match, hard_distance
from core.messages import Message, msg
from core.evaluation import fidelity
from core.bands import find_ties
from core.generation import calibrate, generate
from core.model import EpochRecord, FittedModel, TrainConfig, build_vae, latent_distribution, residual_std
from core.optim import Adam
from core.semantics import SemanticMatrix
from core.transformer import TableTransformer
from core.vae import LossLayout, TabularVAE, kl_divergence, kl_with_free_bits, reconstruction_loss

OnEpoch = Callable[[int, str, float, float, float], None]


class TrainingCancelled(Exception):
    """Raised when `should_stop()` turns true; the caller's previous model is untouched."""


def detect_critical_epoch(kl: list[float]) -> int:
    """The epoch (1-based) where training is full and over-fitting begins, from the KL curve.

    Decision (the paper gives no rule): KL rises while the encoder learns to use its
    latents, then levels off. Smooth KL with a moving average over w = max(5, n // 20)
    epochs; the critical point is the first epoch, past the first 2w, at which the
    smoothed KL has reached half its maximum and moved by less than 2 % of that
    maximum over the last w epochs. Scaling by the maximum, not the current level,
    keeps the flat start (KL near 0) from passing for a plateau. If KL never
    settles, the last epoch.
    """
    n = len(kl)
    w = max(5, n // 20)
    if n < 3 * w:
        return n
    smooth = np.convolve(np.asarray(kl, dtype=float), np.ones(w) / w, mode="valid")  # index t -> epoch t + w
    peak = max(float(smooth.max()), 1e-8)
    for t in range(w, len(smooth)):
        if smooth[t] >= 0.5 * peak and abs(smooth[t] - smooth[t - w]) <= 0.02 * peak:
            return t + w
    return n


def elbo_plateau(losses: list[float], epochs: int) -> bool:
    """Has the smoothed training loss (-ELBO per row: reconstruction + KL) stopped improving?

    Decision (ours; the paper trains fixed epochs on tens of rows): with w as in
    `detect_critical_epoch` for the planned `epochs`, smooth the loss over w checkpoints; the
    loss has plateaued when, after at least max(6w, epochs / 3) checkpoints, the last 2w of
    them gained at most 1 % of what the run has gained since its first w. Only tables too
    large for one pass per checkpoint stop this way (`_Run.train`); smaller ones train every
    epoch, as the paper's did.
    """
    w = max(5, epochs // 20)
    if len(losses) < max(6 * w, epochs // 3):
        return False
    smooth = np.convolve(np.asarray(losses, dtype=float), np.ones(w) / w, mode="valid")
    gained, recent = smooth[0] - smooth[-1], smooth[-1 - 2 * w] - smooth[-1]
    return bool(gained > 0 and recent <= 0.01 * gained)


def hard_mi(vae: TabularVAE, expanded_r: np.ndarray) -> float:
    """Eq. 9 with Algorithm 1 on the current encoder weights, percent."""
    return clarity(greedy_match(hard_distance(vae.encoder_weights(), expanded_r)))


def fit(table: PreparedTable, semantics: SemanticMatrix, config: TrainConfig | None = None,
        on_epoch: OnEpoch | None = None, should_stop: Callable[[], bool] | None = None):
    """Train, find the critical point, fine-tune for clarity; return a FittedModel."""
    config = (config or TrainConfig()).check()
    latent_dim = config.latent_dim if config.latent_dim is not None else len(semantics.names)
    if latent_dim < 1:
        raise InputError(msg("train.no_latent"))
    limits.whole("latent_dim (by default one per semantic)", latent_dim, 1, limits.MAX_LATENT_DIM)
    if semantics.names and not semantics.usable(table.features).any():
        raise InputError(msg("r.nothing_usable"))
    device = resolve_device(config.device)
    generator = torch.Generator().manual_seed(config.seed)   # weights, shuffles and noise of this run only
    transformer = TableTransformer().fit(table)
    x = torch.from_numpy(transformer.transform(table.frame)).to(device)
    expanded_r = semantics.expand(transformer.layout_)
    vae = build_vae(config, transformer.n_columns, latent_dim, expanded_r, generator).to(device)
    layout = LossLayout.from_spans(transformer.layout_)
    layout = LossLayout(*(t.to(device) for t in layout.__dict__.values()))
    run = _Run(vae, x, layout, config, generator, on_epoch, should_stop)

    snapshots = run.train(config.epochs, expanded_r)
    critical = config.critical_epoch or detect_critical_epoch([r.kl for r in run.history])
    # within the epochs (TrainConfig.check); fewer snapshots only when the loss became NaN (a note says so)
    critical = min(critical, len(snapshots))
    vae.load_state_dict(snapshots[critical - 1])
    notes = list(run.notes)
    mi_before = None
    if config.finetune_epochs > 0:
        at_stop = run.history[critical - 1]
        mi_before = hard_mi(vae, expanded_r)
        mirror = copy.deepcopy(vae)   # §1.5: a mirror model takes the weights at the stopping point
        run = _Run(mirror, x, layout, config, torch.Generator().manual_seed(config.seed + 1),
                   on_epoch, should_stop, history=run.history)
        run.finetune(config.finetune_epochs, expanded_r,
                     eta(at_stop.recon, at_stop.kl, mi_before), first_epoch=critical + 1)
        vae, notes = mirror, notes + run.notes
    ties = find_ties(table, transformer.layout_, semantics.together)   # columns read off another
    notes = notes + [msg("train.bands", pairs=", ".join(ties.pairs()))] if ties else notes
    model = FittedModel(transformer, vae, semantics, config, run.history, critical, mi_before, notes,
                        input_columns=table.columns, unmodelled=list(table.unmodelled), bands=ties.bands,
                        label_maps=ties.label_maps, number_maps=ties.number_maps)
    if config.detail_dim:
        return _with_detail(model, table, x, layout, expanded_r, on_epoch, should_stop)
    return _finished(model, x)


def _finished(model: FittedModel, x: torch.Tensor) -> FittedModel:
    """`model`, in place, on the CPU with what generation needs, from the training rows `x`: the
    aggregate posterior, the residual std and the calibration."""
    vae, x = model.vae.cpu().eval(), x.cpu()
    model.vae, model.residual_std = vae, residual_std(vae, x)
    model.latents = latent_distribution(vae, x, seed=model.config.seed)
    model.calibration = calibrate(model, x.numpy(), seed=model.config.seed)
    return model


DETAIL_KL_WEIGHTS = (1.0, 0.2)   # the candidates when TrainConfig.detail_kl_weight is None
SCORE_ROWS = (1_000, 5_000)      # rows generated, and real rows at most, to score a candidate


def _with_detail(model: FittedModel, table: PreparedTable, x: torch.Tensor, layout: LossLayout,
                 expanded_r: np.ndarray, on_epoch: OnEpoch | None, should_stop: Callable[[], bool] | None
                 ) -> FittedModel:
    """The model with detail latents (`fit_detail`), their KL weight chosen by measurement.

    Our decision (docs/method.md, "Detail latents"): with `detail_kl_weight` None, a detail path
    is trained for each weight of DETAIL_KL_WEIGHTS from the same fine-tuned model, and the one
    whose generated rows score the highest fidelity (core.evaluation.fidelity) against the
    training rows is kept, or none when the semantic model alone scores higher. A note says which."""
    fixed = model.config.detail_kl_weight is not None
    if not fixed:   # scored first: `_finished` puts the shared fine-tuned weights in eval mode, as copied below
        alone = _finished(replace(model, config=replace(model.config, detail_latents=0)), x)
        alone_score = _training_fidelity(alone, table)
    configs = [replace(model.config, detail_kl_weight=weight)
               for weight in ((model.config.detail_kl_weight,) if fixed else DETAIL_KL_WEIGHTS)]
    vaes = [copy.deepcopy(model.vae).to(x.device) for _ in configs]
    histories = [list(model.history) for _ in configs]
    notes = fit_detail(vaes, x, layout, configs, expanded_r, on_epoch, should_stop, histories)
    candidates = [_finished(replace(model, vae=vae, config=config, history=history, notes=model.notes + more), x)
                  for vae, config, history, more in zip(vaes, configs, histories, notes)]
    if fixed:
        return candidates[0]
    scored = [(_training_fidelity(candidate, table), candidate) for candidate in candidates]
    best_score, best = max(scored, key=lambda pair: pair[0])   # the first of equals, as the weights are listed
    if alone_score >= best_score:
        alone.notes = alone.notes + [msg("train.detail_none", alone=f"{alone_score:.3f}", score=f"{best_score:.3f}")]
        return alone
    best.notes = best.notes + [msg("train.detail_chosen", weight=f"{best.config.detail_kl_weight:g}",
                                   score=f"{best_score:.3f}", alone=f"{alone_score:.3f}")]
    return best


def _training_fidelity(model: FittedModel, table: PreparedTable) -> float:
    """Overall fidelity of generated rows against (a seeded sample of) the training rows."""
    real = table.frame
    if len(real) > SCORE_ROWS[1]:
        real = real.sample(SCORE_ROWS[1], random_state=model.config.seed)
    rows = generate(model, int(np.clip(len(table.frame), *SCORE_ROWS)), seed=model.config.seed)
    return fidelity(real, rows, model.transformer.layout_).score


def fit_detail(vaes: list[TabularVAE], x: torch.Tensor, layout: LossLayout, configs: list[TrainConfig],
               expanded_r: np.ndarray, on_epoch: OnEpoch | None, should_stop: Callable[[], bool] | None,
               histories: list[list[EpochRecord]]) -> list[list[Message]]:
    """Attach `detail_dim` detail latents (core.vae.DetailPath) to each of `vaes`, copies of one
    trained, fine-tuned model, and train each with its config's `detail_kl_weight` for
    `detail_checkpoints` at most, the rest frozen; appends to its history; returns its notes.

    Our addition (the paper stops after fine-tuning; docs/method.md, "Detail latents"): the loss
    is the ELBO of §1.1 again, reconstruction plus KL over every latent, the detail latents' KL
    weighted by `detail_kl_weight` (a beta-VAE term; the history records it weighted), but
    only the detail path learns. The semantic latents, their decoder blocks and the encoder weights of Eq. 2-4
    keep their values, so MI, the matching and every slider's effect stay what fine-tuning left.

    The candidates train in lockstep (`_Details`): they draw the same initial weights, batches and
    noise, as separate runs from the same seed would, so each ends exactly as it would alone,
    while the frozen semantic half of every step is computed once for all of them."""
    frozen = [p for vae in vaes for p in vae.parameters() if p.requires_grad]
    for parameter in frozen:
        parameter.requires_grad_(False)
    config = configs[0]
    generator = torch.Generator().manual_seed(config.seed + 2)
    first = vaes[0].attach_detail(config.detail_dim, config.detail_units, generator).to(x.device)
    for vae in vaes[1:]:
        vae.detail = copy.deepcopy(first)   # the same initial weights for every candidate
    try:
        return _Details(vaes, x, layout, configs, generator, expanded_r, histories).train(on_epoch, should_stop)
    finally:
        for parameter in frozen:
            parameter.requires_grad_(True)


class _Details:
    """`fit_detail`'s checkpoints for its candidates at once. Each step computes the frozen
    semantic encoder and decoder once, then each live candidate's detail path and loss; one
    backward pass and one Adam step serve all of them (their parameters are disjoint, so each
    gets exactly its own gradient and update). A candidate leaves the step on a non-finite loss
    (its last good weights kept, a note) or, on a table larger than a checkpoint, at the loss
    plateau, as `_Run.train` stops. `on_epoch` reports the first live candidate's checkpoints."""

    def __init__(self, vaes, x, layout, configs, generator, expanded_r, histories):
        self.vaes, self.layout, self.histories = vaes, layout, histories
        self.semantic = vaes[0]   # every copy holds the same frozen semantic weights
        config = configs[0]
        self.checkpoints = config.detail_checkpoints
        self.generator, self.batches = generator, Batches(x, config.batch_size, config.checkpoint_steps, generator)
        self.optimizer = Adam([p for vae in vaes for p in vae.detail.parameters()], lr=config.learning_rate)
        dim = vaes[0].semantic_dim
        self.kl_weights = [torch.tensor([1.0] * dim + [c.detail_kl_weight] * c.detail_dim, device=x.device)
                           for c in configs]
        self.mi = hard_mi(self.semantic, expanded_r)   # the encoder of Eq. 2-4 is frozen: MI stays
        self.notes: list[list[Message]] = [[] for _ in vaes]

    def train(self, on_epoch: OnEpoch | None, should_stop: Callable[[], bool] | None) -> list[list[Message]]:
        live = list(range(len(self.vaes)))
        start = len(self.histories[0])
        first = self.histories[0][-1].epoch + 1 if self.histories[0] else 1
        for vae in self.vaes:
            vae.train()
        for epoch in range(first, first + self.checkpoints):
            good = {k: [p.detach().clone() for p in self.vaes[k].detail.parameters()] for k in live}
            if should_stop is not None and should_stop():
                raise TrainingCancelled(f"training cancelled at epoch {epoch}")
            sums = {k: [0.0, 0.0] for k in live}
            n = 0
            for rows in self.batches.checkpoint():
                losses = self._step(rows, [k for k in live if k in sums])
                for k, (recon, kl) in losses.items():
                    if recon is None:   # not finite: back to the checkpoint's start, and out
                        self.notes[k].append(msg("train.nan_stop.detail", epoch=epoch))
                        with torch.no_grad():
                            for parameter, saved in zip(self.vaes[k].detail.parameters(), good[k]):
                                parameter.copy_(saved)
                        del sums[k]
                    else:
                        sums[k][0] += recon * len(rows)
                        sums[k][1] += kl * len(rows)
                n += len(rows)
            live = [k for k in live if k in sums]
            for k in live:
                self.histories[k].append(EpochRecord(epoch, "detail", sums[k][0] / n, sums[k][1] / n, self.mi))
            if live and on_epoch is not None:
                record = self.histories[live[0]][-1]
                on_epoch(record.epoch, record.phase, record.recon, record.kl, record.mi)
            if self.batches.partial:
                live = [k for k in live if not elbo_plateau([r.recon + r.kl for r in self.histories[k][start:]],
                                                            self.checkpoints)]
            if not live:
                break
        return self.notes

    def _step(self, rows: torch.Tensor, live: list[int]) -> dict[int, tuple[float | None, float | None]]:
        """One optimisation step of the `live` candidates on `rows`: {candidate: (recon, kl)},
        (None, None) for one whose loss is not finite (it takes no step)."""
        with torch.no_grad():
            mu, logvar = self.semantic.encode_semantic(rows)
        # drawn on the CPU for every latent at once, as TabularVAE.reparameterize draws them
        noise = torch.randn((len(rows), self.vaes[0].latent_dim), generator=self.generator,
                            dtype=mu.dtype).to(mu.device)
        dim = mu.shape[1]
        with torch.no_grad():
            semantic_out = self.semantic.decoder(mu + torch.exp(0.5 * logvar) * noise[:, :dim])
        total, out = 0.0, {}
        for k in live:
            detail = self.vaes[k].detail
            detail_mu, detail_logvar = detail.encode(rows)
            z = detail_mu + torch.exp(0.5 * detail_logvar) * noise[:, dim:]
            recon = reconstruction_loss(semantic_out + detail.decoder(z), rows, self.layout)
            kl = kl_divergence(torch.cat([mu, detail_mu], dim=1), torch.cat([logvar, detail_logvar], dim=1),
                               self.kl_weights[k])
            if not torch.isfinite(recon + kl):
                out[k] = (None, None)
                continue
            total = total + (recon + kl)
            out[k] = (recon.item(), kl.item())
        if torch.is_tensor(total):
            self.optimizer.zero_grad()
            total.backward()
            self.optimizer.step()
        return out


class Batches:
    """Mini-batches from a shuffled stream of the rows, one checkpoint at a time.

    Decision (the paper trains fixed epochs on tens of rows): a checkpoint, one point of the
    curves and one "epoch" of the critical point and fine-tuning, is a full pass over the rows
    when that takes at most `steps` mini-batches, else `steps` mini-batches that continue the
    stream (it reshuffles when it runs out). Small tables train exactly as before; a table of
    any size costs at most (epochs + finetune_epochs) x steps optimisation steps.
    """

    def __init__(self, x: torch.Tensor, batch_size: int, steps: int, generator: torch.Generator):
        self.x, self.generator = x, generator
        n = x.shape[0]
        self.batch = batch_size if batch_size > 0 else n
        self.steps = max(1, min(-(-n // self.batch), steps))
        self.partial = self.steps * self.batch < n   # a checkpoint sees part of the rows
        self.order, self.position = None, n

    def checkpoint(self):
        n = self.x.shape[0]
        for _ in range(self.steps):
            if self.position >= n:
                self.order = torch.randperm(n, generator=self.generator).to(self.x.device)
                self.position = 0
            rows = self.x[self.order[self.position:self.position + self.batch]]
            self.position += self.batch
            yield rows


class _Run:
    """One phase of training over one model; appends to a shared history."""

    def __init__(self, vae, x, layout, config, generator, on_epoch, should_stop,
                 history=None):
        self.vae, self.x, self.layout, self.config = vae, x, layout, config
        self.generator, self.on_epoch, self.should_stop = generator, on_epoch, should_stop
        self.history = history if history is not None else []
        self.notes: list[str] = []
        self.distance: np.ndarray | None = None   # hard D of the current weights, once an epoch scored them
        self.optimizer = Adam(vae.parameters(), lr=config.learning_rate)
        self.batches = Batches(x, config.batch_size, config.checkpoint_steps, generator)

    def train(self, epochs: int, expanded_r: np.ndarray) -> list[dict]:
        """Plain VAE training; returns a weight snapshot per epoch (to restore the critical one).
        On a table larger than a checkpoint it stops early once the loss plateaus (`elbo_plateau`)."""
        snapshots = []
        for epoch in range(1, epochs + 1):
            if not self._epoch(epoch, "train", expanded_r):
                if not snapshots:
                    raise InputError(msg("train.diverged"))
                self.vae.load_state_dict(snapshots[-1])
                break
            snapshots.append({k: v.detach().clone() for k, v in self.vae.state_dict().items()})
            if (self.batches.partial and epoch < epochs and self.config.critical_epoch is None
                    and elbo_plateau([r.recon + r.kl for r in self.history], epochs)):
                self.notes.append(msg("train.plateau", epoch=epoch, epochs=epochs))
                break
        return snapshots

    def finetune(self, epochs: int, expanded_r: np.ndarray, eta_value: float, first_epoch: int):
        r = torch.as_tensor(expanded_r, dtype=torch.float32, device=self.x.device)
        temperature = self.config.temperature / self.vae.latent_dim
        for epoch in range(first_epoch, first_epoch + epochs):
            good = {k: v.detach().clone() for k, v in self.vae.state_dict().items()}
            # the weights have not moved since the last epoch scored them
            hard = self.distance if self.distance is not None else hard_distance(self.vae.encoder_weights(),
                                                                                 expanded_r)
            if self.config.mode == "semantic":   # the decoder fixes the pairing: latent j <-> semantic j
                matches = [Match(j, j, float(hard[j, j])) for j in range(min(hard.shape))]
            else:                                # Algorithm 1, held fixed within the step
                matches = greedy_match(hard)

            def extra():   # Eq. 10: the clarity term joins reconstruction + KL
                return clarity_loss([l.weight for l in self.vae.encoder_linears()], r, matches,
                                    eta_value, temperature)
            if not self._epoch(epoch, "finetune", expanded_r, extra):
                self.vae.load_state_dict(good)
                break
            target = self.config.target_mi
            if target is not None and self.history[-1].mi >= target:
                self.notes.append(msg("train.target_reached", epoch=epoch, target=f"{target:g}"))
                break

    def _epoch(self, epoch: int, phase: str, expanded_r, extra=None) -> bool:
        """One checkpoint's worth of steps (`Batches`); False (and a note) when the loss is not finite.
        The recorded recon and KL are running means over the rows of its mini-batches."""
        if self.should_stop is not None and self.should_stop():
            raise TrainingCancelled(f"training cancelled at epoch {epoch}")
        if not self.vae.training:   # .train() walks every module: once, not every checkpoint
            self.vae.train()
        recon_sum = kl_sum = 0.0
        n = 0
        for rows in self.batches.checkpoint():
            x_hat, mu, logvar = self.vae(rows, self.generator)
            recon, kl = reconstruction_loss(x_hat, rows, self.layout), kl_divergence(mu, logvar)
            free_bits = self.config.semantic_free_bits   # the curves record the KL itself
            kl_term = kl_with_free_bits(mu, logvar, free_bits) if free_bits else kl
            loss = recon + kl_term + (extra() if extra is not None else 0.0)
            if not torch.isfinite(loss):
                self.notes.append(msg(f"train.nan_stop.{phase}", epoch=epoch))
                return False
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            recon_sum += recon.item() * len(rows)
            kl_sum += kl.item() * len(rows)
            n += len(rows)
        self.distance = hard_distance(self.vae.encoder_weights(), expanded_r)   # (L, K) after this epoch
        record = EpochRecord(epoch, phase, recon_sum / n, kl_sum / n, clarity(greedy_match(self.distance)))
        self.history.append(record)
        if self.on_epoch is not None:
            self.on_epoch(record.epoch, record.phase, record.recon, record.kl, record.mi)
        return True

