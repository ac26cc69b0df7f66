"""Devices Slimbench can run on, what they support, and their measured peak FLOP/s."""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from slimbench.engine.errors import DeviceError

#: CPU flags worth showing: they decide which int8/bf16 kernels are fast.
_INTERESTING_CPU_FLAGS = (
    "avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16", "avx512_fp16",
    "amx_tile", "amx_int8", "amx_bf16", "avx_vnni",
)


@dataclass
class DeviceInfo:
    """A device as the user picks it (``name`` is what --device takes)."""

    name: str
    kind: str  # cpu, cuda, mps
    description: str
    memory_bytes: int | None
    cores: int | None = None
    threads: int | None = None
    features: list[str] = field(default_factory=list)
    compute_capability: str | None = None
    dtypes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return asdict(self)


def list_devices() -> list[DeviceInfo]:
    """CPU first, then every CUDA GPU, then MPS where present.

    CUDA is queried only through ``torch.cuda`` calls that do not create a context on the
    GPUs unless one is present.
    """
    devices = [_cpu_info()]
    if torch.cuda.is_available():
        for index in range(torch.cuda.device_count()):
            props = torch.cuda.get_device_properties(index)
            capability = (props.major, props.minor)
            dtypes = ["float32", "float16"]
            if capability >= (8, 0):
                dtypes.append("bfloat16")
            devices.append(
                DeviceInfo(
                    name=f"cuda:{index}",
                    kind="cuda",
                    description=props.name,
                    memory_bytes=int(props.total_memory),
                    cores=int(props.multi_processor_count),
                    compute_capability=f"{props.major}.{props.minor}",
                    dtypes=dtypes,
                )
            )
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        devices.append(
            DeviceInfo(
                name="mps", kind="mps", description="Apple GPU (Metal)", memory_bytes=None,
                dtypes=["float32", "float16", "bfloat16"],
            )
        )
    return devices


def cpu_device() -> DeviceInfo:
    """The CPU alone, without asking torch about GPUs."""
    return _cpu_info()


def resolve_device(name: str) -> torch.device:
    """Turn a user's device name into a torch.device that exists here, or explain why not."""
    text = name.strip().lower()
    if text in ("gpu", "cuda"):
        text = "cuda:0"
    try:
        device = torch.device(text)
    except (RuntimeError, ValueError):
        raise DeviceError(
            f"Unknown device '{name}'; available here: {_available_names()}."
        ) from None
    if device.type == "cpu":
        return torch.device("cpu")
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise DeviceError(
                f"Device '{name}' needs a CUDA GPU, and PyTorch sees none on this machine "
                f"(available: {_available_names()})."
            )
        index = 0 if device.index is None else device.index
        if index >= torch.cuda.device_count():
            raise DeviceError(
                f"There is no GPU {index}; this machine has {torch.cuda.device_count()} "
                f"(available: {_available_names()})."
            )
        return torch.device("cuda", index)
    if device.type == "mps":
        mps = getattr(torch.backends, "mps", None)
        if mps is None or not mps.is_available():
            raise DeviceError(
                f"Apple's MPS is not available here (available: {_available_names()})."
            )
        return device
    raise DeviceError(f"Slimbench does not run on '{name}'; available here: {_available_names()}.")


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def _available_names() -> str:
    return ", ".join(device.name for device in list_devices())


def _cpu_info() -> DeviceInfo:
    flags: set[str] = set()
    model = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text(errors="replace").splitlines():
            key, _, value = line.partition(":")
            key = key.strip()
            if key == "model name" and value.strip():
                model = value.strip()
            elif key == "flags":
                flags = set(value.split())
                break
    capability = torch.backends.cpu.get_cpu_capability()
    features = [flag for flag in _INTERESTING_CPU_FLAGS if flag in flags]
    features.append(f"torch:{capability}")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return DeviceInfo(
        name="cpu",
        kind="cpu",
        description=model,
        memory_bytes=_total_memory_bytes(),
        cores=cores,
        threads=torch.get_num_threads(),
        features=features,
        dtypes=["float32", "bfloat16", "float16"],
    )


def _total_memory_bytes() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


# --- measured peak ------------------------------------------------------------------------

_PEAK_CACHE_VERSION = 3


def _cache_file() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("slimbench", appauthor=False)) / "peak_flops.json"


def measured_peak_flops(device_name: str = "cpu", dtype: torch.dtype = torch.float32,
                        use_cache: bool = True) -> float:
    """Matmul FLOP/s (or int8 OP/s) this device reaches with this dtype: the roofline's roof.

    A short square-matmul measurement (about a second), cached per device, dtype, thread
    count and torch version, because results are compared against it many times.
    """
    return _cached_measurement(f"matmul|{dtype}", device_name, use_cache,
                               lambda device: _time_matmul(device, dtype))


def measured_bandwidth(device_name: str = "cpu", use_cache: bool = True) -> float:
    """Memory bandwidth in bytes/s (a large tensor copy: read plus write), cached likewise:
    the slope of the roofline, which memory-bound models (small batches, int8 weights) meet."""
    return _cached_measurement("copy", device_name, use_cache, _time_copy)


def _cached_measurement(kind: str, device_name: str, use_cache: bool,
                        measure: Callable[[torch.device], float]) -> float:
    device = resolve_device(device_name)
    threads = torch.get_num_threads() if device.type == "cpu" else 0
    description = next(
        (info.description for info in list_devices() if info.name == str(device)), str(device)
    )
    key = (f"v{_PEAK_CACHE_VERSION}|{description}|{device}|{kind}|{threads}|"
           f"{torch.__version__}")
    cache_path = _cache_file()
    cache: dict[str, float] = {}
    if use_cache and cache_path.is_file():
        try:
            cache = json.loads(cache_path.read_text())
        except (OSError, json.JSONDecodeError):
            cache = {}
        if key in cache:
            return float(cache[key])
    value = measure(device)
    if use_cache:
        cache[key] = value
        try:
            cache_path.parent.mkdir(parents=True, exist_ok=True)
            temporary = cache_path.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_text(json.dumps(cache, indent=1))
            temporary.replace(cache_path)
        except OSError:
            pass  # a read-only home only costs a re-measurement next time
    return value


def _best_seconds(device: torch.device, run: Callable[[], object]) -> float:
    with torch.no_grad():
        for _ in range(3):
            run()
        synchronize(device)
        best = float("inf")
        budget = time.perf_counter() + 1.0
        repeats = 0
        while repeats < 5 or (time.perf_counter() < budget and repeats < 50):
            start = time.perf_counter()
            run()
            synchronize(device)
            best = min(best, time.perf_counter() - start)
            repeats += 1
    return best


def _time_matmul(device: torch.device, dtype: torch.dtype) -> float:
    # Large enough that the kernel runs at its best (a 1024 matmul on a CPU came out below
    # what oneDNN's convolutions then reached), small enough to take about a second.
    size = 2048 if device.type == "cpu" else 8192
    generator = torch.Generator().manual_seed(0)
    if dtype == torch.int8:
        # int8 x int8 -> int32, the kernel int8 models run (torch._int_mm on CPU and CUDA).
        a = torch.randint(-64, 64, (size, size), generator=generator, dtype=torch.int8)
        b = torch.randint(-64, 64, (size, size), generator=generator, dtype=torch.int8)
        a, b = a.to(device), b.to(device)
        best = _best_seconds(device, lambda: torch._int_mm(a, b))
    else:
        a = torch.randn(size, size, generator=generator).to(device=device, dtype=dtype)
        b = torch.randn(size, size, generator=generator).to(device=device, dtype=dtype)
        best = _best_seconds(device, lambda: torch.mm(a, b))
    return 2.0 * size**3 / best


def _time_copy(device: torch.device) -> float:
    # Far larger than any CPU cache, so the copy runs at DRAM (or HBM) speed.
    count = (256 if device.type == "cpu" else 1024) * 2**20 // 4
    source = torch.ones(count, dtype=torch.float32, device=device)
    target = torch.empty_like(source)
    best = _best_seconds(device, lambda: target.copy_(source))
    return 2.0 * source.numel() * source.element_size() / best


def list_devices_in_child(timeout: float = 120.0) -> list[DeviceInfo]:
    """``list_devices()`` run in a child Python, so the calling process never touches CUDA.

    The window uses this: asking torch for a GPU's properties initialises CUDA in the asking
    process, and the GUI process must not do that unless the user picks a GPU. Falls back to
    the CPU alone when the child fails.
    """
    import subprocess
    import sys

    try:
        completed = subprocess.run(
            [sys.executable, "-m", "slimbench.engine.devices"],
            capture_output=True, text=True, timeout=timeout, check=False,
        )
        rows = json.loads(completed.stdout.strip().splitlines()[-1])
        return [DeviceInfo(**row) for row in rows]
    except (OSError, subprocess.SubprocessError, ValueError, IndexError, TypeError):
        return [_cpu_info()]


if __name__ == "__main__":
    print(json.dumps([device.to_json() for device in list_devices()]))
