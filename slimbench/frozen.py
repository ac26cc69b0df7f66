"""Entry point of the frozen (PyInstaller) app, whose executable must also act as its Python.

In a bundle ``sys.executable`` is the app itself, and libraries start child Pythons with it:

- distillation runs ``-m slimbench.engine.distill.worker RUN`` or ``-m torch.distributed.run
  ... -m slimbench.engine.distill.worker RUN``, whose workers torch starts as
  ``-u -m slimbench.engine.distill.worker RUN``;
- inductor (``torch.compile``) probes the CPU with ``-c CODE`` and may start its compile
  workers as ``path/to/torch/_inductor/compile_worker/__main__.py``;
- multiprocessing's helpers use ``-c CODE`` (PyInstaller handles ``--multiprocessing-fork``).

Without this, each of those would open another copy of the application (or hang waiting for
one). So the command line is read like an interpreter's first, and only otherwise handed to
the ``slimbench`` command.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

#: One-letter interpreter options without an argument; they may be combined (``-uB``).
#: None changes what runs here, so they are accepted and, except ``-u``, ignored.
_PLAIN_FLAGS = frozenset("bBdEiIOPqsSuvx")
#: One-letter interpreter options that take an argument (``-W error`` or ``-Werror``).
_FLAGS_WITH_VALUE = frozenset("WX")


@dataclass(frozen=True)
class Invocation:
    """An interpreter-style command line: run ``target`` as a module, code or script."""

    kind: str  # "module", "code" or "script"
    target: str
    args: tuple[str, ...]
    unbuffered: bool = False


def bundle_dir() -> Path:
    """Where the bundle keeps its Python code and data (PyInstaller's ``_internal``)."""
    return Path(getattr(sys, "_MEIPASS", Path(sys.executable).parent))


def parse_invocation(argv: Sequence[str], scripts_under: Path | None = None) -> Invocation | None:
    """The interpreter-style command in ``argv`` (without the program name), or None when it
    is a ``slimbench`` command line.

    A ``.py`` file is run as a script only when it lies under ``scripts_under`` (the bundle):
    only torch's own helper scripts are started that way, and ``slimbench PATH`` must stay a
    model path whatever the file is called.
    """
    unbuffered = False
    index = 0
    while index < len(argv):
        arg = argv[index]
        if arg in ("-m", "-c"):
            if index + 1 >= len(argv):
                return None  # like Python, this is an error; let the CLI say it in one line
            kind = "module" if arg == "-m" else "code"
            return Invocation(kind, argv[index + 1], tuple(argv[index + 2:]), unbuffered)
        if arg.startswith(("-m", "-c")) and len(arg) > 2 and not arg.startswith("--"):
            kind = "module" if arg[1] == "m" else "code"
            return Invocation(kind, arg[2:], tuple(argv[index + 1:]), unbuffered)
        if len(arg) == 2 and arg[0] == "-" and arg[1] in _FLAGS_WITH_VALUE:
            index += 2
            continue
        if len(arg) > 2 and arg[0] == "-" and arg[1] in _FLAGS_WITH_VALUE:
            index += 1
            continue
        if len(arg) >= 2 and arg[0] == "-" and arg[1] != "-" and set(arg[1:]) <= _PLAIN_FLAGS:
            unbuffered = unbuffered or "u" in arg
            index += 1
            continue
        break
    if index < len(argv) and scripts_under is not None and argv[index].endswith(".py"):
        script = Path(argv[index]).resolve()
        if script.is_file() and script.is_relative_to(scripts_under.resolve()):
            return Invocation("script", str(script), tuple(argv[index + 1:]), unbuffered)
    # Flags with nothing to run (Python would start its prompt), or a slimbench command line.
    return None


def run_invocation(invocation: Invocation) -> int:
    """Run ``invocation`` in this process as ``python`` would; its SystemExit propagates."""
    import runpy

    if invocation.unbuffered:
        for stream in (sys.stdout, sys.stderr):
            reconfigure = getattr(stream, "reconfigure", None)
            if reconfigure is not None:
                reconfigure(write_through=True)
    if invocation.kind == "module":
        sys.argv = ["-m", *invocation.args]  # runpy puts the module's path in argv[0]
        runpy.run_module(invocation.target, run_name="__main__", alter_sys=True)
    elif invocation.kind == "code":
        sys.argv = ["-c", *invocation.args]
        namespace = {"__name__": "__main__", "__builtins__": __builtins__}
        exec(compile(invocation.target, "<string>", "exec"), namespace)
    else:
        sys.argv = [invocation.target, *invocation.args]
        runpy.run_path(invocation.target, run_name="__main__")
    return 0


def prepare_frozen_environment() -> None:
    """Settings a bundle needs before torch is imported, for this process and its children."""
    if sys.platform == "win32" and Path(sys.executable).stem.lower() == "slimbench-gui":
        # The windowed executable has no standard streams, and the training workers report
        # on stdout: children run the console executable next to it.
        console = Path(sys.executable).with_name("slimbench.exe")
        if console.is_file():
            sys.executable = str(console)
    # Inductor's parallel compile workers would each be a full start of the app (torch and all)
    # for models this small; compile in-process instead.
    os.environ.setdefault("TORCHINDUCTOR_COMPILE_THREADS", "1")
    # PyInstaller's bootloader points LD_LIBRARY_PATH at the bundle; the system C++ compiler
    # that inductor runs must not load the bundle's copies of system libraries. (A bundle child
    # gets the path again from its own bootloader.)
    original = os.environ.pop("LD_LIBRARY_PATH_ORIG", None)
    if "LD_LIBRARY_PATH" in os.environ:
        if original:
            os.environ["LD_LIBRARY_PATH"] = original
        else:
            del os.environ["LD_LIBRARY_PATH"]


def main(argv: Sequence[str] | None = None) -> int:
    """The bundle's ``main``: an interpreter-style command, else the ``slimbench`` command."""
    import multiprocessing

    # PyInstaller's runtime hook makes this handle spawned multiprocessing children on every OS.
    multiprocessing.freeze_support()
    arguments = list(sys.argv[1:] if argv is None else argv)
    frozen = bool(getattr(sys, "frozen", False))
    if frozen:
        prepare_frozen_environment()
    invocation = parse_invocation(arguments, bundle_dir() if frozen else None)
    if invocation is not None:
        return run_invocation(invocation)
    if sys.platform == "win32":
        import torch  # noqa: F401 - before Qt, or Windows fails with WinError 1114 (torch >= 2.9)
    from slimbench.cli import main as cli_main

    return cli_main(arguments)
