"""Write outputs so that a failure never leaves a half-written or missing file.

Each file is written to a temporary file in the same folder, flushed to disk and then
renamed over the target (an atomic step on POSIX): readers see the old file or the new
one, never a mix. A whole build is staged in a temporary folder and moved into place
file by file only once everything has been produced.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from ketamine_kg.errors import KkgError


def write_bytes_atomic(path: Path, data: bytes, *, mode: int | None = None) -> None:
    """Replace ``path`` with ``data`` atomically, or raise :class:`KkgError` and leave it as it was.

    ``mode``: the new file's permission bits (by default those of a private temporary file, 0600).
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise KkgError(path.parent, None, f"cannot write here: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if mode is not None:
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

    def __init__(self, target: Path):
        self.target = Path(target)
        self.stage: Path | None = None

    def __enter__(self) -> Path:
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
        assert self.stage is not None
        for src in sorted(p for p in self.stage.rglob("*") if p.is_file()):
            dest = self.target / src.relative_to(self.stage)
            try:
                dest.parent.mkdir(parents=True, exist_ok=True)
                os.replace(src, dest)
            except OSError as exc:
                raise KkgError(dest, None, f"cannot write: {exc.strerror}") from None
