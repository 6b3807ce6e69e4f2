"""A project file's model description, checked before anything is built from it.

`project.json` says how large the model is; a hand-edited or hostile file could ask for
layers of 16,000 units (gigabytes) or negative sizes. Every shape and number is checked
against `core.limits`, and the tensor shapes the description implies are compared with
the header of `model.safetensors` (parsed here, without reading the tensors), so the
VAE is built only when the weights on disk are exactly the weights it needs.
"""
from __future__ import annotations

import json
import math
import re
import struct

import numpy as np

from core import limits
from core.errors import InputError
from core.model import TrainConfig
from core.roles import NUMERIC_ROLES, Role
from core.transformer import MAX_DECIMALS, MAX_PLACES
from core.vae import state_shapes

MAX_HEADER_BYTES = 100 * 2**20     # safetensors' own limit
PHASES = ("train", "finetune", "detail")
# Eq. 9's MI, percent: at most 100; below 0 only when matched distances sum past 1 (at most one per latent)
MI_RANGE = (-100.0 * limits.MAX_LATENT_DIM, 100.0 + 1e-6)
MODELLED_ROLES = {role.value for role in Role if role is not Role.EXCLUDED}


def check_model_spec(spec, weights: bytes, source: str) -> TrainConfig:
    """The model's settings, once every number of `spec` (project.json's "model") is within the
    limits and `weights` (model.safetensors) hold exactly the tensors it describes."""
    where = f"{source}: project.json model"
    if not isinstance(spec, dict):
        raise InputError(f"{where} must be an object")
    n_inputs = limits.whole(f"{where}.n_inputs", spec.get("n_inputs"), 1, limits.MAX_ENCODED_COLUMNS)
    if not isinstance(spec.get("config"), dict):
        raise InputError(f"{where}.config must be an object")
    config = TrainConfig.from_dict(spec["config"]).check(lambda field: f"{where}.config.{field}")
    latent_dim = limits.whole(f"{where}.latent_dim", spec.get("latent_dim"), 1, limits.MAX_LATENT_DIM)   # semantic ones
    _check_layout(spec.get("transformer"), n_inputs, where)
    _check_semantics(spec.get("trained_semantics"), f"{where}.trained_semantics")
    _check_history(spec.get("history", []), config, where)
    limits.whole(f"{where}.critical_epoch", spec.get("critical_epoch"), 1, config.epochs)
    if spec.get("mi_before_finetune") is not None:
        limits.number(f"{where}.mi_before_finetune", spec["mi_before_finetune"], *MI_RANGE)
    expected = state_shapes(n_inputs, latent_dim, tuple(config.hidden), masked=config.mode == "semantic",
                            detail=config.detail_dim, detail_units=config.detail_units)
    check_tensors(safetensors_header(weights, source), expected, len(weights), source)
    return config


def safetensors_header(data: bytes, source: str, member: str = "model.safetensors") -> dict[str, dict]:
    """tensor name -> {"dtype", "shape", "data_offsets"}: the JSON header of a safetensors file,
    which is its first 8 bytes (the header's length, little-endian) and that many bytes of JSON."""
    bad = f"{source}: {member} is not a safetensors file"
    if len(data) < 8:
        raise InputError(bad)
    (length,) = struct.unpack("<Q", data[:8])
    if length > min(MAX_HEADER_BYTES, len(data) - 8):
        raise InputError(f"{bad} (header of {length} bytes)")
    try:
        header = json.loads(data[8:8 + length])
    except (ValueError, RecursionError):
        raise InputError(f"{bad} (unreadable header)") from None
    if not isinstance(header, dict):
        raise InputError(f"{bad} (unreadable header)")
    header.pop("__metadata__", None)
    for name, entry in header.items():
        if not (isinstance(entry, dict) and isinstance(entry.get("shape"), list)
                and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in entry["shape"])):
            raise InputError(f"{bad} (tensor '{name[:40]}' has no valid shape)")
    return header


def check_tensors(header: dict[str, dict], expected: dict[str, tuple], size: int, source: str,
                  member: str = "model.safetensors", dtype: str = "F32") -> None:
    """The safetensors `header` holds exactly the `expected` tensors (name -> shape), of `dtype`,
    and the file of `size` bytes is large enough for them."""
    where = f"{source}: {member} does not fit the described model"
    if missing := [name for name in expected if name not in header]:
        raise InputError(f"{where} (missing tensor '{missing[0]}')")
    if extra := [name for name in header if name not in expected]:
        raise InputError(f"{where} (unexpected tensor '{extra[0][:40]}')")
    for name, shape in expected.items():
        if tuple(header[name]["shape"]) != shape:
            raise InputError(f"{where} (tensor '{name}' is {list(header[name]['shape'])}, "
                             f"the description needs {list(shape)})")
        if header[name].get("dtype") != dtype:
            raise InputError(f"{where} (tensor '{name}' is {str(header[name].get('dtype'))[:10]}, not {dtype})")
    needed = int(dtype[1:]) // 8 * sum(math.prod(shape) for shape in expected.values())
    if needed > size:   # a header that promises more than the file holds
        raise InputError(f"{where} (needs {needed} bytes of weights, the file has {size})")


def _check_layout(transformer, n_inputs: int, where: str) -> None:
    """Every span of the column layout: a known role, whole positions, finite statistics."""
    layout = transformer.get("layout") if isinstance(transformer, dict) else None
    if not isinstance(layout, list) or not layout:
        raise InputError(f"{where}.transformer.layout must be a non-empty list")
    limits.whole(f"{where}.transformer.layout (columns)", len(layout), 1, n_inputs)
    for i, span in enumerate(layout):
        at = f"{where}.transformer.layout[{i}]"
        if not isinstance(span, dict):
            raise InputError(f"{at} must be an object")
        if span.get("role") not in MODELLED_ROLES:
            raise InputError(f"{at}.role must be one of {', '.join(sorted(MODELLED_ROLES))}")
        limits.whole(f"{at}.start", span.get("start"), 0, n_inputs - 1)
        limits.whole(f"{at}.stop", span.get("stop"), 1, n_inputs)
        categories = span.get("categories", [])
        if not isinstance(categories, list) or not all(isinstance(c, str) for c in categories):
            raise InputError(f"{at}.categories must be a list of labels")
        if not isinstance(span.get("blank", False), bool):
            raise InputError(f"{at}.blank must be true or false")
        fill = span.get("fill")
        if span.get("blank") and not (isinstance(fill, str) and fill in categories
                                      or isinstance(fill, (int, float)) and not isinstance(fill, bool)
                                      and not categories and math.isfinite(fill)):
            raise InputError(f"{at}.fill must be one of its labels, or a number for a column of numbers")
        if span["role"] in {role.value for role in NUMERIC_ROLES}:
            numbers = {key: limits.number(f"{at}.{key}", span.get(key, default), -1e300, 1e300)
                       for key, default in (("low", 0.0), ("high", 0.0), ("mean", 0.0), ("std", 1.0))}
            if numbers["low"] > numbers["high"] or numbers["std"] <= 0:
                raise InputError(f"{at}: low must not exceed high, and std must be above 0")
            limits.whole(f"{at}.decimals", span.get("decimals", MAX_DECIMALS), 0, MAX_PLACES)
            limits.number(f"{at}.step", span.get("step", 0.0), 0.0, 1e300)
            style = span.get("style", "")
            fields_removed = re.sub(r"\{(?:Y|M0?|D0?)\}", "", style) \
                if isinstance(style, str) and len(style) <= 40 else "{"
            if "{" in fields_removed or "}" in fields_removed:
                raise InputError(f"{at}.style must be a date template such as {{Y}}-{{M0}}-{{D0}}")
        elif len(categories) < (2 if span["role"] == Role.BINARY.value else 1):
            raise InputError(f"{at}.categories must list the column's labels")
    if layout[-1]["stop"] != n_inputs:
        raise InputError(f"{where}: the model's input size does not match its column layout")


def _check_semantics(data, where: str) -> None:
    if not isinstance(data, dict) or not all(isinstance(data.get(key), list)
                                             for key in ("names", "features", "values")):
        raise InputError(f"{where} must hold lists 'names', 'features' and 'values'")
    limits.whole(f"{where}.names (semantics)", len(data["names"]), 0, limits.MAX_SEMANTICS)
    limits.whole(f"{where}.features (columns)", len(data["features"]), 0, limits.MAX_ENCODED_COLUMNS)


def _check_history(history, config: TrainConfig, where: str) -> None:
    """One record per epoch of each phase: its number, phase and finite losses and MI."""
    if not isinstance(history, list):
        raise InputError(f"{where}.history must be a list")
    most = config.epochs + config.finetune_epochs + config.detail_checkpoints
    limits.whole(f"{where}.history (records)", len(history), 0, most)
    for i, record in enumerate(history):
        at = f"{where}.history[{i}]"
        if not isinstance(record, dict) or set(record) != {"epoch", "phase", "recon", "kl", "mi"}:
            raise InputError(f"{at} must hold exactly epoch, phase, recon, kl and mi")
        limits.whole(f"{at}.epoch", record["epoch"], 1, most)
        if record["phase"] not in PHASES:
            raise InputError(f"{at}.phase must be one of {', '.join(PHASES)}")
        for key in ("recon", "kl"):
            limits.number(f"{at}.{key}", record[key], -1e300, 1e300)
        limits.number(f"{at}.mi", record["mi"], *MI_RANGE)


def widths(spec: dict, key: str, n: int, source: str) -> np.ndarray | None:
    """spec[key] as n finite, non-negative numbers (a std or a bandwidth per column or latent);
    None when the file has none."""
    if spec.get(key) is None:
        return None
    try:
        values = np.asarray(spec[key], dtype=np.float64)
    except (TypeError, ValueError):
        values = np.empty(0)
    if values.shape != (n,) or not np.isfinite(values).all() or (values < 0).any():
        raise InputError(f"{source}: {key} must be {n} finite numbers, none negative")
    return values
