"""The one exception type for bad user input."""
from __future__ import annotations

from core.messages import Message, msg


class InputError(ValueError):
    """Input the user can fix: a bad file, column, row or setting.

    The message is written for an engineer and names the file, column or row at
    fault. It is a `core.messages.Message` (a code the app translates); plain text is
    accepted too, for messages that have no code yet. The command line prints it as
    one `error:` line; the app shows it with `st.error` and keeps the user's current work.
    """

    def __init__(self, message: Message | str):
        self.message = message if isinstance(message, Message) else msg("text", text=message)
        super().__init__(str(self.message))
