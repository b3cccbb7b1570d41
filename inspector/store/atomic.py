"""Write a file so that readers see the old content or the new, never a mix.

The bytes go to a temporary file in the same folder, are flushed and fsynced,
and then take the target's name with one rename; the folder is fsynced so the
rename itself survives a crash. A failure at any step leaves the original
untouched and removes the temporary file.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

_TEMP_PREFIX = ".inspector-tmp-"


def is_temporary(name: str) -> bool:
    """Whether a file name is one of our temporary files (listings skip them)."""
    return name.startswith(_TEMP_PREFIX)


def _temp_file(folder: Path, mode: int) -> tuple[int, Path]:
    """Create a new temporary file in ``folder``; ``mode`` passes through the umask."""
    for _ in range(100):
        path = folder / f"{_TEMP_PREFIX}{secrets.token_hex(6)}"
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        except FileExistsError:
            continue
        return fd, path
    raise FileExistsError(f"no free temporary name in {folder}")


def fsync_dir(folder: Path) -> None:
    """Make a rename or unlink in ``folder`` durable (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # Windows cannot open a folder; its renames are durable enough
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(
    path: Path, data: bytes, *, overwrite: bool = True, mode: int | None = None
) -> None:
    """Replace (or create) ``path`` with ``data`` in one step.

    An existing file keeps its permission bits; a new one gets ``mode``, or
    ``0o666`` less the umask like any file a program creates.

    Args:
        path: The file to write; its folder must exist.
        data: The complete new content.
        overwrite: When False, fail with FileExistsError if ``path`` exists
            (checked atomically where the file system supports hard links).
        mode: Permission bits for a new file.

    Raises:
        FileExistsError: ``overwrite`` is False and ``path`` exists.
        OSError: The write failed; ``path`` is as it was.
    """
    folder = path.parent
    try:
        existing: int | None = os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        existing = None
    if existing is not None:
        if not overwrite:
            raise FileExistsError(f"{path} exists")
        mode = existing
    fd, temp = _temp_file(folder, 0o666 if mode is None else 0o600)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            if mode is not None:
                os.fchmod(fd, mode)
            os.fsync(fd)
        finally:
            os.close(fd)
        if overwrite:
            os.replace(temp, path)
        else:
            _link_no_replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    fsync_dir(folder)


def _link_no_replace(temp: Path, path: Path) -> None:
    """Give ``temp`` the name ``path`` unless that name exists; ``temp`` is gone afterwards."""
    try:
        os.link(temp, path)  # fails with FileExistsError instead of replacing
    except FileExistsError:
        raise
    except OSError:
        # A file system without hard links: check, then rename (a small race remains).
        if os.path.lexists(path):
            raise FileExistsError(f"{path} exists") from None
        os.replace(temp, path)
        return
    os.unlink(temp)


def rename_no_replace(old: Path, new: Path) -> None:
    """Rename a file, refusing to overwrite an existing ``new``.

    Raises:
        FileExistsError: ``new`` exists (and is not ``old`` itself under another case).
        OSError: The rename failed; ``old`` is as it was.
    """
    if os.path.lexists(new):
        if not os.path.samefile(old, new):
            raise FileExistsError(f"{new} exists")
        os.rename(old, new)  # a change of case only, on a case-insensitive file system
    else:
        try:
            os.link(old, new, follow_symlinks=False)  # a link is renamed, not its target
        except FileExistsError:
            raise
        except (OSError, NotImplementedError):
            os.rename(old, new)  # no hard links here; existence was checked just above
        else:
            os.unlink(old)
    fsync_dir(new.parent)
    if old.parent != new.parent:
        fsync_dir(old.parent)
