"""The report writer: results.json, charts, a self-contained report.html, models/README.md."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
import torch
from torch import nn

from slimbench.engine.compare.results import (
    Comparison,
    DeviceRecord,
    Measurement,
    Roofline,
    VariantRecord,
)
from slimbench.engine.errors import SlimbenchError
from slimbench.engine.report import ReportError, ReportFiles, write_report

CUDA_ERROR = "int8-dynamic has no CUDA kernels in torchao's CPU build; it runs only on the CPU."
PEAK, BANDWIDTH = 1.6e12, 45e9


GPU_PEAK, GPU_BANDWIDTH = 5.1e13, 2.9e12


def roofline(device: str, latency_ms: float, flops_per_sample: int, batch: int,
             weight_bytes: int, dtype: str) -> Roofline:
    peak, bandwidth = (PEAK, BANDWIDTH) if device == "cpu" else (GPU_PEAK, GPU_BANDWIDTH)
    if dtype == "int8":
        peak *= 4
    achieved = flops_per_sample * batch / (latency_ms / 1000)
    bytes_per_batch = weight_bytes + batch * (64 + 10) * 4
    intensity = flops_per_sample * batch / bytes_per_batch
    attainable = min(peak, intensity * bandwidth)
    return Roofline(achieved, peak, bandwidth, bytes_per_batch, attainable,
                    achieved / attainable, "memory" if attainable < peak else "compute")


def measurement(device: str, median: float, accuracy: float | None, agreement: float,
                flops: int, size: int, dtype: str = "float32") -> Measurement:
    return Measurement(
        device=device,
        latency_ms={"median": median, "p90": median * 1.12},
        latency_ms_batch_1={"median": median / 9, "p90": median / 8},
        throughput_per_s=32 / (median / 1000),
        throughput_large_batch_per_s=256 / (median * 6.5 / 1000),
        peak_memory_bytes=size * 3,
        accuracy=accuracy,
        fidelity={"top1_agreement": agreement, "cosine": 0.999, "max_abs_error": 0.03},
        compiled=True,
        dtype=dtype,
        roofline=roofline(device, median, flops, 32, size, dtype),
    )


def make_comparison(third_name: str = "prune 0.5 -> int8") -> Comparison:
    original = VariantRecord(
        name="original", technique="original", params_total=2_171_914,
        params_nonzero=2_171_914, size_bytes=8_693_311, flops_per_sample=4_337_664,
        notes=["Loaded from zoo:mlp-digits."],
        by_device={
            "cpu": measurement("cpu", 4.12, 0.9722, 1.0, 4_337_664, 8_693_311),
            "cuda:0": measurement("cuda:0", 0.093, 0.9722, 1.0, 4_337_664, 8_693_311),
        },
    )
    pruned = VariantRecord(
        name="prune 0.5", technique="prune", parent="original",
        steps=["prune structured 0.5", "recover 5 epochs"],
        params_total=548_362, params_nonzero=548_362, size_bytes=2_197_851,
        flops_per_sample=1_092_608, meets_floor=True,
        notes=["Structured pruning removed 50 % of the channels: the model is really smaller."],
        history=[
            {"epoch": epoch, "train_loss": loss, "val_accuracy": accuracy}
            for epoch, loss, accuracy in [(1, 0.91, 0.902), (2, 0.44, 0.941), (3, 0.29, 0.957),
                                          (4, 0.22, 0.964), (5, 0.19, 0.968)]
        ],
        by_device={
            "cpu": measurement("cpu", 1.19, 0.968, 0.981, 1_092_608, 2_197_851),
            "cuda:0": measurement("cuda:0", 0.071, 0.968, 0.981, 1_092_608, 2_197_851),
        },
    )
    quantized = VariantRecord(
        name=third_name, technique="quantize", parent="prune 0.5",
        steps=["prune structured 0.5", "recover 5 epochs", "quantize int8-dynamic"],
        params_total=548_362, params_nonzero=548_362, size_bytes=612_403,
        flops_per_sample=1_092_608, meets_floor=False,
        notes=["Dynamic int8 needs torch.compile to be fast on this CPU."],
        by_device={
            "cpu": measurement("cpu", 0.41, 0.955, 0.974, 1_092_608, 612_403, dtype="int8"),
            "cuda:0": Measurement(device="cuda:0", error=CUDA_ERROR),
        },
    )
    records = [original, pruned, quantized]
    return Comparison(
        reference="original",
        batch_size=32,
        large_batch=256,
        threads=2,
        variants=records,
        devices=[
            DeviceRecord("cpu", "Intel Xeon (2 threads)", {"float32": PEAK, "int8": 4 * PEAK},
                         BANDWIDTH),
            DeviceRecord("cuda:0", "NVIDIA H100 80GB HBM3", {"float32": 5.1e13}, 2.9e12),
        ],
        machine={"python": "3.11.2", "torch": "2.13.0", "platform": "Linux-6.1", "cpu": "Xeon"},
        floor={"accuracy_ratio": 0.99, "top1_agreement": None},
        frontier={"cpu": [third_name, "prune 0.5", "original"],
                  "cuda:0": ["prune 0.5", "original"]},
    )


STEPS = [
    {"index": 1, "technique": "prune", "description": "Structured pruning, 50 % of channels",
     "seconds": 3.2, "output": "/tmp/run/01-prune.pt", "notes": ["round_to=8"],
     "resumed": True},
    {"index": 2, "technique": "distill", "description": "Recovery: 5 epochs of distillation",
     "seconds": 74.5, "output": "/tmp/run/02-distill.pt", "notes": [], "resumed": False},
    {"index": 3, "technique": "quantize", "description": "Dynamic int8 on the Linear layers",
     "seconds": 1.4, "output": None, "notes": ["2 layers skipped"], "resumed": False},
]
RECIPE = {"name": "Digits: prune, recover, quantize", "model": "zoo:mlp-digits",
          "devices": ["cpu", "cuda:0"], "floor": {"accuracy_ratio": 0.99},
          "steps": [{"technique": "prune", "method": "structured", "amount": 0.5}]}
AUTO = {"target": {"device": "cpu", "max_latency_ms": 1.0}, "tried": ["prune 0.5", "int8"],
        "chosen": ["prune 0.5"]}


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> ReportFiles:
    folder = tmp_path_factory.mktemp("report") / "out"
    return write_report(make_comparison(), folder, title="Digits MLP: prune & quantize",
                        recipe=RECIPE, steps=STEPS, auto=AUTO)


@pytest.fixture(scope="module")
def page(report: ReportFiles) -> str:
    return report.html.read_text(encoding="utf-8")


def test_all_files_are_written(report: ReportFiles) -> None:
    assert report.html.is_file() and report.results_json.is_file()
    assert report.models_readme is None
    names = {path.name for path in report.charts}
    for stem in ("tradeoff-cpu", "tradeoff-cuda-0", "size-latency", "roofline-cpu",
                 "roofline-cuda-0", "training-prune-0.5"):
        assert f"{stem}.png" in names and f"{stem}.svg" in names
    # Only the variant with a history gets a training chart.
    assert not any(name.startswith("training-original") for name in names)
    assert all(path.parent == report.report_dir / "charts" and path.is_file()
               for path in report.charts)
    # Atomic writes leave no temporary files behind, and others may read the report.
    assert not [path for path in report.report_dir.rglob("*") if ".part" in path.name]
    for path in (report.html, report.results_json, *report.charts):
        assert path.stat().st_mode & 0o444 == 0o444 & ~_umask()


def test_results_json_round_trips(report: ReportFiles) -> None:
    data = json.loads(report.results_json.read_text(encoding="utf-8"))
    assert data["title"] == "Digits MLP: prune & quantize"
    assert data["recipe"] == RECIPE and data["steps"] == STEPS and data["auto"] == AUTO
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", data["created"])
    assert data["slimbench_version"]
    back = Comparison.from_json(data["comparison"])
    assert back == make_comparison()


def test_page_is_self_contained(page: str) -> None:
    lowered = page.lower()
    for pattern in ('src="http', "src='http", 'href="http', "href='http", "<link", "<script",
                    "@import", "url(http"):
        assert pattern not in lowered, pattern
    assert lowered.count("<svg") >= 6  # the charts, inlined


def test_page_names_every_variant_and_marks_floor_and_errors(page: str) -> None:
    for name in ("original", "prune 0.5", "prune 0.5 -> int8"):
        assert html.escape(name) in page
    assert "prune 0.5 -> int8" not in page  # escaped
    # The failed run: n/a with the error as a tooltip, and as a footnote.
    assert f'title="{html.escape(CUDA_ERROR)}">n/a' in page
    assert html.escape(CUDA_ERROR) in page.split("</table>")[1]
    # The floor: the quantized variant is marked, the pruned one passes.
    row = next(part for part in page.split("<tr") if "prune 0.5 -&gt; int8</b>" in part)
    assert "below-floor" in row and "below floor" in row
    row = next(part for part in page.split("<tr") if "prune 0.5</b>" in part)
    assert "meets floor" in row
    assert "resumed" in page and "Total time of the steps" in page
    assert "Automatic search" in page and "The recipe" in page
    assert "NVIDIA H100 80GB HBM3" in page


def test_summary_follows_the_numbers(page: str) -> None:
    summary = re.search(r'<p class="summary">(.*?)</p>', page, re.S)
    assert summary is not None
    text = html.unescape(summary.group(1))
    assert "The fastest on cpu is prune 0.5 -> int8" in text
    assert "The smallest is prune 0.5 -> int8, at 612 kB" in text
    assert "falls below the quality floor" in text
    assert "fastest variant that meets the floor is prune 0.5" in text
    assert "prune 0.5 -> int8 on cuda:0" in text  # the failed run


def test_charts_are_valid_images(report: ReportFiles) -> None:
    import matplotlib.image

    for path in report.charts:
        if path.suffix == ".svg":
            root = ElementTree.parse(path).getroot()
            assert root.tag.endswith("svg")
        else:
            assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
            assert path.stat().st_size > 10_000
            image = matplotlib.image.imread(path)
            assert image.shape[0] > 300 and image.shape[1] > 600
            colours = {tuple(pixel) for pixel in image[::7, ::7, :3].reshape(-1, 3).tolist()}
            assert len(colours) > 20


def test_top1_agreement_stands_in_without_labels(tmp_path: Path) -> None:
    comparison = make_comparison()
    for record in comparison.variants:
        record.meets_floor = None  # the writer works the verdict out from the floor
        for entry in record.by_device.values():
            entry.accuracy = None
    comparison.floor = {"accuracy_ratio": None, "top1_agreement": 0.975}
    comparison.frontier = {}
    files = write_report(comparison, tmp_path / "r", title="No labels")
    page = files.html.read_text(encoding="utf-8")
    summary = html.unescape(re.search(r'<p class="summary">(.*?)</p>', page, re.S).group(1))
    assert "agrees with the original's top answer 97.3 % of the time" in summary
    assert "prune 0.5 meets it, prune 0.5 -> int8 falls below it" in summary
    assert (tmp_path / "r" / "charts" / "tradeoff-cpu.svg").is_file()
    assert "Accuracy</th>" not in page  # no column of blanks


@pytest.mark.parametrize("variants", [0, 1])
def test_sparse_comparisons_still_report(tmp_path: Path, variants: int) -> None:
    records = [VariantRecord(name="base", size_bytes=1000, params_total=10,
                             by_device={"cpu": Measurement("cpu", latency_ms={"median": 2.0})})]
    comparison = Comparison(reference="base", batch_size=8, variants=records[:variants],
                            devices=[])
    files = write_report(comparison, tmp_path / "r", title="Sparse")
    page = files.html.read_text(encoding="utf-8")
    assert "<p class=\"summary\">" in page
    assert len(files.charts) == 2 * variants  # the size and time bars only


def test_text_is_escaped(tmp_path: Path) -> None:
    files = write_report(make_comparison("<b>x</b>"), tmp_path / "r", title="A & <i>B</i>")
    page = files.html.read_text(encoding="utf-8")
    assert "&lt;b&gt;x&lt;/b&gt;" in page
    assert "<b>x</b>" not in page
    assert "<title>A &amp; &lt;i&gt;B&lt;/i&gt;</title>" in page


def test_unwritable_folder_raises_a_report_error(tmp_path: Path, one_line) -> None:
    blocker = tmp_path / "file.txt"
    blocker.write_text("not a folder")
    with pytest.raises(ReportError) as caught:
        write_report(make_comparison(), blocker, title="t")
    one_line(caught.value)
    assert isinstance(caught.value, SlimbenchError)
    with pytest.raises(ReportError):
        write_report(make_comparison(), blocker / "inside", title="t")
    if hasattr(os, "geteuid") and os.geteuid() != 0:
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o500)
        try:
            with pytest.raises(ReportError) as caught:
                write_report(make_comparison(), locked / "report", title="t")
            one_line(caught.value)
        finally:
            locked.chmod(0o700)


# --- exported models and their README ----------------------------------------------------------


def _model_files(folder: Path) -> dict[str, Path]:
    """Four real files, as Slimbench's savers write them."""
    from slimbench.engine.loading import ModelHandle
    from slimbench.engine.prune.saving import save_pruned
    from slimbench.engine.quantize.jobs import QUANTIZATION_ATTR
    from slimbench.engine.quantize.saving import save_quantized
    from slimbench.engine.saving import save_model

    folder.mkdir(parents=True, exist_ok=True)
    args = {"in_features": 8, "out_features": 4}
    torch.manual_seed(0)
    original = ModelHandle("original", nn.Linear(8, 4).eval(), "memory", "memory",
                           arch="torch.nn:Linear", arch_args=args)
    save_model(original, folder / "original.pt")

    narrow = nn.Linear(8, 4)
    with torch.no_grad():  # 2 of 4 outputs left, and sparse weights so packing pays off
        narrow.weight = nn.Parameter(narrow.weight[:2] * (torch.rand(2, 8) > 0.8))
        narrow.bias = nn.Parameter(narrow.bias[:2])
    narrow.out_features = 2
    pruned = ModelHandle("prune 0.5", narrow.eval(), "memory", "memory",
                         arch="torch.nn:Linear", arch_args=args)
    saved = save_pruned(pruned, folder / "pruned.pt", sparse=True)
    assert saved.sparse

    import torchao.quantization as quantization

    linear = nn.Linear(8, 4).eval()
    quantization.quantize_(linear, quantization.Int8WeightOnlyConfig())
    setattr(linear, QUANTIZATION_ATTR, {"scheme": "int8-weight-only", "engine": "torchao",
                                         "quantized_layers": [""], "dtype": "float32"})
    quantized = ModelHandle("int8", linear, "memory", "memory", arch="torch.nn:Linear",
                            arch_args=args)
    save_quantized(quantized, folder / "int8.pt")

    torch.save(nn.Sequential(nn.Linear(8, 4)), folder / "pickled.pt")
    return {"original": folder / "original.pt", "prune 0.5": folder / "pruned.pt",
            "prune 0.5 -> int8": folder / "int8.pt", "pickled": folder / "pickled.pt"}


def test_models_readme_loads_every_model(tmp_path: Path) -> None:
    models = _model_files(tmp_path / "made")
    files = write_report(make_comparison(), tmp_path / "report", title="Models", models=models)
    folder = files.report_dir / "models"
    assert files.models_readme == folder / "README.md"
    # Each file is named after its variant (a recipe's steps all save a model.pt).
    named = {"original": "original.pt", "prune 0.5": "prune-0.5.pt",
             "prune 0.5 -> int8": "prune-0.5-int8.pt", "pickled": "pickled.pt"}
    for variant, source in models.items():
        assert (folder / named[variant]).read_bytes() == source.read_bytes()
    data = json.loads(files.results_json.read_text(encoding="utf-8"))
    files_by_name = {entry["name"]: entry["file"] for entry in data["comparison"]["variants"]}
    assert files_by_name["prune 0.5"] == "models/prune-0.5.pt"

    text = files.models_readme.read_text(encoding="utf-8")
    assert "| prune 0.5 -> int8 |" in text  # Markdown, not HTML-escaped
    sections = {section.split("\n", 1)[0]: section for section in text.split("\n## ")}
    pickled = next(body for head, body in sections.items() if "pickled.pt" in head)
    assert "weights_only=False" in pickled
    assert "weights_only=False" not in text.replace(pickled, "")
    quantized = next(body for head, body in sections.items() if "-int8.pt" in head)
    assert "import torchao" in quantized and "assign=True" in quantized
    assert "reshape_to_pruned" in next(body for head, body in sections.items()
                                       if "prune-0.5.pt" in head)
    page = files.html.read_text(encoding="utf-8")
    assert "How to load the exported models" in page and "models/prune-0.5-int8.pt" in page

    # Every plain-PyTorch snippet of the README really loads its model, and so does Slimbench.
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    helper, per_model = blocks[0], blocks[1:]
    assert "def reshape_to_pruned" in helper
    script = ["import torch", "results = {}"]
    for index, code in enumerate(per_model):
        script += [f"space = {{}}; exec({(helper + code)!r}, space)",
                   f"results[{index}] = list(space['model'](torch.randn(3, 8)).shape)"]
    script.append("import json; print(json.dumps(results))")
    run = subprocess.run([sys.executable, "-c", "\n".join(script)], cwd=folder,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    shapes = json.loads(run.stdout.strip().splitlines()[-1])
    # Plain and Slimbench snippets alternate: original, pruned (2 outputs), int8, pickled.
    assert [shapes[str(i)] for i in range(len(per_model))] == [
        [3, 4], [3, 4], [3, 2], [3, 2], [3, 4], [3, 4], [3, 4], [3, 4]]


def test_missing_model_file_is_a_report_error(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="does not exist"):
        write_report(make_comparison(), tmp_path / "r", title="t",
                     models={"original": tmp_path / "nowhere.pt"})


# --- rendered in a real browser ------------------------------------------------------------------


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _chromium_args(binary: str, profile: Path) -> list[str]:
    return [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", f"--user-data-dir={profile}"]


def test_report_renders_in_chromium(report: ReportFiles, tmp_path: Path) -> None:
    binary = _chromium()
    if binary is None:
        pytest.skip("no chromium binary found (apt-get install chromium)")
    import matplotlib.image

    url = report.html.resolve().as_uri()
    shot = tmp_path / "shot.png"
    subprocess.run(
        [*_chromium_args(binary, tmp_path / "profile"), "--window-size=1280,2400",
         "--hide-scrollbars", f"--screenshot={shot}", url],
        capture_output=True, timeout=120, check=False,
    )
    assert shot.is_file(), "chromium wrote no screenshot"
    image = matplotlib.image.imread(shot)
    assert image.shape[:2] == (2400, 1280)
    colours = {tuple(pixel) for pixel in image[::5, ::5, :3].reshape(-1, 3).tolist()}
    assert len(colours) > 50, "the page looks blank"
    keep = os.environ.get("SLIMBENCH_REPORT_SHOT")
    if keep:
        shutil.copyfile(shot, keep)

    dom = subprocess.run(
        [*_chromium_args(binary, tmp_path / "profile2"), "--dump-dom", url],
        capture_output=True, text=True, timeout=120, check=False,
    ).stdout
    assert "<svg" in dom and dom.count('<figure id="chart-') == len(report.charts) // 2
    table = dom.split('id="results-table"', 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody>", 1)[1]
    assert body.count("<tr") == 3
    for name in ("original", "prune 0.5", "prune 0.5 -&gt; int8"):
        assert f"<b>{name}</b>" in body
