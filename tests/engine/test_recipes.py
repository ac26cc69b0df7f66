"""Recipes: TOML in and out, one-line errors naming the key, chained steps, resume, auto mode."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slimbench.cli import EXIT_BAD_INPUT, EXIT_OK, main
from slimbench.engine.errors import JobCancelled, SlimbenchError
from slimbench.engine.jobs import run_job
from slimbench.engine.recipes import (
    AutoSearch,
    MeasureSettings,
    QualityFloor,
    Recipe,
    RecipeError,
    Step,
    dumps_recipe,
    load_recipe,
    parse_recipe,
    recipe_from_dict,
    save_recipe,
    technique_options,
)
from slimbench.engine.recipes.runner import STEP_RECORD, run_recipe_job
from tests.engine.test_distill import _workers_of

#: Quick measurement: no compile, few rounds, no large batch.
QUICK = MeasureSettings(batch_size=32, large_batch=None, rounds=2, round_seconds=0.05,
                        eval_samples=256, batch_1=False, compile="never")

CHAIN = """
name = "MLP three ways"
model = "zoo:mlp-digits"
devices = ["cpu"]

[measure]
batch_size = 32
rounds = 2
round_seconds = 0.05
eval_samples = 256
batch_1 = false
compile = "never"

[floor]
accuracy_ratio = 0.9

[[steps]]
technique = "prune"
method = "structured"
amount = 0.5

[[steps]]
technique = "distill"
epochs = 1
max_steps_per_epoch = 15

[[steps]]
technique = "quantize"
scheme = "int8-dynamic"
compile = false
"""


# --- reading and writing -----------------------------------------------------------------------


def test_a_recipe_round_trips_through_toml(tmp_path: Path) -> None:
    recipe = parse_recipe(CHAIN, name="chain.toml")
    assert [step.technique for step in recipe.steps] == ["prune", "distill", "quantize"]
    assert recipe.steps[0].options == {"method": "structured", "amount": 0.5}
    assert recipe.floor.accuracy_ratio == 0.9 and recipe.measure.compile == "never"
    path = save_recipe(recipe, tmp_path / "again.toml")
    text = path.read_text()
    assert text.count("[[steps]]") == 3
    again = load_recipe(path)
    again.source = None
    assert again == recipe


def test_table_options_and_auto_recipes_round_trip() -> None:
    recipe = Recipe(
        model="zoo:resnet-digits",
        steps=[Step("prune", {"amount": 0.4, "layer_ratios": {"stages.2": 0.2}})],
        floor=QualityFloor(top1_agreement=0.95),
        auto=AutoSearch(device="cpu", max_latency_ms=3.5, epochs=1),
    )
    assert parse_recipe(dumps_recipe(recipe)) == recipe


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("model = 1", "r.toml: model must be a text string"),
        ('steps = []', "the key 'model' is missing"),
        ('model = "zoo:mlp-digits"', "at least one [[steps]]"),
        ('model = "m"\n[[steps]]\ntechnique = "prune"\namount = "half"',
         "steps[1].amount must be a number, not 'half'"),
        ('model = "m"\n[[steps]]\ntechnique = "prune"\namount = 1.5',
         "steps[1]: A pruning ratio must be at least 0 and below 1"),
        ('model = "m"\n[[steps]]\ntechnique = "prune"\nbogus = 1',
         "steps[1].bogus is not a recipe key here"),
        ('model = "m"\n[[steps]]\ntechnique = "shrink"', "steps[1].technique must be one of"),
        ('model = "m"\n[[steps]]\ntechnique = "quantize"\nscheme = "int3"',
         "Unknown quantization scheme 'int3'"),
        ('model = "m"\n[[steps]]\ntechnique = "quantize"\ncompile = "yes"',
         "steps[1].compile must be true or false"),
        ('model = "m"\n[[steps]]\ntechnique = "distill"', "steps[1].student"),
        ('model = "m"\n[[steps]]\ntechnique = "quantize"\n[[steps]]\ntechnique = "prune"',
         "steps[2] (prune) comes after quantization"),
        ('model = "m"\n[floor]\naccuracy_ratio = "x"\n[[steps]]\ntechnique = "quantize"',
         "floor.accuracy_ratio must be a number"),
        ('model = "m"\n[floor]\naccuracy_ratio = 1.5\n[[steps]]\ntechnique = "quantize"',
         "floor.accuracy_ratio must be above 0 and at most 1"),
        ('model = "m"\n[measure]\nthreads = "two"\n[[steps]]\ntechnique = "quantize"',
         "measure.threads must be a whole number"),
        ('model = "m"\n[measure]\ncompile = "sometimes"\n[[steps]]\ntechnique = "quantize"',
         "measure.compile must be"),
        ('model = "m"\ndevices = [1]\n[[steps]]\ntechnique = "quantize"',
         "devices must be a list of text strings"),
        ('model = "m"\nsteps = 3', "steps must be a list"),
        ('model = "m"\n[auto]\ndevice = "cpu"', "auto needs a target"),
        ('model = "m"\n[auto]\nmax_latency_ms = -1', "auto.max_latency_ms must be positive"),
        ('model = "m"\n[auto]\nmax_size_mb = 2\nbudget = "huge"', "auto.budget must be"),
        ("model = [", "r.toml is not valid TOML"),
    ],
)
def test_parsing_errors_are_one_line_and_name_the_key(text: str, words: str) -> None:
    with pytest.raises(RecipeError) as caught:
        parse_recipe(text, name="r.toml")
    message = str(caught.value)
    assert words in message, message
    assert "\n" not in message


def test_a_missing_or_unreadable_recipe_file_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(RecipeError, match="no recipe file"):
        load_recipe(tmp_path / "absent.toml")
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe\x00model")
    with pytest.raises(RecipeError, match=r"cannot be read|not valid TOML"):
        load_recipe(binary)


# --- running -----------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_chain_of_all_three_techniques_runs_and_reports(tmp_path: Path) -> None:
    recipe = parse_recipe(CHAIN)
    result = run_job(run_recipe_job(recipe, tmp_path / "report"))
    names = [record.name for record in result.comparison.variants]
    assert names[0] == "original" and len(names) == 4
    original, pruned, distilled, quantized = result.comparison.variants
    assert pruned.params_total < 0.5 * original.params_total
    assert quantized.size_bytes < 0.4 * pruned.size_bytes  # int8 weights, really smaller
    assert distilled.history and distilled.history[-1]["epoch"] == 1
    cpu = {record.name: record.by_device["cpu"] for record in result.comparison.variants}
    assert all(m.error is None and m.latency_ms["median"] > 0 for m in cpu.values())
    # Distillation from the original recovers what pruning lost.
    assert cpu[distilled.name].accuracy > cpu[pruned.name].accuracy
    assert quantized.meets_floor is True
    assert quantized.steps == ["prune structured 0.5", "distil (1 epochs)",
                               "quantize int8-dynamic"]
    for step in result.steps:
        assert step.output.is_file() and (step.output.parent / STEP_RECORD).is_file()
        assert not step.resumed
    report = tmp_path / "report"
    assert (report / "recipe.toml").is_file() and (report / "results.json").is_file()
    saved = json.loads((report / "results.json").read_text())
    assert [v["name"] for v in saved["comparison"]["variants"]] == names


@pytest.mark.slow
def test_an_interrupted_recipe_keeps_finished_steps_and_resumes(tmp_path: Path) -> None:
    report = tmp_path / "report"
    recipe = parse_recipe(CHAIN)
    recipe.measure = QUICK
    # Cancel while the second step (distillation) runs: the first step's output stays.
    job = run_recipe_job(recipe, report, report=False)
    with pytest.raises(JobCancelled):
        run_job(job, should_cancel=lambda: any(report.glob("steps/02-*/training")))
    first = sorted(report.glob("steps/01-prune-*"))
    assert len(first) == 1 and (first[0] / STEP_RECORD).is_file()
    assert not list(report.glob("steps/02-*/" + STEP_RECORD))
    first_model = (first[0] / "model.pt").read_bytes()

    # A failing third step (float8 needs a recent GPU) also keeps the steps before it.
    failing = parse_recipe(CHAIN.replace('scheme = "int8-dynamic"', 'scheme = "float8-dynamic"'))
    failing.measure = QUICK
    with pytest.raises(SlimbenchError):
        run_job(run_recipe_job(failing, report, report=False))
    assert (first[0] / "model.pt").read_bytes() == first_model
    assert len(list(report.glob("steps/02-distill-*/" + STEP_RECORD))) == 1

    # The rerun picks both finished steps up and only quantizes.
    result = run_job(run_recipe_job(recipe, report, report=False))
    assert [step.resumed for step in result.steps] == [True, True, False]
    assert result.comparison.variants[1].params_total < result.comparison.variants[0].params_total

    # An edited step runs again, and so does everything after it.
    edited = parse_recipe(CHAIN.replace("amount = 0.5", "amount = 0.25"))
    edited.measure = QUICK
    edited.steps = edited.steps[:1]
    again = run_job(run_recipe_job(edited, report, report=False))
    assert [step.resumed for step in again.steps] == [False]


@pytest.mark.slow
def test_auto_mode_finds_a_variant_meeting_a_size_target(tmp_path: Path) -> None:
    recipe = Recipe(model="zoo:mlp-digits", measure=QUICK, floor=QualityFloor(accuracy_ratio=0.9),
                    auto=AutoSearch(device="cpu", max_size_mb=4.0, epochs=1))
    result = run_job(run_recipe_job(recipe, tmp_path / "auto", report=False))
    auto = result.auto
    assert auto is not None and len(auto["tried"]) >= 4
    tried = {entry["name"]: entry for entry in auto["tried"]}
    assert auto["chosen"], auto
    for name in auto["chosen"]:
        assert tried[name]["meets_target"] and tried[name]["size_mb"] <= 4.0
    # The original (8.7 MB) is never an answer, and the chain shares its pruning step.
    assert "original" not in auto["chosen"]
    assert len(list((tmp_path / "auto").glob("steps/01-prune-*"))) == 2


# --- the command line --------------------------------------------------------------------------


def test_run_command_with_a_bad_recipe_fails_in_one_line(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('model = "zoo:mlp-digits"\n[[steps]]\ntechnique = "prune"\namount = "lots"\n')
    code = main(["run", str(bad), "-o", str(tmp_path / "out"), "--json"])
    captured = capsys.readouterr()
    assert code == EXIT_BAD_INPUT
    assert "steps[1].amount must be a number" in json.loads(captured.out)["error"]
    assert "Traceback" not in captured.err
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_run_command_prints_the_comparison_and_reuses_steps(tmp_path: Path, capsys) -> None:
    recipe = tmp_path / "quick.toml"
    recipe.write_text(CHAIN.split("[[steps]]")[0]
                      + '[[steps]]\ntechnique = "quantize"\nscheme = "int8-dynamic"\n'
                      + "compile = false\n")
    output = tmp_path / "out"
    assert main(["run", str(recipe), "-o", str(output)]) == EXIT_OK
    first = capsys.readouterr().out
    assert "1. quantize int8-dynamic" in first and "best trade-offs on cpu" in first
    assert main(["run", str(recipe), "-o", str(output), "--json"]) == EXIT_OK
    document = json.loads(capsys.readouterr().out)
    assert document["steps"][0]["resumed"] is True
    assert document["comparison"]["variants"][1]["meets_floor"] is True


EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples" / "recipes").glob("*.toml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_the_example_recipes_are_valid(path: Path) -> None:
    recipe = load_recipe(path)
    assert recipe.name and (recipe.steps or recipe.auto)
    assert recipe.model.startswith("zoo:")


# --- fuzzing: anything a recipe file can hold ends in a Recipe or a one-line RecipeError ------

_SCALARS = (st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False)
            | st.text(max_size=12))
_VALUES = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=3)
                       | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=6)
_OPTION_NAMES = sorted({name for technique in ("prune", "distill", "quantize")
                        for name in technique_options(technique)})
_STEPS = st.lists(st.fixed_dictionaries(
    {"technique": st.sampled_from(["prune", "distill", "quantize", "shrink"]) | _SCALARS},
    optional={name: _VALUES for name in _OPTION_NAMES[:40]},
), max_size=3)
_RECIPES = st.fixed_dictionaries(
    {},
    optional={
        "model": st.just("zoo:mlp-digits") | _VALUES,
        "name": _VALUES,
        "devices": st.just(["cpu"]) | _VALUES,
        "measure": st.dictionaries(st.sampled_from(
            ["batch_size", "large_batch", "threads", "rounds", "compile", "bogus"]), _VALUES,
            max_size=3) | _VALUES,
        "floor": st.dictionaries(st.sampled_from(["accuracy_ratio", "top1_agreement"]),
                                 _VALUES) | _VALUES,
        "auto": st.dictionaries(st.sampled_from(
            ["device", "max_latency_ms", "max_size_mb", "epochs", "budget"]), _VALUES) | _VALUES,
        "steps": _STEPS | _VALUES,
    },
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_RECIPES)
def test_any_recipe_table_gives_a_recipe_or_a_one_line_error(data: dict) -> None:
    try:
        recipe = recipe_from_dict(data, name="fuzz.toml")
    except RecipeError as error:
        message = str(error)
        assert message.startswith("fuzz.toml") and "\n" not in message, message
    else:
        assert recipe.model and recipe.devices and (recipe.steps or recipe.auto)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_text_gives_a_recipe_or_a_one_line_error(text: str) -> None:
    try:
        parse_recipe(text, name="fuzz.toml")
    except RecipeError as error:
        assert "\n" not in str(error)


# --- a training process that dies ----------------------------------------------------------------


def _training_workers(folder: Path) -> list[int]:
    """Live training processes (not their launcher) whose command line names ``folder``."""
    from slimbench.engine.distill.launch import WORKER_MODULE

    return [pid for pid in _workers_of(folder)
            if WORKER_MODULE.encode() in Path(f"/proc/{pid}/cmdline").read_bytes()
            and b"torch.distributed.run" not in Path(f"/proc/{pid}/cmdline").read_bytes()]


@pytest.mark.slow
@pytest.mark.parametrize("signal_name", ["SIGKILL", "SIGSEGV"])
def test_a_training_process_that_dies_fails_the_recipe_and_the_rerun_resumes(
    tmp_path: Path, signal_name: str
) -> None:
    """Killed (or crashed, as a segfault would) after its first checkpoint: one line naming
    what happened, no process left behind, earlier steps and the checkpoint intact."""
    import os
    import signal

    from slimbench.engine.distill.training import LAST_FILE

    report = tmp_path / "report"
    recipe = parse_recipe(CHAIN.replace("epochs = 1\nmax_steps_per_epoch = 15",
                                        "epochs = 6\npatience = 0"))
    recipe.measure = QUICK
    killed: list[int] = []
    with pytest.raises(SlimbenchError) as caught:
        for _progress in run_recipe_job(recipe, report, report=False):
            checkpoints = list(report.glob(f"steps/02-*/training/{LAST_FILE}"))
            if checkpoints and not killed:
                killed = _training_workers(report)
                for pid in killed:
                    os.kill(pid, getattr(signal, signal_name))
    assert killed, "the training ended before a worker could be killed"
    message = str(caught.value)
    assert "\n" not in message and signal_name in message
    assert not _workers_of(report)
    first = sorted(report.glob("steps/01-prune-*"))
    assert len(first) == 1 and (first[0] / STEP_RECORD).is_file()
    assert list(report.glob(f"steps/02-*/training/{LAST_FILE}"))  # the last checkpoint lives
    assert not list(report.glob("steps/02-*/" + STEP_RECORD))

    result = run_job(run_recipe_job(recipe, report, report=False))
    assert [step.resumed for step in result.steps] == [True, False, False]
    assert any("Resumed after epoch" in note for note in result.steps[1].notes)
    assert [entry["epoch"] for entry in result.steps[1].history][-1] == 6
