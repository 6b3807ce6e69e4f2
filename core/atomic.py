"""Saving a file all at once or not at all, and never over one of the command's inputs.

Every file the command line writes goes through `saving` (or `atomic_write`): the content goes
to a temporary file in the same folder, which replaces the target only once it is complete and
flushed to disk (`os.replace` is atomic within one file system). A failure part-way (a full
disk, an exception, Ctrl-C) removes the temporary file and leaves the old file as it was; a
hard kill can leave the temporary file behind, never a truncated target.
"""
from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from core.errors import InputError


@contextlib.contextmanager
def atomic_write(path: str | Path) -> Iterator[BinaryIO]:
    """A binary handle whose content becomes `path` when the block ends without an exception."""
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.tmp")
    # os.open with 0o666: the new file gets the user's umask, as a plain open() would
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def write_atomic(path: str | Path, data: bytes) -> None:
    """`data` as the whole content of `path`, or, on any failure, `path` untouched."""
    with atomic_write(path) as handle:
        handle.write(data)


@contextlib.contextmanager
def saving(path: str | Path) -> Iterator[BinaryIO]:
    """`atomic_write`, with a failure to write (a full disk, no such folder) as an InputError."""
    try:
        with atomic_write(path) as handle:
            yield handle
    except OSError as exc:
        raise InputError(f"{path}: cannot write ({exc.strerror or exc})") from None


def refuse_overwrite(out: str | Path, **inputs: str | Path | None) -> None:
    """An output that is one of the command's inputs (`option_name=path`) would destroy it."""
    for option, path in inputs.items():
        if path is not None and same_file(Path(out), Path(path)):
            raise InputError(f"--out {out} is the {option.replace('_', ' ')} {path}; writing it would "
                             "destroy the input: choose another file")


def same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)           # links and other spellings of one file
    except OSError:                             # one of them does not exist (yet)
        return a.resolve() == b.resolve()
