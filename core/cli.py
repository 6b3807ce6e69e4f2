"""Command line: `python -m core fit | group | report | generate | evaluate | export`.

Bad input exits with code 2 and one `error:` line on stderr naming the file,
column or row at fault; never a traceback.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

from core import limits
from core.atomic import refuse_overwrite, saving
from core.columns import as_role, reading_notes
from core.conditions import Condition, sample_where
from core.device import DEVICES, configure_threads
from core.errors import InputError
from core.generation import OTHERS, generate
from core.grouping import MAX_K, propose_groups
from core.messages import Message, msg
from core.model import MODES, TrainConfig
from core.passthrough import note as unmodelled_note
from core.project import Project, schema_differences
from core.projectfile import load_project, save_project
from core.report import report
from core.roles import Role
from core.semantics import SemanticMatrix
from core.strings import DEFAULT, LANGUAGES
from core.table import read_table
from core.training import fit
from core.workbench import suggestions
from core.xlsx import sheet_names


NOT_A_TABLE = ("table.empty", "table.no_rows", "xlsx.chart")   # a sheet without a table: maybe another has one
CHUNK_ROWS = 50_000   # generate writes this many rows at a time (about 100 MB at most in memory)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):   # one line, not argparse's usage block
        raise InputError(f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m core", description="Latent Semantics Studio: name a VAE's latents "
                     "with engineer-defined semantics and generate targeted rows.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    fit = commands.add_parser("fit", help="train a model on a table and save PROJECT.zip")
    fit.add_argument("data", metavar="DATA", help=".csv or .xlsx table")
    fit.add_argument("--semantics", required=True, metavar="R.csv", help="semantic-feature matrix")
    fit.add_argument("--out", required=True, metavar="PROJECT.zip")
    fit.add_argument("--latent-dim", type=int, metavar="L",
                     help=f"1 to {limits.MAX_LATENT_DIM}; default: the number of semantics")
    fit.add_argument("--hidden", default="64", metavar="64[,32...]", help=f"hidden layer sizes, each 1 to "
                     f"{limits.MAX_HIDDEN_UNITS}, at most {limits.MAX_HIDDEN_LAYERS} layers")
    fit.add_argument("--epochs", type=int, default=300, metavar="N", help=f"1 to {limits.MAX_EPOCHS:,}")
    fit.add_argument("--finetune-epochs", type=int, default=200, metavar="N", help=f"0 to {limits.MAX_EPOCHS:,}")
    fit.add_argument("--target-mi", type=float, metavar="PCT", help="stop fine-tuning at this MI (0 to 100)")
    fit.add_argument("--critical-epoch", type=int, metavar="N",
                     help="override the detected critical point (1 to --epochs)")
    fit.add_argument("--seed", type=int, default=0, metavar="S", help=f"0 to {limits.MAX_SEED}")
    fit.add_argument("--mode", choices=MODES, default=TrainConfig.mode,
                     help="paper: the paper's VAE; semantic: decoder masked per semantic (controllable sliders)")
    fit.add_argument("--detail-latents", type=int, default=TrainConfig.detail_latents, metavar="D",
                     help=f"semantic mode: 0 to {limits.MAX_LATENT_DIM} latents that model what the semantics "
                     "leave out (relations between groups); 0: none")
    fit.add_argument("--free-bits", type=float, default=TrainConfig.free_bits, metavar="NATS",
                     help=f"semantic mode: nats of each semantic latent's KL that cost nothing, so that no "
                     f"slider collapses (0 to {limits.MAX_FREE_BITS:g}); 0: the plain ELBO")
    fit.add_argument("--device", choices=DEVICES, default=TrainConfig.device,
                     help="auto: a CUDA GPU when one exists, else the CPU")
    fit.add_argument("--exclude", nargs="+", default=[], metavar="COL", help="columns to leave out")
    fit.add_argument("--role", action="append", default=[], metavar="COL=ROLE",
                     help="set a column's role (repeatable): " + ", ".join(r.value for r in Role)
                     + "; e.g. --role grade=categorical for a class coded 1/2/3")
    fit.add_argument("--sheet", help="XLSX sheet name (default: the first)")
    fit.add_argument("--encoding", help="force a CSV encoding, e.g. gbk")

    group = commands.add_parser("group", help="propose groups of features from the data alone: R.csv")
    group.add_argument("data", metavar="DATA", help=".csv or .xlsx table")
    group.add_argument("--out", required=True, metavar="R.csv")
    group.add_argument("--k", type=int, metavar="K", help="number of groups (default: chosen by silhouette)")
    group.add_argument("--exclude", nargs="+", default=[], metavar="COL", help="columns to leave out")
    group.add_argument("--role", action="append", default=[], metavar="COL=ROLE", help="as for fit")
    group.add_argument("--sheet", help="XLSX sheet name (default: the first)")
    group.add_argument("--encoding", help="force a CSV encoding, e.g. gbk")

    report = commands.add_parser("report", help="print the semantic analysis as one JSON object")
    report.add_argument("project", metavar="PROJECT.zip")
    report.add_argument("--semantics", metavar="OTHER_R.csv", help="score another R without retraining")
    report.add_argument("--suggest", action="store_true",
                        help="add 'suggestions': every single tick flip of R with the MI it gives, best first")

    generate = commands.add_parser("generate", help="generate rows to OUT.csv")
    generate.add_argument("project", metavar="PROJECT.zip")
    generate.add_argument("--n", type=int, required=True, metavar="N",
                          help=f"rows to generate, 1 to {limits.MAX_ROWS:,} (written {CHUNK_ROWS:,} at a time)")
    generate.add_argument("--out", required=True, metavar="OUT.csv")
    generate.add_argument("--set", action="append", default=[], metavar="SEMANTIC=Z",
                          help=f"a semantic's slider, Z in standard-normal units, |Z| <= {limits.MAX_Z:g}")
    generate.add_argument("--set-latent", action="append", default=[], metavar="INDEX=Z")
    generate.add_argument("--seed", type=int, default=0, metavar="S")
    generate.add_argument("--where", action="append", default=[], metavar="COL=VALUE|COL=LO..HI",
                          help="only rows with this label, integer code or numeric range (repeatable: AND)")
    generate.add_argument("--others", choices=OTHERS, default="covary",
                          help="the latents not set: covary (follow the set ones as in the data; default) "
                               "or isolate (their own distribution: each --set moves its semantic only)")

    evaluate = commands.add_parser("evaluate", help="score generated rows against real data; one JSON object")
    evaluate.add_argument("project", metavar="PROJECT.zip")
    evaluate.add_argument("--real", required=True, metavar="DATA", help=".csv or .xlsx with the model's columns")
    evaluate.add_argument("--label", metavar="COL", help="class column for the augmentation check")
    evaluate.add_argument("--minority", metavar="VALUE", help="the rare class of --label to augment")
    evaluate.add_argument("--n", type=int, metavar="N", help="rows of the class to add per split "
                          "(default: as many as make it as frequent as the largest class)")
    evaluate.add_argument("--refit", action="store_true", help="augmentation: train a fresh model "
                          "on each split's training rows (no leak of held-out rows; slow)")
    evaluate.add_argument("--seed", type=int, default=0, metavar="S")
    evaluate.add_argument("--sheet", help="XLSX sheet name (default: the first)")
    evaluate.add_argument("--encoding", help="force a CSV encoding, e.g. gbk")

    export = commands.add_parser("export", help="write the whole analysis as one self-contained HTML report")
    export.add_argument("project", metavar="PROJECT.zip")
    export.add_argument("--out", required=True, metavar="report.html")
    export.add_argument("--lang", choices=list(LANGUAGES), default=DEFAULT, help="the report's language")
    export.add_argument("--seed", type=int, default=0, metavar="S", help="seed of the generated rows it shows")
    return parser


def main(argv: list[str] | None = None) -> int:
    configure_threads()   # a command-line run has the machine's cores to itself
    try:
        args = build_parser().parse_args(argv)
        return {"fit": _fit, "group": _group, "report": _report, "generate": _generate,
                "evaluate": _evaluate, "export": _export}[args.command](args)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:   # Ctrl-C: any file being written keeps its old content (core.atomic)
        print("error: interrupted; no file was changed by the unfinished step", file=sys.stderr)
        return 130


def _read_project(args, settings: TrainConfig | None = None):
    """(what the reader did, a Project of the table with the --role and --exclude given, the
    prepared table)."""
    read = _read(args.data, args.encoding, args.sheet)
    project = Project(data=read.frame, source_name=read.source, encoding=read.encoding,
                      roles=dict(map(_role, args.role)), exclude=list(args.exclude),
                      settings=settings or TrainConfig())
    unknown = [c for c in args.exclude if c not in read.frame.columns]
    if unknown:
        raise InputError(f"{read.source}: --exclude names no column '{unknown[0]}'")
    return read, project, _prepared(project, read, args.sheet)


def _group(args) -> int:
    refuse_overwrite(args.out, input_data=args.data)
    read, _, table = _read_project(args)
    _tell(_reading(read, table))   # before grouping: a table left with too few columns says why
    proposal = propose_groups(table, args.k)
    _write(args.out, proposal.semantics(table.columns).to_csv_bytes())
    how = (f"K = {proposal.k} chosen by the highest mean silhouette ({proposal.silhouette:.2f}) of K = 2.."
           f"{min(MAX_K, len(table.features) - 1)}") if proposal.chosen_by == "silhouette" else f"K = {proposal.k} as given"
    print(f"group {read.source}: {len(table.features)} features -> {proposal.k} groups ({how}); wrote {args.out}")
    for name, members in proposal.groups.items():
        print(f"  {name}: {', '.join(members)}")
    return 0


def _fit(args) -> int:
    refuse_overwrite(args.out, input_data=args.data, semantics_file=args.semantics)
    settings = TrainConfig(   # every number within core.limits before any work, named by its option
        latent_dim=args.latent_dim, hidden=_sizes(args.hidden), epochs=args.epochs,
        finetune_epochs=args.finetune_epochs, target_mi=args.target_mi, seed=args.seed,
        critical_epoch=args.critical_epoch, mode=args.mode, device=args.device, detail_latents=args.detail_latents,
        free_bits=args.free_bits,
    ).check(lambda field: "--" + field.replace("_", "-"))
    read, project, table = _read_project(args, settings)
    project.semantics = SemanticMatrix.from_csv(args.semantics, table.columns)
    if not project.semantics.usable(table.features).any():
        raise InputError(msg("r.nothing_usable"))
    _tell(_reading(read, table))   # once the input is known to be usable: a failure is one line
    _tell(project.semantics.warnings(unmodelled=table.unmodelled_reasons()))
    started = time.perf_counter()
    project.model = fit(table, project.semantics, project.settings)
    seconds = time.perf_counter() - started
    _write(args.out, save_project(project))
    model, scores = project.model, project.model.score()
    before = "n/a" if model.mi_before_finetune is None else f"{model.mi_before_finetune:.1f} %"
    extra = model.latent_dim - model.semantic_dim
    detail = f" + {extra} detail" if extra else ""
    print(f"fit {read.source}: {len(table.frame)} rows, {len(table.features)} features -> "
          f"{model.transformer.n_columns} encoded columns, {model.semantic_dim} latents{detail}; "
          f"critical epoch {model.critical_epoch}; MI {before} -> {scores.mi:.1f} % "
          f"(optimal {scores.mi_optimal:.1f} %); {seconds:.2f} s; wrote {args.out}")
    _tell(model.notes)
    if len(project.semantics.names) != model.semantic_dim:
        _tell(project.semantics.warnings(model.semantic_dim)[-1:])
    return 0


def _read(path: str, encoding: str | None, sheet: str | None):
    """read_table; when the first sheet of a workbook is not a table, the error names the others."""
    try:
        return read_table(path, Path(path).name, encoding=encoding, sheet=sheet)
    except InputError as exc:
        if sheet is None and exc.message.code in NOT_A_TABLE:
            try:
                names = sheet_names(Path(path).read_bytes())
            except OSError:
                names = []
            if len(names) > 1:
                raise InputError(msg("read.hinted", error=exc.message, hint=_sheet_hint(names[1:]))) from None
        raise


def _prepared(project: Project, read, sheet: str | None):
    """The cleaned table; too few rows comes with its likely cause: a quote mark without its pair
    (which swallows the rows after it), or the data on another sheet of the workbook."""
    try:
        return project.prepared()
    except InputError as exc:
        if exc.message.code != "columns.too_few_rows":
            raise
        hints = [note for note in read.warnings if note.code == "table.quote_hint"]
        if sheet is None and len(read.sheets) > 1:
            hints.append(_sheet_hint([name for name in read.sheets if name != read.sheet]))
        if not hints:
            raise
        raise InputError(msg("read.hinted", error=exc.message, hint=hints[0])) from None


def _sheet_hint(names: list[str]):
    return msg("table.sheet_hint", sheets=[f"'{name}'" for name in names])


def _reading(read, table) -> list:
    """What the reader and the cleaning did, for stderr."""
    shape = dict(source=read.source, rows=len(read.frame), columns=read.frame.shape[1])
    first = msg("read.sheet", sheet=read.sheet, sheets=[f"'{s}'" for s in read.sheets], **shape) \
        if read.sheet else msg("read.csv", encoding=read.encoding, delimiter=repr(read.delimiter), **shape)
    counts = [msg("read.modelled", modelled=len(table.features), columns=len(table.columns),
                  unmodelled=len(table.unmodelled))] if table.unmodelled else []
    return [first, *read.warnings, *counts, *reading_notes(table)]


def _tell(notes) -> None:
    """Notes for the user on stderr, one `note:` line each (stdout stays the result)."""
    for note in notes:
        print(f"note: {note}", file=sys.stderr)


def _report(args) -> int:
    model = _load_model(args.project)
    semantics = SemanticMatrix.from_csv(args.semantics, model.columns) if args.semantics else model.semantics
    result = report(model, semantics)
    if args.suggest:
        result["suggestions"] = suggestions(model, semantics)
    json.dump(result, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


def _generate(args) -> int:
    refuse_overwrite(args.out, project_file=args.project)
    limits.whole("--n", args.n, 1, limits.MAX_ROWS)
    limits.whole("--seed", args.seed, 0, limits.MAX_SEED)
    assignments = [("--set", *_assignment(text)) for text in args.set]
    latent_assignments = [("--set-latent", *_assignment(text)) for text in args.set_latent]
    for option, name, z in assignments + latent_assignments:
        limits.number(f"{option} {name}", z, -limits.MAX_Z, limits.MAX_Z)
    project = load_project(args.project)
    model = _load_model(args.project, project)
    fixed: dict[str | int, float] = {name: z for _, name, z in assignments}
    for _, index, z in latent_assignments:
        try:
            fixed[int(index)] = z
        except ValueError:
            raise InputError(f"--set-latent '{index}={z}': the latent must be an index such as 0") from None
    conditions = [Condition.parse(text) for text in args.where]
    real = project.prepared() if conditions else None
    n_columns = 0
    with saving(args.out) as handle:   # chunk by chunk: memory stays flat however large --n is
        for chunk, start in enumerate(range(0, args.n, CHUNK_ROWS)):
            size, seed = min(CHUNK_ROWS, args.n - start), _chunk_seed(args.seed, chunk)
            rows = (sample_where(model, real.frame, conditions, size, fixed, seed=seed, filled=real.filled) if conditions
                    else generate(model, size, fixed, seed=seed, others=args.others))
            rows = model.complete(rows, seed=seed)
            n_columns = rows.shape[1]
            # the header and the BOM (Excel shows Chinese) once, at the top
            handle.write(rows.to_csv(index=False, header=chunk == 0).encode("utf-8-sig" if chunk == 0 else "utf-8"))
    print(f"wrote {args.n} rows x {n_columns} columns to {args.out}")
    if (unmodelled := unmodelled_note(model.unmodelled)) is not None:
        _tell([unmodelled])
    return 0


def _evaluate(args) -> int:
    from core.augmentation_check import compare      # scikit-learn loads only for this command
    from core.controllability import controllability
    from core.evaluation import evaluate

    if (args.label is None) != (args.minority is None):
        raise InputError("--label and --minority go together")
    if args.n is not None:
        limits.whole("--n", args.n, 1, limits.MAX_ROWS)
    limits.whole("--seed", args.seed, 0, limits.MAX_SEED)
    project = load_project(args.project)
    model = _load_model(args.project, project)
    read = _read(args.real, args.encoding, args.sheet)
    project.data, project.source_name = read.frame, read.source
    table = _prepared(project, read, args.sheet)     # with the roles the model was trained with
    differences = schema_differences(model, table)
    if differences:
        raise InputError(f"{read.source} does not match the model: " + "; ".join(differences))
    report = evaluate(model, table.frame, seed=args.seed)
    report["controllability"] = [c.to_dict() for c in controllability(model, seed=args.seed)]
    report["controllability_covary"] = [c.to_dict() for c in controllability(model, seed=args.seed,
                                                                             others="covary")]
    if args.label is not None:
        report["augmentation"] = compare(model, table.held(args.label), args.label, args.minority, args.n,
                                         seed=args.seed, refit=args.refit,
                                         on_split=_split_done if args.refit else None)   # a training each
    json.dump(_strict(report), sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


def _split_done(done: int, n: int) -> None:
    print(f"note: split {done} of {n} compared", file=sys.stderr, flush=True)


def _strict(value):
    """NaN and infinity (e.g. a selectivity over no movement) become null: strict JSON; a message
    becomes its English sentence."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Message):
        return str(value)
    if isinstance(value, dict):
        return {k: _strict(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_strict(v) for v in value]
    return value


def _export(args) -> int:
    from core.handout import html_report     # plotly loads only for this command

    refuse_overwrite(args.out, project_file=args.project)
    limits.whole("--seed", args.seed, 0, limits.MAX_SEED)
    project = load_project(args.project)
    _load_model(args.project, project)
    document = html_report(project, args.lang, seed=args.seed).encode("utf-8")
    with saving(args.out) as handle:
        handle.write(document)
    print(f"{args.out}: report of {Path(args.project).name} in {LANGUAGES[args.lang]}, "
          f"{len(document) / 1e6:.1f} MB", file=sys.stderr)
    return 0


def _load_model(path: str, project: Project | None = None):
    project = project or load_project(path)
    if project.model is None:
        raise InputError(f"{Path(path).name}: holds no trained model; run `fit` first")
    return project.model


def _assignment(text: str) -> tuple[str, float]:
    name, sep, value = text.rpartition("=")
    try:
        if not sep or not name:
            raise ValueError
        return name.strip(), float(value)
    except ValueError:
        raise InputError(f"'{text}' must look like NAME=Z with Z a number, e.g. 裂缝及损坏情况=2") from None


def _role(text: str) -> tuple[str, Role]:
    name, sep, role = text.rpartition("=")
    if not sep or not name.strip():
        raise InputError(msg("cli.role", text=text, roles=", ".join(r.value for r in Role)))
    return name.strip(), as_role(role, name.strip(), "--role")


def _sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise InputError(f"--hidden '{text}' must be sizes separated by commas, e.g. 64 or 64,32") from None
    return sizes   # sizes and layers are checked against core.limits with the other settings


def _write(path: str, data: bytes) -> None:
    """All of `data` or, on failure, the old file untouched (core.atomic)."""
    with saving(path) as handle:
        handle.write(data)


def _chunk_seed(seed: int, chunk: int) -> int:
    """The seed of one chunk of generated rows: `seed` itself for the first (so up to CHUNK_ROWS
    rows are exactly what one call draws), an independent stream of it for the others."""
    return seed if chunk == 0 else int(np.random.SeedSequence([seed, chunk]).generate_state(1)[0])
