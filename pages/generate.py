"""Step 5: set latents by meaning with sliders and generate new building records (§1.6)."""
from __future__ import annotations

import streamlit as st

from core import figures
from core.augmentation import augment
from core.columns import present_cells
from core.errors import InputError
from core.evaluation import CopyIndex
from core.export import csv_bytes, download_name, xlsx_bytes
from core.conditions import Condition, sample_where
from core.generation import OTHERS, generate
from core.passthrough import note
from core.views import Shares
from pages import ui
from pages.i18n import language, md, say, t

ui.header("generate")
project = ui.project()
ui.gate(project.model is None, "gate.model", "train")
model = project.model
R, _ = project.scoring_semantics()
matched = {latent: R.names[semantic] for semantic, latent in model.slider_latents(R).items()}
found = ui.controls(model, R)

st.subheader(t("gen.sliders"))
st.caption(t("gen.sliders_help"))
fixed: dict[int, float] = {}
columns = st.columns(2)
for n, latent in enumerate(sorted(matched, key=lambda i: R.names.index(matched[i]))):
    column, control = columns[n % 2], found.get(matched[latent])
    value = column.slider(md(f"{matched[latent]} (z{latent})"), -3.0, 3.0, 0.0, 0.1, key=f"z_{latent}")
    if value != 0:   # at 0 a slider is free: its latent is drawn with the others
        fixed[latent] = value
    if control is not None and control.effects:   # label the direction: what "right" does
        column.caption(t("gen.right", effects=", ".join(control.effects)))
    if control is not None and control.selectivity < ui.WEAK_SELECTIVITY:
        column.warning(t(f"gen.weak.{model.config.mode}", sel=control.selectivity), icon=":material/warning:")
others = [i for i in range(model.semantic_dim) if i not in matched]   # detail latents: always drawn

a, b, c, d = st.columns(4)
n_rows = a.number_input(t("gen.rows"), 1, 10_000, 100, key="gen_rows")
seed = b.number_input(t("gen.seed"), 0, 2**31 - 1, 0, key="gen_seed")
how = c.radio(t("gen.others_mode"), OTHERS, format_func=lambda name: t(f"others.{name}"), key="gen_others",
              help=t("gen.others_mode_help"))
sample_others = d.toggle(t("gen.sample_others"), value=True, key="gen_sample_others",
                         help=t("gen.sample_others_help"))
if others:
    with st.expander(t("gen.others", n=len(others))):
        st.caption(t("gen.others_help"))
        for latent in others:
            value = st.slider(t("gen.other_latent", latent=latent), -3.0, 3.0, 0.0, 0.1, key=f"z_{latent}",
                              disabled=sample_others)
            if not sample_others:
                fixed[latent] = value

prepared = project.prepared()
real = prepared.frame
st.subheader(t("gen.where"))
st.caption(t("gen.where_help"))
ui.condition_picker(project, model)


def make_rows():
    if project.conditions:
        return sample_where(model, real, [Condition.parse(text) for text in project.conditions], int(n_rows),
                            fixed, seed=int(seed), filled=prepared.filled)
    return generate(model, int(n_rows), fixed=fixed, seed=int(seed), sample_others=sample_others, others=how)


asked = (model, real, tuple(sorted(fixed.items())), int(n_rows), int(seed), sample_others, how,
         tuple(project.conditions))
try:   # the same settings give the same rows: a rerun that changes nothing generates nothing
    rows = project.derived("rows", asked, make_rows)
except InputError as exc:
    st.error(say(exc))
    st.stop()
unmodelled = note(model.unmodelled)   # the downloads hold every input column, in input order

st.subheader(t("gen.preview"))
index = project.derived("copy_index", (real,), lambda: CopyIndex.of(real))
copies = project.derived("copies", (index, rows), lambda: index.count(rows))
a, b = st.columns(2)
a.metric(t("gen.n_generated"), len(rows))
b.metric(t("gen.copies"), f"{copies} / {len(rows)}", help=t("gen.copies_help"))
full = project.generated = project.derived("complete", (rows,), lambda: model.complete(rows, int(seed)))
st.dataframe(full.head(200), hide_index=True)
if unmodelled is not None:
    st.caption(say(unmodelled))
notes = [] if unmodelled is None else [say(unmodelled)]
left, right = st.columns(2)
named = download_name(project.source_name, [f"{matched[k]}{v:+g}" for k, v in fixed.items() if k in matched]
                      + list(project.conditions) + [f"n{len(full)}", f"seed{int(seed)}"], "csv")
left.download_button(t("gen.csv"), csv_bytes(full), named, "text/csv",
                     on_click="ignore", icon=":material/download:", type="primary")
right.download_button(t("gen.xlsx"), lambda: xlsx_bytes(full, notes=notes), named[:-3] + "xlsx",
                      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                      on_click="ignore", icon=":material/table_view:")

with st.expander(t("gen.augment")):   # rows of one class (core.augmentation)
    picked = ui.class_picker(model, prepared, "gen_aug")
    if picked is None:
        st.info(t("ev.no_label"))
    elif st.button(t("ev.make"), key="gen_aug_make", icon=":material/add_row_below:"):
        label, value, n_class = picked
        try:
            project.remember("augmented", (model, real), augment(model, prepared.held(label), label, value, n_class,
                                                                    seed=int(seed)))
        except InputError as exc:
            st.error(say(exc))
    extra = project.recall("augmented", (model, real))
    if extra is not None and picked is not None:
        st.markdown(t("gen.augmented", n=len(extra), name=picked[1]))
        written = model.complete(extra, int(seed))
        st.dataframe(written.head(100), hide_index=True)
        st.download_button(t("ev.download_new"), csv_bytes(written),
                           download_name(project.source_name, [f"{picked[0]}={picked[1]}", f"n{len(extra)}",
                                                               f"seed{int(seed)}"], "csv"), "text/csv",
                           on_click="ignore", icon=":material/download:", key="gen_aug_download")

st.subheader(t("gen.compare"))
numeric = {span.name: span.kind == "numeric" for span in model.transformer.layout_}
first = sorted(matched)[0] if matched else None
default = [f for f in R.features if first is not None and f in rows.columns
           and R.values[R.names.index(matched[first]), R.features.index(f)]][:2]
features = list(numeric)   # the model's columns (generated rows also carry which cells are blank)
chosen = st.multiselect(t("gen.features"), features, default=default or features[:2], key="gen_compare")
plots = st.columns(2)
for n, feature in enumerate(chosen):   # the cells that are not blank, on both sides
    shares = project.derived(f"shares:{feature}", (real,),
                             lambda: Shares.of(present_cells(real, feature), numeric[feature]))
    plots[n % 2].plotly_chart(ui.figure(f"compare:{feature}", (shares, rows), lambda: figures.compare(
                                  shares, present_cells(rows, feature), feature, lang=language())),
                              key=f"compare_{feature}")
