"""The semantic analysis of a trained model as JSON-ready values: one serialiser for
`python -m core report` and for what the project file records beside the weights."""
from __future__ import annotations

from core.matching import Scores
from core.model import EpochRecord, FittedModel
from core.semantics import SemanticMatrix


def matching(scores: Scores) -> dict:
    """Both matchings (Algorithm 1 and the optimal one) with their MI (Eq. 9)."""
    return {"matches": [m.__dict__ for m in scores.matches], "mi": scores.mi,
            "matches_optimal": [m.__dict__ for m in scores.matches_optimal], "mi_optimal": scores.mi_optimal}


def history(records: list[EpochRecord]) -> list[dict]:
    return [record.__dict__ for record in records]


def report(model: FittedModel, semantics: SemanticMatrix | None = None) -> dict:
    """Everything the analysis says about `model` scored against `semantics` (default: the R it
    was trained with): C (Eq. 4), its binarisation, D (Eq. 7), the matchings and MI, the
    training history, and the columns it does and does not model."""
    semantics = semantics or model.semantics
    scores = model.score(semantics)
    transformer = model.transformer
    return {
        "features": transformer.features_,
        "columns": transformer.columns_,
        "column_feature": transformer.column_feature().tolist(),
        "semantics": semantics.names,
        "latent_dim": model.semantic_dim,
        "detail_latents": model.latent_dim - model.semantic_dim,
        "contribution": scores.contribution.tolist(),
        "binary": scores.binary.astype(int).tolist(),
        "distance": scores.distance.tolist(),
        **matching(scores),
        "mi_before_finetune": model.mi_before_finetune,
        "critical_epoch": model.critical_epoch,
        "history": history(model.history),
        "encoder_layers": model.vae.encoder_weight_names(),
        "input_columns": model.columns,
        "unmodelled": [{"column": c.name, "reason": str(c.reason), "filled": c.kind} for c in model.unmodelled],
        "warnings": [str(note) for note in semantics.warnings(model.semantic_dim, model.unmodelled_reasons())],
    }
