"""Write outputs so that a failure never leaves a half-written or missing file.

A regular file (or a new one) is written to a temporary file in the same folder,
flushed to disk and then renamed over the target (an atomic step on POSIX): readers
see the old file or the new one, never a mix. What is not a regular file is never
replaced: a symlink is followed and its target written (atomically, when that is a
regular file), a device or a FIFO (``/dev/null``, ``/dev/stdout``, a named pipe) is
opened and written like ``cp`` would, and a folder is refused. New files get the
permissions the umask gives (``0666 & ~umask``); a replaced file keeps its own.

A whole build is staged in a temporary folder and moved into place file by file only
once everything has been produced, under a lock (``.ketamine-kg-build.lock`` in the
output folder) so two builds into one folder never end mixed. The build owns its
folder: a list of the files it wrote (``.ketamine-kg-build.json``) lets the next build
remove those it no longer writes (a previous article's pages), and nothing else.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import stat
import tempfile
from pathlib import Path

from ketamine_kg.errors import KkgError


def get_umask() -> int:
    """The process's umask (read by setting it and putting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_bytes_atomic(path: Path, data: bytes, *, mode: int | None = None) -> None:
    """Write ``data`` to ``path``: atomically for a regular file, through for a device or FIFO; else :class:`KkgError`.

    ``mode``: the file's permission bits (default: an existing file's own, else ``0666 & ~umask``).
    An empty path, a folder, or a symlink loop is refused, and nothing is written.
    """
    if str(path) == "":
        raise KkgError(None, None, "the output file name is empty")
    path = Path(path)
    try:
        info = os.stat(path)  # through symlinks: /dev/stdout is a link to a pipe, a terminal or a file
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise KkgError(path, None, f"cannot write: {exc.strerror}") from None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise KkgError(path, None, "is a folder: give a file name")
    if info is not None and not stat.S_ISREG(info.st_mode):
        _write_through(path, data)
        return
    if path.is_symlink():
        path = Path(os.path.realpath(path))  # the link stays; the file it points to is replaced
    if mode is None:
        mode = info.st_mode & 0o7777 if info is not None else 0o666 & ~get_umask()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise KkgError(path.parent, None, f"cannot write here: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            os.fchmod(handle.fileno(), mode)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise KkgError(path, None, f"cannot write: {exc.strerror}; the previous file is untouched") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_through(path: Path, data: bytes) -> None:
    """Write ``data`` into the device or FIFO ``path`` (never replacing the node), as ``cp`` does."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NOCTTY)
    except OSError as exc:
        raise KkgError(path, None, f"cannot write: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
    except OSError as exc:
        raise KkgError(path, None, f"cannot write: {exc.strerror}") from None


def write_text_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with UTF-8 ``text`` atomically."""
    write_bytes_atomic(path, text.encode("utf-8"))


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class StagedDirectory:
    """Collect a build's files in a staging folder, then move them into ``target`` together.

    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "build"
    >>> with StagedDirectory(out) as stage:
    ...     _ = (stage / "a.txt").write_text("new")
    >>> (out / "a.txt").read_text()
    'new'
    """

    LOCK_FILE = ".ketamine-kg-build.lock"
    OWNED_FILE = ".ketamine-kg-build.json"  # the files the last build wrote, relative to the folder

    def __init__(self, target: Path):
        if str(target) == "":
            raise KkgError(None, None, "the output folder name is empty (give -o DIR)")
        self.target = Path(target)
        self.stage: Path | None = None

    def __enter__(self) -> Path:
        if self.target.exists() and not self.target.is_dir():
            raise KkgError(self.target, None, "is not a folder: a build writes a folder of files (give -o DIR)")
        try:
            self.target.mkdir(parents=True, exist_ok=True)
            if not os.access(self.target, os.W_OK):
                raise PermissionError(13, "Permission denied")
            self._remove_abandoned_stages()
            self.stage = Path(tempfile.mkdtemp(prefix=f".staging-{os.getpid()}-", dir=self.target))
        except OSError as exc:
            raise KkgError(self.target, None, f"cannot write the output folder: {exc.strerror}") from None
        return self.stage

    def __exit__(self, exc_type, exc, tb) -> None:
        assert self.stage is not None
        try:
            if exc_type is None:
                self._commit()
            elif issubclass(exc_type, OSError):
                raise KkgError(self.target, None, f"cannot write the build: {exc.strerror}; the previous build is untouched") from None
        finally:
            shutil.rmtree(self.stage, ignore_errors=True)

    def _remove_abandoned_stages(self) -> None:
        """Delete staging folders left by builds that were killed (their process is gone)."""
        for folder in self.target.glob(".staging-*"):
            pid = folder.name.split("-")[1]
            if pid.isdigit() and not _process_alive(int(pid)):
                shutil.rmtree(folder, ignore_errors=True)

    def _commit(self) -> None:
        """Move the staged files into place under the folder's lock, then remove what the previous build owned and this one did not write."""
        assert self.stage is not None
        try:
            lock = os.open(self.target / self.LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o666)
        except OSError as exc:
            raise KkgError(self.target, None, f"cannot lock the output folder: {exc.strerror}") from None
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)  # a second build waits here until the first has moved all its files
            staged = sorted(p for p in self.stage.rglob("*") if p.is_file())
            written = [src.relative_to(self.stage).as_posix() for src in staged]
            previous = self._owned()
            for src in staged:
                dest = self.target / src.relative_to(self.stage)
                try:
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(src, dest)
                except OSError as exc:
                    raise KkgError(dest, None, f"cannot write: {exc.strerror}") from None
            self._remove_stale(previous - set(written))
            if (self.target / self.OWNED_FILE).is_symlink():  # never written through: planted, not ours
                (self.target / self.OWNED_FILE).unlink()
            record = json.dumps({"written_by": "ketamine-kg build", "files": written}, indent=1) + "\n"
            write_bytes_atomic(self.target / self.OWNED_FILE, record.encode("utf-8"))
        finally:
            os.close(lock)

    def _owned(self) -> set[str]:
        """The files the previous build listed as its own (none when the list is missing, a symlink or unreadable)."""
        path = self.target / self.OWNED_FILE
        try:
            if path.is_symlink() or not path.is_file():
                return set()
            files = json.loads(path.read_text(encoding="utf-8")).get("files", [])
        except (OSError, ValueError, AttributeError):
            return set()
        return {f for f in files if isinstance(f, str)}

    def _remove_stale(self, names: set[str]) -> None:
        """Delete the files in ``names`` (relative paths) that are still regular files inside the folder, and folders left empty."""
        root = self.target.resolve()
        for name in sorted(names):
            path = self.target / name
            if Path(name).is_absolute() or ".." in Path(name).parts or name.startswith("."):
                continue
            try:
                if path.is_symlink() or not path.is_file() or not path.resolve().is_relative_to(root):
                    continue
                path.unlink()
                for parent in path.parents:  # a folder emptied here (the previous article's subfolder) goes too
                    if parent.resolve() == root or not parent.resolve().is_relative_to(root):
                        break
                    parent.rmdir()
            except OSError:
                continue
