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


def _tick(window, path: str, state: Qt.CheckState = Qt.Checked) -> None:  # type: ignore[no-untyped-def]
    model = window.tree.model
    assert model.setData(model.index_of_path(path), state, Qt.CheckStateRole)


def test_ticked_layers_fill_the_skip_fields(window, qtbot) -> None:
    _open(window, qtbot, "zoo:resnet-digits")
    qtbot.keyClicks(window.compress.prune_skip_edit, "fc")  # typed by hand: kept
    _tick(window, "stages.0.1.conv1")
    assert window.compress.options("prune")["skip"] == ["fc", "stages.0.1.conv1"]
    assert window.compress.options("quantize")["skip"] == ["stages.0.1.conv1"]
    _tick(window, "stages.0")  # covers stages.0.1.conv1: one pattern is enough
    assert window.compress.options("prune")["skip"] == ["fc", "stages.0"]
    _tick(window, "stem")
    assert window.compress.options("quantize")["skip"] == ["stem", "stages.0"]
    assert window.compress.options("prune")["skip"] == ["fc", "stem", "stages.0"]
    _tick(window, "stages.0", Qt.Unchecked)
    assert window.compress.options("prune")["skip"] == ["fc", "stem", "stages.0.1.conv1"]
    window.compress.quantize_skip_edit.setText("pool")  # one way: typing ticks nothing
    assert window.tree.ticked_paths() == ["stem", "stages.0.1.conv1"]

    _open(window, qtbot, "zoo:mlp-digits")  # another model: its layers are not ticked
    assert window.tree.ticked_paths() == []
    assert window.compress.options("prune")["skip"] == ["fc"]
    assert window.compress.options("quantize")["skip"] == ["pool"]


def test_structured_prune_shows_channels_before_and_after(window, qtbot, monkeypatch) -> None:
    import threading

    import slimbench.engine.inspection as inspection
    from slimbench.widgets.layer_tree import CHANGE, CHANNELS, PARAMS_BEFORE

    _open(window, qtbot, "zoo:resnet-digits")
    original = window.current
    _tick(window, "stem")  # left alone by the prune
    options = window.compress.options("prune")
    assert options["skip"] == ["stem"]
    options.update(method="structured", amount=0.5, recover_epochs=0)
    # Hold the new variant's inspection until it is shown, so that the tree receives it
    # when that job ends (not when the variant is selected).
    gate = threading.Event()
    real_inspect_job = inspection.inspect_job

    def held_inspect_job(handle):  # type: ignore[no-untyped-def]
        gate.wait(SLOW / 1000)
        return (yield from real_inspect_job(handle))

    monkeypatch.setattr(inspection, "inspect_job", held_inspect_job)
    try:
        record = window.run_compression("prune", options)
        qtbot.waitUntil(lambda: len(window.workspace) == 2, timeout=SLOW)
        assert record.state == "done", record.error
        child = list(window.workspace)[1]
        window.variants.selectRow(1)
        assert window.current is child and child.inspection is None
        assert window.tree.model.rowCount() == 0
    finally:
        gate.set()
    qtbot.waitUntil(lambda: child.inspection is not None, timeout=SLOW)

    tree = window.tree
    model = tree.model
    assert model.result() is child.inspection
    assert model.comparison() is original.inspection

    def cell(path: str, column: int, role: int = Qt.DisplayRole):  # type: ignore[no-untyped-def]
        return model.index_of_path(path).siblingAtColumn(column).data(role)

    assert cell("stages.0.0.conv1", CHANNELS) == "64 → 32"
    assert cell("stages.0.0.conv1", CHANNELS, SORT_ROLE) == 32
    assert cell("stages.2.0.conv1", CHANNELS) == "256 → 128"
    assert cell("stem.0", CHANNELS) == "64"  # ticked, so unchanged
    assert cell("stages.0.0.conv1", PARAMS_BEFORE, SORT_ROLE) == \
        original.inspection.tree.find("stages.0.0.conv1").params
    assert cell("stages.0.0.conv1", CHANGE, SORT_ROLE) == pytest.approx(-0.5)  # 64 in, 32 out
    assert cell("", CHANGE).startswith("−")
    assert not tree.tree.isColumnHidden(PARAMS_BEFORE) and not tree.tree.isColumnHidden(CHANGE)
    assert tree.ticked_paths() == ["stem"]  # a variant of the same model keeps the ticks

    window.variants.selectRow(0)  # the original: nothing to compare with
    assert window.current is original
    assert tree.comparison() is None and tree.tree.isColumnHidden(PARAMS_BEFORE)
    assert tree.ticked_paths() == ["stem"]


def test_auto_prune_from_the_panel_reaches_its_size_target(window, qtbot) -> None:
    _open(window, qtbot, "zoo:mlp-cancer")
    original = window.current
    window.compress.set_options("prune", {"mode": "auto", "auto_target": "size",
                                          "target_fraction": 0.5, "recover_epochs": 0})
    options = window.compress.options("prune")
    assert options["mode"] == "auto"
    record = window.run_compression("prune", options)
    qtbot.waitUntil(lambda: record.is_finished, timeout=SLOW)
    assert record.state == "done", record.error
    qtbot.waitUntil(lambda: len(window.workspace) == 2 and all(
        v.inspection is not None for v in window.workspace), timeout=SLOW)
    child = list(window.workspace)[1]
    assert child.parent == original.id and "auto size 50 %" in child.technique
    auto = child.compression["auto"]
    assert auto["reached"] and auto["layer_ratios"]
    assert child.inspection.size_bytes <= 0.5 * original.inspection.size_bytes
    assert any("target 50% of the file size" in note for note in child.notes)
    # The Sensitivity tab shows the scan, with the share removed beside each layer.
    names = [name for name, _values in window.sensitivity.rows()]
    assert any("→" in name for name in names)
    chosen = [name for name in names if name.split(" → ")[0] in auto["layer_ratios"]]
    assert chosen and all(name.endswith("%") for name in chosen)


def test_recovery_curves_are_live_and_cancel_keeps_the_best_model(window, qtbot,  # type: ignore[no-untyped-def]
                                                                  monkeypatch) -> None:
    import slimbench.engine.prune as prune

    _open(window, qtbot, "zoo:mlp-digits")
    original = window.current
    improved: list = []
    real_recover_job = prune.recover_job

    def spied_recover_job(*args, on_improved=None, **kwargs):  # type: ignore[no-untyped-def]
        def record_improvement(handle, metrics) -> None:  # type: ignore[no-untyped-def]
            improved.append((handle, metrics))
            on_improved(handle, metrics)

        return real_recover_job(*args, on_improved=record_improvement, **kwargs)

    monkeypatch.setattr(prune, "recover_job", spied_recover_job)
    options = window.compress.options("prune")
    options.update(method="structured", amount=0.9, recover_epochs=30, distill_recovery=False)
    record = window.run_compression("prune", options)

    def cancel_after_an_epoch(job, progress) -> None:  # type: ignore[no-untyped-def]
        if job is record and progress.metrics.get("train_loss") is not None:
            window.runner.cancel(record.id)

    window.runner.job_progress.connect(cancel_after_an_epoch)
    qtbot.waitUntil(lambda: record.is_finished, timeout=SLOW)
    assert record.state == "cancelled"
    # The Live tab showed the loss per step and the accuracy per epoch as they came.
    assert window.tabs.currentWidget() in (window.live_page, window.before_after)
    steps, losses = window.live.series_data("training loss")
    assert len(losses) >= 2 and list(steps) == sorted(steps)
    epochs, accuracy = window.live_accuracy.series_data("validation")
    assert list(epochs[:2]) == [0.0, 1.0] and all(0 <= a <= 100 for a in accuracy)
    assert not window.live_accuracy.isHidden()
    # Cancel kept the best model so far as a variant (epoch 1 beats a model 90 % pruned).
    qtbot.waitUntil(lambda: len(window.workspace) == 2, timeout=SLOW)
    child = list(window.workspace)[1]
    assert child.parent == original.id and child.technique.startswith("prune")
    assert improved and improved[-1][1]["epoch"] >= 1
    assert child.handle is improved[-1][0]
    assert "cancelled" in child.notes[-1] and f"epoch {improved[-1][1]['epoch']}" in \
        child.notes[-1]
    assert not window.compress.is_busy()
    assert window.runner.wait_all(SLOW)  # its inspection and quality measurement
    pruned_accuracy = child.compression["after"]["accuracy"]  # measured before recovery
    assert child.accuracy is not None and child.accuracy > pruned_accuracy + 0.05
    window.run_benchmark(BenchConfig(repeats=3, warmup=1))  # a benchmark takes the chart back
    assert window.live_accuracy.isHidden()
    window.runner.wait_all(SLOW)


def _distill_workers(run_root: Path) -> list[int]:
    """Distillation worker processes still running for runs under ``run_root`` (other test
    sessions on the machine may run their own)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if b"slimbench.engine.distill" in command and str(run_root).encode() in command:
                found.append(int(entry.name))
    return found


def test_distillation_makes_a_smaller_student_variant(window, qtbot, monkeypatch,  # type: ignore[no-untyped-def]
                                                      tmp_path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    _open(window, qtbot, "zoo:resnet-digits")
    original = window.current
    offered = [student for student, _label in window.compress.student_choices()]
    assert offered[:2] == ["width:0.5", "pruned:0.5"] and "zoo:mlp-digits" in offered
    window.compress.set_technique("distill")
    assert window.compress.run_button.isEnabled()
    options = window.compress.options("distill")
    options.update(student="pruned:0.5", epochs=1, nproc=1)
    record = window.run_compression("distill", options)
    qtbot.waitUntil(lambda: record.is_finished, timeout=3 * SLOW)
    assert record.state == "done", record.error
    qtbot.waitUntil(lambda: len(window.workspace) == 2, timeout=SLOW)
    child = list(window.workspace)[1]
    assert child.parent == original.id and child.technique == "distill pruned:0.5"
    before, after = child.compression["before"], child.compression["after"]
    assert after["params_total"] <= 0.35 * before["params_total"]
    assert after["accuracy"] is not None and after["latency_ms"]["median"] > 0
    assert not _distill_workers(tmp_path / "cache")


def test_distillation_curves_are_live_and_cancel_keeps_the_best_student(  # type: ignore[no-untyped-def]
    window, qtbot, monkeypatch, tmp_path
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    _open(window, qtbot, "zoo:resnet-digits")
    original = window.current
    options = window.compress.options("distill")
    options.update(student="width:0.5", epochs=30, nproc=1)
    record = window.run_compression("distill", options)
    epochs_done: list[int] = []

    def cancel_after_two_epochs(job, progress) -> None:  # type: ignore[no-untyped-def]
        if job is record and progress.metrics.get("train_loss") is not None:
            epochs_done.append(progress.metrics["epoch"])
            if len(epochs_done) == 2:
                window.runner.cancel(record.id)

    window.runner.job_progress.connect(cancel_after_two_epochs)
    qtbot.waitUntil(lambda: record.is_finished, timeout=3 * SLOW)
    assert record.state == "cancelled"
    assert not _distill_workers(tmp_path / "cache")  # Cancel stopped the child processes
    steps, losses = window.live.series_data("training loss")
    assert len(losses) >= 20 and list(steps) == sorted(steps)
    epochs, accuracy = window.live_accuracy.series_data("validation")
    assert list(epochs[:2]) == [1.0, 2.0] and all(0 <= a <= 100 for a in accuracy)
    assert "Distillation" in window.live.plot.titleLabel.text
    qtbot.waitUntil(lambda: len(window.workspace) == 2, timeout=SLOW)
    child = list(window.workspace)[1]
    assert child.parent == original.id and child.technique.startswith("distill")
    assert "cancelled" in child.notes[-1]
    assert child.compression["after"]["params_total"] < 0.3 * child.compression["before"][
        "params_total"]


def test_several_machines_show_the_command_for_each_other_one(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    _open(window, qtbot, "zoo:resnet-digits")
    window.compress.set_technique("distill")
    assert window.compress.commands_view.isHidden()
    window.compress.machines_spin.setValue(3)
    window.compress.endpoint_edit.setText("10.0.0.5:29500")
    assert not window.compress.commands_view.isHidden()
    lines = window.compress.commands_view.toPlainText().splitlines()
    assert len(lines) == 2
    for rank, line in enumerate(lines, start=1):
        assert line.startswith("slimbench distill zoo:resnet-digits --student width:0.5")
        assert f"--node-rank {rank}" in line and "--nnodes 3" in line
        assert "--rdzv-endpoint 10.0.0.5:29500" in line
    options = window.compress.options("distill")
    assert options["nnodes"] == 3 and options["rdzv_endpoint"] == "10.0.0.5:29500"
    window.grab().save("/tmp/machines.png")
