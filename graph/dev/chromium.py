"""Headless Chromium driven over the DevTools protocol on a pipe, with the standard library only.

``measure_page(html_path)`` opens a page and returns the timings a page script records
in ``window.__kkgBench`` (see :data:`BENCH_SCRIPT`): when the graph was first drawn and
when the main thread was free again after it (the page answers clicks and drags from
then on). Chromium is started with ``--remote-debugging-pipe``: it reads commands on
file descriptor 3 and writes answers on 4, each a JSON text ended by a NUL byte, so no
port is opened and no websocket library is needed.
"""

from __future__ import annotations

import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--window-size=1280,800",
]

# Put before the page's own script: it wraps vis.Network so that every network the page
# makes is hooked before it can draw. (A script after the page's own would come too late:
# the parser may let a frame be drawn between two script elements.)
# Interactive = the first drawing is done (after the physics layout settles, where physics is
# on) and a task queued after it has run, so the main thread is free to answer the user.
BENCH_SCRIPT = """<script>
(function () {
  var b = window.__kkgBench = {start: performance.now()};
  if (!window.vis || !window.vis.Network) { b.error = "the page has no vis-network"; return; }
  var Network = window.vis.Network;
  function free(event) {
    if (b.event) { return; }
    b.event = event; b.drawn = performance.now();
    setTimeout(function () { b.interactive = performance.now(); }, 0);
  }
  function hook(net) {
    b.script = performance.now();
    net.once("afterDrawing", function () { b.firstDraw = performance.now(); if (!PHYSICS) { free("afterDrawing"); } });
    if (PHYSICS) {
      net.once("stabilizationIterationsDone", function () {
        b.stabilized = performance.now();
        requestAnimationFrame(function () { free("stabilized"); });
      });
    }
  }
  window.vis.Network = function (container, data, options) {
    var net = new Network(container, data, options);
    hook(net);
    return net;
  };
  window.vis.Network.prototype = Network.prototype;
})();
</script>"""


class DevToolsError(RuntimeError):
    """Chromium failed, or did not answer in time."""


def chromium_path() -> str | None:
    """The Chromium binary, or None where it is missing."""
    return CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")


def chromium_version() -> str:
    """``Chromium 1xx...`` or ``missing``."""
    path = chromium_path()
    if not path:
        return "missing"
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return " ".join(out.split()[:2]) or "unknown"


def _high_fd(fd: int) -> int:
    new = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return new


class Browser:
    """One headless Chromium, spoken to over the DevTools pipe. Use as a context manager."""

    def __init__(self, path: str | None = None):
        self.path = path or chromium_path()
        if not self.path:
            raise DevToolsError("no Chromium at /usr/bin/chromium")
        self.profile = tempfile.mkdtemp(prefix="kkg-chromium-")
        to_child_r, self._to_child = (_high_fd(fd) for fd in os.pipe())
        self._from_child, from_child_w = (_high_fd(fd) for fd in os.pipe())

        def wire() -> None:  # in the child: the pipe ends become fds 3 and 4
            os.dup2(to_child_r, 3)
            os.dup2(from_child_w, 4)

        self.proc = subprocess.Popen(
            [self.path, *CHROMIUM_FLAGS, f"--user-data-dir={self.profile}", "--remote-debugging-pipe", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=wire, close_fds=False,
        )
        os.close(to_child_r)
        os.close(from_child_w)
        self._buffer = b""
        self._next_id = 0

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Stop Chromium and remove its profile."""
        for fd in (self._to_child, self._from_child):
            try:
                os.close(fd)
            except OSError:
                pass
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.profile, ignore_errors=True)

    def send(self, method: str, params: dict | None = None, session: str | None = None, timeout: float = 30.0) -> dict:
        """Send one command and return its result (events that arrive meanwhile are dropped)."""
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_child, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            answer = self._read(deadline)
            if answer.get("id") == self._next_id:
                if "error" in answer:
                    raise DevToolsError(f"{method}: {answer['error'].get('message')}")
                return answer.get("result", {})

    def _read(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise DevToolsError("Chromium did not answer in time")
            ready, _, _ = select.select([self._from_child], [], [], left)
            if not ready:
                continue
            chunk = os.read(self._from_child, 1 << 16)
            if not chunk:
                raise DevToolsError(f"Chromium exited (status {self.proc.poll()})")
            self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        return json.loads(message)

    def open_page(self) -> str:
        """A new tab; returns the session id to address it."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        return self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]

    def evaluate(self, session: str, expression: str, timeout: float = 30.0):
        """The value of a JavaScript expression in the page."""
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True}, session, timeout)
        if "exceptionDetails" in result:
            raise DevToolsError(f"page script failed: {result['exceptionDetails'].get('text')}")
        return result.get("result", {}).get("value")


def with_bench_script(html: str, physics: bool) -> str:
    """``html`` with :data:`BENCH_SCRIPT` put just before the page's data and script."""
    script = BENCH_SCRIPT.replace("PHYSICS", "true" if physics else "false")
    at = html.find('<script id="kkg-data"')
    if at < 0:
        raise ValueError("the page has no <script id=\"kkg-data\"> to put the timing script before")
    return html[:at] + script + html[at:]


def measure_page(html_path: Path, *, timeout: float = 60.0, browser: Browser | None = None) -> dict:
    """Open ``html_path`` (a page carrying :data:`BENCH_SCRIPT`) and return its timings in ms.

    Keys: ``interactive`` (ms from navigation start to the main thread being free after the
    graph is drawn), ``firstDraw``, ``stabilized`` (physics pages), ``script`` (the page's
    scripts have run), ``wall`` (ms this process waited, Chromium's start excluded).
    """
    own = browser is None
    browser = browser or Browser()
    try:
        session = browser.open_page()
        start = time.perf_counter()
        browser.send("Page.navigate", {"url": Path(html_path).resolve().as_uri()}, session)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = browser.evaluate(session, "window.__kkgBench ? JSON.stringify(window.__kkgBench) : null",
                                     timeout=max(1.0, deadline - time.monotonic()))
            if value:
                timings = json.loads(value)
                if timings.get("error"):
                    raise DevToolsError(timings["error"])
                if "interactive" in timings:
                    timings["wall"] = (time.perf_counter() - start) * 1000
                    return timings
            time.sleep(0.02)
        raise DevToolsError(f"the page was not interactive within {timeout:.0f} s")
    finally:
        if own:
            browser.close()
