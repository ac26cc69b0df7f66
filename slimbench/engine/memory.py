"""Bound the memory a job may use, and turn running out of memory into one clear sentence.

A job that outgrows the machine would otherwise be killed by the operating system, taking the
window (and every unsaved variant in it) with it. Every job the window or the command line runs
goes through :func:`guard_job` (or :func:`memory_bound` for a whole CLI command):

- A watcher thread samples the process's resident memory (and its child processes', which is
  where distillation trains) every few tens of milliseconds. When the growth since the job
  started passes the limit, it raises :class:`MemoryLimitExceeded` *inside the job's thread*
  (``PyThreadState_SetAsyncExc``), so a job stuck in one long step (a deep copy, a calibration
  pass) is stopped at its next Python bytecode instead of at its next progress report.
- ``MemoryError``, PyTorch's CPU "can't allocate memory" and CUDA's ``OutOfMemoryError`` become
  :class:`MemoryLimitError`; the CUDA cache is emptied so the next job has the memory back.

The limit is the growth of this process, so jobs running side by side share it. It defaults to
80% of the memory the system has available when the job starts, and can be set per process
(``--memory-limit``, the ``SLIMBENCH_MEMORY_LIMIT`` environment variable, or the window's
setting). A single allocation made entirely inside C++ can still overshoot by its own size
before the watcher sees it; the limit bounds the job, it is not a hard cap of the allocator.
GPU memory is capped separately with :func:`set_gpu_memory_limit`, which the CUDA allocator
enforces exactly.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import threading
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from slimbench.engine.errors import MemoryLimitError, SlimbenchError

ResultT = TypeVar("ResultT")

#: Share of the memory available at a job's start that the job may use by default.
DEFAULT_AVAILABLE_SHARE = 0.8
#: How often the watcher samples the process's own memory, and its children's (slower: it
#: walks /proc).
SAMPLE_SECONDS = 0.02
CHILDREN_SAMPLE_SECONDS = 0.5
ENVIRONMENT_VARIABLE = "SLIMBENCH_MEMORY_LIMIT"

_SIZE_PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b?)\s*$", re.IGNORECASE)
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096

_configured_limit: int | None = None


class MemoryLimitExceeded(BaseException):
    """Raised asynchronously into a job's thread when it outgrows its limit.

    A BaseException, so a job's own ``except Exception`` (which rewords its errors) does not
    swallow it; its ``finally`` blocks still run.
    """


def parse_memory_size(text: str) -> int:
    """Bytes in ``"512M"``, ``"2G"``, ``"1.5GiB"`` or a plain number of bytes."""
    match = _SIZE_PATTERN.match(str(text))
    if match is None or (match.group(3) and not match.group(3).lower().endswith("b")
                         and match.group(3).lower() != "i"):
        raise SlimbenchError(
            f"'{text}' is not a memory size; write it like 512M, 2G or 1.5GiB."
        )
    value = float(match.group(1)) * _UNITS[match.group(2).lower()]
    if value < 1 << 20:
        raise SlimbenchError(f"A memory limit of '{text}' is under 1 MB; no job fits in it.")
    return int(value)


def format_bytes(count: float) -> str:
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("kB", 1 << 10)):
        if abs(count) >= scale:
            return f"{count / scale:.1f} {unit}"
    return f"{int(count)} B"


def set_memory_limit(limit: int | str | None) -> None:
    """Set the limit for every later job in this process (None: the default share)."""
    global _configured_limit
    _configured_limit = parse_memory_size(limit) if isinstance(limit, str) else limit


def job_memory_limit() -> int | None:
    """The limit for a job starting now, in bytes; None where memory cannot be read."""
    if _configured_limit is not None:
        return _configured_limit
    from_environment = os.environ.get(ENVIRONMENT_VARIABLE)
    if from_environment:
        with contextlib.suppress(SlimbenchError):
            return parse_memory_size(from_environment)
    available = available_memory()
    return None if available is None else int(available * DEFAULT_AVAILABLE_SHARE)


def available_memory() -> int | None:
    """What the system can still give without swapping (Linux's MemAvailable)."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def resident_memory(include_children: bool = True) -> int | None:
    """Resident memory of this process (and, by default, of its child processes)."""
    own = _resident_of("self")
    if own is None or not include_children:
        return own
    return own + sum(_resident_of(str(pid)) or 0 for pid in _descendants(os.getpid()))


def set_gpu_memory_limit(limit: int | str | None, device: Any = None) -> None:
    """Cap what PyTorch may allocate on a CUDA device (every device when None)."""
    import torch

    if limit is None or not torch.cuda.is_available():
        return
    size = parse_memory_size(limit) if isinstance(limit, str) else int(limit)
    indices = (
        range(torch.cuda.device_count()) if device is None else [torch.device(device).index or 0]
    )
    for index in indices:
        total = torch.cuda.get_device_properties(index).total_memory
        torch.cuda.set_per_process_memory_fraction(min(1.0, size / total), index)


def is_out_of_memory(error: BaseException) -> bool:
    """A Python, PyTorch CPU or CUDA allocation failure."""
    if isinstance(error, (MemoryError, MemoryLimitExceeded)):
        return True
    import torch

    oom = getattr(torch, "OutOfMemoryError", None)
    if oom is not None and isinstance(error, oom):
        return True
    text = str(error).lower()
    return "out of memory" in text or "can't allocate memory" in text


def out_of_memory_error(error: BaseException, limit: int | None) -> MemoryLimitError:
    """The one sentence for an allocation failure, after giving cached GPU memory back."""
    if isinstance(error, MemoryLimitExceeded):
        return MemoryLimitError(
            f"The job used more than {format_bytes(limit or 0)} of memory, the limit for one "
            "job, and was stopped; the original model and earlier variants are unchanged."
        )
    import torch

    oom = getattr(torch, "OutOfMemoryError", None)
    if (oom is not None and isinstance(error, oom)) or "cuda" in str(error).lower():
        with contextlib.suppress(Exception):
            torch.cuda.empty_cache()
        return MemoryLimitError(
            "The GPU ran out of memory; try a smaller batch or another device. The original "
            "model and earlier variants are unchanged."
        )
    return MemoryLimitError(
        "The computer ran out of memory for this job; close other programs or try a smaller "
        "model or batch. The original model and earlier variants are unchanged."
    )


@dataclass
class _Watch:
    """Samples memory on a daemon thread and raises into the guarded thread once over."""

    limit: int
    baseline: int
    target_thread: int = 0
    peak_growth: int = 0
    exceeded: bool = False
    _inside: bool = False
    _injected: bool = False

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="slimbench-memory", daemon=True)
        self._thread.start()

    def enter(self) -> None:
        """The guarded thread is running job code: an overrun may be raised into it now."""
        with self._lock:
            self.target_thread = threading.get_ident()
            self._inside = True
            if self.exceeded:
                self._inject()

    def leave(self) -> None:
        """The guarded thread left job code: cancel a raise that has not landed yet."""
        with self._lock:
            self._inside = False
            if self._injected:
                _set_async_exception(self.target_thread, None)

    def stop(self) -> None:
        self._stop.set()
        self.leave()

    def _run(self) -> None:
        children_due = 0.0
        children = 0
        elapsed = 0.0
        while not self._stop.wait(SAMPLE_SECONDS):
            elapsed += SAMPLE_SECONDS
            own = resident_memory(include_children=False)
            if own is None:
                return
            if elapsed >= children_due:
                children = sum(_resident_of(str(pid)) or 0 for pid in _descendants(os.getpid()))
                children_due = elapsed + CHILDREN_SAMPLE_SECONDS
            growth = own + children - self.baseline
            self.peak_growth = max(self.peak_growth, growth)
            if growth > self.limit:
                with self._lock:
                    self.exceeded = True
                    if self._inside:
                        self._inject()
                return

    def _inject(self) -> None:
        if not self._injected and self.target_thread:
            self._injected = True
            _set_async_exception(self.target_thread, MemoryLimitExceeded)


def _start_watch(limit: int | None) -> _Watch | None:
    baseline = resident_memory()
    if limit is None or baseline is None:
        return None
    return _Watch(limit=limit, baseline=baseline)


def guard_job(
    job: Generator[Any, None, ResultT], limit: int | None = None
) -> Generator[Any, None, ResultT]:
    """Run ``job`` under a memory limit (default :func:`job_memory_limit`), yielding its
    Progress; an overrun or an allocation failure ends it with :class:`MemoryLimitError`."""
    limit = job_memory_limit() if limit is None else limit
    watch = _start_watch(limit)
    try:
        while True:
            failure: MemoryLimitError | None = None
            try:
                if watch is not None:
                    watch.enter()
                try:
                    item = job.send(None)
                finally:
                    if watch is not None:
                        watch.leave()
            except StopIteration as stop:
                return stop.value
            except BaseException as error:
                if watch is not None:
                    watch.leave()
                if isinstance(error, GeneratorExit) or not is_out_of_memory(error):
                    raise
                failure = _fresh_failure(error, limit)
            if failure is None and watch is not None and watch.exceeded:
                failure = out_of_memory_error(MemoryLimitExceeded(), limit)
            if failure is not None:
                # Raised outside the handler: the caught error's traceback (and the job's
                # frames, with their models and batches) is gone, so the memory comes back.
                _release_cached_gpu_memory()
                raise failure
            yield item
    finally:
        if watch is not None:
            watch.stop()
        job.close()


@contextlib.contextmanager
def memory_bound(limit: int | None = None) -> Iterator[None]:
    """Bound the memory the code in this ``with`` block (on this thread) may add."""
    limit = job_memory_limit() if limit is None else limit
    watch = _start_watch(limit)
    failure: MemoryLimitError | None = None
    try:
        if watch is not None:
            watch.enter()
        try:
            yield
        finally:
            if watch is not None:
                watch.stop()
    except BaseException as error:
        if isinstance(error, GeneratorExit) or not is_out_of_memory(error):
            raise
        failure = _fresh_failure(error, limit)
    if failure is not None:
        _release_cached_gpu_memory()
        raise failure


def _fresh_failure(error: BaseException, limit: int | None) -> MemoryLimitError:
    """A MemoryLimitError with no traceback or context pinning the failed job's frames."""
    if isinstance(error, MemoryLimitError):
        return MemoryLimitError(str(error))  # the job's own wording (it names the batch)
    return out_of_memory_error(error, limit)


def _release_cached_gpu_memory() -> None:
    import sys

    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_initialized():
        torch.cuda.empty_cache()


def release_freed_memory() -> bool:
    """Hand memory freed by deleted models back to the system (glibc keeps freed pages for
    reuse, so the process would look as large as at its peak). False where not possible."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        return bool(libc.malloc_trim(0))
    except (OSError, AttributeError):
        return False


def _set_async_exception(thread_id: int, exception: type[BaseException] | None) -> None:
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread_id), ctypes.py_object(exception) if exception else None
    )


def _resident_of(pid: str) -> int | None:
    try:
        with open(f"/proc/{pid}/statm", "rb") as stream:
            return int(stream.read().split()[1]) * _PAGE_SIZE
    except (OSError, ValueError, IndexError):
        return None


def _descendants(pid: int) -> list[int]:
    found: list[int] = []
    pending = [pid]
    while pending:
        parent = pending.pop()
        try:
            tasks = os.listdir(f"/proc/{parent}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{parent}/task/{task}/children", "rb") as stream:
                    children = [int(child) for child in stream.read().split()]
            except (OSError, ValueError):
                continue
            found.extend(children)
            pending.extend(children)
    return found
