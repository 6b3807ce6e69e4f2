"""The bytes of what a user hands us (an upload, a path, a file object), with a size limit,
and the name to show in messages. Tables, R files and project files all come in here."""
from __future__ import annotations

import os
from pathlib import Path

from core.errors import InputError
from core.messages import format_size, msg

DEFAULT_MAX_BYTES = 50 * 1024 * 1024        # an upload larger than this is refused


def load_bytes(data, name: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[bytes, str]:
    """The bytes of an upload, a path or a binary file object, and the name to show in messages."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        raw, source = bytes(data), name or "uploaded file"
    elif isinstance(data, (str, os.PathLike)):
        path = Path(data)
        source = name or path.name
        try:
            _check_size(path.stat().st_size, source, max_bytes)
            raw = path.read_bytes()
        except FileNotFoundError:
            raise InputError(msg("table.not_found", source=source)) from None
        except OSError as exc:
            raise InputError(msg("table.cannot_open", source=source, detail=exc.strerror or exc)) from None
    elif hasattr(data, "read"):   # e.g. Streamlit's UploadedFile
        source = name or Path(getattr(data, "name", "") or "uploaded file").name
        raw = data.read(max_bytes + 1)
        if not isinstance(raw, bytes):
            raise TypeError("open the file in binary mode ('rb') before reading it")
    else:
        raise TypeError(f"expected bytes, a path or a file object, not {type(data).__name__}")
    _check_size(len(raw), source, max_bytes)
    return raw, source


def _check_size(n_bytes: int, source: str, max_bytes: int) -> None:
    if n_bytes > max_bytes:
        raise InputError(msg("table.too_large", source=source, size=format_size(n_bytes),
                             limit=format_size(max_bytes)))
