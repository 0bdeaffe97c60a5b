"""One plain sentence for the storage failures an operator can fix: a full disk, a
read-only data directory, missing write permission.

These reach the command line as an `OSError` with its errno, or inside a DuckDB or
Dagster error as the operating system's message (`No space left on device`), so both
are recognised.
"""

from __future__ import annotations

import errno
import os

_PROBLEMS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EROFS: "the data directory is on a read-only file system",
    errno.EACCES: "this user may not write there",
    errno.EPERM: "this user may not write there",
}


def storage_problem(error: BaseException | str) -> str | None:
    """What is wrong with the storage, in words, or None if `error` is something else."""
    if isinstance(error, OSError) and error.errno in _PROBLEMS:
        return _PROBLEMS[error.errno]
    text = str(error)
    for number, problem in _PROBLEMS.items():
        if os.strerror(number) in text:
            return problem
    return None


def storage_sentence(problem: str, data_dir: object) -> str:
    return (
        f"Could not write to the data directory {data_dir}: {problem}. Free some space or "
        "fix its permissions, then run the command again; nothing half-written was "
        "published."
    )
