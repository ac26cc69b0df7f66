"""The runtime picked beside the device measures compression jobs too (issue 11): a
quantization started from the window times before and after on ONNX Runtime when that is
the runtime picked, and the variants table and the summary say so."""

from __future__ import annotations

import importlib.util

import pytest

pytest.importorskip("PySide6")

from slimbench.widgets.device_picker import RUNTIME_ROLE

SLOW = 120_000
needs_onnxruntime = pytest.mark.skipif(
    importlib.util.find_spec("onnxruntime") is None or importlib.util.find_spec("onnx") is None,
    reason="onnxruntime (the onnx extra) is not installed",
)


@needs_onnxruntime
def test_quantization_is_measured_on_the_runtime_picked(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(window.model_ready, timeout=SLOW):
        window.open_model("zoo:mlp-cancer")
    original = window.current
    combo = window.picker.runtime_combo
    combo.setCurrentIndex(combo.findData("onnxruntime", RUNTIME_ROLE))
    assert window.picker.selection().runtime == "onnxruntime"

    # torchao's weight-only int8 exports to ONNX, so the result runs there as well.
    options = window.compress.options("quantize")
    options.update(scheme="int8-weight-only", compile=False, auto_skip=0)
    record = window.run_compression("quantize", options)
    qtbot.waitUntil(lambda: record.is_finished, timeout=SLOW)
    assert record.state == "done", record.error
    qtbot.waitUntil(lambda: len(window.workspace) == 2 and all(
        v.inspection is not None for v in window.workspace), timeout=SLOW)

    child = list(window.workspace)[1]
    assert child.parent == original.id
    document = child.compression
    assert document["before"]["runtime"] == document["after"]["runtime"] == "onnxruntime"
    assert document["runtime"] == document["runtime_asked"] == "onnxruntime"
    assert any("Exported to ONNX" in note for note in child.notes)
    row = next(r for r in range(window.variants.rowCount())
               if window.variants.item(r, 0).text() == child.name)
    latency = window.variants.item(row, 4)
    assert latency.text().endswith("ms") and "ONNX Runtime" in latency.toolTip()

    window.variants.selectRow(row)
    assert window.current is child
    assert "ONNX Runtime" in window.model_summary.text()


def test_the_default_eager_runtime_leaves_compiling_to_the_quantize_panel(  # type: ignore[no-untyped-def]
        window, qtbot, monkeypatch) -> None:
    """The picker starts on eager; a quantization with the panel's Compile box ticked must
    still compile (eager would send int8-dynamic to the legacy kernels), and an explicit
    ONNX Runtime choice in the picker still wins."""
    with qtbot.waitSignal(window.model_ready, timeout=SLOW):
        window.open_model("zoo:mlp-cancer")
    from slimbench.engine import quantize

    configs = []
    monkeypatch.setattr(quantize, "quantize_job",
                        lambda handle, config: configs.append(config) or iter(()))
    assert window.picker.selection().runtime == "eager"
    options = window.compress.options("quantize")
    options.update(scheme="int8-dynamic", compile=True)
    window.run_compression("quantize", options)
    combo = window.picker.runtime_combo
    combo.setCurrentIndex(combo.findData("onnxruntime", RUNTIME_ROLE))
    window.run_compression("quantize", dict(options, scheme="ort-int8-dynamic", compile=False))
    qtbot.waitUntil(lambda: len(configs) == 2, timeout=SLOW)
    assert (configs[0].runtime, configs[0].compile) == (None, True)
    assert configs[1].runtime == "onnxruntime"
