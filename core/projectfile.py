"""The project file: one .zip of `project.json`, `model.safetensors`, `latents.safetensors` (the
latent mixture, core.latents) and `data.csv`.

Safe by construction: weights are safetensors (plain tensors, no code), everything
else is JSON and CSV. Nothing is ever unpickled. Before anything is parsed, the
archive is refused for a member not on the allow-list, a path with `..`, an
oversized member, a suspicious compression ratio (zip bomb) or a hash mismatch.
"""
from __future__ import annotations

import hashlib
import io
import json
import platform
import zipfile
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd
from safetensors import SafetensorError
from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors

from core.bands import Band, LabelMap, NumberMap, is_forest
from core.columns import PreparedTable, blank_column
from core.errors import InputError
from core.latentfile import LATENTS, latents_from_file, latents_to_json, mixture_to_bytes
from core.latents import PosteriorMixture
from core.messages import from_json, to_json
from core.model import EpochRecord, FittedModel, TrainConfig, build_vae
from core.passthrough import Passthrough
from core.project import Project, schema_differences
from core.projectcheck import check_model_spec, widths
from core.report import history, matching
from core.roles import Role
from core.semantics import SemanticMatrix
from core.transformer import TableTransformer
from core.upload import load_bytes

FORMAT = "latent-semantics-studio/1"
MEMBER_LIMITS = {                     # name -> largest size allowed once unpacked, bytes
    "project.json": 32 * 2**20,
    "model.safetensors": 512 * 2**20,
    "latents.safetensors": 64 * 2**20,   # MIXTURE_COMPONENTS x MAX_LATENT_DIM x 2 float64: 20 MiB (core.latentfile)
    "data.csv": 256 * 2**20,
}
MAX_RATIO = 200                       # unpacked / packed; plain JSON and CSV stay far below
MAX_FILE_BYTES = 600 * 2**20


def save_project(project: Project) -> bytes:
    """The whole project as .zip bytes."""
    members: dict[str, bytes] = {}
    if project.model is not None:
        members["model.safetensors"] = save_tensors(
            {k: v.contiguous() for k, v in project.model.vae.state_dict().items()})
        if isinstance(project.model.latents, PosteriorMixture):
            members[LATENTS] = mixture_to_bytes(project.model.latents)
    if project.data is not None:
        members["data.csv"] = project.data.to_csv(index=False).encode("utf-8")
    document = {
        "format": FORMAT,
        "versions": _versions(),
        "source_name": project.source_name,
        "encoding": project.encoding,
        "roles": {name: Role(role).value for name, role in project.roles.items()},
        "exclude": list(project.exclude),
        "semantics": _semantics_to_json(project.semantics),
        "variants": {name: _semantics_to_json(r) for name, r in project.variants.items()},
        "settings": project.settings.to_dict(),
        "conditions": list(project.conditions),
        "rows": _row_runs(project.data),
        "model": _model_to_json(project.model),
        "hashes": {name: hashlib.sha256(data).hexdigest() for name, data in members.items()},
    }
    members["project.json"] = json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")
    for name, data in members.items():   # the load limits hold: what is saved can be loaded
        if len(data) > MEMBER_LIMITS[name]:
            raise InputError(f"the project cannot be saved: its {name} would be {len(data):,} bytes, over "
                             f"the {MEMBER_LIMITS[name]:,} a project file may hold")
    packed = _zip(members, stored=set())
    # a member that deflates more than MAX_RATIO-fold (a column of long repeated labels) would be
    # refused on load as a zip bomb: store it as it is
    stored = {info.filename for info in zipfile.ZipFile(io.BytesIO(packed)).infolist()
              if _looks_like_a_bomb(info)}
    packed = _zip(members, stored) if stored else packed
    if len(packed) > MAX_FILE_BYTES:
        raise InputError(f"the project cannot be saved: it would be {len(packed):,} bytes, over the "
                         f"{MAX_FILE_BYTES:,} a project file may hold")
    return packed


def _zip(members: dict[str, bytes], stored: set[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data, zipfile.ZIP_STORED if name in stored else zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def _looks_like_a_bomb(info: zipfile.ZipInfo) -> bool:
    return info.file_size > 1024 * 1024 and info.file_size > MAX_RATIO * max(info.compress_size, 1)


def load_project(data: bytes | str | Path, source: str | None = None) -> Project:
    """Restore a project from .zip bytes or a path, refusing anything unsafe or inconsistent."""
    data, source = load_bytes(data, source or (None if isinstance(data, (str, Path)) else "project.zip"),
                              MAX_FILE_BYTES)
    members = _read_members(data, source)
    try:
        document = json.loads(members["project.json"])
        if document.get("format") != FORMAT:
            raise InputError(f"{source}: not a Latent Semantics Studio project "
                             f"(format '{document.get('format')}')")
        for name, digest in document.get("hashes", {}).items():
            if name not in members:
                raise InputError(f"{source}: member '{name}' is listed but missing")
            if hashlib.sha256(members[name]).hexdigest() != digest:
                raise InputError(f"{source}: member '{name}' does not match its hash (altered or corrupt)")
        unlisted = set(members) - set(document.get("hashes", {})) - {"project.json"}
        if unlisted:
            raise InputError(f"{source}: member '{sorted(unlisted)[0]}' has no hash")
        return _project_from_json(document, members, source)
    except RecursionError:
        raise InputError(f"{source}: project.json is nested too deeply") from None
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(f"{source}: project.json is malformed ({type(exc).__name__}: {str(exc)[:200]})") from None


def _read_members(data: bytes, source: str) -> dict[str, bytes]:
    if not data.startswith(b"PK\x03\x04"):
        kind = "a pickle" if data[:1] == b"\x80" else "not a .zip"
        raise InputError(f"{source}: is {kind}; a project file is a .zip saved by this app "
                         "(pickles are never loaded)")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputError(f"{source}: is not a readable .zip ({exc})") from None
    members = {}
    with archive:
        for info in infos:   # every check happens before a single byte is unpacked
            name = info.filename
            if ".." in Path(name).parts or name.startswith(("/", "\\")) or "\\" in name:
                raise InputError(f"{source}: member path '{name}' is unsafe")
            if name not in MEMBER_LIMITS:
                raise InputError(f"{source}: member '{name}' is not allowed "
                                 f"(allowed: {', '.join(MEMBER_LIMITS)})")
            if name in members:
                raise InputError(f"{source}: member '{name}' appears twice")
            if info.file_size > MEMBER_LIMITS[name]:
                raise InputError(f"{source}: member '{name}' unpacks to {info.file_size} bytes, "
                                 f"over its limit of {MEMBER_LIMITS[name]}")
            if _looks_like_a_bomb(info):
                raise InputError(f"{source}: member '{name}' is compressed {info.file_size // max(info.compress_size, 1)}"
                                 f"-fold, which looks like a zip bomb")
            members[name] = None
        if "project.json" not in members:
            raise InputError(f"{source}: has no project.json")
        for info in infos:
            try:
                with archive.open(info) as handle:   # read no more than declared, in case it lies
                    content = handle.read(MEMBER_LIMITS[info.filename] + 1)
            except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError) as exc:
                raise InputError(f"{source}: member '{info.filename}' cannot be unpacked ({exc})") from None
            if len(content) > MEMBER_LIMITS[info.filename]:
                raise InputError(f"{source}: member '{info.filename}' is larger than declared")
            members[info.filename] = content
    return members


def _row_runs(data: pd.DataFrame | None) -> list[list[int]] | None:
    """The rows of the file the data came from (core.table: the index named 'row', Excel's row
    numbers), as runs [first, last] of consecutive numbers, so that a reopened project names the
    rows the file has (title rows and skipped totals shift them); None without such an index."""
    if data is None or data.index.name != "row" or len(data) == 0:
        return None
    rows = np.asarray(data.index, dtype=np.int64)
    breaks = np.flatnonzero(np.diff(rows) != 1)
    starts, ends = np.r_[0, breaks + 1], np.r_[breaks, len(rows) - 1]
    return [[int(rows[a]), int(rows[b])] for a, b in zip(starts, ends)]


def _rows_from_runs(runs, n_rows: int, source: str) -> pd.Index:
    """The inverse of `_row_runs` for data of n_rows rows; InputError when they do not fit."""
    def run_of_rows(run) -> bool:
        return isinstance(run, list) and len(run) == 2 and all(type(v) is int for v in run) \
            and 1 <= run[0] <= run[1] <= 2**31
    if not (isinstance(runs, list) and all(run_of_rows(run) for run in runs)
            and sum(last - first + 1 for first, last in runs) == n_rows
            and all(earlier[1] < later[0] for earlier, later in zip(runs, runs[1:]))):
        raise InputError(f"{source}: project.json rows do not fit the {n_rows} rows of data.csv")
    return pd.Index([row for first, last in runs for row in range(first, last + 1)], name="row")


def _project_from_json(document: dict, members: dict[str, bytes], source: str) -> Project:
    data = None
    if "data.csv" in members:
        data = pd.read_csv(io.BytesIO(members["data.csv"]), dtype=str, keep_default_na=False,
                           na_values=[""], encoding="utf-8")
        if document.get("rows") is not None:
            data.index = _rows_from_runs(document["rows"], len(data), source)
    project = Project(
        data=data, source_name=document.get("source_name", ""), encoding=document.get("encoding"),
        roles={name: Role(role) for name, role in document.get("roles", {}).items()},
        exclude=list(document.get("exclude", [])),
        semantics=_semantics_from_json(document.get("semantics")),
        variants={n: _semantics_from_json(r) for n, r in document.get("variants", {}).items()},
        settings=TrainConfig.from_dict(document.get("settings", {})).check(
            lambda field: f"{source}: project.json settings.{field}"),
        conditions=[str(text) for text in document.get("conditions", [])],
    )
    if document.get("model") is not None:
        project.model = _model_from_json(document["model"], members, source)
        if data is not None:
            try:
                prepared = project.prepared()
            except InputError as exc:   # the roles, exclusions or data of the file do not fit together
                raise InputError(f"{source}: its data cannot be prepared: {exc}") from None
            if schema_differences(project.model, prepared):   # roles inferred otherwise since it was saved
                prepared = _keep_model_roles(project, prepared)
            if differences := schema_differences(project.model, prepared):
                raise InputError(f"{source}: the model does not match its data: " + "; ".join(differences))
    return project


def _keep_model_roles(project: Project, prepared: PreparedTable) -> PreparedTable:
    """The project's table prepared with the role its model was trained with for each column whose
    inferred role differs and that the user gave no role: a project saved before a change of role
    inference (a column of dates was once set aside, '1.5e-3' once read as a bin) opens with its
    model instead of being refused. Those roles become the project's own, as if set by hand."""
    trained = {span.name: span.role for span in project.model.transformer.layout_}
    trained |= {column.name: Role.EXCLUDED for column in project.model.unmodelled}
    inferred = {entry.name: entry.role for entry in prepared.report}
    pinned = {name: role for name, role in trained.items()
              if name in inferred and inferred[name] is not role and name not in project.roles}
    if not pinned:
        return prepared
    before = project.roles
    project.roles = {**project.roles, **pinned}
    try:
        return project.prepared()
    except InputError:   # the model's roles do not fit the data either: the differences are reported
        project.roles = before
        return prepared


def _model_to_json(model: FittedModel | None) -> dict | None:
    if model is None:
        return None
    return {
        "n_inputs": model.transformer.n_columns,
        "latent_dim": model.semantic_dim,   # the detail latents: config.detail_latents
        "config": model.config.to_dict(),
        "transformer": model.transformer.to_dict(),
        "trained_semantics": _semantics_to_json(model.semantics),
        "history": history(model.history),
        "critical_epoch": model.critical_epoch,
        "mi_before_finetune": model.mi_before_finetune,
        "notes": [to_json(note) for note in model.notes],
        "input_columns": model.input_columns,
        "unmodelled": [column.to_dict() for column in model.unmodelled],
        "residual_std": None if model.residual_std is None else model.residual_std.tolist(),
        **latents_to_json(model.latents),
        "calibration": {name: table.tolist() for name, table in model.calibration.items()},
        "bands": [band.to_dict() for band in model.bands],
        "label_maps": [label_map.to_dict() for label_map in model.label_maps],
        "number_maps": [number_map.to_dict() for number_map in model.number_maps],
        "encoder_layers": model.vae.encoder_weight_names(),
        **matching(model.score()),
    }


def _model_from_json(spec: dict, members: dict[str, bytes], source: str) -> FittedModel:
    if "model.safetensors" not in members:
        raise InputError(f"{source}: has a model description but no model.safetensors")
    config = check_model_spec(spec, members["model.safetensors"], source)   # before allocating anything
    transformer = TableTransformer.from_dict(spec["transformer"])
    if transformer.n_columns != int(spec["n_inputs"]):
        raise InputError(f"{source}: the model's input size does not match its column layout")
    semantics = _semantics_from_json(spec["trained_semantics"])
    vae = build_vae(config, int(spec["n_inputs"]), int(spec["latent_dim"]),
                    semantics.expand(transformer.layout_), detail=True)
    try:
        tensors = load_tensors(members["model.safetensors"])
        vae.load_state_dict(tensors, strict=True)
    except (SafetensorError, RuntimeError) as exc:
        raise InputError(f"{source}: model.safetensors does not fit the described model "
                         f"({str(exc).splitlines()[0]})") from None
    history = [EpochRecord(**record) for record in spec.get("history", [])]
    input_columns = [str(name) for name in spec.get("input_columns", [])]
    unmodelled = [Passthrough.from_dict(column) for column in spec.get("unmodelled", [])]
    if input_columns and set(input_columns) != set(transformer.features_) | {c.name for c in unmodelled}:
        raise InputError(f"{source}: the model's input columns do not match its modelled and unmodelled columns")
    return FittedModel(transformer, vae.eval(), semantics, config,
                       history, int(spec["critical_epoch"]), spec.get("mi_before_finetune"),
                       [from_json(note) for note in spec.get("notes", [])],
                       widths(spec, "residual_std", transformer.n_columns, source), input_columns, unmodelled,
                       latents_from_file(spec, members, vae.latent_dim, source),
                       _calibration(spec.get("calibration") or {}, transformer.layout_, source),
                       _bands(spec.get("bands") or [], transformer.layout_, source),
                       _label_maps(spec.get("label_maps") or [], transformer.layout_, source),
                       _number_maps(spec.get("number_maps") or [], transformer.layout_, source))


def _calibration(spec: dict, layout, source: str) -> dict[str, np.ndarray]:
    """The decoder's calibration (core.generation.calibrate): per numeric column two increasing
    rows of quantiles, per label column one offset per category (binary: one), and one offset
    per column that keeps its blanks (under its `blank_column`)."""
    if not isinstance(spec, dict):
        raise InputError(f"{source}: the calibration must map column names to numbers")
    spans, table = {span.name: span for span in layout}, {}
    blanks = {blank_column(span.name) for span in layout if span.blank}
    for name, values in spec.items():
        span = spans.get(name)
        try:
            array = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError):
            array = np.empty(0)
        if span is None and name not in blanks:
            raise InputError(f"{source}: calibration names '{name}', which is not a modelled column")
        numeric = span is not None and span.kind == "numeric"
        shape = (2, array.shape[-1] if array.ndim else 0) if numeric else \
            (1,) if span is None else (span.value_stop - span.start,)
        if (array.shape != shape or not np.isfinite(array).all() or array.size > 2 * 10_000
                or (numeric and (array.shape[1] < 2 or (np.diff(array, axis=1) < 0).any()))):
            raise InputError(f"{source}: the calibration of '{name}' is malformed")
        table[name] = array
    return table


def _bands(spec: list, layout, source: str) -> list[Band]:
    """The label columns read off a number (core.bands): each names a label column and a number
    column of the model, with one interval per class of the label."""
    spans = {span.name: span for span in layout}
    bands = _parsed(spec, Band.from_dict, "band", source)
    for band in bands:
        label, number = spans.get(band.label), spans.get(band.number)
        if (label is None or number is None or label.kind == "numeric" or number.kind != "numeric"
                or len(band.low) != len(label.categories)):
            raise InputError(f"{source}: the band of '{band.label}' over '{band.number}' does not fit the "
                             f"model's columns")
    return bands


def _label_maps(spec: list, layout, source: str) -> list[LabelMap]:
    """The label columns read off another (core.bands): each names two label columns of the
    model, with a class of the second (or -1) per class of the first; none is read off two
    columns, and none off itself in a cycle."""
    spans = {span.name: span for span in layout}
    maps = _parsed(spec, LabelMap.from_dict, "label map", source)
    for done, label_map in enumerate(maps):
        key, label = spans.get(label_map.key), spans.get(label_map.label)
        if (key is None or label is None or key is label or "numeric" in (key.kind, label.kind)
                or len(label_map.targets) != len(key.categories)
                or not all(-1 <= t < len(label.categories) for t in label_map.targets)
                or not is_forest(maps[:done + 1])):
            raise InputError(f"{source}: the label map of '{label_map.label}' off '{label_map.key}' does not fit "
                             f"the model's columns")
    return maps


def _number_maps(spec: list, layout, source: str) -> list[NumberMap]:
    """The number columns read off another (core.bands): each names two number columns of the
    model; none is read twice, and none read off another is a key."""
    spans = {span.name: span for span in layout}
    maps = _parsed(spec, NumberMap.from_dict, "number map", source)
    for done, number_map in enumerate(maps):
        key, number = spans.get(number_map.key), spans.get(number_map.number)
        earlier = maps[:done]
        if (key is None or number is None or key is number or "numeric" != key.kind or "numeric" != number.kind
                or any(number_map.number in (m.number, m.key) or number_map.key == m.number for m in earlier)):
            raise InputError(f"{source}: the number map of '{number_map.number}' off '{number_map.key}' does not "
                             f"fit the model's columns")
    return maps


def _parsed(spec: list, parse, what: str, source: str) -> list:
    """Each item of a list of the model description through `parse`; InputError naming `what`
    when the list or an item is malformed."""
    try:
        return [parse(item) for item in (spec if isinstance(spec, list) else [None])]
    except (KeyError, TypeError, ValueError, AttributeError):
        raise InputError(f"{source}: a {what} of the model is malformed") from None


def _semantics_to_json(r: SemanticMatrix | None) -> dict | None:
    return None if r is None else {"names": r.names, "features": r.features, "values": r.values.tolist()}


def _semantics_from_json(data: dict | None) -> SemanticMatrix | None:
    if data is None:
        return None
    names, features, values = list(data["names"]), list(data["features"]), data["values"]
    if not (isinstance(values, list) and len(values) == len(names)
            and all(isinstance(row, list) and len(row) == len(features)
                    and all(v in (0, 1) and not isinstance(v, float) for v in row) for row in values)):
        raise ValueError(f"a semantic matrix must be {len(names)} rows of {len(features)} values 0 or 1")
    return SemanticMatrix(names, features, values)


def _versions() -> dict:
    versions = {"python": platform.python_version()}
    for package in ("torch", "numpy", "pandas", "safetensors"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return versions

