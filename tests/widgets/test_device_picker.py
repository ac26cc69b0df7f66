"""DevicePicker offscreen: labels, greyed dtypes and threads on a GPU, the no-GPU entry,
runtimes greyed with the engine's reasons (ONNX Runtime missing, no CUDA provider, compile
unavailable), selection round trip and signal, minimum size and an image."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import Qt

from slimbench.engine.devices import DeviceInfo
from slimbench.engine.runtimes import availability
from slimbench.widgets.device_picker import (
    DEVICE_ROLE,
    RUNTIMES,
    DevicePicker,
    DeviceSelection,
    device_label,
)

GIB = 1 << 30


def fake_cpu() -> DeviceInfo:
    return DeviceInfo(
        name="cpu", kind="cpu", description="Test CPU", memory_bytes=32 * GIB, cores=8,
        threads=4, features=["avx2", "torch:AVX2"], dtypes=["float32", "bfloat16", "float16"],
    )


def fake_gpu() -> DeviceInfo:
    return DeviceInfo(
        name="cuda:0", kind="cuda", description="Test GPU", memory_bytes=16 * GIB, cores=80,
        compute_capability="7.0", dtypes=["float32", "float16"],
    )


@pytest.fixture
def picker(qtbot) -> DevicePicker:  # type: ignore[no-untyped-def]
    widget = DevicePicker([fake_cpu(), fake_gpu()])
    qtbot.addWidget(widget)
    widget.show()
    return widget


def _item_enabled(picker: DevicePicker, row: int) -> bool:
    item = picker.device_combo.model().item(row)  # type: ignore[attr-defined]
    return bool(item.flags() & Qt.ItemFlag.ItemIsEnabled)


def test_device_labels_read_like_the_hardware() -> None:
    assert device_label(fake_cpu()) == "CPU — Test CPU (4 threads)"
    assert device_label(fake_gpu()) == "GPU 0 — Test GPU (16 GB)"
    named = fake_gpu()
    named.description = "NVIDIA H100 80GB HBM3"
    assert device_label(named) == "GPU 0 — NVIDIA H100 80GB HBM3"  # no second size in brackets


def test_starts_on_the_cpu_with_every_dtype_and_threads(picker: DevicePicker) -> None:
    texts = [picker.device_combo.itemText(row) for row in range(picker.device_combo.count())]
    assert texts == ["CPU — Test CPU (4 threads)", "GPU 0 — Test GPU (16 GB)"]
    assert picker.selection() == DeviceSelection("cpu", "float32", False, 4, 1)
    assert all(picker.is_dtype_enabled(d) for d in ("float32", "bfloat16", "float16"))
    assert picker.threads_spin.isEnabled()
    assert (picker.threads_spin.minimum(), picker.threads_spin.maximum()) == (1, 8)
    assert picker.selection().runtime == "eager"
    assert "first time it runs" in picker.runtime_tooltip("compiled")


def test_choosing_the_gpu_greys_bfloat16_and_threads(picker: DevicePicker) -> None:
    picker.set_selection(DeviceSelection("cpu", "bfloat16", False, 4, 1))
    assert picker.selection().dtype == "bfloat16"

    picker.device_combo.setCurrentIndex(1)

    assert not picker.is_dtype_enabled("bfloat16")
    assert picker.is_dtype_enabled("float16")
    tooltip = picker.dtype_tooltip("bfloat16")
    assert "no fast bfloat16" in tooltip and "compute capability 8.0" in tooltip
    assert "7.0" in tooltip
    assert not picker.threads_spin.isEnabled()
    assert "GPU" in picker.threads_spin.toolTip()
    selection = picker.selection()
    assert selection.device == "cuda:0"
    assert selection.dtype == "float32"  # moved off the greyed-out choice
    assert selection.threads is None

    picker.device_combo.setCurrentIndex(0)  # back on the CPU: everything again, threads kept
    assert picker.is_dtype_enabled("bfloat16") and picker.threads_spin.isEnabled()
    assert picker.selection().threads == 4


def test_selection_round_trips(picker: DevicePicker) -> None:
    for wanted in (
        DeviceSelection("cpu", "bfloat16", True, 3, 32),
        DeviceSelection("cuda:0", "float16", True, None, 8),
        DeviceSelection("cpu", "float32", False, 8, 1),
    ):
        picker.set_selection(wanted)
        assert picker.selection() == wanted


def test_set_selection_replaces_what_does_not_fit(picker: DevicePicker) -> None:
    picker.set_selection(DeviceSelection("cuda:0", "bfloat16", False, None, 0))
    assert picker.selection() == DeviceSelection("cuda:0", "float32", False, None, 1)
    picker.set_selection(DeviceSelection("cuda:7", "float16", False, 99, 4))  # GPU gone
    assert picker.selection() == DeviceSelection("cuda:0", "float16", False, None, 4)
    picker.set_selection(DeviceSelection("cpu", "float32", False, 99, 4))
    assert picker.selection().threads == 8


def test_selection_changed_is_emitted_once_per_change(qtbot, picker: DevicePicker) -> None:  # type: ignore[no-untyped-def]
    received: list[DeviceSelection] = []
    picker.selection_changed.connect(received.append)

    with qtbot.waitSignal(picker.selection_changed, timeout=1000) as blocker:
        picker.batch_spin.setValue(16)
    assert blocker.args[0].batch_size == 16

    picker.device_combo.setCurrentIndex(1)
    assert received[-1].device == "cuda:0" and received[-1].threads is None

    count = len(received)
    picker.set_selection(DeviceSelection("cpu", "float16", True, 2, 64))
    assert len(received) == count + 1
    assert received[-1] == DeviceSelection("cpu", "float16", True, 2, 64)

    picker.set_selection(DeviceSelection("cpu", "float16", True, 2, 64))  # nothing new
    assert len(received) == count + 1

    picker.runtime_combo.setCurrentIndex(0)
    assert received[-1].compile is False and received[-1].runtime == "eager"


def test_no_gpu_shows_a_disabled_entry(qtbot) -> None:  # type: ignore[no-untyped-def]
    picker = DevicePicker([fake_cpu()])
    qtbot.addWidget(picker)
    combo = picker.device_combo
    assert combo.count() == 2
    assert combo.itemText(1) == "No CUDA GPU found on this computer"
    assert not _item_enabled(picker, 1) and _item_enabled(picker, 0)
    assert combo.model().item(1).data(DEVICE_ROLE) is None  # type: ignore[attr-defined]
    assert "NVIDIA" in combo.itemData(1, Qt.ItemDataRole.ToolTipRole)
    assert picker.selection().device == "cpu"

    without = DevicePicker([fake_cpu()], unavailable=[])
    qtbot.addWidget(without)
    assert without.device_combo.count() == 1

    with_gpu = DevicePicker([fake_cpu(), fake_gpu()])
    qtbot.addWidget(with_gpu)
    assert with_gpu.device_combo.count() == 2 and _item_enabled(with_gpu, 1)


def test_compile_unavailable_greys_the_compiled_runtime(qtbot) -> None:  # type: ignore[no-untyped-def]
    reason = "torch.compile needs a C++ compiler, and none was found."
    picker = DevicePicker([fake_cpu()], compile_available=False, compile_reason=reason)
    qtbot.addWidget(picker)
    assert not picker.is_runtime_enabled("compiled")
    assert picker.runtime_tooltip("compiled") == reason
    picker.set_selection(DeviceSelection("cpu", "float32", True, 2, 1))
    assert picker.selection().compile is False
    assert picker.selection().runtime == "eager"

    picker.set_compile_available(True)
    assert picker.is_runtime_enabled("compiled")
    assert "optimised code" in picker.runtime_tooltip("compiled")
    # The compile the user asked for comes back once the runtime can serve it.
    assert picker.selection().runtime == "compiled" and picker.selection().compile


# --- runtimes --------------------------------------------------------------------------


def test_compile_and_runtime_are_one_choice() -> None:
    assert DeviceSelection(compile=True).runtime == "compiled"
    assert DeviceSelection(runtime="compiled").compile is True
    assert DeviceSelection(runtime="onnxruntime", compile=True).compile is False
    assert DeviceSelection("cpu", "float32", True, 4, 1) == DeviceSelection(
        "cpu", "float32", False, 4, 1, runtime="compiled")


def test_runtimes_match_the_engine() -> None:
    assert tuple(availability.RUNTIMES) == RUNTIMES


def test_runtimes_follow_the_device(qtbot) -> None:  # type: ignore[no-untyped-def]
    asked: list[str] = []
    no_cuda = "ONNX Runtime here has no CUDAExecutionProvider (it is the CPU build)."

    def reasons(device: str) -> dict[str, str | None]:
        asked.append(device)
        gpu = device.startswith("cuda")
        return {"eager": None, "compiled": None, "onnxruntime": no_cuda if gpu else None}

    picker = DevicePicker([fake_cpu(), fake_gpu()], runtime_reasons=reasons)
    qtbot.addWidget(picker)
    texts = [picker.runtime_combo.itemText(row) for row in range(picker.runtime_combo.count())]
    assert texts == ["PyTorch eager", "torch.compile", "ONNX Runtime"]
    assert picker.is_runtime_enabled("onnxruntime")
    picker.set_selection(DeviceSelection("cpu", "bfloat16", False, 4, 1))
    picker.runtime_combo.setCurrentIndex(2)
    selection = picker.selection()
    assert selection.runtime == "onnxruntime" and not selection.compile
    assert selection.dtype == "float32"  # ONNX Runtime times the float32 export
    assert not picker.is_dtype_enabled("bfloat16")
    assert "float32 export" in picker.dtype_tooltip("bfloat16")

    picker.device_combo.setCurrentIndex(1)  # the GPU: asked again, greyed with the reason
    assert asked[-1] == "cuda:0"
    assert not picker.is_runtime_enabled("onnxruntime")
    assert picker.runtime_tooltip("onnxruntime") == no_cuda
    assert picker.selection().runtime == "eager"
    assert picker.is_dtype_enabled("float16")

    picker.device_combo.setCurrentIndex(0)  # back on the CPU: the user's choice comes back
    assert picker.selection().runtime == "onnxruntime"


@pytest.fixture
def onnxruntime_missing(monkeypatch):  # type: ignore[no-untyped-def]
    """Make ``import onnxruntime`` fail, as on a computer without the onnx extra."""
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    availability.reset_cache()
    yield
    availability.reset_cache()


def test_onnxruntime_missing_is_greyed_with_the_engines_reason(  # type: ignore[no-untyped-def]
        qtbot, onnxruntime_missing) -> None:
    picker = DevicePicker([fake_cpu()])
    qtbot.addWidget(picker)
    assert picker.is_runtime_enabled("eager") and picker.is_runtime_enabled("compiled")
    assert not picker.is_runtime_enabled("onnxruntime")
    reason = availability.runtime_unavailable("onnxruntime", "cpu")
    assert reason and "ONNX Runtime is not installed" in reason
    assert picker.runtime_tooltip("onnxruntime") == reason
    picker.set_selection(DeviceSelection("cpu", runtime="onnxruntime"))
    assert picker.selection().runtime == "eager"


def test_from_engine_lists_this_computer(qtbot) -> None:  # type: ignore[no-untyped-def]
    picker = DevicePicker.from_engine()
    qtbot.addWidget(picker)
    assert picker.devices()[0].kind == "cpu"
    assert picker.selection().device == "cpu"


def test_minimum_size_and_image(qtbot, picker: DevicePicker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    minimum = picker.minimumSizeHint()
    assert 0 < minimum.width() <= 1000  # fits a toolbar row of an ordinary window
    assert 0 < minimum.height() <= 48
    picker.resize(minimum)
    qtbot.wait(1)
    image = picker.grab()
    assert not image.isNull()
    path = tmp_path / "device_picker.png"
    assert image.save(str(path))
    assert path.stat().st_size > 0
