"""Latent Semantics Studio: the router. Page config, navigation, shared sidebar.

Run with `streamlit run app.py`. Each step of the method is one page in pages/;
all of a session's work lives in one core.project.Project (see pages/ui.py).
"""

from pathlib import Path

import streamlit as st

from pages import ui
from pages.i18n import t

ICON = Path(__file__).parent / "assets" / "icon.png"   # a file: a material icon as favicon is fetched from Google
st.set_page_config(page_title="Latent Semantics Studio", page_icon=str(ICON), layout="wide")

steps = [
    st.Page("pages/data.py", title=t("data.title"), icon=":material/table:", default=True),
    st.Page("pages/semantics.py", title=t("semantics.title"), icon=":material/label:"),
    st.Page("pages/train.py", title=t("train.title"), icon=":material/model_training:"),
    st.Page("pages/analysis.py", title=t("analysis.title"), icon=":material/grid_on:"),
    st.Page("pages/generate.py", title=t("generate.title"), icon=":material/auto_awesome:"),
    st.Page("pages/evaluate.py", title=t("evaluate.title"), icon=":material/fact_check:"),
]

# Our own menu: with client.showSidebarNavigation off (.streamlit/config.toml), Streamlit never
# lists the modules of pages/ as pages, not even before this script has run once.
page = st.navigation(steps, position="hidden")
with st.sidebar.container(key="steps"):
    for step in steps:
        st.page_link(step)
st.sidebar.title(t("app.title"))
ui.project()             # the sample loads on the first visit, whichever page is opened
ui.collect_training()    # a run that finished while the user was on another page
ui.collect_check()       # likewise the Evaluate page's augmentation check
ui.sidebar()
ui.localise_widgets()
page.run()
