"""The feature × semantic checkbox grid that becomes R.

st.data_editor keeps its edits as a delta against the frame it was given. So the
editor gets a STABLE input frame (`base`), built from the Project only when R changed
outside the grid (add, rename, delete, import, preset, variant, project load), and a key
that changes exactly then. On every run the returned frame (base + the user's ticks)
is written back to the Project. Writing it back never rebuilds the base, so a tick is
neither lost nor applied twice.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from core.semantics import SemanticMatrix
from pages.i18n import t

STATE = "r_grid"   # {"version": int, "base": DataFrame, "applied": SemanticMatrix}


def to_grid(semantics: SemanticMatrix) -> pd.DataFrame:
    """Features down, semantics across, booleans (CheckboxColumn needs bool)."""
    return pd.DataFrame(semantics.values.T.astype(bool), columns=semantics.names,
                        index=pd.Index(semantics.features))   # no translated names: they
                                                              # would change the widget identity


def from_grid(frame: pd.DataFrame, semantics: SemanticMatrix) -> SemanticMatrix:
    values = frame.reindex(index=semantics.features, columns=semantics.names).fillna(False)
    return SemanticMatrix(list(semantics.names), list(semantics.features),
                          values.to_numpy(dtype=bool).T.astype(int))


def editor_key() -> str:
    return f"r_editor_{st.session_state[STATE]['version']}"


def edit(semantics: SemanticMatrix) -> SemanticMatrix:
    """Show the grid for `semantics` (the Project's R) and return R with the user's ticks."""
    state = st.session_state.get(STATE)
    # Rebuild when R changed elsewhere, or when the editor's edits are gone (the user left
    # the page and Streamlit dropped the widget state): base must then equal R itself.
    if state is None or state["applied"] is not semantics \
            or f"r_editor_{state['version']}" not in st.session_state:
        version = state["version"] + 1 if state else 0
        state = st.session_state[STATE] = {"version": version, "base": to_grid(semantics),
                                           "applied": semantics}
    if not semantics.names:
        st.info(t("sem.no_semantics"))
        return semantics
    config = {name: st.column_config.CheckboxColumn(name) for name in semantics.names}
    config["_index"] = st.column_config.TextColumn(width="medium")
    edited = st.data_editor(state["base"], key=editor_key(), column_config=config,
                            num_rows="fixed", height=min(38 + 35 * len(semantics.features), 560))
    current = from_grid(edited, semantics)
    if (current.values != semantics.values).any():
        state["applied"] = current
        return current
    return semantics
