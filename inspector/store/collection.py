"""Saved requests: a folder of ``.http`` files, listed, read and written safely.

This module deals in files and their text; what a ``.http`` file means is
``inspector.formats``' business. Reading never modifies anything, a file that
cannot be read is listed with its error, every write is atomic (see
:mod:`inspector.store.atomic`), and no path given to a :class:`Collection` can
leave its root.

Paths are relative, with ``/`` between parts, e.g. ``"users/login.http"``.
Hidden folders (``.git``, say) are not listed, and links to folders are not
followed; a link to a file is listed, and writing it writes the file it points to.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

from inspector.model import InputError
from inspector.store.atomic import atomic_write, fsync_dir, is_temporary, rename_no_replace

SUFFIXES = (".http", ".rest")
"""The file name endings a collection holds (compared case-insensitively)."""


@dataclass(frozen=True, slots=True)
class CollectionFile:
    """One saved-request file as the sidebar lists it."""

    rel: str
    """Path relative to the collection root, ``/``-separated."""
    folder: str
    """The folder part of ``rel`` (``""`` at the root)."""
    name: str
    """The file name."""
    size: int
    """Size in bytes (0 when unknown)."""
    mtime_ns: int
    """Modification time in nanoseconds (0 when unknown), to notice outside changes."""
    error: str | None = None
    """Why the file cannot be read as text (``"<rel>: not UTF-8 text (byte N)"``), or None."""


def _sort_key(rel: str) -> tuple[tuple[str, ...], str, str]:
    """Folder by folder, then name; case-insensitive, with the exact text breaking ties."""
    *folders, name = rel.split("/")
    return (tuple(f.casefold() for f in folders), name.casefold(), rel)


def _decode(rel: str, data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{rel}: not UTF-8 text (byte {exc.start})") from None


def _os_error(rel: str, exc: OSError) -> InputError:
    return InputError(f"{rel}: {exc.strerror or exc}")


class Collection:
    """The saved requests under one folder.

    Args:
        root: The collection folder; it need not exist until something is written.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        """The collection folder."""

    # ------------------------------------------------------------ paths
    def _path(self, rel: str) -> tuple[str, Path]:
        """The normalized relative path and the file it names.

        Raises:
            InputError: The path is empty, absolute, climbs out with ``..``,
                goes through a link that leaves the root, or is not a ``.http``
                or ``.rest`` file.
        """
        text = str(rel)
        if "\x00" in text:
            raise InputError(f"{text!r}: a file name cannot hold NUL")
        if PurePosixPath(text).is_absolute() or PureWindowsPath(text).anchor:
            raise InputError(f"{text}: the path must be relative to the collection")
        parts = [p for p in text.replace("\\", "/").split("/") if p not in ("", ".")]
        if not parts:
            raise InputError("the file name is empty")
        if ".." in parts:
            raise InputError(f"{text}: the path must stay inside the collection")
        norm = "/".join(parts)
        if not parts[-1].lower().endswith(SUFFIXES):
            raise InputError(f"{norm}: a saved request must end in .http or .rest")
        path = self.root.joinpath(*parts)
        root_real = os.path.realpath(self.root)
        parent_real = os.path.realpath(path.parent)
        if os.path.commonpath([root_real, parent_real]) != root_real:
            raise InputError(f"{norm}: the path leads outside the collection")
        return norm, path

    # ------------------------------------------------------------ reading
    def files(self) -> list[CollectionFile]:
        """Every ``.http``/``.rest`` file under the root, sorted by folder, then name.

        A file that cannot be read as UTF-8 text is listed with its ``error``.
        Nothing is modified.
        """
        found: list[CollectionFile] = []
        if not self.root.is_dir():
            return found
        for dirpath, dirnames, filenames in os.walk(self.root):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            folder = Path(dirpath).relative_to(self.root).as_posix()
            folder = "" if folder == "." else folder
            for name in filenames:
                if not name.lower().endswith(SUFFIXES) or is_temporary(name):
                    continue
                rel = f"{folder}/{name}" if folder else name
                found.append(self._describe(rel, Path(dirpath, name), folder, name))
        found.sort(key=lambda f: _sort_key(f.rel))
        return found

    def _describe(self, rel: str, path: Path, folder: str, name: str) -> CollectionFile:
        size = mtime = 0
        error: str | None = None
        try:
            st = path.stat()
            size, mtime = st.st_size, st.st_mtime_ns
            _decode(rel, path.read_bytes())
        except InputError as exc:
            error = str(exc)
        except OSError as exc:
            error = str(_os_error(rel, exc))
        return CollectionFile(rel, folder, name, size, mtime, error)

    def read_bytes(self, rel: str) -> bytes:
        """The file's exact bytes.

        Raises:
            InputError: Bad path, or the file cannot be read.
        """
        norm, path = self._path(rel)
        try:
            return path.read_bytes()
        except OSError as exc:
            raise _os_error(norm, exc) from None

    def read(self, rel: str) -> str:
        """The file's text (UTF-8, line endings as they are).

        Raises:
            InputError: Bad path, the file cannot be read, or it is not UTF-8.
        """
        norm, _ = self._path(rel)
        return _decode(norm, self.read_bytes(rel))

    def mtime_ns(self, rel: str) -> int | None:
        """The file's modification time in nanoseconds, or None if it is gone."""
        _, path = self._path(rel)
        try:
            return path.stat().st_mtime_ns
        except OSError:
            return None

    def changed_since(self, rel: str, mtime_ns: int) -> bool:
        """Whether the file changed (or vanished) since it had ``mtime_ns``."""
        return self.mtime_ns(rel) != mtime_ns

    # ------------------------------------------------------------ writing
    def write(self, rel: str, text: str | bytes) -> int:
        """Save the file atomically, creating it (and its folders) if needed.

        An existing file keeps its permission bits; a link keeps pointing at
        the file it points to, which receives the new content.

        Args:
            rel: The file.
            text: The new content; text is written as UTF-8, bytes as they are.

        Returns:
            The new modification time (for :meth:`changed_since`).

        Raises:
            InputError: Bad path, or the write failed (the old content is intact).
        """
        norm, path = self._path(rel)
        data = text.encode("utf-8") if isinstance(text, str) else text
        target = Path(os.path.realpath(path)) if path.is_symlink() else path
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(target, data)
            return target.stat().st_mtime_ns
        except OSError as exc:
            raise _os_error(norm, exc) from None

    def create(self, rel: str, text: str | bytes = "") -> int:
        """Create a new file; refuse if the name is taken.

        Returns:
            The new file's modification time.

        Raises:
            InputError: Bad path, the file exists, or the write failed.
        """
        norm, path = self._path(rel)
        data = text.encode("utf-8") if isinstance(text, str) else text
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(path, data, overwrite=False)
            return path.stat().st_mtime_ns
        except FileExistsError:
            raise InputError(f"{norm}: a file of that name exists") from None
        except OSError as exc:
            raise _os_error(norm, exc) from None

    def rename(self, old: str, new: str) -> str:
        """Rename or move a file within the collection; never overwrite.

        Returns:
            The new relative path, normalized.

        Raises:
            InputError: Bad path, ``old`` is missing, ``new`` exists, or the rename failed.
        """
        old_norm, old_path = self._path(old)
        new_norm, new_path = self._path(new)
        if not os.path.lexists(old_path):
            raise InputError(f"{old_norm}: no such file")
        try:
            new_path.parent.mkdir(parents=True, exist_ok=True)
            rename_no_replace(old_path, new_path)
        except FileExistsError:
            raise InputError(f"{new_norm}: a file of that name exists") from None
        except OSError as exc:
            raise _os_error(old_norm, exc) from None
        return new_norm

    def duplicate(self, rel: str) -> str:
        """Copy a file next to itself as ``name copy.http``, ``name copy 2.http``, ...

        The copy has the original's bytes and permission bits.

        Returns:
            The copy's relative path.

        Raises:
            InputError: Bad path, or the file cannot be read or copied.
        """
        norm, path = self._path(rel)
        data = self.read_bytes(norm)
        try:
            mode = path.stat().st_mode & 0o7777
        except OSError as exc:
            raise _os_error(norm, exc) from None
        folder, _, name = norm.rpartition("/")
        stem, dot, suffix = name.rpartition(".")
        for n in range(1, 10_000):
            candidate = f"{stem} copy{'' if n == 1 else f' {n}'}{dot}{suffix}"
            new_rel = f"{folder}/{candidate}" if folder else candidate
            new_path = path.with_name(candidate)
            try:
                atomic_write(new_path, data, overwrite=False, mode=mode)
            except FileExistsError:
                continue
            except OSError as exc:
                raise _os_error(new_rel, exc) from None
            return new_rel
        raise InputError(f"{norm}: too many copies already")

    def delete(self, rel: str) -> None:
        """Remove a file (a link is removed, not what it points to).

        Raises:
            InputError: Bad path, the file is missing, or it cannot be removed.
        """
        norm, path = self._path(rel)
        try:
            os.unlink(path)
        except FileNotFoundError:
            raise InputError(f"{norm}: no such file") from None
        except OSError as exc:
            raise _os_error(norm, exc) from None
        fsync_dir(path.parent)
