"""Running a model for measurement: eagerly, or through torch.compile with scoped settings.

Two details matter for honest timings here:

- ``torch.compile`` caches compiled code on the *code object* of the module's ``forward``.
  Two models of the same class (fp32 and its quantized copy) would share that cache, and a
  second compile with other settings would silently reuse the first. Each compile therefore
  wraps the model in a class with a fresh ``forward`` code object.
- Inductor's freezing (needed to fuse pt2e int8 ops into oneDNN kernels) is a process-wide
  setting; it is applied only while this runner compiles (on the first call of each input
  signature), never left on for the rest of the process.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

import torch
from torch import nn

from slimbench.engine.devices import synchronize
from slimbench.engine.quantize.backends import first_line, quiet
from slimbench.engine.quantize.schemes import QuantizeError

_counter = itertools.count()


def _fresh_wrapper(module: nn.Module) -> nn.Module:
    """``module`` inside a wrapper whose forward has a code object of its own."""
    namespace: dict[str, Any] = {}
    index = next(_counter)
    source = "def forward(self, *args):\n    return self.inner(*args)\n"
    exec(compile(source, f"<slimbench-compiled-{index}>", "exec"), namespace)
    wrapper_class = type(
        f"SlimbenchCompiled{index}", (nn.Module,), {"forward": namespace["forward"]}
    )
    wrapper = wrapper_class()
    wrapper.inner = module
    wrapper.training = False  # not .eval(): that would recurse into the wrapped model
    return wrapper


class Runner:
    """A callable model for measurement: ``runner(*inputs)`` returns the model's output."""

    compiled = False
    compile_seconds: float | None = None

    def __init__(self, module: nn.Module, label: str) -> None:
        self.module = module
        self.label = label

    def __call__(self, *inputs: torch.Tensor) -> Any:
        return self.module(*inputs)


class CompiledRunner(Runner):
    """torch.compile (inductor, static shapes) of ``module``; compiles on first use.

    The settings (freezing, one compile thread, torchao's s8s8 matmul) are applied inside
    the compiler backend, so they hold for every compile of this model: the first, one per
    new input signature, and any after something (``torch.export`` in strict mode, say)
    has cleared dynamo's caches.
    """

    compiled = True

    def __init__(self, module: nn.Module, label: str, *, freezing: bool,
                 int8_s8s8: bool = False) -> None:
        super().__init__(module, label)
        self.freezing = freezing
        self.int8_s8s8 = int8_s8s8
        self.compiles = 0
        self._compiled: Callable[..., Any] = torch.compile(
            _fresh_wrapper(module), backend=self._backend, dynamic=False
        )
        self._signatures: set[tuple[Any, ...]] = set()
        self.compile_seconds = None

    def _backend(self, graph: torch.fx.GraphModule, example_inputs: list[Any]) -> Any:
        import torch._inductor.config as inductor_config
        from torch._inductor.compile_fx import compile_fx

        self.compiles += 1
        # compile_threads=1: no process-wide compile thread pool is left running (the
        # window's thread-leak checks, and a small CPU gains little from it anyway).
        with quiet(), inductor_config.patch(freezing=self.freezing, compile_threads=1), (
            torchao_s8s8_matmul() if self.int8_s8s8 else nullcontext()
        ):
            return compile_fx(graph, example_inputs)

    def __call__(self, *inputs: torch.Tensor) -> Any:
        signature = tuple(
            (tuple(t.shape), t.dtype, t.device, t.is_inference(), t.requires_grad) for t in inputs
        )
        if signature in self._signatures:
            try:
                return self._compiled(*inputs)
            except Exception:
                # Freezing must also be on while dynamo traces; a recompile after dynamo's
                # caches were cleared traced without it. Compile again the careful way.
                if not self.freezing:
                    raise
        return self._compile_call(inputs, signature)

    def _compile_call(self, inputs: tuple[torch.Tensor, ...], signature: tuple[Any, ...]) -> Any:
        import torch._inductor.config as inductor_config

        started = time.perf_counter()
        try:
            with quiet(), inductor_config.patch(freezing=self.freezing):
                output = self._compiled(*inputs)
        except Exception as error:
            raise QuantizeError(
                f"torch.compile could not compile {self.label}: {first_line(error)}."
            ) from None
        self._signatures.add(signature)
        elapsed = time.perf_counter() - started
        self.compile_seconds = (self.compile_seconds or 0.0) + elapsed
        return output


def make_runner(module: nn.Module, label: str, *, compiled: bool, freezing: bool = False,
                example: tuple[torch.Tensor, ...] | None = None,
                device: torch.device | None = None, int8_s8s8: bool = False) -> Runner:
    """A runner, compiled (and warmed on ``example``, so compile time is counted) or eager."""
    if not compiled:
        return Runner(module, label)
    runner = CompiledRunner(module, label, freezing=freezing, int8_s8s8=int8_s8s8)
    if example is not None:
        with torch.inference_mode():
            runner(*example)
        if device is not None:
            synchronize(device)
    return runner


def compile_available() -> str | None:
    """None when torch.compile can work here, else why not (checked without compiling)."""
    import shutil
    import sys

    if getattr(sys, "frozen", False):
        missing = frozen_compile_missing()
        if missing:
            return missing
    if shutil.which("c++") is None and shutil.which("g++") is None and shutil.which("cl") is None:
        return "torch.compile needs a C++ compiler on CPU, and none is on the PATH"
    return None


def frozen_compile_missing() -> str | None:
    """What a frozen app lacks for inductor's C++ code, or None when it ships all of it.

    Inductor reads torch's Python sources, compiles against torch's C++ headers and Python.h
    (from ``sysconfig``'s include folder, which is inside the bundle when frozen), and runs
    ``sys.executable -c`` to probe the CPU: the bundle's entry point answers that like Python.
    """
    import sysconfig
    from pathlib import Path

    torch_dir = Path(torch.__file__).resolve().parent
    needed = {
        "torch's Python sources": torch_dir / "_inductor" / "codecache.py",
        "torch's C++ headers": torch_dir / "include" / "torch" / "csrc" / "inductor"
        / "cpp_prefix.h",
        "Python's C headers": Path(sysconfig.get_path("include")) / "Python.h",
    }
    absent = [what for what, path in needed.items() if not path.is_file()]
    if absent:
        return f"torch.compile needs {' and '.join(absent)}, which this app does not ship"
    return None


def torchao_u8s8_recomputes_weight_sums() -> bool:
    """Whether torchao picks its u8s8 CPU int8 matmul here (AVX512-VNNI without AMX).

    That path shifts activations to uint8 and, to compensate, sums every weight matrix
    again on each call; on mlp-digits at batch 32 that costs about a third of the time.
    """
    try:
        import torchao.kernel.intmm as intmm

        return bool(intmm._cpu_is_vnni_supported() and not intmm._cpu_is_amx_tile_supported())
    except Exception:
        return False


@contextmanager
def torchao_s8s8_matmul() -> Iterator[None]:
    """While compiling, make torchao trace its s8s8 CPU int8 matmul (same int32 results).

    torchao chooses between its u8s8 and s8s8 CPU paths when the graph is traced, so the
    choice is baked into this compiled graph only; eager torchao use elsewhere is unchanged.
    """
    try:
        import torchao.kernel.intmm as intmm
    except Exception:
        yield
        return
    original = getattr(intmm, "_cpu_is_vnni_supported", None)
    if original is None:
        yield
        return
    import torch._functorch.config as functorch_config
    import torch._inductor.config as inductor_config

    intmm._cpu_is_vnni_supported = lambda: False
    try:
        # The compile caches key on the graph dynamo sees, which is the same for both paths
        # (torchao's choice happens below it): a cached u8s8 graph would come back.
        with functorch_config.patch(enable_autograd_cache=False), inductor_config.patch(
            fx_graph_cache=False
        ):
            yield
    finally:
        intmm._cpu_is_vnni_supported = original
