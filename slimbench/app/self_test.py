"""``slimbench --self-test``: prove that this installation works, end to end, in a minute.

It drives the real main window through its own methods (the ones the tests use), offscreen
unless ``QT_QPA_PLATFORM`` says otherwise: the window opens, the zoo and the translations are
found by path, a zoo model loads, a short benchmark and an int8 quantization job run on worker
threads, and a screenshot is saved. What it did goes to ``self-test.json`` next to the
screenshot, so an installed copy (a frozen bundle) can be checked by a script or a person.

The settings and autosave folders are redirected into the output folder, so a self-test never
touches the user's own settings, recent models or autosaved session.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

MODEL = "zoo:mlp-digits"
SCREENSHOT = "self-test.png"
REPORT = "self-test.json"
#: Seconds any one step may take on a slow, shared 2-core machine before it counts as hung.
STEP_TIMEOUT_S = 300.0


class SelfTestFailure(Exception):
    """A step did not do what it should; the message is the one-line reason."""


@dataclass
class Step:
    name: str
    ok: bool = False
    seconds: float = 0.0
    details: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


@dataclass
class SelfTestReport:
    passed: bool
    output: str
    screenshot: str | None
    steps: list[Step]
    environment: dict[str, Any]
    seconds: float

    @property
    def reason(self) -> str:
        """One line: the first failed step and why."""
        failed = next((step for step in self.steps if not step.ok), None)
        if failed is None:
            return "all steps passed"
        return f"{failed.name}: {failed.error}"

    def to_json(self) -> dict[str, Any]:
        document = asdict(self)
        document["reason"] = self.reason
        return document


def default_output() -> Path:
    return Path(tempfile.mkdtemp(prefix="slimbench-self-test-"))


def run_self_test(output: str | Path | None = None,
                  progress: Callable[[str], None] | None = None) -> SelfTestReport:
    """Run every step, stop at the first failure, and write the report and screenshot.

    Steps after a failure are not run (they depend on it); the window is always closed.
    """
    folder = Path(output).expanduser() if output else default_output()
    folder.mkdir(parents=True, exist_ok=True)
    folder = folder.resolve()
    say = progress or (lambda _line: None)
    # Offscreen, so it runs on a server, in CI and from an installer's post-install check;
    # an explicit QT_QPA_PLATFORM (xcb under Xvfb, to exercise the X libraries) wins.
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    # Autosave lives in the user data folder: give this run its own (XDG on Linux; elsewhere
    # a clean exit removes the session anyway).
    os.environ["XDG_DATA_HOME"] = str(folder / "data")
    started = time.perf_counter()
    steps: list[Step] = []
    environment: dict[str, Any] = {}
    screenshot: str | None = None
    context = _Context(folder)
    plan: list[tuple[str, Callable[[_Context], dict[str, Any]]]] = [
        ("environment", _environment),
        ("resources", _resources),
        ("window", _window),
        ("load", _load),
        ("benchmark", _benchmark),
        ("quantize", _quantize),
        ("screenshot", _screenshot),
    ]
    try:
        for name, action in plan:
            step = Step(name)
            steps.append(step)
            say(f"self-test: {name} ...")
            step_started = time.perf_counter()
            try:
                step.details = action(context)
                step.ok = True
            except SelfTestFailure as failure:
                step.error = str(failure)
            except Exception as error:  # a bug or a broken installation: still one line
                first = (str(error).strip().splitlines() or [""])[0][:300]
                step.error = f"{type(error).__name__}: {first}"
                step.details["traceback"] = traceback.format_exc()[-4000:]
            step.seconds = round(time.perf_counter() - step_started, 3)
            say(f"self-test: {name} {'ok' if step.ok else 'FAILED: ' + str(step.error)} "
                f"({step.seconds:.1f} s)")
            if name == "environment":
                environment = step.details
            if name == "screenshot" and step.ok:
                screenshot = step.details["file"]
            if not step.ok:
                break
    finally:
        context.close()
    report = SelfTestReport(
        passed=len(steps) == len(plan) and all(step.ok for step in steps),
        output=str(folder), screenshot=screenshot, steps=steps, environment=environment,
        seconds=round(time.perf_counter() - started, 3),
    )
    (folder / REPORT).write_text(json.dumps(report.to_json(), indent=1, default=str),
                                 encoding="utf-8")
    return report


class _Context:
    """What the steps share: the application, the window, the output folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.app: Any = None
        self.window: Any = None
        self.ready: list[str] = []

    def wait_until(self, condition: Callable[[], bool], what: str,
                   timeout_s: float = STEP_TIMEOUT_S) -> None:
        """Run the event loop until ``condition`` holds (jobs report back through it)."""
        from PySide6.QtCore import QEventLoop

        deadline = time.monotonic() + timeout_s
        while not condition():
            if time.monotonic() > deadline:
                raise SelfTestFailure(f"timed out after {timeout_s:.0f} s waiting for {what}")
            self.app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
            time.sleep(0.01)

    def close(self) -> None:
        if self.window is not None:
            # closeEvent stops the jobs and ends the autosave session cleanly.
            self.window.close()
            self.window.runner.shutdown()
            self.app.processEvents()
            self.window.deleteLater()
            self.app.processEvents()
            self.window = None


def _environment(context: _Context) -> dict[str, Any]:
    # torch first: on Windows it must load before Qt (WinError 1114 otherwise).
    import torch
    from PySide6 import __version__ as pyside_version
    from PySide6.QtCore import qVersion

    from slimbench import __version__ as slimbench_version
    from slimbench.engine.quantize.runtime import compile_available

    compile_missing = compile_available()
    return {
        "slimbench": slimbench_version,
        "frozen": bool(getattr(sys, "frozen", False)),
        "executable": sys.executable,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "torch": torch.__version__,
        "pyside6": pyside_version,
        "qt": qVersion(),
        "qpa_platform": os.environ.get("QT_QPA_PLATFORM"),
        "torch_compile": "available" if compile_missing is None else compile_missing,
    }


def _resources(context: _Context) -> dict[str, Any]:
    """The zoo's weights and data and the translations are found by path (a frozen bundle
    keeps them as files next to the code, not inside its archive)."""
    from PySide6.QtCore import QTranslator
    from PySide6.QtWidgets import QApplication

    from slimbench.app.appearance import TRANSLATIONS_DIR
    from slimbench.engine.zoo.catalog import CATALOG, MANIFEST_PATH
    from slimbench.engine.zoo.datasets import DATA_DIR

    context.app = QApplication.instance() or QApplication(sys.argv[:1])
    context.app.setApplicationName("Slimbench")
    context.app.setOrganizationName("Slimbench")
    names = [entry.name for entry in CATALOG]
    missing = [str(entry.weights_file) for entry in CATALOG if not entry.weights_file.is_file()]
    missing += [str(path) for path in (MANIFEST_PATH, DATA_DIR) if not path.exists()]
    if missing:
        raise SelfTestFailure(f"zoo files missing: {', '.join(missing)}")
    compiled = sorted(TRANSLATIONS_DIR.glob("*.qm"))
    if not compiled:
        raise SelfTestFailure(f"no compiled translations in {TRANSLATIONS_DIR}")
    for file in compiled:
        if not QTranslator().load(str(file)):
            raise SelfTestFailure(f"translation {file.name} does not load")
    return {"zoo_models": names, "translations": [file.stem for file in compiled]}


def _window(context: _Context) -> dict[str, Any]:
    from slimbench.app.appearance import apply_theme
    from slimbench.app.main_window import MainWindow
    from slimbench.app.settings import open_store
    from slimbench.engine.devices import cpu_device

    # Its own settings file: the user's language, geometry and recent models stay as they are.
    store = open_store(str(context.folder / "settings.ini"))
    window = MainWindow(store=store, devices=[cpu_device()])
    context.window = window
    apply_theme(context.app, "light")
    window.resize(1280, 820)
    window.show()
    window.model_ready.connect(context.ready.append)
    context.wait_until(lambda: window.isVisible() and window.engine_ready, "the window")
    return {"title": window.windowTitle(), "size": [window.width(), window.height()]}


def _load(context: _Context) -> dict[str, Any]:
    window = context.window
    window.open_model(MODEL)
    context.wait_until(lambda: bool(context.ready) or window.last_error is not None,
                       f"{MODEL} to load")
    if not context.ready:
        raise SelfTestFailure(f"{MODEL} did not load: {window.last_error}")
    variant = window.current
    context.wait_until(lambda: variant.inspection is not None, "the layer tree")
    return {"model": MODEL, "name": variant.name,
            "params_total": variant.inspection.params_total,
            "size_bytes": variant.inspection.size_bytes}


def _finished(context: _Context, record: Any, what: str) -> Any:
    if record is None:
        raise SelfTestFailure(f"the window did not start the {what}: {context.window.last_error}")
    context.wait_until(lambda: record.is_finished, f"the {what} job")
    if record.state != "done":
        raise SelfTestFailure(f"the {what} job ended {record.state}: {record.error}")
    return record.result


def _benchmark(context: _Context) -> dict[str, Any]:
    from slimbench.engine.measure import BenchConfig

    config = BenchConfig(batch_size=32, warmup=2, repeats=10)
    result = _finished(context, context.window.run_benchmark(config), "benchmark")
    median = result.latency_ms["median"]
    if not median > 0:
        raise SelfTestFailure(f"the benchmark measured a latency of {median} ms")
    return {"batch_size": config.batch_size, "latency_ms": result.latency_ms,
            "throughput_per_s": result.throughput_per_s}


def _quantize(context: _Context) -> dict[str, Any]:
    window = context.window
    original = window.current
    # Eager (compile off), so the check does not depend on a C++ compiler being installed.
    options = {**window.compress.options("quantize"), "scheme": "int8-dynamic",
               "compile": False}
    _finished(context, window.run_compression("quantize", options), "quantize")
    context.wait_until(lambda: len(window.workspace) == 2 and all(
        variant.inspection is not None for variant in window.workspace), "the int8 variant")
    child = list(window.workspace)[1]
    ratio = child.inspection.size_bytes / original.inspection.size_bytes
    if ratio > 0.5:
        raise SelfTestFailure(f"int8 variant is {ratio:.2f}x the original's size, not smaller")
    return {"variant": child.name, "technique": child.technique,
            "size_bytes": child.inspection.size_bytes, "size_ratio": round(ratio, 3)}


def _screenshot(context: _Context) -> dict[str, Any]:
    window = context.window
    window.tabs.setCurrentWidget(window.live_page)  # the benchmark's curve: something to see
    context.app.processEvents()
    file = context.folder / SCREENSHOT
    if not window.grab().save(str(file)) or file.stat().st_size < 1000:
        raise SelfTestFailure(f"could not save a screenshot to {file}")
    return {"file": str(file), "bytes": file.stat().st_size}


def main(output: str | None = None, as_json: bool = False) -> int:
    """Run the self-test for the command line: 0 when every step passed, else 1."""
    lines = None if as_json else (lambda line: print(line, flush=True))
    report = run_self_test(output, progress=lines)
    if as_json:
        print(json.dumps(report.to_json(), default=str))
    else:
        print(f"self-test: report {Path(report.output) / REPORT}", flush=True)
        if report.screenshot:
            print(f"self-test: screenshot {report.screenshot}", flush=True)
    if report.passed:
        if not as_json:
            print(f"self-test passed in {report.seconds:.1f} s", flush=True)
        return 0
    print(f"slimbench: self-test failed: {report.reason}", file=sys.stderr, flush=True)
    return 1
