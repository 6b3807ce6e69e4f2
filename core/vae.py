"""The variational autoencoder of §1.1, with a loss per column type.

encoder: x -> hidden layers -> (mu, logvar);  z = mu + sigma * e;  decoder: z -> hidden -> x_hat.
The paper's example has one hidden layer each side; any number works.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from core.transformer import Span


class TabularVAE(nn.Module):
    """`column_latents` (N, L) bool, optional: which latents may reach each encoded
    column. Given, the decoder is masked per semantic (see `masked_decoder`).

    `attach_detail(D)` adds D detail latents after the L semantic ones (`DetailPath`):
    `latent_dim` is then L + D, while the encoder weights of Eq. 2-4 stay those of the L."""

    def __init__(self, n_inputs: int, latent_dim: int, hidden: tuple[int, ...] = (64,),
                 generator: torch.Generator | None = None, column_latents: torch.Tensor | None = None):
        super().__init__()
        sizes = [n_inputs, *hidden]
        self.encoder = _mlp(sizes)
        self.mu_head = nn.Linear(sizes[-1], latent_dim)
        self.logvar_head = nn.Linear(sizes[-1], latent_dim)
        if column_latents is None:
            self.decoder = nn.Sequential(_mlp([latent_dim, *reversed(hidden)]),
                                         nn.Linear(hidden[0] if hidden else latent_dim, n_inputs))
        else:
            self.decoder = masked_decoder(column_latents, tuple(reversed(hidden)))
        self.n_inputs = n_inputs
        self.semantic_dim = latent_dim
        self.detail: DetailPath | None = None
        self.reset_parameters(generator)

    def attach_detail(self, dim: int, hidden: int, generator: torch.Generator | None = None) -> "DetailPath":
        """Add the detail path (`DetailPath`) of `dim` latents; returns it."""
        self.detail = DetailPath(self.n_inputs, dim, hidden)
        self.detail.reset_parameters(generator)
        return self.detail

    @property
    def latent_dim(self) -> int:
        """Every latent: the semantic ones, then the detail ones."""
        return self.semantic_dim + (0 if self.detail is None else self.detail.mu_head.out_features)

    def reset_parameters(self, generator: torch.Generator | None) -> None:
        _reset_linears(self, generator)

    def encode_semantic(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """mu and logvar of the semantic latents alone, (B, L) each."""
        h = self.encoder(x)                                 # (B, hidden[-1])
        return self.mu_head(h), self.logvar_head(h)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mu, logvar = self.encode_semantic(x)                # (B, L), (B, L)
        if self.detail is None:
            return mu, logvar
        detail_mu, detail_logvar = self.detail.encode(x)
        return torch.cat([mu, detail_mu], dim=1), torch.cat([logvar, detail_logvar], dim=1)

    def reparameterize(self, mu, logvar, generator: torch.Generator | None = None):
        # drawn on the CPU from this run's generator, so a GPU run samples the same noise
        noise = torch.randn(mu.shape, generator=generator, dtype=mu.dtype).to(mu.device)
        return mu + torch.exp(0.5 * logvar) * noise

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        out = self.decoder(z[:, :self.semantic_dim])        # (B, n_inputs): numbers and logits
        return out if self.detail is None else out + self.detail.decoder(z[:, self.semantic_dim:])

    def forward(self, x, generator: torch.Generator | None = None):
        mu, logvar = self.encode(x)
        return self.decode(self.reparameterize(mu, logvar, generator)), mu, logvar

    def encoder_linears(self) -> list[nn.Linear]:
        """The Linear layers from the input to the mu head, in order (Eq. 1-4 walk these)."""
        return [m for m in self.encoder if isinstance(m, nn.Linear)] + [self.mu_head]

    def encoder_weights(self) -> list[np.ndarray]:
        """The (out, in) weights of `encoder_linears()` as float64 arrays: the inputs of Eq. 2-4."""
        return [layer.weight.detach().cpu().double().numpy() for layer in self.encoder_linears()]

    def encoder_weight_names(self) -> list[str]:
        """state_dict names of `encoder_linears()` weights, as stored in model.safetensors."""
        names = {id(p): name for name, p in self.named_parameters()}
        return [names[id(layer.weight)] for layer in self.encoder_linears()]


class DetailPath(nn.Module):
    """Detail latents (our addition, docs/method.md "Detail latents"): a small VAE beside the
    semantic one. Its encoder reads the whole row; its decoder adds to every column's output:

        x_hat = decoder(z_semantic) + detail.decoder(z_detail)

    It is trained after the semantic model, whose weights it leaves alone
    (core.training.fit_detail), so it learns only what the semantic latents leave out: the
    relations between semantic groups and the detail within them. No slider moves it."""

    def __init__(self, n_inputs: int, dim: int, hidden: int):
        super().__init__()
        self.encoder = _mlp([n_inputs, hidden])
        self.mu_head = nn.Linear(hidden, dim)
        self.logvar_head = nn.Linear(hidden, dim)
        self.decoder = nn.Sequential(_mlp([dim, hidden]), nn.Linear(hidden, n_inputs))

    def reset_parameters(self, generator: torch.Generator | None) -> None:
        _reset_linears(self, generator)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.encoder(x)
        return self.mu_head(h), self.logvar_head(h)


def _reset_linears(module: nn.Module, generator: torch.Generator | None) -> None:
    """nn.Linear's default init, drawn from `generator` so that concurrent runs stay
    reproducible (the global RNG is shared by every thread of the process)."""
    for layer in module.modules():
        if isinstance(layer, nn.Linear):
            bound = 1.0 / math.sqrt(layer.in_features)
            with torch.no_grad():
                layer.weight.uniform_(-bound, bound, generator=generator)
                layer.bias.uniform_(-bound, bound, generator=generator)


class MaskedLinear(nn.Linear):
    """A Linear layer whose weight is multiplied by a fixed 0/1 mask (out, in)."""

    def __init__(self, mask: torch.Tensor):
        super().__init__(mask.shape[1], mask.shape[0])
        self.register_buffer("mask", mask.float())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return nn.functional.linear(x, self.weight * self.mask, self.bias)


def masked_decoder(column_latents: torch.Tensor, hidden: tuple[int, ...]) -> nn.Sequential:
    """The "semantic" mode's decoder (our addition, docs/method.md "Semantic mode").

    One block of hidden units per latent, plus one shared block that sees every
    latent. Latent k reaches only its block; its block reaches only the columns of
    its semantic (`column_latents[:, k]`); columns of no semantic are decoded from
    the shared block alone. So moving latent k can change only its own semantic's
    features (and unassigned ones, such as a label).
    Block width: a quarter of each hidden size, at least 8 units.
    """
    n_columns, latent_dim = column_latents.shape
    n_blocks = latent_dim + 1                           # block L is the shared one
    widths = [max(8, h // 4) for h in hidden] or [8]
    block_of = [torch.arange(n_blocks).repeat_interleave(w) for w in widths]   # unit -> block
    sees_latent = torch.cat([torch.eye(latent_dim), torch.ones(1, latent_dim)]).bool()  # (blocks, L)
    layers: list[nn.Module] = [MaskedLinear(sees_latent[block_of[0]]), nn.ReLU()]
    for before, after in zip(block_of, block_of[1:]):
        layers += [MaskedLinear(after[:, None] == before[None, :]), nn.ReLU()]
    unassigned = ~column_latents.any(dim=1, keepdim=True)                     # (N, 1)
    column_blocks = torch.cat([column_latents, unassigned], dim=1)            # (N, blocks)
    layers.append(MaskedLinear(column_blocks[:, block_of[-1]]))
    return nn.Sequential(*layers)


def state_shapes(n_inputs: int, latent_dim: int, hidden: tuple[int, ...], masked: bool,
                 detail: int = 0, detail_units: int = 0) -> dict[str, tuple]:
    """The state_dict's names and shapes of `TabularVAE(n_inputs, latent_dim, hidden, column_latents=...)`
    (`masked`: with column_latents; `detail`: with that many detail latents attached, of
    `detail_units` hidden units, `latent_dim` counting the semantic ones only), computed without
    building it: the project loader compares them with model.safetensors before allocating anything."""
    if detail and detail_units < 1:
        raise ValueError("a detail path needs its hidden units: detail_units")
    shapes: dict[str, tuple] = {}

    def linear(prefix: str, n_in: int, n_out: int, mask: bool = False) -> None:
        shapes.update({f"{prefix}.weight": (n_out, n_in), f"{prefix}.bias": (n_out,)})
        if mask:
            shapes[f"{prefix}.mask"] = (n_out, n_in)

    sizes = [n_inputs, *hidden]
    for i, (n_in, n_out) in enumerate(zip(sizes, sizes[1:])):
        linear(f"encoder.{2 * i}", n_in, n_out)
    linear("mu_head", sizes[-1], latent_dim)
    linear("logvar_head", sizes[-1], latent_dim)
    if not masked:
        backwards = [latent_dim, *reversed(hidden)]
        for i, (n_in, n_out) in enumerate(zip(backwards, backwards[1:])):
            linear(f"decoder.0.{2 * i}", n_in, n_out)
        linear("decoder.1", hidden[0] if hidden else latent_dim, n_inputs)
        return shapes
    units = [(latent_dim + 1) * max(8, h // 4) for h in reversed(hidden)] or [(latent_dim + 1) * 8]
    for i, (n_in, n_out) in enumerate(zip([latent_dim, *units], [*units, n_inputs])):   # see masked_decoder
        linear(f"decoder.{2 * i}", n_in, n_out, mask=True)
    if detail:   # see DetailPath
        linear("detail.encoder.0", n_inputs, detail_units)
        linear("detail.mu_head", detail_units, detail)
        linear("detail.logvar_head", detail_units, detail)
        linear("detail.decoder.0.0", detail, detail_units)
        linear("detail.decoder.1", detail_units, n_inputs)
    return shapes


def _mlp(sizes: list[int]) -> nn.Sequential:
    layers: list[nn.Module] = []
    for n_in, n_out in zip(sizes, sizes[1:]):
        layers += [nn.Linear(n_in, n_out), nn.ReLU()]
    return nn.Sequential(*layers)


@dataclass
class LossLayout:
    """Index tensors built once from the transformer's layout, so the loss is vectorised."""
    numeric: torch.Tensor     # (n_numeric,) encoded column indices
    binary: torch.Tensor      # (n_binary,)
    onehot: torch.Tensor      # (n_groups, max_categories), padded with 0
    onehot_mask: torch.Tensor  # (n_groups, max_categories) True on real categories

    @classmethod
    def from_spans(cls, layout: list[Span]) -> "LossLayout":
        numeric, binary, groups, offset = [], [], [], 0
        for span in layout:   # walk the layout with a running offset, as CTGAN's TVAE does
            assert span.start == offset, f"layout gap before '{span.name}'"
            cols = list(range(span.start, span.value_stop))
            {"numeric": numeric, "binary": binary}.get(span.kind, groups).append(
                cols if span.kind == "onehot" else cols[0])
            if span.blank:   # whether the cell is blank: a binary column of its own
                binary.append(span.stop - 1)
            offset = span.stop
        width = max((len(g) for g in groups), default=1)
        onehot = torch.zeros((len(groups), width), dtype=torch.long)
        mask = torch.zeros((len(groups), width), dtype=torch.bool)
        for g, cols in enumerate(groups):
            onehot[g, :len(cols)] = torch.tensor(cols)
            mask[g, :len(cols)] = True
        n_used = len(numeric) + len(binary) + int(mask.sum())
        assert n_used == offset, f"loss uses {n_used} of {offset} encoded columns"
        return cls(torch.tensor(numeric, dtype=torch.long), torch.tensor(binary, dtype=torch.long),
                   onehot, mask)


def reconstruction_loss(x_hat: torch.Tensor, x: torch.Tensor, layout: LossLayout) -> torch.Tensor:
    """Sum over columns of the per-type negative log-likelihood, mean over rows.

    Decision (docs/method.md, "Loss per column type"): Gaussian with unit variance on standardised numbers
    (0.5 * squared error), BCE for binary columns, cross-entropy per one-hot group.
    """
    numeric = 0.5 * (x_hat[:, layout.numeric] - x[:, layout.numeric]).pow(2).sum(dim=1)
    binary = nn.functional.binary_cross_entropy_with_logits(
        x_hat[:, layout.binary], x[:, layout.binary], reduction="none").sum(dim=1)
    logits = x_hat[:, layout.onehot].masked_fill(~layout.onehot_mask, -1e9)   # (B, G, K)
    targets = x[:, layout.onehot] * layout.onehot_mask                       # padded -> 0
    onehot = -(targets * torch.log_softmax(logits, dim=-1)).sum(dim=(1, 2))
    return (numeric + binary + onehot).mean()


def kl_divergence(mu: torch.Tensor, logvar: torch.Tensor, weights: torch.Tensor | None = None) -> torch.Tensor:
    """KL(q(z|x) || N(0, I)), summed over latents, mean over rows; `weights` (L,), optional,
    scale each latent's term (the detail latents', `TrainConfig.detail_kl_weight`).

    Kingma & Welling (2014), Appendix B: -0.5 * sum(1 + log sigma^2 - mu^2 - sigma^2).
    """
    terms = _kl_terms(mu, logvar)
    return (terms if weights is None else terms * weights).sum(dim=1).mean()


def kl_with_free_bits(mu: torch.Tensor, logvar: torch.Tensor, free_bits: float) -> torch.Tensor:
    """The KL term of the training loss with `free_bits` nats per latent that cost nothing:
    sum_k max(free_bits, KL_k), KL_k latent k's KL averaged over the rows of the batch.

    Our addition, the "free bits" of Kingma et al. (2016, IAF, Eq. 15; docs/method.md, "Free
    bits"): a latent whose KL is below the floor gets no pull towards the prior, so no semantic
    latent collapses to it and leaves its slider moving nothing. With 0 it is `kl_divergence`."""
    if not free_bits:
        return kl_divergence(mu, logvar)
    return torch.clamp(_kl_terms(mu, logvar).mean(dim=0), min=free_bits).sum()


def _kl_terms(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """(B, L) each row's KL(q(z_k|x) || N(0, 1)) per latent k."""
    return -0.5 * (1 + logvar - mu.pow(2) - logvar.exp())
