"""Messages for people, as codes with parameters, so that any UI can translate them.

Core never builds a user-facing sentence by hand: it makes a `Message(code, params)`.
`str(message)` renders the English template below; the app renders the same code in
the user's language (core/messages_zh.py holds the Chinese templates, and a test checks that
every code here has one). A parameter may itself be a Message, a list (joined with
", ") or any value with a sensible `str`.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum

ENGLISH: dict[str, str] = {
    # free text: a message that has no code yet (shown as it is in every language)
    "text": "{text}",
    # column roles: why a column got its role
    "reason.too_few_values": "too few values: {n} of {cells} cells hold one",
    "reason.id_name": "name looks like an id",
    "reason.constant": "constant",
    "reason.all_different": "every value is different (an id or a name)",
    "reason.dates": "dates, modelled in years and written back as dates",
    "reason.free_text": "{n} different labels: free text or names (set the role to categorical to model it)",
    "reason.row_numbers": "consecutive row numbers",
    "reason.two_values": "two values",
    "reason.marks": "'{mark}' or blank: a tick box, blank read as no",
    "reason.lone_label": "'{label}' or blank: two values, the blank one of them",
    "reason.bins": "value ranges (bins)",
    "reason.grade_scale": "grade scale {scale}",
    "reason.whole_numbers": "whole numbers",
    "reason.numbers": "numbers",
    "reason.text_labels": "text labels",
    "reason.set_by_user": "set by the user",
    "reason.maybe_class": "{reason}; only {n} different values: maybe a class coded as numbers",
    "reason.merged_bins": "{reason}; read {renamed}",
    # rows of a rare class (core.augmentation, core.augmentation_check)
    "augment.low_acceptance": "only {share} of the draws were accepted as '{value}': the model rarely "
                              "reproduces this class; try a longer training",
    "augment.short": "made {made} of {asked} rows of '{value}' in {draws} draws",
    "augment.one_row": "one row of '{value}': its rows are drawn around it, not between two rows",
    "augment.short_one_row": "'{value}' has one row only, so its rows are drawn around it: made {made} of "
                             "{asked} in {draws} draws; ask for fewer rows, or add rows of '{value}' and train again",
    "augment.low_acceptance_splits": "in {k} of {n} splits under {share} of our draws were accepted as '{value}' "
                                     "(lowest {lowest}): the model rarely reproduces this class",
    "augment.short_splits": "in {k} of {n} splits our route made fewer '{value}' rows than asked",
    "augment.smote_some": "SMOTE-NC needs 2 rows of '{value}' in the training part; {k} of {n} splits had 1, "
                          "so its scores are over the other splits",
    "augment.smote_none": "SMOTE-NC needs 2 rows of '{value}' in the training part; no split had them",
    # missing values
    "action.median": "filled with median {value}",
    "action.mode": "filled with most frequent '{value}'",
    # what the reader did (the command line prints these on stderr; the app shows them)
    "read.csv": "{source}: read as {encoding}, delimiter {delimiter}, {rows} rows x {columns} columns",
    "read.sheet": "{source}: read sheet '{sheet}' of {sheets}, {rows} rows x {columns} columns",
    "read.modelled": "{modelled} of {columns} columns are modelled; the other {unmodelled} come back in "
                     "generated files as the survey has them",
    "read.excluded": "column '{name}' is not modelled: {reason}",
    "read.text_in_dates": "column '{name}': {n} cell(s) that are no date treated as missing "
                          "(row(s) {rows}: {examples})",
    "read.text_in_numbers": "column '{name}': {n} text cell(s) among numbers treated as missing "
                            "(row(s) {rows}: {examples})",
    "read.cleaned": "column '{name}': {n} cell(s) converted to numbers (e.g. '3层' -> 3, a bin -> its midpoint)",
    "read.filled": "column '{name}': {n} missing cell(s) {action}",
    "read.kept_blank": "column '{name}': {n} missing cell(s) ({share}) kept: the model learns which rows "
                       "are blank, and generated rows leave as many blank (for training, {action})",
    "read.kept_blank_together": "columns {names}: blank in the same {n} row(s) ({share}), kept: the model learns "
                                "which rows are blank, and generated rows leave as many blank (for training, "
                                "each is filled with its median or most frequent label)",
    "read.maybe_class": "column '{name}' holds only {n} different whole numbers ({values}); if it is a "
                        "class, say so with --role {name}=categorical (or on the Data page)",
    "read.header_numbers": "{where}: the first row contains only numbers; is the header row missing?",
    "read.index_column": "{where}: column {letter} has no header and numbers the rows ({first} to {last}): "
                         "read as the file's row index and left out",
    "read.two_row_header": "{where}: rows {rows} read as one header of two rows, group headings "
                            "({headings}) above the column names",
    "read.totals": "{where}: row(s) {rows} ('{word}') are totals, not buildings, and are skipped",
    "read.note_rows": "{where}: row(s) {rows} below the table hold a single note ('{text}') and are skipped",
    "read.units_row": "{where}: row {row} holds units ({units}) under the header and is skipped",
    "read.title_rows": "{where}: row(s) {rows} read as a title above the header and skipped ('{title}')",
    # R against the data
    "r.not_modelled": "semantic '{semantic}' ticks {n} column(s) the model does not use ({columns}); "
                      "the ticks are kept and score nothing",
    "r.column_reason": "'{name}': {reason}",
    "r.no_usable_feature": "semantic '{semantic}' has no feature the model uses",
    "r.no_feature": "semantic '{semantic}' has no feature",
    "r.unassigned": "{n} feature(s) belong to no semantic: {names}",
    "r.latents_differ_more": "{k} semantics and {latents} latents: only {pairs} pairs are matched; "
                             "the other semantics stay without a latent",
    "r.latents_differ_fewer": "{k} semantics and {latents} latents: only {pairs} pairs are matched; "
                              "the other latents stay unnamed",
    "r.unknown_columns": "{source}: {n} column(s) are not columns of the data: {names}",
    "r.did_you_mean": "'{name}' (did you mean '{suggestion}'?)",
    "r.first_column": "{source}: the first column must hold the semantic names, e.g. a column named "
                      "'semantic' (found '{found}')",
    "r.no_name": "{source}: row {row} has no semantic name",
    "r.twice": "{source}: semantic '{name}' appears twice",
    "r.bad_cell": "{source}: row {row}, column '{column}' must be 1, 0 or blank (or √, yes/no; found '{found}')",
    "r.not_text": "{source}: is not a text CSV in UTF-8 or GBK",
    "r.not_csv": "{source}: is not a readable CSV ({detail})",
    "r.nothing_usable": "no semantic ticks a column the model uses, so training would name nothing; "
                        "tick features on the Semantics page (or import an R file)",
    # unmodelled columns in generated files
    "out.unmodelled": "{n} column(s) were not modelled and are filled as in the survey: {columns}",
    "cli.role": "--role '{text}' must look like COLUMN=ROLE with ROLE one of {roles}",
    # limits (core.limits): settings, arguments and project-file numbers out of range
    "limit.range": "{name} must be from {low} to {high} (got {value})",
    "limit.range_open": "{name} must be above {low} and at most {high} (got {value})",
    "limit.whole": "{name} must be a whole number (got {value})",
    "limit.number": "{name} must be a finite number (got {value})",
    "out.kind.constant": "{name} (constant '{value}')",
    "out.kind.sampled": "{name} (drawn from the real column)",
    "out.kind.blank": "{name} (left empty: every value was unique, an identifier)",
    # reading tables
    "table.empty": "{source} is empty",
    "table.no_rows": "{where} has a header but no data rows",
    "table.not_found": "{source} was not found",
    "table.cannot_open": "{source} cannot be opened ({detail})",
    "table.too_large": "{source} is {size}, over the {limit} limit; remove unused sheets or columns, "
                       "or split the table",
    "table.old_xls": "{source} is password-protected or an old .xls; save it as .xlsx or .csv",
    "table.bad_xlsx": "{source} is not a valid Excel workbook (it may be truncated or renamed); "
                      "open it in Excel and save it as .xlsx or .csv",
    "table.bad_suffix": "{source} is a '{suffix}' file; upload a .csv or .xlsx table",
    "table.binary": "{source} looks like a binary file, not a text table; upload the table as .csv or .xlsx",
    "table.bad_row": "{source}: row {row} cannot be read ({detail}); a quote mark (\") may be missing its pair",
    "table.long_cell": "{source}: row {row} has a cell of more than {limit} characters, too long for a table "
                       "cell; shorten it or leave that column out",
    "table.quote_hint": "row {row} opens a quote mark (\") whose cell runs over {lines} lines and swallows the "
                        "rows after it: the quote mark may be missing its pair",
    "table.sheet_hint": "the workbook's other sheets are {sheets}: choose one with --sheet NAME",
    "read.hinted": "{error}; {hint}",
    "table.unknown_encoding": "'{encoding}' is not a known text encoding",
    "table.wrong_encoding": "{source} cannot be read as {encoding}: byte {byte} at position {position} "
                            "is not valid; choose another encoding or let it be detected",
    "table.no_encoding": "{source} is not text in UTF-8 or GBK/GB18030; save it from Excel as "
                         "'CSV UTF-8', or choose its encoding",
    "table.too_wide": "{where} has {width} columns, more than Excel allows ({limit})",
    "table.unnamed": "{where}: column {position} ({letter}) has no header, but row {row} has the value "
                     "'{value}' there{hint}",
    "table.unquoted_hint": "; a value may contain an unquoted '{delimiter}'",
    "table.twice": "{where}: column '{name}' appears twice ({why}); rename or delete one",
    "table.twice_spaces": "columns '{first}' and '{second}' differ only by spaces",
    "table.twice_same": "two columns have this name",
    "table.renamed_copy": "{where}: column '{name}' appears twice ('{name}' and '{copy}', a copy renamed "
                          "by another program); rename or delete one",
    "xlsx.damaged": "{source} is not a valid .xlsx workbook (it may be truncated or damaged); open it "
                    "in Excel and save it again",
    "xlsx.chart": "{where} is a chart, not a table; choose another sheet",
    "xlsx.inflates": "{source} unpacks to {size}, too large to read; remove unused sheets or save the "
                     "table as .csv",
    "xlsx.no_sheet": "{source} has no sheet '{sheet}'; its sheets are {sheets}",
    "xlsx.spread": "{where} has values spread over rows {first}-{last} and {width} columns, too large "
                   "to be a table; delete stray cells",
    "xlsx.merged_header": "{where}: header cells {cells} are merged; unmerge them and delete any title row "
                          "above the header, so that every column has its own name",
    "xlsx.merged": "{where}: cells {cells} are merged; each of them is read with the merged value",
    # preparing columns
    "columns.too_few_rows": "{source} has {rows} data row(s); at least {minimum} are needed to train a model",
    "columns.nothing_left": "{source}: every column is constant or excluded, so nothing is left to learn from",
    "columns.repeated": "{source}: column '{name}' appears twice; rename or delete one",
    "columns.unknown": "{source} has no column '{name}' (its columns are {columns})",
    "columns.bad_role": "{source}: role '{role}' for column '{name}' is not one of {roles}",
    "columns.not_binary": "{source}: column '{name}' has {n} different value(s), so it cannot be binary",
    "columns.not_dates": "{source}: column '{name}' cannot be date: only {dates} of {present} values are "
                         "dates such as 2007-07-07 or 2007年7月 (row {row} has '{value}')",
    "columns.not_numeric": "{source}: column '{name}' cannot be {role}: only {numbers} of {present} values "
                           "are numbers (row {row} has '{value}')",
    # training
    "train.no_latent": "the model needs at least one latent: define a semantic or set the latent size",
    "train.unknown_mode": "unknown mode '{mode}'; choose one of: {modes}",
    "train.diverged": "training diverged in the first epoch (loss is NaN or infinite); check the data "
                      "for extreme values or lower the learning rate",
    "train.plateau": "training stopped at epoch {epoch} of {epochs}: the loss had stopped improving",
    "train.target_reached": "fine-tuning stopped at epoch {epoch}: target MI {target} % reached",
    "train.nan_stop.train": "training stopped at epoch {epoch}: the loss became NaN or infinite; kept the "
                            "last good weights",
    "train.nan_stop.finetune": "fine-tuning stopped at epoch {epoch}: the loss became NaN or infinite; "
                               "kept the last good weights",
    "train.nan_stop.detail": "training the detail latents stopped at epoch {epoch}: the loss became NaN or "
                             "infinite; kept the last good weights",
    "train.detail_chosen": "detail latents kept with KL weight {weight}: generated rows score {score} against "
                           "the training rows ({alone} without them)",
    "train.detail_none": "detail latents left out: generated rows score {alone} against the training rows "
                         "without them, {score} with them",
    "train.bands": "generated rows keep these columns agreeing, as every training row does (a label read off "
                   "a range of a number or off another label, a number that is a line of another): {pairs}",
    "device.unknown": "device '{device}' is not one of {devices}",
    "device.no_cuda": "--device cuda: this machine has no CUDA GPU; use cpu or auto",
    # labels (classes)
    "label.unknown": "label column '{label}' is not a column the model was trained on",
    "label.numbers": "label column '{label}' holds numbers; choose a column of classes",
    "label.numbers_hint": "label column '{label}' holds numbers; if it is a class coded as numbers, "
                          "set its role to categorical (--role {label}=categorical, or on the Data page) "
                          "and train again",
    "label.unknown_class": "'{value}' is not a class of '{label}'; its classes are: {classes}",
    "label.too_few": "class '{value}' of '{label}' has {found} row(s) in the data; at least {needed} needed",
}


@dataclass(frozen=True)
class Message:
    """A sentence for a person, as a code and its parameters."""
    code: str
    params: Mapping[str, object] = field(default_factory=dict)

    def render(self, templates: Mapping[str, str], convert: Callable[[object], str] = None) -> str:
        """The message in `templates` (English where a code is missing there). `convert`
        turns a plain parameter into text (default: `str`, an Enum's value)."""
        template = templates.get(self.code) or ENGLISH[self.code]
        return template.format(**{name: _text(value, templates, convert or plain)
                                  for name, value in self.params.items()})

    def __str__(self) -> str:
        return self.render(ENGLISH)


def to_json(message: Message) -> dict:
    """A Message as JSON: its code and its parameters rendered as English text."""
    return {"code": message.code, "params": {name: _text(value, ENGLISH, plain)
                                             for name, value in message.params.items()}}


def from_json(data) -> Message:
    """The inverse of `to_json`; plain text (older files) or an unknown code becomes free text."""
    if isinstance(data, dict) and data.get("code") in ENGLISH:
        message = Message(str(data["code"]), {str(k): str(v) for k, v in dict(data.get("params") or {}).items()})
        try:
            str(message)
            return message
        except (KeyError, IndexError, ValueError):
            pass
    return msg("text", text=str(data.get("code", "") if isinstance(data, dict) else data))


def msg(code: str, **params) -> Message:
    if code not in ENGLISH:
        raise KeyError(f"no English template for message code '{code}'")
    return Message(code, params)


def _text(value, templates, convert) -> str:
    if isinstance(value, Message):
        return value.render(templates, convert)
    if isinstance(value, (list, tuple)):
        return ", ".join(_text(item, templates, convert) for item in value)
    return convert(value)


def plain(value) -> str:
    """A parameter as text: an Enum by its value, anything else by `str`."""
    return str(value.value) if isinstance(value, Enum) else str(value)


def format_size(n_bytes: int) -> str:
    """A byte count for people: '1.5 MB', '12.0 KB', '300 bytes'."""
    for unit, scale in (("MB", 1024 ** 2), ("KB", 1024)):
        if n_bytes >= scale:
            return f"{n_bytes / scale:.1f} {unit}"
    return f"{n_bytes} bytes"
