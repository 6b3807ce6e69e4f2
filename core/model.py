"""The model: its settings (`TrainConfig`), how it is built (`build_vae`), its training record
(`EpochRecord`), and a trained model with everything needed to score, generate and save it
(`FittedModel`). Training itself is core.training."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch

from core import limits
from core.bands import Band, LabelMap, NumberMap
from core.device import DEVICES
from core.errors import InputError
from core.latents import Gaussian, LatentDistribution, PosteriorMixture
from core.matching import Scores, score
from core.messages import Message, msg
from core.passthrough import Passthrough, complete
from core.semantics import SemanticMatrix
from core.transformer import TableTransformer
from core.vae import TabularVAE


def _widest(hidden: tuple[int, ...]) -> int:
    """Units of the widest hidden layer; 64 for a network without hidden layers."""
    return max(hidden, default=64)


@dataclass
class TrainConfig:
    latent_dim: int | None = None        # None: one latent per semantic, as in the paper
    hidden: tuple[int, ...] = (64,)      # one hidden layer, like the paper's example
    epochs: int = 300                    # first phase; the KL critical point lies within it
    finetune_epochs: int = 200           # clarity fine-tuning (Eq. 10-12); 0 skips it
    learning_rate: float = 3e-3          # Adam
    batch_size: int = 64                 # tables of tens of rows train full-batch
    checkpoint_steps: int = 16           # mini-batches per checkpoint ("epoch") at most: a full pass
                                         # up to 1,024 rows, a bounded cost beyond (training.Batches)
    seed: int = 0
    target_mi: float | None = None       # percent; fine-tuning stops once hard MI reaches it
    critical_epoch: int | None = None    # overrides the detected critical point
    temperature: float = 0.1             # surrogate sigmoid width, in units of 1/L
    device: str = "auto"                 # "auto" (a GPU when one exists), "cpu" or "cuda"
    mode: str = "semantic"               # "semantic": decoder masked per semantic (controllable
                                         # sliders, benchmarks/MODES.md); "paper": the paper's plain VAE
    detail_latents: int = 8              # semantic mode: latents of the detail path (vae.DetailPath),
                                         # trained after fine-tuning; 0 leaves it out (benchmarks/FIDELITY.md)
    detail_epochs: int | None = None     # checkpoints of detail training at most (None: `epochs`)
    free_bits: float = 0.1               # semantic mode: nats of each semantic latent's KL that cost
                                         # nothing (vae.kl_with_free_bits), so no slider collapses; 0: none
    detail_kl_weight: float | None = None   # beta of the detail latents' KL term; None: chosen by
                                            # measurement (training.DETAIL_KL_WEIGHTS; docs/method.md)
    detail_hidden: int | None = None     # hidden units of the detail path; None: twice the widest
                                         # layer, 128 by default (`detail_units`, docs/method.md)

    def to_dict(self) -> dict:
        return {**self.__dict__, "hidden": list(self.hidden)}

    def check(self, name: Callable[[str], str] = str) -> "TrainConfig":
        """Self if every setting is within `core.limits`, else an InputError naming the setting
        (as `name(field)` calls it, e.g. "--epochs" on the command line) and the limit. Never clamps."""
        if self.latent_dim is not None:
            limits.whole(name("latent_dim"), self.latent_dim, 1, limits.MAX_LATENT_DIM)
        if not isinstance(self.hidden, (tuple, list)):
            raise InputError(msg("limit.whole", name=name("hidden"), value=repr(self.hidden)[:40]))
        limits.whole(f"{name('hidden')} (layers)", len(self.hidden), 0, limits.MAX_HIDDEN_LAYERS)
        for size in self.hidden:
            limits.whole(name("hidden"), size, 1, limits.MAX_HIDDEN_UNITS)
        limits.whole(name("epochs"), self.epochs, 1, limits.MAX_EPOCHS)
        limits.whole(name("finetune_epochs"), self.finetune_epochs, 0, limits.MAX_EPOCHS)
        limits.whole(name("detail_latents"), self.detail_latents, 0, limits.MAX_LATENT_DIM)
        limits.number(name("free_bits"), self.free_bits, 0, limits.MAX_FREE_BITS)
        if self.detail_kl_weight is not None:
            limits.number(name("detail_kl_weight"), self.detail_kl_weight, 0, 1, low_open=True)
        if self.detail_epochs is not None:
            limits.whole(name("detail_epochs"), self.detail_epochs, 1, limits.MAX_EPOCHS)
        if self.detail_hidden is not None:
            limits.whole(name("detail_hidden"), self.detail_hidden, 1, limits.MAX_HIDDEN_UNITS)
        limits.number(name("learning_rate"), self.learning_rate, 0, limits.MAX_LEARNING_RATE, low_open=True)
        limits.whole(name("batch_size"), self.batch_size, 0, limits.MAX_BATCH_SIZE)
        limits.whole(name("checkpoint_steps"), self.checkpoint_steps, 1, limits.MAX_CHECKPOINT_STEPS)
        limits.whole(name("seed"), self.seed, 0, limits.MAX_SEED)
        if self.target_mi is not None:
            limits.number(name("target_mi"), self.target_mi, 0, 100)
        if self.critical_epoch is not None:   # the critical point lies within the first phase
            limits.whole(name("critical_epoch"), self.critical_epoch, 1, self.epochs)
        limits.number(name("temperature"), self.temperature, 0, limits.MAX_TEMPERATURE, low_open=True)
        if self.device not in DEVICES:
            raise InputError(f"{name('device')} must be one of {', '.join(DEVICES)} (got {self.device!r:.40})")
        if self.mode not in MODES:
            raise InputError(f"{name('mode')}: unknown mode {str(self.mode)[:40]!r}; choose one of: {', '.join(MODES)}")
        return self

    @classmethod
    def from_dict(cls, data: dict) -> "TrainConfig":
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        if known.get("latent_dim") == 0 and not isinstance(known["latent_dim"], bool):
            known["latent_dim"] = None   # files written when latent_dim 0 meant "one per semantic"
        # files written before modes existed hold the paper's plain VAE; before detail latents and
        # free bits, none of either; before detail_hidden, a detail path as wide as the widest layer
        hidden = tuple(known.get("hidden", (64,)))
        return cls(**{"mode": "paper", "detail_latents": 0, "free_bits": 0.0,
                      "detail_hidden": _widest(hidden), **known, "hidden": hidden})

    @property
    def detail_checkpoints(self) -> int:
        """Checkpoints of detail training at most (every KL weight tried trains in the same ones,
        training.fit_detail): none without detail latents."""
        return (self.epochs if self.detail_epochs is None else self.detail_epochs) if self.detail_dim else 0

    @property
    def semantic_free_bits(self) -> float:
        """Free bits of the semantic latents: `free_bits` in semantic mode, none in paper mode (the paper's ELBO)."""
        return self.free_bits if self.mode == "semantic" else 0.0

    @property
    def detail_units(self) -> int:
        """Hidden units of the detail path: `detail_hidden`, or twice the widest layer (128 by
        default, and without hidden layers). Our decision, by measurement (docs/method.md "Detail
        latents"): as wide as the widest layer, it left small wide tables behind the paper mode
        (Cars93 by 0.0058)."""
        return self.detail_hidden if self.detail_hidden is not None else 2 * _widest(self.hidden)

    @property
    def detail_dim(self) -> int:
        """Detail latents the model has: `detail_latents` in semantic mode, none in paper mode."""
        return self.detail_latents if self.mode == "semantic" else 0


@dataclass(frozen=True)
class EpochRecord:
    epoch: int
    phase: str      # "train" or "finetune"
    recon: float
    kl: float
    mi: float       # hard MI of Eq. 9, percent


MODES = ("semantic", "paper")   # the default first


def build_vae(config: TrainConfig, n_inputs: int, latent_dim: int, expanded_r: np.ndarray,
              generator: torch.Generator | None = None, detail: bool = False) -> TabularVAE:
    """The VAE for `config.mode` with `latent_dim` semantic latents; in "semantic" mode semantic j
    owns latent j (j < L). `detail`: with `config.detail_dim` detail latents attached (a saved model)."""
    if config.mode not in MODES:
        raise InputError(msg("train.unknown_mode", mode=config.mode, modes=", ".join(MODES)))
    column_latents = None
    if config.mode == "semantic":
        column_latents = torch.zeros((n_inputs, latent_dim), dtype=torch.bool)
        k = min(latent_dim, expanded_r.shape[0])
        column_latents[:, :k] = torch.as_tensor(expanded_r[:k].T > 0)
    vae = TabularVAE(n_inputs, latent_dim, tuple(config.hidden), generator, column_latents)
    if detail and config.detail_dim:
        vae.attach_detail(config.detail_dim, config.detail_units, generator)
    return vae


def latent_distribution(vae: TabularVAE, x: torch.Tensor, seed: int = 0) -> PosteriorMixture:
    """The aggregate posterior of the training rows `x` as generation draws from it (core.latents)."""
    with torch.no_grad():
        mu, logvar = vae.encode(x)
    return PosteriorMixture.fit(mu.double().numpy(), logvar.double().numpy(), seed)


def residual_std(vae: TabularVAE, x: torch.Tensor) -> np.ndarray:
    """Per encoded column, the std of what the decoder cannot explain: x - decode(mu(x))."""
    with torch.no_grad():
        mu, _ = vae.encode(x)
        return (x - vae.decode(mu)).std(dim=0, unbiased=False).numpy().astype(np.float64)



@dataclass
class FittedModel:
    transformer: TableTransformer
    vae: TabularVAE
    semantics: SemanticMatrix            # the R the model was fine-tuned towards
    config: TrainConfig
    history: list[EpochRecord]
    critical_epoch: int
    mi_before_finetune: float | None     # hard MI (%) at the critical point, None without fine-tuning
    notes: list[Message] = field(default_factory=list)   # e.g. "stopped early: target MI reached"
    # (N,) std of x - decode(mu(x)) on the training rows, standardised units; numeric
    # columns draw their noise from it when rows are generated (see core.generation)
    residual_std: np.ndarray | None = None
    input_columns: list[str] = field(default_factory=list)     # every column of the input table, in order
    unmodelled: list[Passthrough] = field(default_factory=list)   # input columns the model does not use
    # what the latents are drawn from (`latent_distribution`); None in models saved before it: N(0, I)
    latents: LatentDistribution | None = None
    # numeric column -> (2, Q) quantiles, standardised: generated values, then the real ones
    # (core.generation.calibrate_numbers); empty in models saved before it
    calibration: dict[str, np.ndarray] = field(default_factory=dict)
    # label columns read off a number in the training rows (core.bands), which generated rows
    # keep; empty in models saved before them
    bands: list[Band] = field(default_factory=list)
    # label columns read off another label column (core.bands), likewise
    label_maps: list[LabelMap] = field(default_factory=list)
    # number columns read off another number column (core.bands), likewise
    number_maps: list[NumberMap] = field(default_factory=list)

    @property
    def columns(self) -> list[str]:
        """Every input column, in input order (the modelled ones when the input is unknown)."""
        return self.input_columns or self.transformer.features_

    def unmodelled_reasons(self) -> dict[str, Message]:
        return {column.name: column.reason for column in self.unmodelled}

    def complete(self, rows: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
        """Generated rows as the survey writes them (dates as dates), with every input column, in
        input order (see core.passthrough)."""
        return complete(self.transformer.written(rows), self.columns, self.unmodelled, seed)

    @property
    def latent_dim(self) -> int:
        """Every latent a row is drawn with: the semantic ones, then the detail ones."""
        return self.vae.latent_dim

    @property
    def semantic_dim(self) -> int:
        """The latents of Eq. 2-4 (C, D, MI and the sliders): all but the detail latents."""
        return self.vae.semantic_dim

    def latent_prior(self) -> LatentDistribution:
        """What latents are drawn from: the aggregate posterior (core.latents), else N(0, I)."""
        return self.latents or Gaussian.standard(self.latent_dim)

    def score(self, semantics: SemanticMatrix | None = None) -> Scores:
        """C, B, D, both matchings and MI for ANY R, without retraining."""
        semantics = semantics or self.semantics
        return score(self.vae.encoder_weights(), semantics.expand(self.transformer.layout_))

    def slider_latents(self, semantics: SemanticMatrix | None = None) -> dict[int, int]:
        """semantic index (in `semantics`) -> the latent its slider moves.

        Paper mode: Algorithm 1's greedy match of `semantics`. "semantic" mode: the
        decoder's blocks belong to the semantics it was trained with (semantic j owns
        latent j), whatever R is being scored now, so sliders follow the name; a
        semantic the model was not trained with gets no slider.
        """
        semantics = semantics or self.semantics
        if self.config.mode == "semantic":
            owned = {name: j for j, name in enumerate(self.semantics.names[:self.semantic_dim])}
            return {i: owned[name] for i, name in enumerate(semantics.names) if name in owned}
        return {m.semantic: m.latent for m in self.score(semantics).matches}
