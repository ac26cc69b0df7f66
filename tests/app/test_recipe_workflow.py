"""The Recipe and Compare tabs: a recipe run from the window, comparison, report, layer diff."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import Qt

from slimbench.app.main_window import MainWindow
from slimbench.app.recipe_workflow import recipe_folder, reports_folder
from slimbench.app.settings import open_store
from slimbench.engine.devices import cpu_device
from slimbench.engine.recipes import parse_recipe

SLOW = 180_000

QUICK_MEASURE = """
[measure]
batch_size = 32
large_batch = 64
rounds = 2
round_seconds = 0.05
eval_samples = 256
batch_1 = false
compile = "never"

[floor]
accuracy_ratio = 0.8
"""


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    # Reports go to the user data folder: keep this test's in its own.
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    main_window = MainWindow(store=open_store(str(tmp_path / "settings.ini")),
                             devices=[cpu_device()])
    qtbot.addWidget(main_window)
    main_window.resize(1400, 900)
    main_window.show()
    yield main_window
    main_window.runner.shutdown()


def _open(window, qtbot, spec: str) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(window.model_ready, timeout=SLOW):
        window.open_model(spec)


def _recipe(steps: str) -> object:
    return parse_recipe('model = "zoo:mlp-digits"\n' + QUICK_MEASURE + steps)


PRUNE_THEN_QUANTIZE = """
[[steps]]
technique = "prune"
amount = 0.5

[[steps]]
technique = "quantize"
scheme = "int8-dynamic"
compile = false
"""


def test_a_recipe_run_from_the_editor_adds_its_variants_and_a_report(
    window, qtbot, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    _open(window, qtbot, "zoo:mlp-digits")
    assert window.recipe_editor.model() == "zoo:mlp-digits"
    window.recipe_editor.set_recipe(_recipe(PRUNE_THEN_QUANTIZE))
    window.tabs.setCurrentWidget(window.recipe_editor)
    qtbot.mouseClick(window.recipe_editor.run_button, Qt.MouseButton.LeftButton)
    assert window.recipe_editor.is_busy()
    record = window.runner.job(window.recipes.recipe_job)
    qtbot.waitUntil(lambda: record.is_finished, timeout=SLOW)
    assert record.error is None, record.error
    assert not window.recipe_editor.is_busy()

    names = [variant.name for variant in window.workspace]
    assert names == ["mlp-digits", "mlp-digits · 1. prune structured 0.5",
                     "mlp-digits · 2. quantize int8-dynamic"]
    original, pruned, quantized = list(window.workspace)
    assert pruned.parent == original.id and quantized.parent == pruned.id
    assert quantized.saved_to is not None and Path(quantized.saved_to).is_file()
    # The comparison's timings show in the variants list and the trade-off chart.
    assert all(variant.latest_benchmark() is not None for variant in window.workspace)
    assert window.variants.item(2, 4).text().endswith("ms")
    assert window.tabs.currentWidget() is window.comparison_page
    comparison = window.comparison_page.table.comparison()
    assert [v.name for v in comparison.variants] == [
        "original", "1. prune structured 0.5", "2. quantize int8-dynamic"]
    assert comparison.variants[2].size_bytes < 0.2 * comparison.variants[0].size_bytes
    report = window.comparison_page.report()
    assert report is not None and report.is_file()
    assert report.parent == recipe_folder(window.recipe_editor.recipe())
    assert window.comparison_page.open_button.isEnabled()
    # The chart under the table: speed against quality of the compared variants, with the
    # same frontier the engine found (which variants are on it depends on the timings).
    points = window.comparison_page.scatter_points()
    assert [p.name for p in points] == [v.name for v in comparison.variants]
    assert all(p.latency_ms and p.quality is not None for p in points)
    assert window.comparison_page.scatter.frontier_names() == comparison.frontier["cpu"]
    shot = tmp_path / "compare.png"
    assert window.grab().save(str(shot))

    # Export the same comparison elsewhere, with the models beside it.
    export = tmp_path / "export"
    record = window.recipes.export_report(export)
    qtbot.waitUntil(lambda: record.is_finished, timeout=SLOW)
    assert record.error is None, record.error
    document = json.loads((export / "results.json").read_text())
    assert len(document["comparison"]["variants"]) == 3
    assert (export / "report.html").is_file() and (export / "models" / "README.md").is_file()

    # The layer-by-layer difference of the original and the pruned variant.
    window.comparison_page.variant_a.setCurrentIndex(0)
    window.comparison_page.variant_b.setCurrentIndex(1)
    qtbot.mouseClick(window.comparison_page.diff_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(window.comparison_page.diff.rows()), timeout=SLOW)
    rows = window.comparison_page.diff.rows()
    changed = [row for row in rows if row.status == "changed"]
    assert changed and any("1024 → 512" in " ".join(row.changes) for row in changed)


def test_compare_selected_variants_measures_them_side_by_side(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    _open(window, qtbot, "zoo:mlp-digits")
    _open(window, qtbot, "zoo:resnet-digits")
    window.variants.selectAll()
    window.tabs.setCurrentWidget(window.comparison_page)
    assert window.comparison_page.devices() == ["cpu"]
    qtbot.mouseClick(window.comparison_page.compare_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.comparison_page.table.comparison() is not None,
                    timeout=SLOW)
    comparison = window.comparison_page.table.comparison()
    assert [v.name for v in comparison.variants] == ["mlp-digits", "resnet-digits"]
    cpu = comparison.variants[1].by_device["cpu"]
    assert cpu.error is None and cpu.latency_ms["median"] > 0 and cpu.roofline is not None


def test_cancelling_a_recipe_keeps_the_model_and_the_finished_steps(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    _open(window, qtbot, "zoo:mlp-digits")
    recipe = _recipe(PRUNE_THEN_QUANTIZE.replace(
        "[[steps]]\ntechnique = \"quantize\"",
        "[[steps]]\ntechnique = \"distill\"\nepochs = 50\n\n[[steps]]\ntechnique = \"quantize\""))
    record = window.recipes.run_recipe(recipe)
    folder = reports_folder()
    qtbot.waitUntil(lambda: any(folder.glob("*/steps/02-distill-*/training/*.pt")),
                    timeout=SLOW)
    window.recipe_editor.cancel_requested.emit()
    qtbot.waitUntil(lambda: record.is_finished, timeout=SLOW)
    assert record.state == "cancelled"
    assert [variant.name for variant in window.workspace] == ["mlp-digits"]
    assert not window.recipe_editor.is_busy()
    assert len(list(folder.glob("*/steps/01-prune-*/model.pt"))) == 1

    # Run again (here only its first step): the finished pruning step is picked up.
    recipe.steps = recipe.steps[:1]
    again = window.recipes.run_recipe(recipe)
    qtbot.waitUntil(lambda: again.is_finished, timeout=SLOW)
    assert again.error is None, again.error
    assert [step.resumed for step in again.result.steps] == [True]
