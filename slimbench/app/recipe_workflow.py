"""What the Recipe and Compare tabs start: recipes, comparisons, reports and layer diffs.

The window owns one of these. Each action is an engine job on the window's job runner (so it
shows in the job list, reports progress and can be cancelled); results come back through
:meth:`RecipeWorkflow.finished`, which the window calls for the job kinds listed in ``KINDS``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QObject
from PySide6.QtWidgets import QFileDialog

if TYPE_CHECKING:
    from slimbench.app.job_runner import JobRecord
    from slimbench.app.main_window import MainWindow
    from slimbench.engine.recipes import Recipe
    from slimbench.engine.variants import Variant

KINDS = ("recipe", "compare", "report", "layer-diff")


def reports_folder() -> Path:
    """Where the window writes recipe reports unless the user exports elsewhere."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("slimbench", appauthor=False)) / "reports"


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")[:40] or "recipe"


def recipe_folder(recipe: Recipe) -> Path:
    """The report folder of a recipe: the same for every run of a recipe of that name on the
    same model, so a run after a cancel, a crash or an edit picks up the steps that had
    finished (each step's folder is fingerprinted: an edited step runs again)."""
    import hashlib

    key = hashlib.sha256(recipe.model.encode()).hexdigest()[:8]
    return reports_folder() / f"{_slug(recipe.name or 'recipe')}-{key}"


def model_spec(variant: Variant) -> str:
    """What a recipe names as its model for this variant: the file or zoo entry it came from."""
    return str(variant.handle.location)


def record_measurements(variant: Variant, record: Any, comparison: Any) -> None:
    """Keep a comparison's timings as the variant's benchmarks, so the variants list and the
    charts show them (the first device's last: it is the one shown)."""
    from slimbench.engine.measure import BenchResult

    for device in reversed([d.name for d in comparison.devices]):
        measured = record.by_device.get(device)
        if measured is None or measured.error or not measured.latency_ms:
            continue
        roofline = measured.roofline
        variant.record_benchmark(BenchResult(
            device=device, dtype=measured.dtype, batch_size=comparison.batch_size,
            threads=comparison.threads or 0, compile=measured.compiled,
            latency_ms=dict(measured.latency_ms), throughput_per_s=measured.throughput_per_s or 0.0,
            peak_memory_bytes=measured.peak_memory_bytes,
            peak_memory_kind="cuda-allocator" if measured.peak_memory_bytes else "not measured",
            samples_ms=[],
            flops_per_batch=(None if not record.flops_per_sample
                             else record.flops_per_sample * comparison.batch_size),
            achieved_flops_per_s=None if roofline is None else roofline.achieved_flops_per_s,
            notes=["Measured side by side with the other variants by a comparison."],
        ))


class RecipeWorkflow(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.recipe_job: int | None = None
        self.comparison: Any = None
        self.report_dir: Path | None = None
        #: Variant ids in the order the comparison lists them (names can repeat across runs).
        self._compared: dict[str, int] = {}

    def tr(self, text: str) -> str:  # type: ignore[override]
        return QCoreApplication.translate("RecipeWorkflow", text)

    # --- recipes --------------------------------------------------------------------------

    def run_recipe(self, recipe: Recipe) -> JobRecord | None:
        from slimbench.engine.recipes.runner import run_recipe_job

        window = self.window
        current = window.current
        original = None
        if current is not None and recipe.model == model_spec(current):
            original = current.handle
        folder = recipe_folder(recipe)
        record = window.runner.submit(
            self.tr("Recipe: {title}").replace("{title}", recipe.title), "recipe",
            lambda: run_recipe_job(recipe, folder, original=original),
        )
        # The recipe's variants hang under the variant it ran on: the current one when the
        # recipe names it, else an open model of that name, else the model loaded anew.
        parent = current if original is not None else next(
            (v for v in window.workspace
             if v.parent is None and model_spec(v) == recipe.model), None)
        if parent is not None:
            window._bench_variant[record.id] = parent.id
        self.recipe_job = record.id
        window.recipe_editor.set_busy(True)
        return record

    def cancel_recipe(self) -> None:
        if self.recipe_job is not None:
            self.window.runner.cancel(self.recipe_job)

    def _recipe_done(self, record: JobRecord, parent_id: int | None) -> None:
        from slimbench.engine.inspection import inspect_job
        from slimbench.engine.measure import Fidelity

        window = self.window
        result = record.result
        parent = None
        if parent_id is not None:
            try:
                parent = window.workspace.get(parent_id)
            except Exception:
                parent = None
        if parent is None:
            parent = window.workspace.add(result.original, name=result.original.name)
        ids = {result.comparison.reference: parent.id}
        records = {r.name: r for r in result.comparison.variants}
        record_measurements(parent, records[result.comparison.reference], result.comparison)
        device = result.comparison.devices[0].name if result.comparison.devices else "cpu"
        for name, handle in result.variants:
            if name == result.comparison.reference:
                continue
            record_of = records[name]
            parent_of = ids.get(record_of.parent or "", parent.id)
            variant = window.workspace.add(handle, name=f"{parent.name} · {name}",
                                           parent=parent_of, technique=record_of.technique)
            ids[name] = variant.id
            variant.notes = list(record_of.notes)
            record_measurements(variant, record_of, result.comparison)
            measured = record_of.by_device.get(device)
            if measured is not None and not measured.error:
                variant.accuracy = measured.accuracy
                fidelity = measured.fidelity or {}
                variant.fidelity = Fidelity(
                    fidelity.get("top1_agreement") or float("nan"),
                    fidelity.get("cosine") or float("nan"),
                    fidelity.get("max_abs_error") or 0.0, 0)
            saved = result.report_dir / record_of.file if record_of.file else None
            variant.saved_to = saved
            window._submit_for(variant, window.tr("Inspect {name}"), "inspect",
                               lambda handle=handle: inspect_job(handle))
        self._compared = ids
        self.comparison = result.comparison
        self.report_dir = result.report_dir
        report = result.report.html if result.report is not None else None
        window.comparison_page.set_comparison(result.comparison, report)
        window._refresh_variants()
        window.tabs.setCurrentWidget(window.comparison_page)
        message = self.tr("Recipe finished; report in {folder}").replace(
            "{folder}", str(result.report_dir))
        if result.auto is not None:
            chosen = result.auto.get("chosen") or []
            message = (self.tr("Meets the target: {names}").replace("{names}", ", ".join(chosen))
                       if chosen else self.tr("No candidate meets the target and the floor."))
        window.statusBar().showMessage(message, 30000)

    # --- comparisons ----------------------------------------------------------------------

    def compare(self, devices: list[str]) -> JobRecord | None:
        from slimbench.engine.compare import CompareConfig, VariantInput, compare_job

        window = self.window
        chosen = window._selected_variants()
        if len(chosen) < 2:
            chosen = list(window.workspace)
        if not chosen or not devices:
            return None
        names: dict[str, int] = {}
        inputs = []
        for variant in chosen:
            parent = None
            if variant.parent is not None:
                parent = next((v.name for v in chosen if v.id == variant.parent), None)
            inputs.append(VariantInput(variant.name, variant.handle, technique=variant.technique,
                                       parent=parent, notes=list(variant.notes),
                                       file=str(variant.saved_to) if variant.saved_to else None))
            names[variant.name] = variant.id
        settings = window.picker.selection()
        config = CompareConfig(devices=tuple(devices), batch_size=settings.batch_size,
                               threads=settings.threads)
        record = window.runner.submit(
            self.tr("Compare {count} variants on {devices}")
            .replace("{count}", str(len(inputs))).replace("{devices}", ", ".join(devices)),
            "compare", lambda: compare_job(inputs, config))
        self._pending_names = names
        window.comparison_page.set_busy(True)
        return record

    # --- reports --------------------------------------------------------------------------

    def export_report(self, folder: Path | None = None) -> JobRecord | None:
        from slimbench.engine.report import write_report

        if self.comparison is None:
            return None
        if folder is None:
            chosen = QFileDialog.getExistingDirectory(
                self.window, self.tr("Export the report to a folder"), str(Path.home()))
            if not chosen:
                return None
            folder = Path(chosen)
        comparison = self.comparison
        models = {}
        for record in comparison.variants:
            variant = self._variant_named(record.name)
            if variant is not None and variant.saved_to is not None:
                models[record.name] = Path(variant.saved_to)
        title = self.tr("Slimbench comparison")

        def job() -> Any:
            from slimbench.engine.jobs import Progress

            yield Progress(0, 1, self.tr("Drawing the charts and writing the report"))
            return write_report(comparison, folder, title=title, models=models or None)

        return self.window.runner.submit(
            self.tr("Export report to {folder}").replace("{folder}", str(folder)), "report", job)

    def _variant_named(self, name: str) -> Variant | None:
        variant_id = self._compared.get(name)
        if variant_id is None:
            return None
        try:
            return self.window.workspace.get(variant_id)
        except Exception:
            return None

    # --- per-layer diff -------------------------------------------------------------------

    def diff(self, a_id: int, b_id: int) -> JobRecord | None:
        from slimbench.engine.compare.layer_diff import layer_diff_job

        window = self.window
        a, b = window.workspace.get(a_id), window.workspace.get(b_id)
        settings = window.picker.selection()
        device = settings.device if settings.device else "cpu"
        self._diff_names = (a.name, b.name)
        return window.runner.submit(
            self.tr("Layer differences: {a} vs {b}").replace("{a}", a.name).replace("{b}", b.name),
            "layer-diff",
            lambda: layer_diff_job(a.handle, b.handle, device=device,
                                   batch_size=settings.batch_size,
                                   inspection_a=a.inspection, inspection_b=b.inspection))

    # --- results --------------------------------------------------------------------------

    def finished(self, record: JobRecord, variant_id: int | None) -> None:
        """A job of one of ``KINDS`` ended (done, failed or cancelled)."""
        from slimbench.app.job_runner import DONE

        window = self.window
        if record.kind == "recipe":
            self.recipe_job = None
            window.recipe_editor.set_busy(False)
        if record.kind == "compare":
            window.comparison_page.set_busy(False)
        if record.state != DONE:
            if record.error:
                window.show_error(window.tr("{title} failed").format(title=record.title),
                                  record.error)
            return
        if record.kind == "recipe":
            self._recipe_done(record, variant_id)
        elif record.kind == "compare":
            self.comparison = record.result
            self._compared = dict(getattr(self, "_pending_names", {}))
            for measured in record.result.variants:
                variant = self._variant_named(measured.name)
                if variant is not None:
                    record_measurements(variant, measured, record.result)
            window._refresh_variants()
            window.comparison_page.set_comparison(record.result)
            window.tabs.setCurrentWidget(window.comparison_page)
        elif record.kind == "report":
            window.comparison_page.set_report(record.result.html)
            window.statusBar().showMessage(
                self.tr("Report written to {path}").replace("{path}", str(record.result.html)),
                30000)
        elif record.kind == "layer-diff":
            name_a, name_b = getattr(self, "_diff_names", ("A", "B"))
            window.comparison_page.set_diff(record.result, name_a, name_b)
            window.tabs.setCurrentWidget(window.comparison_page)
