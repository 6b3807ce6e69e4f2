"""A trained model with everything needed to score, generate and save it."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from core.matching import Scores, score
from core.messages import Message
from core.passthrough import Passthrough, complete
from core.semantics import SemanticMatrix
from core.training import EpochRecord, TrainConfig
from core.transformer import TableTransformer
from core.vae import TabularVAE


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

    @property
    def columns(self) -> list[str]:
        """Every input column, in input order (the modelled ones when the input is unknown)."""
        return self.input_columns or self.transformer.features_

    def unmodelled_reasons(self) -> dict[str, Message]:
        return {column.name: column.reason for column in self.unmodelled}

    def complete(self, rows: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
        """Generated rows with every input column, in input order (see core.passthrough)."""
        return complete(rows, self.columns, self.unmodelled, seed)

    @property
    def latent_dim(self) -> int:
        return self.vae.latent_dim

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
            owned = {name: j for j, name in enumerate(self.semantics.names[:self.latent_dim])}
            return {i: owned[name] for i, name in enumerate(semantics.names) if name in owned}
        return {m.semantic: m.latent for m in self.score(semantics).matches}
