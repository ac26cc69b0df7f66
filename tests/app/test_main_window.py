from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

pytest.importorskip("PySide6")

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QMessageBox

from slimbench.app.main_window import START_PAGE, WORKBENCH_PAGE, MainWindow
from slimbench.app.settings import load_settings, open_store
from slimbench.engine import zoo
from slimbench.engine.devices import DeviceInfo, cpu_device
from slimbench.engine.inspection import inspect_model
from slimbench.engine.loading import load_model
from slimbench.engine.measure import BenchConfig
from slimbench.widgets.device_picker import DeviceSelection
from slimbench.widgets.layer_tree import PARAMS, SORT_ROLE

ROOT = Path(__file__).resolve().parents[2]
SLOW = 90_000


@pytest.fixture
def store_path(tmp_path: Path) -> str:
    return str(tmp_path / "settings.ini")


@pytest.fixture
def window(qtbot, store_path):  # type: ignore[no-untyped-def]
    main_window = MainWindow(store=open_store(store_path), devices=[cpu_device()])
    qtbot.addWidget(main_window)
    main_window.show()
    yield main_window
    main_window.runner.shutdown()


def _open(window, qtbot, spec: str) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(window.model_ready, timeout=SLOW):
        window.open_model(spec)


def _visible_dialogs(window) -> list[QMessageBox]:  # type: ignore[no-untyped-def]
    return [box for box in window.findChildren(QMessageBox) if box.isVisible()]


def test_starts_on_the_zoo_gallery(window) -> None:
    assert window.pages.currentIndex() == START_PAGE
    assert len(window.gallery.card_widgets()) == 4
    assert not window.bench_action.isEnabled()


def test_each_zoo_model_opens_with_a_tree_matching_the_engine(window, qtbot, tmp_path) -> None:
    for name in ("mlp-digits", "resnet-digits", "transformer-majority", "mlp-cancer"):
        _open(window, qtbot, f"zoo:{name}")
        assert window.pages.currentIndex() == WORKBENCH_PAGE
        assert window.model_name.text() == name
        expected = inspect_model(load_model(f"zoo:{name}"))
        root = window.tree.model.index(0, 0)
        assert window.tree.model.data(root.siblingAtColumn(PARAMS), SORT_ROLE) == \
            expected.params_total
        assert window.tree.model.rowCount(root) == len(expected.tree.children)
    assert [v.name for v in window.workspace] == [
        "mlp-digits", "resnet-digits", "transformer-majority", "mlp-cancer"]
    assert window.variants.rowCount() == 4
    shot = tmp_path / "main_window.png"
    assert window.grab().save(str(shot)) and shot.stat().st_size > 1000


def test_quality_is_measured_on_open(window, qtbot) -> None:
    _open(window, qtbot, "zoo:mlp-cancer")
    variant = window.current
    qtbot.waitUntil(lambda: variant.accuracy is not None, timeout=SLOW)
    assert variant.accuracy == pytest.approx(zoo.get_entry("mlp-cancer").accuracy, abs=1e-6)
    assert "accurate" in window.model_summary.text()


def test_benchmark_job_feeds_the_live_chart_and_the_summary(window, qtbot) -> None:
    _open(window, qtbot, "zoo:mlp-digits")
    record = window.run_benchmark(BenchConfig(warmup=1, repeats=12))
    assert record is not None
    with qtbot.waitSignal(window.runner.job_finished, timeout=SLOW,
                          check_params_cb=lambda r: r.id == record.id):
        pass
    assert record.state == "done"
    _, latencies = window.live.series_data()
    assert list(latencies) == pytest.approx(record.result.samples_ms)
    median, _p90 = window.live.statistics()
    assert median == pytest.approx(record.result.latency_ms["median"])
    assert " ms on cpu" in window.model_summary.text()
    assert window.current.latest_benchmark() is record.result
    assert "ms" in window.variants.item(0, 4).text()


def test_cancel_stops_a_running_benchmark_and_keeps_the_model(window, qtbot) -> None:
    _open(window, qtbot, "zoo:resnet-digits")
    before = {k: v.clone() for k, v in window.current.handle.module.state_dict().items()}
    record = window.run_benchmark(BenchConfig(warmup=0, repeats=100_000, max_seconds=600))
    qtbot.waitUntil(lambda: record.state == "running" and record.step > 2, timeout=SLOW)
    window.cancel_action.trigger()
    qtbot.waitUntil(lambda: record.is_finished, timeout=SLOW)
    assert record.state == "cancelled"
    after = window.current.handle.module.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert window.current.latest_benchmark() is None


def test_bad_file_shows_one_sentence_dialog(window, qtbot, tmp_path: Path) -> None:
    bad = tmp_path / "garbage.pt"
    bad.write_bytes(os.urandom(256))
    record = window.open_model(str(bad))
    qtbot.waitUntil(lambda: record.is_finished, timeout=SLOW)
    dialogs = _visible_dialogs(window)
    assert len(dialogs) == 1
    assert "\n" not in dialogs[0].text() and "garbage.pt" in dialogs[0].text()
    assert window.current is None and window.pages.currentIndex() == START_PAGE
    dialogs[0].close()


def test_full_pickle_is_refused_unless_confirmed(window, qtbot, tmp_path: Path) -> None:
    path = tmp_path / "full.pt"
    torch.save(torch.nn.Sequential(torch.nn.Linear(2, 2)), path)
    record = window.open_model(str(path))
    qtbot.waitUntil(lambda: record.is_finished, timeout=SLOW)
    dialog = window.findChild(QMessageBox, "trustDialog")
    assert dialog is not None and "can run code" in dialog.text()
    assert dialog.defaultButton() is dialog.button(QMessageBox.StandardButton.No)
    dialog.button(QMessageBox.StandardButton.No).click()
    qtbot.wait(50)
    assert window.current is None and window.runner.active_count() == 0
    # Asking again and saying yes loads it.
    record = window.open_model(str(path))
    qtbot.waitUntil(lambda: record.is_finished, timeout=SLOW)
    dialog = window.findChild(QMessageBox, "trustDialog")
    with qtbot.waitSignal(window.model_ready, timeout=SLOW):
        dialog.button(QMessageBox.StandardButton.Yes).click()
    assert window.current is not None and window.current.handle.source == "pickle"


def test_drop_a_file_opens_it(window, qtbot, tmp_path: Path) -> None:
    path = tmp_path / "dropped.pt"
    from slimbench.engine.saving import save_model

    save_model(load_model("zoo:mlp-cancer"), path)
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, data,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(window.model_ready, timeout=SLOW):
        window.dropEvent(event)
    assert window.current.name == "dropped"


def test_variants_rename_delete_and_save(window, qtbot, tmp_path: Path) -> None:
    _open(window, qtbot, "zoo:mlp-cancer")
    variant = window.current
    window.rename_variant(variant.id, "my model")
    assert window.variants.item(0, 0).text() == "my model"
    assert window.model_name.text() == "my model"
    saved = window.save_variant(variant.id, str(tmp_path / "out.pt"))
    assert saved is not None and load_model(saved).arch == "zoo:mlp-cancer"
    window.rename_variant(variant.id, "")
    assert window.last_error is not None
    for box in _visible_dialogs(window):
        box.close()
    window.delete_variants([variant.id])
    assert len(window.workspace) == 0 and window.pages.currentIndex() == START_PAGE


def test_settings_round_trip_recent_models_and_theme(qtbot, store_path) -> None:
    first = MainWindow(store=open_store(store_path), devices=[cpu_device()])
    qtbot.addWidget(first)
    with qtbot.waitSignal(first.model_ready, timeout=SLOW):
        first.open_model("zoo:mlp-cancer")
    first.set_theme("dark")
    gpu = DeviceInfo(name="cuda:0", kind="cuda", description="Test GPU", memory_bytes=1 << 34,
                     cores=80, compute_capability="8.0",
                     dtypes=["float32", "float16", "bfloat16"])
    first._devices = [cpu_device(), gpu]
    first.picker.set_devices(first._devices)
    first.picker.set_selection(DeviceSelection(device="cuda:0"))
    first.close()
    settings = load_settings(open_store(store_path))
    assert settings.recent_models[0] == "zoo:mlp-cancer"
    assert settings.theme == "dark"
    assert settings.default_device == "cuda:0"
    assert settings.window_geometry is not None
    second = MainWindow(store=open_store(store_path), devices=[cpu_device()])
    qtbot.addWidget(second)
    assert second.gallery.recent() == ["zoo:mlp-cancer"]
    assert [a.text() for a in second.recent_menu.actions()] == ["zoo:mlp-cancer"]
    second.set_theme("light")
    second.runner.shutdown()


def test_slimbench_command_opens_the_window_with_the_demo_model(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "SLIMBENCH_EXIT_AFTER_START": "1",
           "XDG_CONFIG_HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "slimbench.cli"], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "shown" in result.stdout
    assert "ready" in result.stdout and "resnet-digits" in result.stdout


def test_the_start_page_is_shown_before_torch_is_imported(tmp_path: Path) -> None:
    code = f"""
import sys
from PySide6.QtWidgets import QApplication
app = QApplication([])
from slimbench.app.main_window import MainWindow
from slimbench.app.settings import open_store
window = MainWindow(store=open_store({str(tmp_path / 's.ini')!r}), lazy=True)
window.show()
app.processEvents()
assert "torch" not in sys.modules, "torch imported before the window was shown"
assert len(window.gallery.card_widgets()) == 4
assert window.open_model("zoo:mlp-cancer") is None  # waits for the engine
window.finish_startup()
assert "torch" in sys.modules and window.engine_ready
assert window.picker is not None and window.runner.jobs()
window._closed = True
window.runner.shutdown()
print("ok")
"""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().endswith("ok")


def test_quantize_from_the_panel_makes_a_smaller_variant(window, qtbot) -> None:
    _open(window, qtbot, "zoo:mlp-cancer")
    original = window.current
    before = {k: v.clone() for k, v in original.handle.module.state_dict().items()}
    options = window.compress.options("quantize")
    options.update(scheme="int8-dynamic", compile=False)
    record = window.run_compression("quantize", options)
    qtbot.waitUntil(lambda: record.is_finished, timeout=SLOW)
    assert record.state == "done", record.error
    qtbot.waitUntil(lambda: len(window.workspace) == 2 and all(
        v.inspection is not None and v.accuracy is not None for v in window.workspace),
        timeout=SLOW)
    child = list(window.workspace)[1]
    assert child.parent == original.id and "int8-dynamic" in child.technique
    assert child.inspection.size_bytes < 0.35 * original.inspection.size_bytes
    assert child.fidelity is not None and child.fidelity.top1_agreement >= 0.99
    assert window.variants.rowCount() == 2
    after = original.handle.module.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)


def test_prune_sensitivity_fills_the_chart(window, qtbot) -> None:
    _open(window, qtbot, "zoo:mlp-cancer")
    record = window.run_sensitivity("prune", window.compress.options("prune"))
    qtbot.waitUntil(lambda: record.is_finished, timeout=SLOW)
    assert record.state == "done", record.error
    assert window.sensitivity.rows()
    assert window.tabs.currentWidget() is window.sensitivity


def test_a_pruned_variant_saves_and_loads_back(window, qtbot, tmp_path: Path) -> None:
    _open(window, qtbot, "zoo:mlp-cancer")
    options = window.compress.options("prune")
    options.update(method="structured", amount=0.5, recover_epochs=0)
    record = window.run_compression("prune", options)
    qtbot.waitUntil(lambda: record.is_finished, timeout=SLOW)
    assert record.state == "done", record.error
    child = list(window.workspace)[1]
    saved = window.save_variant(child.id, str(tmp_path / "pruned.pt"))
    assert saved is not None
    loaded = load_model(saved)
    assert sum(p.numel() for p in loaded.module.parameters()) == \
        sum(p.numel() for p in child.handle.module.parameters())
