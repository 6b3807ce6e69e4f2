"""Step 6: are the generated rows realistic, valid and new; do the sliders steer; do rows
of a rare class help a classifier? (core.evaluation, core.controllability, core.augmentation)"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from core import figures
from core.augmentation import interpolate_class
from core.augmentation_check import N_SPLITS, compare
from core.controllability import controllability, median_selectivity
from core.errors import InputError
from core.evaluation import evaluate
from core.export import csv_bytes, download_name
from core.worker import CheckWorker
from pages import ui
from pages.i18n import language, say, t, t_plain

POLL_SECONDS = 1.0    # progress and the end of a comparison

ui.header("evaluate")
project = ui.project()
ui.gate(project.model is None, "gate.model", "train")
model, prepared = project.model, project.prepared()
real = prepared.frame


# ---------------------------------------------------------------- are the new rows realistic?
report = project.derived("evaluation", (model, real), lambda: evaluate(model, real, seed=0))
controls = project.derived("controllability", (model,), lambda: controllability(model, seed=0))
covarying = project.derived("controllability_covary", (model,),
                            lambda: controllability(model, seed=0, others="covary"))
st.subheader(t("ev.realistic"))
st.caption(t("ev.realistic_help", n=report["n_generated"]))
cards = st.columns(4)
valid = min(report["validity"]["numeric_in_range"], report["validity"]["categories_seen"])
copies = round(report["exact_copy_rate"] * report["n_generated"])
for card, (label, value, help_key) in zip(cards, [
        (t("ev.fidelity"), f"{report['fidelity']:.0%}", "ev.fidelity_help"),
        (t("ev.validity"), f"{valid:.0%}", "ev.validity_help"),
        (t("ev.copies"), f"{copies} / {report['n_generated']}", "ev.copies_help"),
        (t("ev.dcr"), f"{report['dcr_ratio']:.2f}", "ev.dcr_help")]):
    with card.container(border=True):
        st.metric(label, value)
        st.caption(t(help_key, shapes=report["column_shapes"], pairs=report["pair_trends"],
                     real=report["real_repeat_rate"]))
if valid < 1:
    st.error(t("ev.invalid"))
if report.get("blanks"):   # columns that keep their blanks: how often a cell is blank, real and generated
    st.caption(t("ev.blanks", columns="; ".join(f"{name} {shares['real']:.0%} → {shares['generated']:.0%}"
                                                for name, shares in report["blanks"].items())))

left, right = st.columns(2)
with left:
    st.caption(t("ev.control_help"))
    if controls:
        st.caption(t("ev.control_both", n=len(controls), hits=sum(c.hit for c in controls),
                     hits_covary=sum(c.hit for c in covarying), median=f"{median_selectivity(controls):.1f}",
                     median_covary=f"{median_selectivity(covarying):.1f}"))
    st.plotly_chart(figures.selectivity_bars(controls, language()), key="ev_control")
    st.caption(t("ev.worst_pairs"))
    st.dataframe(ui.labelled(pd.DataFrame(report["worst_pairs"]), "metric"), hide_index=True)
with right:
    st.caption(t("ev.columns_help"))
    st.plotly_chart(figures.column_scores(report["columns"], language()), key="ev_columns")

# ---------------------------------------------------------------- does a rare class gain?
st.subheader(t("ev.augment"))
st.caption(t("ev.augment_help"))
picked = ui.class_picker(model, prepared, "ev")
if picked is None:
    st.info(t("ev.no_label"))
    st.stop()
label, value, n_rows = picked

make, check = st.columns(2)
if make.button(t("ev.make"), type="primary", icon=":material/add_row_below:", key="ev_make"):
    try:
        project.remember("class_rows", (model, real), (value, interpolate_class(model, prepared.held(label), label,
                                                                                value, int(n_rows), seed=0)))
    except InputError as exc:
        st.error(say(exc))


def start_check(label: str, value: str, refit: bool) -> None:
    """Run the comparison in a worker thread (from the button's callback, so the page's next run
    already shows its progress); a fresh model per split is several trainings."""
    current = ui.project()
    if current.checking is not None and current.checking.running:
        return
    model, table = current.model, current.prepared()
    current.checking = CheckWorker(   # a row whose class is blank, kept or filled, is of no class
        lambda on_split, should_stop: ((model, table.frame), compare(model, table.held(label), label, value,
                                                                     refit=refit, on_split=on_split,
                                                                     should_stop=should_stop)),
        N_SPLITS, alive=ui.session_alive()).start()   # stops when the session closes


busy = project.checking is not None and project.checking.running
refit = check.checkbox(t("ev.refit"), key="ev_refit", help=t("ev.refit_help"))
check.button(t("ev.compare"), icon=":material/compare_arrows:", key="ev_compare", disabled=busy,
             on_click=start_check, args=(label, value, refit))


@st.fragment(run_every=POLL_SECONDS if busy else None)
def checking() -> None:
    """Polls the comparison while it runs; reruns the whole page once it has finished."""
    worker = project.checking
    if worker is None:
        return
    done, n = worker.progress()
    ui.follow(worker, ui.collect_check, done / n, t("ev.comparing", done=done, n=n), t("ev.cancel"), "ev_cancel")


checking()

made = project.recall("class_rows", (model, real))
if made is not None:
    made_value, sample = made
    st.markdown(t("ev.made", n=len(sample.rows), name=made_value))
    for note in sample.notes:
        st.warning(say(note))
    new_rows = model.complete(sample.rows)   # as the survey writes them: dates, blanks, every column
    st.dataframe(new_rows.head(100), hide_index=True)
    left, right = st.columns(2)
    parts = [f"{label}={made_value}", f"n{len(sample.rows)}"]
    left.download_button(t("ev.download_new"), csv_bytes(new_rows), download_name(project.source_name, parts, "csv"),
                         "text/csv", on_click="ignore", icon=":material/download:")
    expanded = model.transformer.written(pd.concat([real, sample.rows], ignore_index=True))
    right.download_button(t("ev.download_all"), csv_bytes(expanded),
                          download_name(project.source_name, ["real+" + parts[0], *parts[1:]], "csv"), "text/csv",
                          on_click="ignore", icon=":material/download:")

result = project.recall("comparison", (model, real))
if result is not None:
    names = {"real": t("ev.route_real"), "real+vae": t("ev.route_vae"), "real+smote_nc": t("ev.route_smote")}
    table = pd.DataFrame([
        {t("ev.route"): names[route],
         t("ev.macro_f1"): "—" if s is None else f"{s['macro_f1']:.3f} ± {s['macro_f1_sd']:.3f}",
         t_plain("ev.recall", name=result["minority"]): "—" if s is None else
         f"{s['minority_recall']:.2f} ± {s['minority_recall_sd']:.2f}"}
        for route, s in result["routes"].items()])
    st.markdown(t("ev.comparison", label=result["label"], name=result["minority"], splits=result["n_splits"]))
    st.dataframe(table, hide_index=True)
    st.caption(t("ev.comparison_help", n=result["n_new"]))
    st.caption(t("ev.no_leak" if result["refit"] else "ev.leak"))
    gain = result["vae_minus_smote_nc"]
    if gain is not None and gain["se"] is None:
        st.markdown(t("ev.paired_one", gain=f"{gain['macro_f1']:+.3f}"))
    elif gain is not None:
        st.markdown(t("ev.paired", gain=f"{gain['macro_f1']:+.3f}", se=f"{gain['se']:.3f}", k=gain["ahead"],
                      n=gain["splits"], verdict=t_plain(f"ev.verdict_{gain['verdict']}")))
    for note in result["notes"]:
        st.warning(say(note))
