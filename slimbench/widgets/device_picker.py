"""A toolbar row for choosing where and how a model runs: device, number format, runtime
(PyTorch eager, torch.compile or ONNX Runtime), CPU threads and batch size.

The picker only displays the engine's :class:`DeviceInfo` records and reports the user's
choice through ``selection_changed``; it never runs anything on a device. Choices a device
cannot honour (a number format it lacks, threads on a GPU, a runtime that cannot serve it)
stay visible but greyed, with a tooltip that says why.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QCoreApplication, QSize, Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSpinBox,
    QWidget,
)

from slimbench.engine.devices import DeviceInfo, list_devices
from slimbench.widgets.formatting import format_bytes

#: The number formats offered, in menu order.
DTYPES = ("float32", "bfloat16", "float16")
#: CUDA compute capability from which a GPU has fast bfloat16 (Ampere).
BF16_MIN_CAPABILITY = (8, 0)
MAX_BATCH_SIZE = 65536

#: The :class:`DeviceInfo` behind a device entry (None for an unavailable one).
DEVICE_ROLE = int(Qt.ItemDataRole.UserRole) + 1
#: The dtype name behind a dtype entry.
DTYPE_ROLE = int(Qt.ItemDataRole.UserRole) + 2
#: The runtime name behind a runtime entry.
RUNTIME_ROLE = int(Qt.ItemDataRole.UserRole) + 3

EAGER = "eager"
COMPILED = "compiled"
ONNXRUNTIME = "onnxruntime"
#: The runtimes offered, in menu order; names as ``slimbench bench --runtime`` takes them
#: (the engine's ``runtimes.RUNTIMES``).
RUNTIMES = (EAGER, COMPILED, ONNXRUNTIME)
#: The only number format ONNX Runtime runs: it times the float32 export.
ONNXRUNTIME_DTYPE = "float32"

#: A memory size already in a GPU's name, which then needs no second one in brackets.
_SIZE_IN_NAME = re.compile(r"\d\s*[GT]i?B\b", re.IGNORECASE)

_ENABLED = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


@dataclass
class DeviceSelection:
    """What the user picked; ``device`` is a :attr:`DeviceInfo.name` (what ``--device`` takes).

    ``threads`` is None on a GPU, where it does not apply. ``runtime`` is one of
    :data:`RUNTIMES`; ``compile`` is the older spelling of the compiled runtime and always
    agrees with it (``compile=True`` with the eager runtime means compiled).
    """

    device: str = "cpu"
    dtype: str = "float32"
    compile: bool = False
    threads: int | None = None
    batch_size: int = 1
    runtime: str = EAGER

    def __post_init__(self) -> None:
        # Two fields for one choice must never disagree: the runtime wins unless it was
        # left at its default by someone who only knew about compile.
        if self.compile and self.runtime == EAGER:
            self.runtime = COMPILED
        self.compile = self.runtime == COMPILED


# --- plain-language text ----------------------------------------------------------------


def _memory_text(value: int | None) -> str:
    """GPU and system memory the way it is sold: whole gigabytes from 10 GB up."""
    if value is None:
        return ""
    gib = value / (1 << 30)
    if gib >= 10:
        return QCoreApplication.translate("DevicePicker", "{count} GB").format(count=round(gib))
    return format_bytes(value)


def device_label(info: DeviceInfo) -> str:
    """``CPU — AMD EPYC (2 threads)``, ``GPU 0 — NVIDIA H100 (80 GB)``."""
    if info.kind == "cpu":
        threads = info.threads or info.cores
        if threads:
            return QCoreApplication.translate(
                "DevicePicker", "CPU — {name} ({count} threads)"
            ).format(name=info.description, count=threads)
        return QCoreApplication.translate("DevicePicker", "CPU — {name}").format(
            name=info.description
        )
    if info.kind == "cuda":
        index = info.name.partition(":")[2] or "0"
        memory = _memory_text(info.memory_bytes)
        if memory and not _SIZE_IN_NAME.search(info.description):  # "NVIDIA H100 80GB HBM3"
            return QCoreApplication.translate(
                "DevicePicker", "GPU {index} — {name} ({memory})"
            ).format(index=index, name=info.description, memory=memory)
        return QCoreApplication.translate("DevicePicker", "GPU {index} — {name}").format(
            index=index, name=info.description
        )
    if info.kind == "mps":
        return QCoreApplication.translate("DevicePicker", "GPU — {name}").format(
            name=info.description
        )
    return f"{info.name} — {info.description}"


def device_tooltip(info: DeviceInfo) -> str:
    """A few sentences about a device for someone who does not know the jargon."""
    lines: list[str] = []
    if info.kind == "cpu":
        lines.append(QCoreApplication.translate("DevicePicker", "The computer's main processor."))
        if info.cores:
            lines.append(
                QCoreApplication.translate(
                    "DevicePicker", "It can run {count} threads at once."
                ).format(count=info.cores)
            )
        if info.memory_bytes:
            lines.append(
                QCoreApplication.translate("DevicePicker", "System memory: {memory}.").format(
                    memory=_memory_text(info.memory_bytes)
                )
            )
        fast = [flag for flag in info.features if not flag.startswith("torch:")]
        if fast:
            lines.append(
                QCoreApplication.translate(
                    "DevicePicker", "Special instructions that speed up models: {names}."
                ).format(names=", ".join(fast))
            )
    elif info.kind == "cuda":
        lines.append(
            QCoreApplication.translate(
                "DevicePicker",
                "A graphics card (NVIDIA GPU); usually much faster than the processor.",
            )
        )
        if info.memory_bytes:
            lines.append(
                QCoreApplication.translate("DevicePicker", "Its own memory: {memory}.").format(
                    memory=_memory_text(info.memory_bytes)
                )
            )
        if info.compute_capability:
            lines.append(
                QCoreApplication.translate(
                    "DevicePicker", "Compute capability {version} (its hardware generation)."
                ).format(version=info.compute_capability)
            )
    elif info.kind == "mps":
        lines.append(
            QCoreApplication.translate(
                "DevicePicker", "The Apple graphics processor, used through Metal."
            )
        )
    lines.append(
        QCoreApplication.translate(
            "DevicePicker", "Device name for the command line: {name}"
        ).format(name=info.name)
    )
    return "\n".join(lines)


def dtype_tooltip(dtype: str) -> str:
    """What a number format means, in one or two sentences."""
    texts = {
        "float32": QCoreApplication.translate(
            "DevicePicker",
            "Full precision: 4 bytes per number. The safe default that every device supports.",
        ),
        "bfloat16": QCoreApplication.translate(
            "DevicePicker",
            "Half the memory of float32 with the same range of values, slightly less precise. "
            "Much faster on recent processors and GPUs.",
        ),
        "float16": QCoreApplication.translate(
            "DevicePicker",
            "Half the memory of float32 and more precise than bfloat16, but very large or "
            "very small values can overflow. Fast on most GPUs.",
        ),
    }
    return texts.get(dtype, dtype)


def runtime_label(runtime: str) -> str:
    """The name of a runtime as the picker and the charts show it."""
    labels = {
        EAGER: QCoreApplication.translate("DevicePicker", "PyTorch eager"),
        COMPILED: QCoreApplication.translate("DevicePicker", "torch.compile"),
        ONNXRUNTIME: QCoreApplication.translate("DevicePicker", "ONNX Runtime"),
    }
    return labels.get(runtime, runtime)


def runtime_short_label(runtime: str) -> str:
    """A runtime's name short enough to stand under a narrow bar of a chart."""
    labels = {
        EAGER: QCoreApplication.translate("DevicePicker", "eager", "short for PyTorch eager"),
        COMPILED: QCoreApplication.translate("DevicePicker", "compile", "short for torch.compile"),
        ONNXRUNTIME: QCoreApplication.translate("DevicePicker", "ORT", "short for ONNX Runtime"),
    }
    return labels.get(runtime, runtime)


def runtime_tooltip(runtime: str) -> str:
    """What a runtime does, in one or two sentences."""
    texts = {
        EAGER: QCoreApplication.translate(
            "DevicePicker",
            "Runs the model's own PyTorch code step by step: no waiting before the first "
            "run, and the reference the other runtimes are compared with.",
        ),
        COMPILED: QCoreApplication.translate(
            "DevicePicker",
            "Turns the model into optimised code the first time it runs (torch.compile): "
            "slower first run, often faster afterwards.",
        ),
        ONNXRUNTIME: QCoreApplication.translate(
            "DevicePicker",
            "Exports the model to ONNX and runs it with ONNX Runtime, the engine many apps "
            "ship with; often the fastest on processors. It runs float32 only.",
        ),
    }
    return texts.get(runtime, runtime)


def engine_runtime_reasons(device: str) -> dict[str, str | None]:
    """The engine's answer: for each runtime, None when it can serve ``device``, else why not.

    Imported here rather than at the top so that importing the picker stays cheap; the engine
    never imports onnxruntime just to be asked, and remembers its answers.
    """
    from slimbench.engine.runtimes import availability

    return availability.available_runtimes(device or "cpu")


def unsupported_dtype_reason(info: DeviceInfo, dtype: str) -> str:
    """Why ``info`` does not offer ``dtype``, in words a user understands."""
    if info.kind == "cuda" and dtype == "bfloat16":
        needed = ".".join(str(part) for part in BF16_MIN_CAPABILITY)
        if info.compute_capability:
            return QCoreApplication.translate(
                "DevicePicker",
                "This GPU has no fast bfloat16 (needs compute capability {needed}; "
                "this one has {actual}).",
            ).format(needed=needed, actual=info.compute_capability)
        return QCoreApplication.translate(
            "DevicePicker", "This GPU has no fast bfloat16 (needs compute capability {needed})."
        ).format(needed=needed)
    if info.kind == "cpu":
        return QCoreApplication.translate(
            "DevicePicker", "This processor does not support {dtype}."
        ).format(dtype=dtype)
    return QCoreApplication.translate(
        "DevicePicker", "This device does not support {dtype}."
    ).format(dtype=dtype)


def _has_gpu(devices: Sequence[DeviceInfo]) -> bool:
    return any(info.kind in ("cuda", "mps") for info in devices)


# --- the widget --------------------------------------------------------------------------


class DevicePicker(QWidget):
    """Device, runtime, number format, threads and batch size in one compact row.

    ``unavailable`` lists devices to show greyed out, as ``(label, reason)`` pairs. When the
    device list holds no GPU and ``unavailable`` is not given, one greyed entry says that no
    CUDA GPU was found (pass ``unavailable=[]`` to leave it out).

    ``runtime_reasons(device)`` says for each runtime None when it can serve ``device``, else
    why not; it is asked again whenever the device changes (default: the engine's
    :func:`engine_runtime_reasons`). ``compile_available=False`` greys the torch.compile
    runtime out whatever the engine says, with ``compile_reason``.
    """

    #: Emitted with the new :class:`DeviceSelection` whenever any choice changes.
    selection_changed = Signal(object)

    def __init__(
        self,
        devices: Sequence[DeviceInfo],
        parent: QWidget | None = None,
        *,
        compile_available: bool = True,
        compile_reason: str = "",
        unavailable: Sequence[tuple[str, str]] | None = None,
        runtime_reasons: Callable[[str], dict[str, str | None]] | None = None,
    ) -> None:
        super().__init__(parent)
        self._devices: list[DeviceInfo] = []
        self._unavailable: list[tuple[str, str]] | None = (
            None if unavailable is None else list(unavailable)
        )
        self._cpu_threads: int | None = None  # remembered while a GPU is chosen
        self._updating = False
        self._constructed = False  # no signals until every control exists
        self._compile_available = compile_available
        self._compile_reason = compile_reason
        self._runtime_reasons = runtime_reasons or engine_runtime_reasons
        # The runtime the user chose, given back when a device that can serve it returns.
        self._wanted_runtime = EAGER
        self._last: DeviceSelection | None = None

        self.device_label = QLabel(QCoreApplication.translate("DevicePicker", "Device:"), self)
        self.device_combo = QComboBox(self)
        self.device_combo.setObjectName("deviceCombo")
        self._device_model = QStandardItemModel(self.device_combo)
        self.device_combo.setModel(self._device_model)
        self.device_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.device_combo.setMinimumContentsLength(16)
        self.device_combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.device_label.setBuddy(self.device_combo)

        self.dtype_label = QLabel(QCoreApplication.translate("DevicePicker", "Precision:"), self)
        self.dtype_combo = QComboBox(self)
        self.dtype_combo.setObjectName("dtypeCombo")
        self._dtype_model = QStandardItemModel(self.dtype_combo)
        self.dtype_combo.setModel(self._dtype_model)
        for dtype in DTYPES:
            item = QStandardItem(dtype)
            item.setData(dtype, DTYPE_ROLE)
            item.setToolTip(dtype_tooltip(dtype))
            item.setFlags(_ENABLED)
            self._dtype_model.appendRow(item)
        self.dtype_label.setBuddy(self.dtype_combo)
        precision_help = QCoreApplication.translate(
            "DevicePicker",
            "How numbers are stored while the model runs. Smaller formats use less memory "
            "and are often faster, at a small cost in accuracy.",
        )
        self.dtype_label.setToolTip(precision_help)

        # One choice for how the model runs: torch.compile is a runtime beside eager and
        # ONNX Runtime, not a separate switch that could contradict it.
        self.runtime_label = QLabel(QCoreApplication.translate("DevicePicker", "Runtime:"), self)
        self.runtime_combo = QComboBox(self)
        self.runtime_combo.setObjectName("runtimeCombo")
        self._runtime_model = QStandardItemModel(self.runtime_combo)
        self.runtime_combo.setModel(self._runtime_model)
        for runtime in RUNTIMES:
            item = QStandardItem(runtime_label(runtime))
            item.setData(runtime, RUNTIME_ROLE)
            item.setToolTip(runtime_tooltip(runtime))
            item.setFlags(_ENABLED)
            self._runtime_model.appendRow(item)
        self.runtime_label.setBuddy(self.runtime_combo)
        self.runtime_label.setToolTip(
            QCoreApplication.translate(
                "DevicePicker",
                "What runs the model when you benchmark it, and what times it before and "
                "after pruning, quantization and distillation (a quantization's own Compile "
                "box decides while this says eager). Greyed-out runtimes cannot serve the "
                "chosen device: hover over one to read why.",
            )
        )

        self.threads_label = QLabel(QCoreApplication.translate("DevicePicker", "Threads:"), self)
        self.threads_spin = QSpinBox(self)
        self.threads_spin.setObjectName("threadsSpin")
        self.threads_spin.setAccelerated(True)
        self.threads_spin.setMinimumWidth(
            self.threads_spin.fontMetrics().horizontalAdvance("888") + 32
        )
        self.threads_label.setBuddy(self.threads_spin)

        self.batch_label = QLabel(QCoreApplication.translate("DevicePicker", "Batch size:"), self)
        self.batch_spin = QSpinBox(self)
        self.batch_spin.setObjectName("batchSpin")
        self.batch_spin.setRange(1, MAX_BATCH_SIZE)
        self.batch_spin.setValue(1)
        self.batch_spin.setAccelerated(True)
        batch_help = QCoreApplication.translate(
            "DevicePicker",
            "How many inputs the model handles at once. Bigger batches usually get through "
            "more inputs per second, but each one takes longer and uses more memory.",
        )
        self.batch_spin.setToolTip(batch_help)
        self.batch_label.setToolTip(batch_help)
        self.batch_label.setBuddy(self.batch_spin)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        groups: list[tuple[QWidget, ...]] = [
            (self.device_label, self.device_combo),
            (self.runtime_label, self.runtime_combo),
            (self.dtype_label, self.dtype_combo),
            (self.threads_label, self.threads_spin),
            (self.batch_label, self.batch_spin),
        ]
        for number, group in enumerate(groups):
            if number:
                layout.addSpacing(8)
            for widget in group:
                layout.addWidget(widget, 1 if widget is self.device_combo else 0)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

        self.set_devices(devices)

        self.device_combo.currentIndexChanged.connect(self._on_device_changed)
        self.dtype_combo.currentIndexChanged.connect(self._emit_if_changed)
        self.runtime_combo.currentIndexChanged.connect(self._on_runtime_changed)
        self.threads_spin.valueChanged.connect(self._on_threads_changed)
        self.batch_spin.valueChanged.connect(self._emit_if_changed)
        self._constructed = True
        self._last = self.selection()

    @classmethod
    def from_engine(cls, parent: QWidget | None = None, **kwargs: Any) -> DevicePicker:
        """A picker over the devices of this computer (``list_devices()``).

        Note that listing CUDA GPUs initialises CUDA in the calling process.
        """
        return cls(list_devices(), parent, **kwargs)

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(hint.width() + 120, hint.height())  # room for long GPU names

    # -- public API

    def devices(self) -> list[DeviceInfo]:
        return list(self._devices)

    def set_devices(self, devices: Sequence[DeviceInfo]) -> None:
        """Replace the device list, keeping the current choices where they still apply."""
        previous = self.selection() if self._devices else None
        self._devices = list(devices)
        self._updating = True
        try:
            self._device_model.clear()
            for info in self._devices:
                item = QStandardItem(device_label(info))
                item.setData(info, DEVICE_ROLE)
                item.setToolTip(device_tooltip(info))
                item.setFlags(_ENABLED)
                self._device_model.appendRow(item)
            unavailable = self._unavailable
            if unavailable is None:
                unavailable = (
                    []
                    if _has_gpu(self._devices)
                    else [
                        (
                            QCoreApplication.translate(
                                "DevicePicker", "No CUDA GPU found on this computer"
                            ),
                            QCoreApplication.translate(
                                "DevicePicker",
                                "PyTorch sees no NVIDIA graphics card here, or this copy of "
                                "PyTorch was built without GPU support. Models run on the "
                                "processor (CPU).",
                            ),
                        )
                    ]
                )
            for label, reason in unavailable:
                item = QStandardItem(label)
                item.setData(None, DEVICE_ROLE)
                item.setToolTip(reason)
                item.setFlags(Qt.ItemFlag.NoItemFlags)
                self._device_model.appendRow(item)
            cpu = next((info for info in self._devices if info.kind == "cpu"), None)
            if self._cpu_threads is None and cpu is not None:
                self._cpu_threads = cpu.threads or cpu.cores or 1
            self.device_combo.setCurrentIndex(0 if self._devices else -1)
            self._apply_device()
            if previous is not None:
                self._apply_selection(previous)
        finally:
            self._updating = False
        self._emit_if_changed()

    def current_device(self) -> DeviceInfo | None:
        """The chosen device's record, None when the list is empty."""
        info = self.device_combo.currentData(DEVICE_ROLE)
        return info if isinstance(info, DeviceInfo) else None

    def selection(self) -> DeviceSelection:
        info = self.current_device()
        threads = self.threads_spin.value() if info is not None and info.kind == "cpu" else None
        runtime = self.runtime_combo.currentData(RUNTIME_ROLE) or EAGER
        if not self.is_runtime_enabled(runtime):
            runtime = EAGER
        return DeviceSelection(
            device=info.name if info is not None else "",
            dtype=self.dtype_combo.currentData(DTYPE_ROLE) or DTYPES[0],
            threads=threads,
            batch_size=self.batch_spin.value(),
            runtime=runtime,
        )

    def set_selection(self, selection: DeviceSelection) -> None:
        """Show ``selection``; a part that no longer fits is replaced by the nearest valid one.

        A device that is not in the list keeps the current device; a number format the device
        lacks becomes float32; threads and batch size are clamped to their ranges. Read
        :meth:`selection` afterwards to see what was applied. Emits ``selection_changed``
        once, if anything changed.
        """
        self._updating = True
        try:
            self._apply_selection(selection)
        finally:
            self._updating = False
        self._emit_if_changed()

    def set_compile_available(self, available: bool, reason: str = "") -> None:
        """Grey out the torch.compile runtime, with ``reason`` as its tooltip, where compile
        cannot run (the engine's own answer still applies when ``available``)."""
        self._compile_available = available
        self._compile_reason = reason
        self._updating = True
        try:
            self._apply_device()
        finally:
            self._updating = False
        self._emit_if_changed()

    def refresh_runtimes(self) -> None:
        """Ask again which runtimes can serve the chosen device (after an install, say)."""
        self.set_compile_available(self._compile_available, self._compile_reason)

    def is_runtime_enabled(self, runtime: str) -> bool:
        row = self._runtime_row(runtime)
        if row < 0:
            return False
        return bool(self._runtime_model.item(row).flags() & Qt.ItemFlag.ItemIsEnabled)

    def runtime_tooltip(self, runtime: str) -> str:
        """The tooltip of ``runtime``'s entry now (what it does, or why it is greyed out)."""
        row = self._runtime_row(runtime)
        return self._runtime_model.item(row).toolTip() if row >= 0 else ""

    def is_dtype_enabled(self, dtype: str) -> bool:
        row = self._dtype_row(dtype)
        if row < 0:
            return False
        return bool(self._dtype_model.item(row).flags() & Qt.ItemFlag.ItemIsEnabled)

    def dtype_tooltip(self, dtype: str) -> str:
        """The tooltip of ``dtype``'s entry now (its meaning, or why it is greyed out)."""
        row = self._dtype_row(dtype)
        return self._dtype_model.item(row).toolTip() if row >= 0 else ""

    # -- internals

    def _apply_selection(self, selection: DeviceSelection) -> None:
        for row in range(self._device_model.rowCount()):
            info = self._device_model.item(row).data(DEVICE_ROLE)
            if isinstance(info, DeviceInfo) and info.name == selection.device:
                self.device_combo.setCurrentIndex(row)
                break
        self._apply_device()
        row = self._runtime_row(selection.runtime)
        if row >= 0:
            self._wanted_runtime = selection.runtime
        if row >= 0 and self.is_runtime_enabled(selection.runtime):
            self.runtime_combo.setCurrentIndex(row)
        else:
            self._choose_enabled_runtime(fallback=True)
        self._apply_dtypes()
        if selection.threads is not None:
            cpu = next((info for info in self._devices if info.kind == "cpu"), None)
            top = (cpu.cores or selection.threads) if cpu is not None else selection.threads
            self._cpu_threads = max(1, min(selection.threads, top))
            if self._is_cpu():
                self.threads_spin.setValue(self._cpu_threads)
        row = self._dtype_row(selection.dtype)
        if row >= 0 and self.is_dtype_enabled(selection.dtype):
            self.dtype_combo.setCurrentIndex(row)
        else:
            self._choose_enabled_dtype(fallback=True)
        self.batch_spin.setValue(max(1, min(selection.batch_size, MAX_BATCH_SIZE)))

    def _apply_device(self) -> None:
        """Fit the runtime and dtype entries and the threads box to the chosen device."""
        info = self.current_device()
        self._apply_runtimes()
        self._apply_dtypes()

        self.threads_spin.blockSignals(True)
        try:
            if info is not None and info.kind == "cpu":
                top = max(1, info.cores or info.threads or 1)
                self.threads_spin.setSpecialValueText("")
                self.threads_spin.setRange(1, top)
                self.threads_spin.setValue(min(self._cpu_threads or top, top))
                threads_apply = True
                tooltip = QCoreApplication.translate(
                    "DevicePicker",
                    "How many of the processor's threads the model may use (1 to {count}). "
                    "More is usually faster, until other programs compete for them.",
                ).format(count=top)
            else:
                self.threads_spin.setRange(0, 0)
                self.threads_spin.setSpecialValueText("—")
                threads_apply = False
                tooltip = QCoreApplication.translate(
                    "DevicePicker",
                    "Only used when running on the processor (CPU): a GPU decides by itself "
                    "how to spread the work.",
                )
        finally:
            self.threads_spin.blockSignals(False)
        self.threads_spin.setEnabled(threads_apply)
        self.threads_label.setEnabled(threads_apply)
        self.threads_spin.setToolTip(tooltip)
        self.threads_label.setToolTip(tooltip)
        self.device_combo.setToolTip(device_tooltip(info) if info is not None else "")

    def _apply_runtimes(self) -> None:
        """Grey out the runtimes that cannot serve the chosen device, each with its reason."""
        info = self.current_device()
        reasons = self._runtime_reasons(info.name) if info is not None else {}
        for row in range(self._runtime_model.rowCount()):
            item = self._runtime_model.item(row)
            runtime = item.data(RUNTIME_ROLE)
            reason = reasons.get(runtime)
            if runtime == COMPILED and not self._compile_available:
                reason = self._compile_reason or QCoreApplication.translate(
                    "DevicePicker", "torch.compile cannot run on this computer."
                )
            item.setFlags(Qt.ItemFlag.NoItemFlags if reason else _ENABLED)
            item.setToolTip(reason or runtime_tooltip(runtime))
        self._choose_enabled_runtime(fallback=False)
        current = self.runtime_combo.currentData(RUNTIME_ROLE)
        self.runtime_combo.setToolTip(self.runtime_tooltip(current) if current else "")

    def _apply_dtypes(self) -> None:
        """Grey out the number formats the device lacks, and all but float32 on ONNX Runtime."""
        info = self.current_device()
        onnx = self.runtime_combo.currentData(RUNTIME_ROLE) == ONNXRUNTIME
        for row in range(self._dtype_model.rowCount()):
            item = self._dtype_model.item(row)
            dtype = item.data(DTYPE_ROLE)
            supported = info is not None and dtype in info.dtypes
            runs = not onnx or dtype == ONNXRUNTIME_DTYPE
            item.setFlags(_ENABLED if supported and runs else Qt.ItemFlag.NoItemFlags)
            if info is not None and not supported:
                item.setToolTip(unsupported_dtype_reason(info, dtype))
            elif not runs:
                item.setToolTip(QCoreApplication.translate(
                    "DevicePicker",
                    "ONNX Runtime times the float32 export of the model; pick PyTorch eager or "
                    "torch.compile to run it in {dtype}.",
                ).format(dtype=dtype))
            else:
                item.setToolTip(dtype_tooltip(dtype))
        self._choose_enabled_dtype(fallback=False)
        current = self.dtype_combo.currentData(DTYPE_ROLE)
        self.dtype_combo.setToolTip(
            self._dtype_model.item(self._dtype_row(current)).toolTip() if current else ""
        )

    def _choose_enabled_runtime(self, fallback: bool) -> None:
        """Move off a greyed-out runtime, back to the one the user chose where it runs again;
        with ``fallback``, also when none is chosen."""
        if not fallback and self.is_runtime_enabled(self._wanted_runtime):
            self.runtime_combo.setCurrentIndex(self._runtime_row(self._wanted_runtime))
            return
        current = self.runtime_combo.currentData(RUNTIME_ROLE)
        if current is not None and self.is_runtime_enabled(current) and not fallback:
            return
        for runtime in RUNTIMES:  # eager first: it always runs
            if self.is_runtime_enabled(runtime):
                self.runtime_combo.setCurrentIndex(self._runtime_row(runtime))
                return

    def _runtime_row(self, runtime: str | None) -> int:
        for row in range(self._runtime_model.rowCount()):
            if self._runtime_model.item(row).data(RUNTIME_ROLE) == runtime:
                return row
        return -1

    def _on_runtime_changed(self, _row: int) -> None:
        if self._updating:
            return
        self._wanted_runtime = self.runtime_combo.currentData(RUNTIME_ROLE) or EAGER
        self._updating = True
        try:
            self._apply_dtypes()
            current = self.runtime_combo.currentData(RUNTIME_ROLE)
            self.runtime_combo.setToolTip(self.runtime_tooltip(current) if current else "")
        finally:
            self._updating = False
        self._emit_if_changed()

    def _choose_enabled_dtype(self, fallback: bool) -> None:
        """Move off a greyed-out dtype; with ``fallback``, also when none is chosen."""
        current = self.dtype_combo.currentData(DTYPE_ROLE)
        if current is not None and self.is_dtype_enabled(current) and not fallback:
            return
        for dtype in DTYPES:
            if self.is_dtype_enabled(dtype):
                self.dtype_combo.setCurrentIndex(self._dtype_row(dtype))
                return

    def _dtype_row(self, dtype: str | None) -> int:
        for row in range(self._dtype_model.rowCount()):
            if self._dtype_model.item(row).data(DTYPE_ROLE) == dtype:
                return row
        return -1

    def _is_cpu(self) -> bool:
        info = self.current_device()
        return info is not None and info.kind == "cpu"

    def _on_device_changed(self, _row: int) -> None:
        if self._updating:
            return
        self._updating = True
        try:
            self._apply_device()
        finally:
            self._updating = False
        self._emit_if_changed()

    def _on_threads_changed(self, value: int) -> None:
        if self._is_cpu():
            self._cpu_threads = value
        self._emit_if_changed()

    def _emit_if_changed(self, *_args: object) -> None:
        if self._updating or not self._constructed:
            return
        current = self.dtype_combo.currentData(DTYPE_ROLE)
        if current is not None:
            self.dtype_combo.setToolTip(self.dtype_tooltip(current))
        selection = self.selection()
        if selection != self._last:
            self._last = selection
            self.selection_changed.emit(selection)
