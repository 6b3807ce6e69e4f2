"""RESULTS.md from run.py's results: the generated block is rewritten, the discussion kept."""
from __future__ import annotations

import time
from pathlib import Path

BEGIN, END = "<!-- BEGIN GENERATED (benchmarks/run.py) -->", "<!-- END GENERATED -->"
ROUTE_NAMES = {"real": "real only", "real+vae": "real + our VAE rows", "real+smote_nc": "real + SMOTE-NC rows"}


def write_results(results: dict, path: Path) -> None:
    block = "\n".join([BEGIN, *_header(results), *_speed(results), *_sdv(results), *_quality(results), END])
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    if BEGIN in old and END in old:
        text = old[:old.index(BEGIN)] + block + old[old.index(END) + len(END):]
    else:
        text = "# Benchmarks\n\n" + block + "\n\n## Discussion\n\n(written by hand; run.py keeps this part)\n"
    path.write_text(text, encoding="utf-8")


def _met(ok: bool) -> str:
    return "yes" if ok else "**no**"


def _header(r: dict) -> list[str]:
    m = r["machine"]
    lines = [f"Command: `python benchmarks/run.py`{' --quick (SMOKE RUN: not for the record)' if r['quick'] else ''}; "
             f"run {time.strftime('%Y-%m-%d %H:%M')}.", "",
             "| CPU | cores | RAM | Python | torch | load average (1 min) at start / end |", "|---|---|---|---|---|---|",
             f"| {m['cpu']} | {m['cores']} | {m['ram_gb']:.1f} GB | {m['python']} | {m['torch']} | "
             f"{m['load']:.1f} / {m['load_after']:.1f} |", "",
             "The machine is shared: other engineers' jobs ran at the same time, so a load above "
             "the core count slows every figure below.", "",
             "Training defaults (`TrainConfig()`): " + ", ".join(
                 f"{k} {v}" for k, v in r["defaults"].items() if v is not None) + ".", ""]
    return lines


def _speed(r: dict) -> list[str]:
    cli, scale = r["cli_fit_30"], r["scale"]
    score, gen = r["score_ms"], r["generate_ms"]
    q500 = r["quality"]["buildings_500"]
    rows = [
        ("`fit` buildings_30.csv, defaults, command line: time beyond `python -m core --help`", "≤ 2 s",
         f"{cli['beyond']:.2f} s (fit {cli['total']:.2f} s − start-up {cli['baseline']:.2f} s)", cli["beyond"] <= 2),
        ("`fit` buildings_30.csv, defaults, in process", "≤ 2 s", f"{r['fit_30']:.2f} s", r["fit_30"] <= 2),
        ("`fit` buildings_500.csv, defaults, in process", "—", f"{r['fit_500']:.2f} s", None),
        ("re-scoring a changed R (`model.score(R)`: C, B, D, both matchings, MI), 30 / 500-row model",
         "≤ 20 ms", f"{score['buildings_30']:.2f} / {score['buildings_500']:.2f} ms", max(score.values()) <= 20),
        ("generating and decoding 1 000 targeted rows (first semantic at z = 2), 30 / 500-row model",
         "≤ 100 ms", f"{gen['buildings_30']:.1f} / {gen['buildings_500']:.1f} ms", max(gen.values()) <= 100),
        (f"scale: {scale['rows']:,}-row table ({scale['encoded_columns']} encoded columns), seconds per checkpoint "
         f"of {scale['checkpoint_rows']:,} rows, train / fine-tune / detail (a full pass: × {scale['rows'] / scale['checkpoint_rows']:.0f})",
         "—", f"{scale['train_epoch']:.3f} / {scale['finetune_epoch']:.3f} / {scale['detail_epoch']:.3f} s", None),
        ("scale: peak memory of the training process, ru_maxrss (peak before training began)", "≤ 2 GB",
         f"{scale['peak_rss_mb']:.0f} MB ({scale['peak_rss_after_read_mb']:.0f} MB)", scale["peak_rss_mb"] <= 2048),
        ("scale: reading + preparing the CSV / generating it from the 500-row model", "—",
         f"{scale['read_seconds']:.1f} / {scale['generate_seconds']:.1f} s", None),
        ("augmentation comparison on buildings_500 (CLI default: 5 splits × 3 routes × 3 random forests)", "≲ 10 s",
         f"{q500['augmentation_seconds']:.1f} s", q500["augmentation_seconds"] <= 10),
    ]
    lines = ["## Speed", "", "| measurement | target | result | met |", "|---|---|---|---|"]
    lines += [f"| {m} | {t} | {v} | {'—' if ok is None else _met(ok)} |" for m, t, v, ok in rows]
    lines += ["", f"Medians over {r['repeats']} repeats (fit on 500 rows: {1 if r['quick'] else 3}; "
              "re-scoring: 50; generation: 20). Training uses one torch thread (core.training). "
              "The scale table is generated from the 500-row model, written to CSV and trained on "
              "for 3 + 2 checkpoints (then each detail candidate's) in a child process; a checkpoint is at most "
              "16 mini-batches of 64 rows, so the figures are per 1,024 rows.", ""]
    return lines


def _sdv(r: dict) -> list[str]:
    lines = ["## SDV's TVAE, same tables", ""]
    sdv = r.get("sdv")
    if sdv is None:
        return lines + ["Not run (--quick).", ""]
    if "error" in sdv:
        return lines + [f"SDV could not be installed in a separate venv: `{sdv['error']}`", ""]
    lines += ["Timed in a separate venv (`/tmp/sdv-venv`, `pip install sdv`); SDV is not and must not "
              "be one of our requirements (licence). TVAE keeps its defaults; one torch thread, like ours.", "",
              "| table | our fit (s) | TVAE fit (s) | ours / TVAE | epochs ours / TVAE |", "|---|---|---|---|---|"]
    ours = {"buildings_30": r["fit_30"], "buildings_500": r["fit_500"]}
    for name, result in sdv["tvae"].items():
        if "error" in result:
            lines.append(f"| {name} | {ours[name]:.2f} | failed: `{result['error']}` | — | — |")
            continue
        lines.append(f"| {name} | {ours[name]:.2f} | {result['seconds']:.2f} | "
                     f"{ours[name] / result['seconds']:.2f} | 300 + 200 fine-tuning / {result['epochs']} |")
    check = sdv["sdmetrics"]
    lines += ["", "Cross-check of core/evaluation.py against SDMetrics (installed with SDV in that venv) on "
              "buildings_500 and 500 generated rows: " + (
                  f"failed: `{check['error']}`" if "error" in check else
                  f"largest difference {check['max_column_diff']:.2g} over {check['columns']} column scores "
                  f"(KSComplement, TVComplement) and {check['max_pair_diff']:.2g} over {check['pairs']} "
                  "same-kind pair scores (CorrelationSimilarity, ContingencySimilarity). Mixed pairs differ by "
                  "design: SDMetrics bins numbers at equal widths, we bin at the real data's quantiles."), ""]
    return lines


def _quality(r: dict) -> list[str]:
    q30, q500 = (r["quality"][name]["evaluation"] for name in ("buildings_30", "buildings_500"))
    v30, v500 = q30["validity"], q500["validity"]
    rows = [
        ("fidelity (mean of the two below)", "fidelity", "≥ 0.85", q500["fidelity"] >= 0.85),
        ("column shapes (1 − KS / 1 − TVD, mean)", "column_shapes", "", None),
        ("pair trends (correlation / contingency similarity, mean)", "pair_trends", "", None),
    ]
    lines = ["## Quality, default settings, one run each", "",
             "Generated rows for the metrics: max(rows, 500), seed 0.", "",
             "| figure | buildings_30 | buildings_500 | target on buildings_500 | met |", "|---|---|---|---|---|"]
    lines += [f"| {label} | {q30[key]:.3f} | {q500[key]:.3f} | {t or '—'} | {'—' if ok is None else _met(ok)} |"
              for label, key, t, ok in rows]
    valid = v500["numeric_in_range"] == v500["categories_seen"] == 1.0
    lines += [f"| validity: numbers in the training range / labels seen in training | "
              f"{v30['numeric_in_range']:.1%} / {v30['categories_seen']:.1%} | "
              f"{v500['numeric_in_range']:.1%} / {v500['categories_seen']:.1%} | 100 % | {_met(valid)} |",
              f"| exact copies of a real row | {q30['exact_copy_rate']:.1%} | {q500['exact_copy_rate']:.1%} | 0 | "
              f"{_met(q500['exact_copy_rate'] == 0)} |",
              f"| DCR ratio (median distance to closest real row, generated / uniform random) | "
              f"{q30['dcr_ratio']:.2f} ({q30['dcr_generated']:.3f} / {q30['dcr_random']:.3f}) | "
              f"{q500['dcr_ratio']:.2f} ({q500['dcr_generated']:.3f} / {q500['dcr_random']:.3f}) | — | — |", ""]
    return lines + _augmentation(r)


def _augmentation(r: dict) -> list[str]:
    splits = r["quality"]["buildings_500"]["augmentation"]["n_splits"]
    lines = ["### Augmentation: 安全性等级 = Dsu", "",
             f"{splits} stratified 70/30 splits; the mean over 3 random forests (100 trees, fixed seeds) on one-hot labels and "
             "numbers; each generator adds as many Dsu rows as make Dsu as frequent as the largest class in "
             "the training part. Mean ± sd over the splits. *Model trained on all rows*: the evaluated model, "
             "which has seen the held-out rows (can flatter our route). *Refit per split*: a fresh model with "
             "the same settings trained on each split's training rows only (no leak).", "",
             "| table | VAE | route | macro-F1 | Dsu recall | Dsu rows added | acceptance | copies |",
             "|---|---|---|---|---|---|---|---|"]
    verdict, notes = [], []
    for name in ("buildings_30", "buildings_500"):
        q = r["quality"][name]
        for kind, report in (("trained on all rows", q["augmentation"]), ("refit per split", q["augmentation_refit"])):
            if report is None:
                continue
            for route, s in report["routes"].items():
                score = "not possible | —" if s is None else \
                    f"{s['macro_f1']:.3f} ± {s['macro_f1_sd']:.3f} | {s['minority_recall']:.2f} ± {s['minority_recall_sd']:.2f}"
                extra = (f"{report['n_new']:g} | {report['acceptance']:.0%} | {report['copy_rate']:.0%}"
                         if route == "real+vae" else " | | ")
                lines.append(f"| {name} | {kind} | {ROUTE_NAMES[route]} | {score} | {extra} |")
            notes += [f"- {name}, {kind}: {note}" for note in report["notes"]]
            ours, smote = report["routes"]["real+vae"], report["routes"]["real+smote_nc"]
            if name == "buildings_500" and smote is not None:
                verdict.append(f"{kind}: ours {ours['macro_f1']:.3f} vs SMOTE-NC {smote['macro_f1']:.3f}, "
                               f"paired difference {_paired(ours, smote)} "
                               f"({_met(ours['macro_f1'] >= smote['macro_f1'])})")
    return lines + ["", *notes, "", "Target on buildings_500, macro-F1 with our rows no worse than with "
                    "SMOTE-NC rows: " + "; ".join(verdict) + "."]


def _paired(ours: dict, theirs: dict) -> str:
    """Mean ± standard error of the per-split differences (same splits for both routes)."""
    a, b = ours["macro_f1_splits"], theirs["macro_f1_splits"]
    if len(a) != len(b) or len(a) < 2:
        return "n/a"
    diff = [x - y for x, y in zip(a, b)]
    mean = sum(diff) / len(diff)
    sd = (sum((d - mean) ** 2 for d in diff) / (len(diff) - 1)) ** 0.5
    return f"{mean:+.3f} ± {sd / len(diff) ** 0.5:.3f} (s.e.)"
