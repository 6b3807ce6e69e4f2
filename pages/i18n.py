"""The app's words in the session's language, and user-supplied names shown literally.

`t(key, **fmt)` looks a key of core/strings.py up in the session's language
(`st.session_state["lang"]`, set by the sidebar switch). Messages from core (file errors,
column reasons, warnings) come as `core.messages.Message` codes and are shown with `say`,
which renders them from core/messages_zh.py in Chinese.

Streamlit renders labels, captions and messages as Markdown, so a column named `**x**` would
show bold. `t` and `say` escape every text they fill in (`md`); what they return is `Markdown`,
which is not escaped again when it is filled into another string.
"""
from __future__ import annotations

import re

import streamlit as st

from core.messages import Message, plain
from core.strings import DEFAULT, LANGUAGES, STRINGS, say_in, translate

__all__ = ["DEFAULT", "LANGUAGES", "STRINGS", "Markdown", "language", "md", "say", "t", "t_plain"]

# Escaped only where Markdown or Streamlit would read them, so that ordinary names such as
# "沉降速率(mm/月)" pass unchanged: Streamlit also uses a label as the widget's aria-label, and a
# screen reader would read every backslash. Inline marks, links, HTML, math and directives:
_INLINE = re.compile(r"[\\`*_\[\]<>$~|:]|&(?=#?\w+;)")
_BLOCK = re.compile(r"^(\s*\d*)([#+-]|(?<=\d)[.)])(?=\s|$)", re.MULTILINE)   # a heading or list item


class Markdown(str):
    """Text that is safe to render as Markdown: the user-supplied parts are escaped."""


def md(value) -> Markdown:
    """`value` as Markdown that shows it literally; Markdown passes through as it is."""
    if isinstance(value, Markdown):
        return value
    text = _INLINE.sub(r"\\\g<0>", plain(value))
    if "\\:" in text:   # ":material/home:" stays an icon with its colons escaped; its slash must be, too
        text = text.replace("/", "\\/")
    return Markdown(_BLOCK.sub(r"\1\\\2", text))


def language() -> str:
    lang = st.session_state.get("lang") or DEFAULT
    return lang if lang in LANGUAGES else DEFAULT


def t(key: str, **fmt) -> Markdown:
    """The string for `key` in the session's language, with every text in `fmt` escaped (`md`);
    numbers stay numbers, for format specs such as {mi:.1f}."""
    return Markdown(translate(key, language(), **{name: md(value) if isinstance(value, str) else value
                                                  for name, value in fmt.items()}))


def t_plain(key: str, **fmt) -> str:
    """`t` without escaping, for what is not Markdown: chart texts (core.figures escapes them
    for plotly), table headers and cells, file names."""
    return translate(key, language(), **fmt)


def say(message: Message | Exception | str, markdown: bool = True) -> str:
    """A core message (or the InputError carrying one) in the session's language; its parameters
    escaped unless `markdown` is False (a table cell shows text as it is)."""
    if isinstance(message, Exception):
        message = getattr(message, "message", None) or str(message)
    text = say_in(message, language(), md if markdown else str)
    return Markdown(text) if markdown else text
