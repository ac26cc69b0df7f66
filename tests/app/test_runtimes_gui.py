"""The window's side of runtimes as a choice (issue 11): the runtime picker greys out what
cannot run, a benchmark runs on the runtime picked, an ONNX Runtime quantization from the
panel makes a variant that the tree, the benchmark and Save handle, and the Before/After chart
shows the runtimes of one variant side by side."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

pytest.importorskip("PySide6")

from slimbench.app import main_window as main_window_module
from slimbench.app.main_window import _bench_config
from slimbench.engine.loading import load_model
from slimbench.engine.runtimes import availability
from slimbench.widgets.compression_panel import ORT_SCHEMES
from slimbench.widgets.device_picker import RUNTIME_ROLE

SLOW = 120_000
needs_onnxruntime = pytest.mark.skipif(
    importlib.util.find_spec("onnxruntime") is None or importlib.util.find_spec("onnx") is None,
    reason="onnxruntime (the onnx extra) is not installed",
)




def _open(window, qtbot, spec: str) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(window.model_ready, timeout=SLOW):
        window.open_model(spec)


def _pick_runtime(window, runtime: str) -> None:  # type: ignore[no-untyped-def]
    combo = window.picker.runtime_combo
    combo.setCurrentIndex(combo.findData(runtime, RUNTIME_ROLE))
    assert window.picker.selection().runtime == runtime


def _benchmark(window, qtbot):  # type: ignore[no-untyped-def]
    """Benchmark the selected variant with the picker's choice, briefly."""
    config = _bench_config(window.picker.selection())
    config.warmup, config.repeats = 1, 8
    record = window.run_benchmark(config)
    assert record is not None
    qtbot.waitUntil(lambda: record.is_finished, timeout=SLOW)
    assert record.state == "done", record.error
    return record


def test_missing_onnxruntime_greys_the_runtime_and_its_schemes(  # type: ignore[no-untyped-def]
        window, qtbot, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # as without the onnx extra
    availability.reset_cache()
    try:
        _open(window, qtbot, "zoo:mlp-cancer")
        window.picker.refresh_runtimes()
        window._offer_schemes()
        reason = availability.runtime_unavailable("onnxruntime", "cpu")
        assert reason and "not installed" in reason
        assert not window.picker.is_runtime_enabled("onnxruntime")
        assert window.picker.runtime_tooltip("onnxruntime") == reason
        assert window.picker.is_runtime_enabled("eager")
        for scheme in ORT_SCHEMES:
            assert window.compress.scheme_unavailable(scheme) == reason
        window.compress.set_options("quantize", {"scheme": "ort-int8-dynamic"})
        assert not window.compress.run_button.isEnabled()
    finally:
        availability.reset_cache()


@needs_onnxruntime
def test_runtimes_picked_are_benchmarked_and_charted_side_by_side(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    _open(window, qtbot, "zoo:mlp-cancer")
    variant = window.current
    assert window.picker.is_runtime_enabled("onnxruntime")
    assert window.compress.scheme_unavailable("ort-int8-dynamic") == ""

    _pick_runtime(window, "onnxruntime")
    on_ort = _benchmark(window, qtbot)
    assert on_ort.result.runtime == "onnxruntime"
    assert "ONNX Runtime" in on_ort.title
    assert "ONNX Runtime" in window.model_summary.text()

    _pick_runtime(window, "eager")
    on_eager = _benchmark(window, qtbot)
    assert on_eager.result.runtime == "eager"
    assert {key[3] for key in variant.benchmarks} == {"eager", "onnxruntime"}

    window.tabs.setCurrentWidget(window.before_after)
    chart = window.before_after
    qtbot.waitUntil(lambda: chart.runtimes_shown(), timeout=5000)
    slots = chart.slots("latency")
    assert [slot.runtime for slot in slots] == ["eager", "ORT"]
    assert [slot.value for slot in slots] == pytest.approx(
        [on_eager.result.latency_ms["median"], on_ort.result.latency_ms["median"]])
    assert chart._axes["latency"].names() == ["eager", "ORT"]
    assert len(chart.slots("size")) == 1  # one bar per variant where runtimes do not matter


@needs_onnxruntime
def test_ort_int8_dynamic_from_the_panel_makes_a_smaller_onnx_variant(  # type: ignore[no-untyped-def]
        window, qtbot, monkeypatch, tmp_path: Path) -> None:
    _open(window, qtbot, "zoo:mlp-cancer")
    original = window.current
    window.compress.set_options("quantize", {"scheme": "ort-int8-dynamic"})
    assert window.compress.run_button.isEnabled()
    options = window.compress.options("quantize")
    assert options["compile"] is False and options["auto_skip"] == 0
    record = window.run_compression("quantize", options)
    qtbot.waitUntil(lambda: record.is_finished, timeout=SLOW)
    assert record.state == "done", record.error
    qtbot.waitUntil(lambda: len(window.workspace) == 2 and all(
        v.inspection is not None and v.fidelity is not None for v in list(window.workspace)[1:]),
        timeout=SLOW)
    child = list(window.workspace)[1]
    assert child.parent == original.id and "ort-int8-dynamic" in child.technique
    assert child.inspection.size_bytes < 0.35 * original.inspection.size_bytes
    assert child.fidelity.top1_agreement >= 0.95

    # The layer tree shows what inspection gives: the ONNX model as one row, no sublayers.
    window.variants.selectRow(1)
    assert window.current is child
    root = window.tree.model.index(0, 0)
    assert root.isValid() and window.tree.model.rowCount(root) == 0
    window._show_layer(child.inspection.tree)
    assert "ONNX" in window.details.message.text()

    # It benchmarks (on ONNX Runtime, the only runtime an ONNX model has).
    bench = _benchmark(window, qtbot)
    assert bench.result.runtime == "onnxruntime"
    assert "ms" in window.variants.item(1, 4).text()

    # Save offers .onnx, and a name typed without a suffix gets it.
    asked: dict[str, str] = {}

    def fake_dialog(_parent, _title, name, filters):  # type: ignore[no-untyped-def]
        asked.update(name=name, filters=filters)
        return str(tmp_path / "slim"), filters

    monkeypatch.setattr(main_window_module.QFileDialog, "getSaveFileName", fake_dialog)
    window._save_selected()
    assert asked["name"].endswith(".onnx") and "*.onnx" in asked["filters"]
    saved = tmp_path / "slim.onnx"
    assert child.saved_to == saved and saved.stat().st_size > 0
    loaded = load_model(saved)
    assert type(loaded.module).__name__ == "OnnxRuntimeModule"
