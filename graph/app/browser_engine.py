"""Oxigraph's JavaScript/WebAssembly build, for the offline SPARQL page: installed once with npm, then reused.

``get_browser_engine()`` returns the two files ``build/sparql.html`` inlines,
``web.js`` (an ES module) and ``web_bg.wasm``, from the npm package ``oxigraph`` at the
exact version that ``graph/web/package-lock.json`` pins. The first call runs
``npm ci --ignore-scripts`` from that lockfile into a folder of the store cache
(``$KETAMINE_KG_CACHE/web/<hash of the lockfile>``); later calls read the folder it left.
The install goes into a temporary folder renamed into place when complete, so a
failed or interrupted install is never reused.

Without npm, or when npm fails (offline, registry unreachable), it raises
:class:`BrowserEngineMissing` with one line saying why; the build then skips the SPARQL
page only. npm is told to retry a failed download once, after a second, rather than for
its default minute and more, and a failure is remembered for the rest of the process, so
a run that builds many sites offline waits for npm once.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ketamine_kg.errors import KkgError
from ketamine_kg.store import get_cache_dir

NPM_TIMEOUT = 300  # seconds: a first install downloads about 4 MB
PACKAGE_FILES = ("package.json", "package-lock.json")
# Offline, npm's defaults (two retries, 10 to 60 s apart) wait 71 s before failing; these 1.7 s.
NPM_FETCH = ["--fetch-retries=1", "--fetch-retry-mintimeout=1000", "--fetch-retry-maxtimeout=2000", "--fetch-timeout=60000"]
_FAILED: dict[tuple[Path, str | None], str] = {}  # (install folder, npm) -> why it failed, in this process


class BrowserEngineMissing(KkgError):
    """The npm package cannot be installed or read: the SPARQL page is skipped."""


@dataclass(frozen=True)
class BrowserEngine:
    """The files of the npm package ``oxigraph`` that the page inlines."""

    version: str
    web_js: str
    wasm: bytes


def web_dir() -> Path:
    """The folder holding ``package.json`` and ``package-lock.json`` (``graph/web``)."""
    return Path(str(resources.files("ketamine_kg"))) / "web"


def get_browser_engine(cache_dir: Path | None = None, npm: str | None = None) -> BrowserEngine:
    """The pinned ``oxigraph`` npm package's ``web.js`` and ``web_bg.wasm``, installed first if needed.

    ``cache_dir`` defaults to the store cache (:func:`ketamine_kg.store.get_cache_dir`);
    ``npm`` is the npm command (default: the one on ``PATH``).
    """
    lock = web_dir() / "package-lock.json"
    digest = hashlib.sha256(b"".join((web_dir() / name).read_bytes() for name in PACKAGE_FILES)).hexdigest()[:16]
    root = Path(cache_dir) if cache_dir else get_cache_dir()
    final = root / "web" / digest
    package = final / "node_modules" / "oxigraph"
    if not (package / "web_bg.wasm").is_file():
        if (final, npm) in _FAILED:
            raise BrowserEngineMissing(None, None, _FAILED[(final, npm)])
        try:
            _install(lock.parent, root / "web", final, npm)
        except BrowserEngineMissing as exc:
            _FAILED[(final, npm)] = exc.message
            raise
    try:
        import json

        version = json.loads((package / "package.json").read_text(encoding="utf-8"))["version"]
        return BrowserEngine(version, (package / "web.js").read_text(encoding="utf-8"), (package / "web_bg.wasm").read_bytes())
    except (OSError, ValueError, KeyError) as exc:
        raise BrowserEngineMissing(package, None, f"cannot read the oxigraph npm package: {exc}") from None


def _install(source: Path, parent: Path, final: Path, npm: str | None) -> None:
    command = npm or shutil.which("npm")
    if not command:
        raise BrowserEngineMissing(None, None, "npm is not installed (it installs Oxigraph's WebAssembly build)")
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".installing-", dir=parent))
    except OSError as exc:
        raise BrowserEngineMissing(parent, None, f"cannot write the cache: {exc.strerror}") from None
    try:
        for name in PACKAGE_FILES:
            shutil.copyfile(source / name, tmp / name)
        env = dict(os.environ, npm_config_update_notifier="false", npm_config_fund="false", npm_config_audit="false")
        try:
            proc = subprocess.run([command, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error", *NPM_FETCH],
                                  cwd=tmp, capture_output=True, text=True, timeout=NPM_TIMEOUT, env=env)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise BrowserEngineMissing(None, None, f"npm ci did not run: {exc}") from None
        if proc.returncode != 0:
            lines = [line for line in (proc.stderr or proc.stdout).splitlines() if line.strip()]
            # npm prints "npm error code ENOTFOUND" first; the line after it says what failed
            told = [line for line in lines if not re.match(r"npm (ERR!|error) (code|errno|syscall)\b", line)
                    and "complete log" not in line]
            why = (told or lines or [""])[0]
            raise BrowserEngineMissing(None, None, f"npm ci failed ({' '.join(why.split())[:160] or f'exit {proc.returncode}'})")
        try:
            os.rename(tmp, final)
        except OSError:
            if not (final / "node_modules" / "oxigraph" / "web_bg.wasm").is_file():  # not a concurrent install's
                raise BrowserEngineMissing(final, None, "cannot move the npm install into the cache") from None
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
