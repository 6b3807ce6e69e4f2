"""Saving a file all at once or not at all.

Every file the command line writes goes through `atomic_write`: the content goes to a
temporary file in the same folder, which replaces the target only once it is complete and
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
