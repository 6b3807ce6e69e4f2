"""The one exception type for bad user input."""


class InputError(ValueError):
    """Input the user can fix: a bad file, column, row or setting.

    The message is written for an engineer and names the file, column or row at
    fault. The command line prints it as one `error:` line; the app shows it with
    `st.error` and keeps the user's current work.
    """
