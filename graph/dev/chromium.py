"""Headless Chromium driven over the DevTools protocol on a pipe, with the standard library only.

The one Chromium driver of the project: the benchmark, the browser tests and
``scripts/screenshot.py`` all use it. :class:`Browser` is the process; :class:`Tab` is
one page of it that records the events the page sends (console errors, exceptions,
dialogs, requests), loads files, clicks and takes screenshots.

``measure_page(html_path)`` opens a page and returns the timings a page script records
in ``window.__kkgBench`` (see :data:`BENCH_SCRIPT`): when the graph was first drawn and
when the main thread was free again after it (the page answers clicks and drags from
then on). Chromium is started with ``--remote-debugging-pipe``: it reads commands on
file descriptor 3 and writes answers on 4, each a JSON text ended by a NUL byte, so no
port is opened and no websocket library is needed.
"""

from __future__ import annotations

import base64
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
        self._tabs: dict[str, Tab] = {}

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
        """Send one command and return its result.

        Events that arrive meanwhile go to the :class:`Tab` of their session, if any
        (else they are dropped).
        """
        my_id = self._write(method, params, session)
        deadline = time.monotonic() + timeout
        while True:
            answer = self._read(deadline)
            if answer.get("id") == my_id:
                if "error" in answer:
                    raise DevToolsError(f"{method}: {answer['error'].get('message')}")
                return answer.get("result", {})
            if "method" in answer:
                self._dispatch(answer)

    def _write(self, method: str, params: dict | None, session: str | None) -> int:
        self._next_id += 1
        message: dict = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_child, json.dumps(message).encode() + b"\0")
        return self._next_id

    def _dispatch(self, event: dict) -> None:
        tab = self._tabs.get(event.get("sessionId", ""))
        if tab is None:
            return
        tab.events.append(event)
        if event.get("method") == "Page.javascriptDialogOpening":  # markup ran: it is recorded; close the dialog
            self._write("Page.handleJavaScriptDialog", {"accept": True}, tab.session)  # answer not awaited

    def watch(self, tab: Tab) -> None:
        """Send the events of ``tab``'s session to ``tab.events`` from now on."""
        self._tabs[tab.session] = tab

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


class Tab:
    """One page of a :class:`Browser`, its events recorded in ``events``: for tests and scripts.

    The page is offline by default (``offline=False`` lets it reach the network) and its
    viewport is ``width`` x ``height``.
    """

    def __init__(self, browser: Browser, *, width: int = 1400, height: int = 900, offline: bool = True):
        self.browser = browser
        self.session = browser.open_page()
        self.events: list[dict] = []
        browser.watch(self)
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable")
        if offline:
            self.send("Network.emulateNetworkConditions", offline=True, latency=0, downloadThroughput=0, uploadThroughput=0)
        self.send("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False)

    def send(self, method: str, **params) -> dict:
        """Send one command to this page: ``tab.send("Page.navigate", url=...)``."""
        return self.browser.send(method, params, self.session)

    def evaluate(self, expression: str, timeout: float = 30.0):
        """The value of a JavaScript expression in the page (promises are awaited)."""
        result = self.browser.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                        "awaitPromise": True}, self.session, timeout)
        if "exceptionDetails" in result:
            raise DevToolsError(f"page script failed: {result['exceptionDetails']}")
        return result.get("result", {}).get("value")

    def open(self, path: Path, timeout: float = 30.0) -> None:
        """Load a file and wait until it is complete and its graph (if any) has settled."""
        self.events.clear()
        self.send("Page.navigate", url=Path(path).resolve().as_uri())
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.evaluate("document.readyState === 'complete' && (!document.getElementById('network') "
                             "|| document.body.getAttribute('data-ready') === '1')"):
                return
            time.sleep(0.1)
        raise DevToolsError(f"{Path(path).name} did not become ready in {timeout:.0f} s")

    def click(self, x: float, y: float) -> None:
        """A left click at (x, y) in CSS pixels: move, press, release."""
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left" if kind != "mouseMoved" else "none",
                      clickCount=1 if kind != "mouseMoved" else 0)
        time.sleep(0.35)  # the tap recogniser fires after the release

    def problems(self) -> list[str]:
        """Console errors, uncaught exceptions, dialogs and requests that left the file, since the last ``open``."""
        found = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                details = params["exceptionDetails"]
                found.append(f"exception: {details.get('text')} {details.get('exception', {}).get('description', '')}")
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                found.append(f"console.{params['type']}: {[a.get('value') for a in params.get('args', [])]}")
            elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
                found.append(f"log: {params['entry'].get('text')} {params['entry'].get('url', '')}")
            elif method == "Page.javascriptDialogOpening":
                found.append(f"dialog: {params.get('message')}")
            elif method == "Network.requestWillBeSent":
                url = params["request"]["url"]
                if not url.startswith(("file:", "data:", "about:")):
                    found.append(f"request: {url}")
        return found

    def screenshot(self) -> bytes:
        """A PNG of the viewport."""
        return base64.b64decode(self.send("Page.captureScreenshot", format="png")["data"])


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
