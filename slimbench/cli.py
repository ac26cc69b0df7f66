"""The ``slimbench`` command. With no subcommand it opens the workbench window.

Contract (DESIGN.md): ``--json`` prints one JSON document on stdout; exit 0 on success, 2 on
bad usage or bad input with a one-line message (no traceback unless ``--debug``).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import warnings
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_BAD_INPUT = 2

SUBCOMMANDS = ("gui", "zoo", "inspect", "bench", "devices", "quantize", "prune", "distill",
               "compare", "run", "auto", "export", "self-test")


class UsageError(Exception):
    """Bad command-line usage; reported like a SlimbenchError."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", help="print one JSON document on stdout")
    common.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    common.add_argument("--memory-limit", metavar="SIZE",
                        help="stop the command cleanly once it has used this much more "
                             "memory, e.g. 2G (default: 80%% of what is free when it starts)")
    common.add_argument("--gpu-memory-limit", metavar="SIZE",
                        help="cap what PyTorch may allocate on each GPU, e.g. 8G")

    model = argparse.ArgumentParser(add_help=False)
    model.add_argument("model", metavar="MODEL", help="zoo:NAME, a model file or a folder")
    model.add_argument("--arch", help="architecture for a bare state_dict: zoo:NAME, "
                       "module.path:Class or file.py:Class")
    model.add_argument("--arch-args",
                       help="constructor arguments as JSON, e.g. '{\"classes\": 10}'")
    model.add_argument("--input-shape", action="append", default=[], metavar="SHAPE",
                       help="example input shape with batch, e.g. 1,3,32,32 (repeat per input)")
    model.add_argument("--input-dtype", action="append", default=[], metavar="DTYPE",
                       help="dtype of the example inputs (default float32)")
    model.add_argument("--trust-pickle", action="store_true",
                       help="trust the file fully: unpickling, TorchScript, and Python code "
                            "it names as its architecture can all run: only for files you trust")

    measured_on = argparse.ArgumentParser(add_help=False)
    measured_on.add_argument(
        "--runtime", choices=["eager", "compiled", "onnxruntime"],
        help="what times before and after: eager (default), compiled (both torch.compiled; "
             "compile times in the notes) or onnxruntime (both exported with "
             "torch.onnx.export and run by ONNX Runtime; needs the onnx extra); a result that "
             "cannot run there is measured on the next runtime that works, with a note")

    parser = _Parser(prog="slimbench", description="Make PyTorch models smaller and faster.",
                     parents=[common])
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    gui = sub.add_parser("gui", parents=[common], help="open the workbench window (default)")
    gui.add_argument("model", metavar="MODEL", nargs="?", help="model to open")

    sub.add_parser("zoo", parents=[common], help="list built-in models and datasets")
    sub.add_parser("devices", parents=[common], help="list the devices Slimbench can use")

    inspect = sub.add_parser("inspect", parents=[common, model], help="layer tree, sizes, FLOPs")
    inspect.add_argument("--depth", type=int, default=3, help="tree depth to print (table view)")

    bench = sub.add_parser("bench", parents=[common, model], help="measure latency and memory")
    bench.add_argument("--device", default="cpu", help="cpu, cuda, cuda:N or mps")
    bench.add_argument("--dtype", default="float32", help="float32, bfloat16 or float16")
    bench.add_argument("--batch-size", type=int, default=1)
    bench.add_argument("--compile", action="store_true",
                       help="run through torch.compile (the same as --runtime compiled)")
    bench.add_argument("--runtime", choices=["eager", "compiled", "onnxruntime"],
                       help="eager (default), compiled (torch.compile; compile time reported) "
                            "or onnxruntime (exported with torch.onnx.export, run by ONNX "
                            "Runtime; export and session time reported; needs the onnx extra)")
    bench.add_argument("--warmup", type=int, default=5)
    bench.add_argument("--repeats", type=int, default=30)
    bench.add_argument("--threads", type=int, help="intra-op CPU threads (default: torch's)")
    bench.add_argument("--no-roofline", action="store_true",
                       help="skip measuring the device's peak FLOP/s")
    quantize = sub.add_parser("quantize", parents=[common, model, measured_on],
                              help="quantize, measure before/after, save")
    quantize.add_argument("--scheme", required=True,
                          help="int8-dynamic, int8-static, int8-weight-only, int4-weight-only, "
                               "float8-dynamic (CUDA 8.9+), fp16, bf16, or ONNX Runtime's own "
                               "ort-int8-dynamic and ort-int8-static (CPU; calibrated on the "
                               "same data as int8-static; need the onnx extra)")
    quantize.add_argument("-o", "--output", required=True,
                          help="file to write (.pt2 for int8-static, .onnx for ort-*, .pt "
                               "otherwise)")
    quantize.add_argument("--device", default="cpu")
    quantize.add_argument("--skip", action="append", default=[], metavar="PATTERN",
                          help="leave matching layers unquantized (fnmatch on layer paths)")
    quantize.add_argument("--auto-skip", metavar="K_OR_THRESHOLD",
                          help="skip the K most sensitive layers, or those whose fidelity drop "
                               "exceeds a threshold such as 0.01")
    quantize.add_argument("--calibration-batches", type=int, default=8)
    quantize.add_argument("--batch-size", type=int, default=32, help="batch latency is timed at")
    quantize.add_argument("--compile", dest="compile", action="store_true", default=None,
                          help="always torch.compile (default: time eager and compiled, keep "
                               "the faster)")
    quantize.add_argument("--no-compile", dest="compile", action="store_false")
    quantize.add_argument("--engine", default="auto", choices=["auto", "torchao", "legacy"])
    quantize.add_argument("--threads", type=int)

    prune = sub.add_parser("prune", parents=[common, model, measured_on],
                           help="prune, measure before/after, save")
    prune.add_argument("--method", default="structured",
                       help="structured, unstructured or semi-structured-2:4 (CUDA)")
    how_much = prune.add_mutually_exclusive_group(required=True)
    how_much.add_argument("--amount", type=float,
                          help="share of channels (structured) or weights (unstructured), 0..1")
    how_much.add_argument("--auto-target-size", type=float, metavar="FRACTION",
                          help="choose per-layer ratios (sensitivity scan) to keep this "
                               "fraction of the file size, e.g. 0.5")
    how_much.add_argument("--auto-target-latency", type=float, metavar="FRACTION",
                          help="choose per-layer ratios to keep this fraction of the latency, "
                               "measured on --device at batch 32 (structured only)")
    prune.add_argument("-o", "--output", required=True)
    prune.add_argument("--importance", default="l1", help="l1, l2, taylor, lamp or random")
    prune.add_argument("--global", dest="global_pruning", action="store_true",
                       help="rank channels across layers rather than within each layer")
    prune.add_argument("--skip", action="append", default=[], metavar="PATTERN")
    prune.add_argument("--round-to", type=int, default=8)
    prune.add_argument("--steps", type=int, default=1, help="iterative pruning steps")
    prune.add_argument("--recover-epochs", type=int, default=0,
                       help="fine-tune on the model's data afterwards")
    prune.add_argument("--distill", action="store_true",
                       help="during recovery, learn from the unpruned model too")
    prune.add_argument("--sparse", action="store_true",
                       help="save zeros compressed (unstructured): a smaller file")
    prune.add_argument("--device", default="cpu")
    prune.add_argument("--threads", type=int)

    distill = sub.add_parser("distill", parents=[common, model, measured_on],
                             help="train a smaller student from a teacher model")
    distill.add_argument("--student", default="width:0.5",
                         help="zoo:NAME, width:W (teacher at W times the width, fresh) or "
                              "pruned:R (teacher with R of its channels pruned, then distilled)")
    distill.add_argument("--data", help="zoo data set, .pt file, folder of .pt files or CSV "
                                        "(default: the teacher's own data)")
    distill.add_argument("--epochs", type=int, default=10)
    distill.add_argument("-o", "--output", required=True, help="file to save the student to")
    distill.add_argument("--batch-size", type=int, default=64,
                         help="global batch, shared among the processes")
    distill.add_argument("--lr", type=float, default=2e-3)
    distill.add_argument("--temperature", type=float, default=4.0)
    distill.add_argument("--alpha", type=float, default=0.7,
                         help="weight of the soft (teacher) loss; the rest is the label loss")
    distill.add_argument("--feature", action="append", default=[], metavar="T_LAYER=S_LAYER",
                         help="also match these layers' outputs (repeat for several pairs)")
    distill.add_argument("--feature-loss", default="mse", choices=["mse", "cosine"])
    distill.add_argument("--patience", type=int, default=5,
                         help="stop after this many epochs without improvement (0: never)")
    distill.add_argument("--device", default="cpu", help="cpu, cuda (a GPU per process), cuda:N")
    distill.add_argument("--amp", default="auto", choices=["auto", "bf16", "fp16", "off"],
                         help="mixed precision on GPUs")
    distill.add_argument("--nproc", type=int, default=1,
                         help="data-parallel processes on this machine")
    distill.add_argument("--nnodes", type=int, default=1, help="machines taking part")
    distill.add_argument("--node-rank", type=int, default=0)
    distill.add_argument("--rdzv-endpoint", metavar="HOST:PORT",
                         help="where the machines meet (the first machine's address)")
    distill.add_argument("--rdzv-id", default="slimbench-distill")
    distill.add_argument("--threads", type=int, help="CPU threads per process")
    distill.add_argument("--work-dir", help="checkpoints and logs (default: a new folder in "
                                            "the user cache)")
    distill.add_argument("--resume", action="store_true",
                         help="continue the run in --work-dir from its last checkpoint")
    distill.add_argument("--max-steps-per-epoch", type=int)
    distill.add_argument("--seed", type=int, default=0)

    export = sub.add_parser(
        "export", parents=[common, model],
        help="write a model as ONNX, checked against PyTorch in ONNX Runtime",
        description="Export MODEL (any file Slimbench reads: pruned, distilled, quantized) with "
                    "torch.onnx.export (opset chosen automatically, dynamic batch axis), load "
                    "the result in ONNX Runtime and compare its outputs with PyTorch's on the "
                    "model's data (top-1 agreement, cosine), then write it atomically.")
    export.add_argument("--format", default="onnx", choices=["onnx"], help="file format")
    export.add_argument("-o", "--output", required=True, help="file to write (.onnx)")
    export.add_argument("--opset", type=int,
                        help="ONNX opset (default: the exporter's, lowered if ONNX Runtime "
                             "refuses it)")
    export.add_argument("--no-check", action="store_true",
                        help="skip running the exported file against PyTorch")

    measure = argparse.ArgumentParser(add_help=False)
    measure.add_argument("--batch-size", type=int, default=32, help="latency batch")
    measure.add_argument("--large-batch", type=int, default=256,
                         help="throughput is also measured at this batch (0: skip)")
    measure.add_argument("--threads", type=int, help="CPU threads (default: all)")
    measure.add_argument("--compile", default="auto", choices=["auto", "always", "never"],
                         help="auto compiles int8 models only (slower than fp32 without)")
    measure.add_argument("--rounds", type=int, default=5, help="timing rounds per device")
    floor = argparse.ArgumentParser(add_help=False)
    floor.add_argument("--min-accuracy-ratio", type=float, metavar="R",
                       help="quality floor: keep at least R of the original's accuracy (0.97)")
    floor.add_argument("--min-agreement", type=float, metavar="A",
                       help="quality floor: agree with the original on at least A of the "
                            "predictions (works without labels)")

    compare = sub.add_parser("compare", parents=[common, measure, floor],
                             help="measure models side by side on one or more devices")
    compare.add_argument("models", metavar="MODEL", nargs="+",
                         help="zoo:NAME or files; the first is the reference")
    compare.add_argument("--device", action="append", default=[],
                         help="cpu, cuda:0, ... (repeat to compare devices side by side)")
    compare.add_argument("--report", metavar="DIR", help="also write results.json, charts "
                                                         "and report.html to DIR")
    compare.add_argument("--trust-pickle", action="store_true",
                         help="trust the files fully: unpickling, TorchScript, and Python code "
                              "they name as their architecture can all run: only for files you "
                              "trust")

    run = sub.add_parser("run", parents=[common],
                         help="run a recipe (TOML): chained steps, comparison and report")
    run.add_argument("recipe", metavar="RECIPE.toml")
    run.add_argument("-o", "--output", required=True, metavar="REPORT_DIR",
                     help="folder for the step outputs, results.json, charts and report.html")
    run.add_argument("--fresh", action="store_true",
                     help="run every step again instead of reusing finished ones")

    auto = sub.add_parser("auto", parents=[common, measure, floor],
                          help="search for variants that meet a latency or size target")
    auto.add_argument("model", metavar="MODEL", help="zoo:NAME or a model file")
    auto.add_argument("-o", "--output", required=True, metavar="REPORT_DIR")
    auto.add_argument("--device", default="cpu", help="the device the target is for")
    auto.add_argument("--max-latency-ms", type=float, help="latency target at --batch-size")
    auto.add_argument("--max-size-mb", type=float, help="size target")
    auto.add_argument("--epochs", type=int, default=3,
                      help="recovery epochs each pruned candidate gets")
    auto.add_argument("--budget", default="small", choices=["small", "wide"])
    auto.add_argument("--save-recipe", metavar="FILE",
                      help="also write the search as a recipe file to rerun later")
    auto.add_argument("--fresh", action="store_true",
                      help="make every candidate again instead of reusing finished ones")
    self_test = sub.add_parser("self-test", parents=[common],
                               help="check this installation end to end in the window, "
                                    "offscreen (the same as --self-test)")
    self_test.add_argument("-o", "--output", metavar="DIR",
                           help="folder for the screenshot and self-test.json (default: a "
                                "new temporary folder)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    wants_json = "--json" in arguments
    debug = "--debug" in arguments
    if "--self-test" in arguments:  # the installer's smoke test spells it as a flag
        arguments.remove("--self-test")
        arguments.insert(0, "self-test")
    if not arguments or (arguments[0] not in SUBCOMMANDS and not arguments[0].startswith("-")):
        arguments.insert(0, "gui")  # `slimbench` and `slimbench MODEL` open the window
    elif arguments[0] in ("--json", "--debug") and len(arguments) == 1:
        arguments.insert(0, "gui")
    if not debug:
        # Library deprecation chatter means nothing to a user of the command.
        warnings.filterwarnings("ignore")
    from slimbench.engine.errors import SlimbenchError

    try:
        options = build_parser().parse_args(arguments)
        # Subparsers copy their own defaults over a top-level `--json` given before them.
        options.json = wants_json
        options.debug = debug
        if options.command is None:
            options.command = "gui"
            options.model = None
        return _run_bounded(options)
    except (UsageError, SlimbenchError) as error:
        if debug:
            raise
        return _fail(str(error), EXIT_BAD_INPUT, wants_json)
    except KeyboardInterrupt:
        return _fail("Interrupted.", 130, wants_json)
    except BrokenPipeError:
        # The reader (e.g. `| head`) went away: not an error of ours or the user's.
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - Python flushes stdout at exit
        return EXIT_OK
    except Exception as error:  # a bug of ours: still one line, unless debugging
        if debug:
            raise
        first = (str(error).strip().splitlines() or [""])[0][:300]
        return _fail(
            f"Internal error ({type(error).__name__}: {first}); rerun with --debug and report it.",
            EXIT_INTERNAL,
            wants_json,
        )


def _run_bounded(options: argparse.Namespace) -> int:
    """Run the command under the memory limits, so running out ends in one sentence (and
    the files it was given untouched) instead of the operating system killing it."""
    if options.command == "self-test":
        # Its window bounds each job itself, as the GUI's does.
        return COMMANDS["self-test"](options)
    if options.command == "gui":
        # The window bounds each job on its own worker thread instead.
        if options.memory_limit:
            from slimbench.engine.memory import parse_memory_size

            parse_memory_size(options.memory_limit)  # a bad size fails here, in one line
            os.environ["SLIMBENCH_MEMORY_LIMIT"] = options.memory_limit
        return COMMANDS["gui"](options)
    from slimbench.engine import memory

    limit = memory.parse_memory_size(options.memory_limit) if options.memory_limit else None
    if options.gpu_memory_limit:
        memory.set_gpu_memory_limit(options.gpu_memory_limit)
    with memory.memory_bound(limit):
        return COMMANDS[options.command](options)


def _fail(message: str, code: int, wants_json: bool) -> int:
    if wants_json:
        print(json.dumps({"error": message}))
    print(f"slimbench: error: {message}", file=sys.stderr)
    return code


# --- commands -----------------------------------------------------------------------------


def _load(options: argparse.Namespace) -> Any:
    from slimbench.engine.loading import load_model, parse_input_specs

    specs = parse_input_specs(options.input_shape, options.input_dtype)
    if options.input_dtype and not options.input_shape:
        raise UsageError("--input-dtype needs --input-shape")
    return load_model(
        options.model,
        arch=options.arch,
        arch_args=options.arch_args,
        inputs=specs,
        trust_pickle=options.trust_pickle,
    )


def _command_self_test(options: argparse.Namespace) -> int:
    from slimbench.app.self_test import main as self_test

    return self_test(options.output, as_json=options.json)


def _command_gui(options: argparse.Namespace) -> int:
    from slimbench.app.launch import launch

    return launch(getattr(options, "model", None))


def _command_zoo(options: argparse.Namespace) -> int:
    from slimbench.engine import zoo

    models = [
        {
            "name": entry.name,
            "family": entry.family,
            "task": entry.task,
            "dataset": entry.dataset,
            "params_total": entry.params_total,
            "accuracy": entry.accuracy,
            "description": entry.description,
            "input_shape": list(entry.input_shape),
            "input_dtype": str(entry.input_dtype).removeprefix("torch."),
        }
        for entry in zoo.ZOO.values()
    ]
    datasets = zoo.list_datasets()
    if options.json:
        _print_json({"models": models, "datasets": datasets})
        return EXIT_OK
    print(_table(
        ["model", "family", "task", "dataset", "params", "accuracy"],
        [[m["name"], m["family"], m["task"], m["dataset"], _count(m["params_total"]),
          _percent(m["accuracy"])] for m in models],
    ))
    print()
    print(_table(
        ["dataset", "task", "samples", "classes", "source"],
        [[d["name"], d["task"], d["samples"], d["classes"], d["source"]] for d in datasets],
    ))
    return EXIT_OK


def _command_devices(options: argparse.Namespace) -> int:
    from slimbench.engine.devices import list_devices

    devices = list_devices()
    if options.json:
        _print_json({"devices": [device.to_json() for device in devices]})
        return EXIT_OK
    print(_table(
        ["device", "description", "memory", "cores", "features"],
        [[d.name, d.description, _bytes(d.memory_bytes), d.cores or "", " ".join(d.features)]
         for d in devices],
    ))
    return EXIT_OK


def _command_inspect(options: argparse.Namespace) -> int:
    from slimbench.engine.inspection import inspect_job
    from slimbench.engine.jobs import run_job

    handle = _load(options)
    result = run_job(inspect_job(handle), _progress_printer(options))
    if options.json:
        _print_json(result.to_json())
        return EXIT_OK
    print(f"{result.name}  ({result.source})")
    print(f"parameters {_count(result.params_total)}  trainable {_count(result.params_trainable)}"
          f"  nonzero {_count(result.params_nonzero)}  size {_bytes(result.size_bytes)}"
          f"  FLOPs {_count(result.flops) if result.flops is not None else 'unknown'}")
    if result.input_shapes:
        print(f"example inputs {result.input_shapes}")
    rows = []
    for node in result.tree.walk():
        depth = node.path.count(".") + 1 if node.path else 0
        if depth > options.depth:
            continue
        rows.append([
            "  " * depth + (node.name if node.path else "(model)"),
            node.type,
            _count(node.params),
            _percent(node.params / result.params_total if result.params_total else 0),
            _bytes(node.size_bytes),
            _count(node.flops) if node.flops is not None else "?",
            "x".join(map(str, node.output_shape)) if _is_flat_shape(node.output_shape) else
            (str(node.output_shape) if node.output_shape else ""),
            _percent(node.sparsity),
        ])
    print(_table(["layer", "type", "params", "% total", "size", "FLOPs", "output", "sparsity"],
                 rows))
    if result.hint:
        print(f"hint: {result.hint}")
    return EXIT_OK


def _command_bench(options: argparse.Namespace) -> int:
    from slimbench.engine.devices import measured_peak_flops
    from slimbench.engine.jobs import run_job
    from slimbench.engine.loading import parse_dtype
    from slimbench.engine.measure import BenchConfig, bench_job

    handle = _load(options)
    config = BenchConfig(
        device=options.device,
        dtype=options.dtype,
        batch_size=options.batch_size,
        compile=options.compile,
        warmup=options.warmup,
        repeats=options.repeats,
        threads=options.threads,
        runtime=options.runtime,
    )
    if options.warmup < 0 or options.repeats < 1:
        raise UsageError("--warmup must be >= 0 and --repeats >= 1")
    result = run_job(bench_job(handle, config), _progress_printer(options))
    document = result.to_json()
    document["model"] = handle.name
    document.pop("samples_ms")
    peak = None
    if not options.no_roofline and result.achieved_flops_per_s:
        peak = measured_peak_flops(result.device, parse_dtype(result.dtype))
    document["peak_flops_per_s"] = peak
    document["roofline_fraction"] = (
        result.achieved_flops_per_s / peak if peak and result.achieved_flops_per_s else None
    )
    if options.json:
        _print_json(document)
        return EXIT_OK
    latency = result.latency_ms
    print(f"{handle.name} on {result.device} ({result.dtype}, batch {result.batch_size}, "
          f"{result.threads} threads, {result.runtime} runtime)")
    print(_table(
        ["median ms", "p90 ms", "throughput/s", "peak memory", "GFLOP/s", "of peak"],
        [[f"{latency['median']:.3f}", f"{latency['p90']:.3f}", f"{result.throughput_per_s:,.1f}",
          _bytes(result.peak_memory_bytes),
          f"{result.achieved_flops_per_s / 1e9:.1f}" if result.achieved_flops_per_s else "?",
          _percent(document["roofline_fraction"]) if document["roofline_fraction"] else "?"]],
    ))
    if result.compile_seconds is not None:
        print(f"compile time {result.compile_seconds:.1f} s")
    if result.session_seconds is not None:
        export = "" if result.export_seconds is None else (
            f"export {result.export_seconds:.1f} s, ")
        print(f"{export}session start {result.session_seconds:.2f} s")
    for note in result.notes:
        print(f"note: {note}")
    return EXIT_OK


def _command_quantize(options: argparse.Namespace) -> int:
    from slimbench.engine.jobs import run_job
    from slimbench.engine.quantize import QuantizeConfig, quantize_job, save_quantized

    if options.scheme.strip().lower().startswith("ort-") and not (
            options.output.lower().endswith(".onnx")):
        raise UsageError(f"{options.scheme} makes an ONNX model: give -o a file ending in .onnx")
    if options.runtime == "eager" and options.compile:
        raise UsageError("--compile asks for a compiled model but --runtime is eager; choose one")
    if options.runtime == "compiled" and options.compile is False:
        raise UsageError("--no-compile asks for an eager model but --runtime is compiled; "
                         "choose one")
    _check_runtime(options)
    handle = _load(options)
    auto_skip: int | float | None = None
    if options.auto_skip is not None:
        try:
            text = options.auto_skip
            auto_skip = float(text) if "." in text else int(text)
        except ValueError:
            raise UsageError("--auto-skip takes a layer count (2) or a threshold (0.01)") from None
    config = QuantizeConfig(
        options.scheme, device=options.device, compile=options.compile,
        skip=tuple(options.skip), calibration_batches=options.calibration_batches,
        batch_size=options.batch_size, auto_skip=auto_skip, engine=options.engine,
        threads=options.threads, runtime=options.runtime,
    )
    result = run_job(quantize_job(handle, config), _progress_printer(options))
    path = save_quantized(result, options.output)
    return _print_compression(options, result.to_json(output=str(path)), result.notes, path)


def _command_prune(options: argparse.Namespace) -> int:
    from slimbench.engine.jobs import run_job
    from slimbench.engine.measure import quality_job
    from slimbench.engine.prune import (
        PruneConfig,
        RecoveryConfig,
        auto_prune_job,
        prune_job,
        recover_job,
        save_pruned,
    )

    auto = _auto_target(options)
    _check_runtime(options)
    handle = _load(options)
    config = PruneConfig(
        method=options.method, amount=0.5 if options.amount is None else options.amount,
        importance=options.importance,
        global_pruning=options.global_pruning, skip=tuple(options.skip),
        round_to=options.round_to or None, iterative_steps=options.steps,
        device=options.device, threads=options.threads, runtime=options.runtime,
    )
    progress = _progress_printer(options)
    if auto is None:
        result = run_job(prune_job(handle, config), progress)
    else:
        kind, fraction = auto
        result = run_job(auto_prune_job(handle, fraction, kind, config=config), progress)
    notes = list(result.notes)
    document = result.to_json()
    document["layer_ratios"] = dict(result.config.layer_ratios)
    if options.recover_epochs > 0:
        teacher = handle if options.distill else None
        recovered = run_job(recover_job(result.handle, teacher,
                                        RecoveryConfig(epochs=options.recover_epochs)), progress)
        result.handle = recovered.handle
        document["recovery"] = recovered.to_json()
        # Recovery trained the model after "after" was measured: measure its quality again
        # (same weights layout, so size and latency stand).
        quality = run_job(quality_job(result.handle, reference=handle.module))
        document["after"]["accuracy"] = quality.accuracy
        if quality.fidelity is not None:
            document["after"]["fidelity"] = quality.fidelity.to_json()
        if quality.accuracy is not None:
            notes.append(f"After {options.recover_epochs} epochs of recovery the accuracy is "
                         f"{100 * quality.accuracy:.1f} %.")
    saved = save_pruned(result.handle, options.output, sparse=True if options.sparse else "auto")
    document["output"] = str(saved.path)
    document["notes"] = notes
    return _print_compression(options, document, notes, saved.path)


def _command_distill(options: argparse.Namespace) -> int:
    from slimbench.engine.distill import DistillConfig, distill_job
    from slimbench.engine.jobs import run_job

    if options.resume and not options.work_dir:
        raise UsageError("--resume needs the --work-dir of the run to continue")
    _check_runtime(options)
    handle = _load(options)
    config = DistillConfig(
        student=options.student, data=options.data, epochs=options.epochs,
        batch_size=options.batch_size, lr=options.lr, temperature=options.temperature,
        alpha=options.alpha, feature_pairs=list(options.feature),
        feature_loss=options.feature_loss, patience=options.patience, device=options.device,
        amp=options.amp, nproc=options.nproc, nnodes=options.nnodes,
        node_rank=options.node_rank, rdzv_endpoint=options.rdzv_endpoint,
        rdzv_id=options.rdzv_id, threads=options.threads, work_dir=options.work_dir,
        resume=options.resume, max_steps_per_epoch=options.max_steps_per_epoch,
        seed=options.seed, runtime=options.runtime,
    )
    result = run_job(
        distill_job(handle, config, output=options.output, teacher_spec=options.model),
        _progress_printer(options),
    )
    document = result.to_json()
    if result.handle is None:  # another machine took rank 0
        if options.json:
            _print_json(document)
        else:
            for note in result.notes:
                print(f"note: {note}")
        return EXIT_OK
    return _print_compression(options, document, result.notes, result.output)


def _check_runtime(options: argparse.Namespace) -> None:
    """Refuse, in one line and before the model is loaded, a --runtime that cannot measure on
    --device."""
    if options.runtime is None:
        return
    from slimbench.engine.prune.config import check_measure_runtime

    check_measure_runtime(options.runtime, options.device)


def _auto_target(options: argparse.Namespace) -> tuple[str, float] | None:
    """``("size" | "latency", fraction)`` from --auto-target-*, or None for --amount."""
    for kind in ("size", "latency"):
        value = getattr(options, f"auto_target_{kind}")
        if value is None:
            continue
        if not 0.0 < value < 1.0:
            raise UsageError(f"--auto-target-{kind} takes a fraction between 0 and 1 of the "
                             f"original, such as 0.5 (got {value:g})")
        if kind == "latency" and options.method.strip().lower() not in ("structured",
                                                                          "channel", "channels"):
            raise UsageError("--auto-target-latency needs --method structured: zeroed weights "
                             "do not make dense layers faster")
        return kind, value
    return None


def _print_compression(options: argparse.Namespace, document: dict[str, Any],
                       notes: list[str], path: Any) -> int:
    """The prune/quantize report: JSON, or a before/after table with the notes."""
    if options.json:
        _print_json(document)
        return EXIT_OK
    rows = []
    for side in ("before", "after"):
        metrics = document[side]
        fidelity = metrics.get("fidelity") or {}
        rows.append([
            side,
            _count(metrics.get("params_total")),
            _bytes(metrics.get("size_bytes")),
            f"{metrics['latency_ms']['median']:.3f}" if metrics.get("latency_ms") else "?",
            metrics.get("runtime") or "-",
            _percent(metrics.get("accuracy")) or "-",
            _percent(fidelity.get("top1_agreement")) or "-",
        ])
    print(_table(["", "params", "size", "median ms", "runtime", "accuracy", "top-1 agreement"],
                 rows))
    for note in notes:
        print(f"note: {note}")
    print(f"saved {path}")
    return EXIT_OK


def _measure_settings(options: argparse.Namespace) -> Any:
    from slimbench.engine.recipes import MeasureSettings

    return MeasureSettings(batch_size=options.batch_size,
                           large_batch=options.large_batch or None, threads=options.threads,
                           rounds=options.rounds, compile=options.compile)


def _floor(options: argparse.Namespace) -> Any:
    from slimbench.engine.recipes import QualityFloor

    return QualityFloor(accuracy_ratio=options.min_accuracy_ratio,
                        top1_agreement=options.min_agreement)


def _command_compare(options: argparse.Namespace) -> int:
    from slimbench.engine.compare import VariantInput, compare_job
    from slimbench.engine.jobs import run_job
    from slimbench.engine.loading import load_model
    from slimbench.engine.recipes import Recipe
    from slimbench.engine.recipes.recipe import check_settings
    from slimbench.engine.recipes.runner import compare_config

    recipe = Recipe(model=options.models[0], devices=options.device or ["cpu"],
                    measure=_measure_settings(options), floor=_floor(options))
    # The same checks a recipe's [measure] and [floor] tables get.
    check_settings(recipe.measure, recipe.floor, name="the options")
    variants = []
    for spec in options.models:
        handle = _load_any(spec, options.trust_pickle, load_model)
        name = handle.name
        while any(v.name == name for v in variants):
            name += "'"
        variants.append(VariantInput(name, handle, technique="original" if not variants
                                     else "variant", file=spec))
    comparison = run_job(compare_job(variants, compare_config(recipe)),
                         _progress_printer(options))
    document = comparison.to_json()
    if options.report:
        from slimbench.engine.report import write_report

        files = write_report(comparison, _path(options.report), title=" vs ".join(
            v.name for v in variants))
        document["report"] = str(files.html)
    return _print_comparison(options, document)


def _load_any(spec: str, trust_pickle: bool, load_model: Callable[..., Any]) -> Any:
    """A model file of any kind Slimbench writes (pruned, quantized) or reads."""
    from pathlib import Path

    path = Path(spec)
    if path.is_file():
        from slimbench.engine.quantize.saving import load_quantized

        try:
            return load_quantized(path, trust_code=trust_pickle)
        except Exception:
            pass
        from slimbench.engine.prune.saving import load_pruned

        try:
            return load_pruned(path, trust_code=trust_pickle)
        except Exception:
            pass
    return load_model(spec, trust_pickle=trust_pickle)


def _path(text: str) -> Any:
    from pathlib import Path

    return Path(text).expanduser()


def _command_run(options: argparse.Namespace) -> int:
    from slimbench.engine.jobs import run_job
    from slimbench.engine.recipes import load_recipe
    from slimbench.engine.recipes.runner import run_recipe_job

    recipe = load_recipe(options.recipe)
    result = run_job(run_recipe_job(recipe, _path(options.output), resume=not options.fresh),
                     _progress_printer(options))
    return _print_recipe(options, result)


def _command_auto(options: argparse.Namespace) -> int:
    from slimbench.engine.jobs import run_job
    from slimbench.engine.recipes import AutoSearch, Recipe, recipe_from_dict, save_recipe
    from slimbench.engine.recipes.runner import run_recipe_job

    auto = AutoSearch(device=options.device, max_latency_ms=options.max_latency_ms,
                      max_size_mb=options.max_size_mb, epochs=options.epochs,
                      budget=options.budget)
    recipe = Recipe(model=options.model, devices=[options.device],
                    measure=_measure_settings(options), floor=_floor(options), auto=auto)
    recipe = recipe_from_dict(recipe.to_toml(), name="the options")
    if options.save_recipe:
        save_recipe(recipe, _path(options.save_recipe))
    result = run_job(run_recipe_job(recipe, _path(options.output), resume=not options.fresh),
                     _progress_printer(options))
    return _print_recipe(options, result)


def _print_recipe(options: argparse.Namespace, result: Any) -> int:
    document = result.to_json()
    if options.json:
        _print_json(document)
        return EXIT_OK
    for step in document["steps"]:
        reused = " (finished before, reused)" if step["resumed"] else ""
        print(f"step {step['index']}: {step['description']}: {step['seconds']:.1f} s{reused}")
    _print_comparison(options, document["comparison"])
    if result.auto:
        auto = result.auto
        print(f"target on {auto['device']}: " + ", ".join(
            f"{key} {value:g}" for key, value in auto["target"].items()
            if value is not None and key != "batch_size"))
        if auto["chosen"]:
            print("meets the target and the floor: " + ", ".join(auto["chosen"]))
        else:
            print("no candidate meets the target and the floor")
        for failure in auto.get("failed", []):
            print(f"could not make {failure['name']}: {failure['error']}")
    if document.get("report"):
        print(f"report: {document['report']}")
    return EXIT_OK


def _print_comparison(options: argparse.Namespace, document: dict[str, Any]) -> int:
    if options.json:
        _print_json(document)
        return EXIT_OK
    devices = [device["name"] for device in document["devices"]]
    headers = ["variant", "params", "size"]
    for device in devices:
        headers += [f"{device} ms", f"{device} /s", f"{device} roofline"]
    headers += ["accuracy", "agreement", "floor"]
    rows = []
    for variant in document["variants"]:
        row = [variant["name"], _count(variant["params_total"]), _bytes(variant["size_bytes"])]
        quality = None
        for device in devices:
            run = variant["by_device"].get(device) or {}
            if run.get("error"):
                row += ["n/a", "", ""]
                continue
            quality = quality or run
            roof = run.get("roofline") or {}
            row += [f"{run['latency_ms']['median']:.3f}",
                    _count(run.get("throughput_per_s")),
                    _percent(roof.get("fraction")) or "-"]
        fidelity = (quality or {}).get("fidelity") or {}
        verdict = {True: "ok", False: "below", None: "-"}[variant.get("meets_floor")]
        row += [_percent((quality or {}).get("accuracy")) or "-",
                _percent(fidelity.get("top1_agreement")) or "-", verdict]
        rows.append(row)
    print(_table(headers, rows))
    for variant in document["variants"]:
        for device, run in variant["by_device"].items():
            if run.get("error"):
                print(f"note: {variant['name']} on {device}: {run['error']}")
    for device, names in document.get("frontier", {}).items():
        print(f"best trade-offs on {device} (fastest first): {', '.join(names)}")
    if document.get("report"):
        print(f"report: {document['report']}")
    return EXIT_OK


def _command_export(options: argparse.Namespace) -> int:
    from slimbench.engine.jobs import run_job
    from slimbench.engine.runtimes import export_job

    if options.opset is not None and not 7 <= options.opset <= 30:
        raise UsageError(f"--opset takes an ONNX opset such as 17 or 20, not {options.opset}")
    handle = _load(options)
    result = run_job(export_job(handle, _path(options.output), opset=options.opset,
                                check=not options.no_check), _progress_printer(options))
    document = {"model": handle.name, **result.to_json()}
    if options.json:
        _print_json(document)
        return EXIT_OK
    fidelity = document["fidelity"] or {}
    print(_table(
        ["file", "size", "exporter", "opset", "top-1 agreement", "cosine"],
        [[document["output"], _bytes(document["size_bytes"]), document["exporter"],
          document["opset"], _percent(fidelity.get("top1_agreement")) or "-",
          f"{fidelity['cosine']:.6f}" if fidelity.get("cosine") is not None else "-"]],
    ))
    for note in result.notes:
        print(f"note: {note}")
    return EXIT_OK


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "gui": _command_gui,
    "zoo": _command_zoo,
    "devices": _command_devices,
    "inspect": _command_inspect,
    "bench": _command_bench,
    "quantize": _command_quantize,
    "prune": _command_prune,
    "distill": _command_distill,
    "compare": _command_compare,
    "run": _command_run,
    "auto": _command_auto,
    "export": _command_export,
    "self-test": _command_self_test,
}


# --- output helpers -----------------------------------------------------------------------


def _print_json(document: Any) -> None:
    print(json.dumps(document, indent=2, default=_json_default, allow_nan=False))


def _json_default(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return str(value)


def _progress_printer(options: argparse.Namespace) -> Callable[[Any], None] | None:
    """A one-line progress bar on stderr when it is a terminal and not in JSON mode."""
    if options.json or not sys.stderr.isatty():
        return None

    def show(progress: Any) -> None:
        fraction = progress.fraction
        if fraction is None:
            bar = ""
        else:
            filled = int(fraction * 30)
            bar = "[" + "#" * filled + "-" * (30 - filled) + f"] {fraction:4.0%} "
        sys.stderr.write(f"\r\033[K{bar}{progress.message}")
        if fraction is not None and fraction >= 1.0:
            sys.stderr.write("\r\033[K")
        sys.stderr.flush()

    return show


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    cells = [[str(cell) for cell in row] for row in rows]
    widths = [len(header) for header in headers]
    for row in cells:
        for index, cell in enumerate(row):
            widths[index] = max(widths[index], len(cell))
    numeric = [
        all(_looks_numeric(row[index]) for row in cells if row[index]) and bool(cells)
        for index in range(len(headers))
    ]

    def line(row: list[str]) -> str:
        return "  ".join(
            cell.rjust(widths[i]) if numeric[i] else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths])] + [line(r) for r in cells])


def _looks_numeric(text: str) -> bool:
    return bool(text) and (text[0].isdigit() or text[0] in "-.?") and " " not in text.strip()


def _is_flat_shape(shape: Any) -> bool:
    return isinstance(shape, list) and all(isinstance(size, int) for size in shape)


def _count(value: float | int | None) -> str:
    if value is None:
        return ""
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(value) >= scale:
            return f"{value / scale:.2f}{unit}"
    return str(int(value))


def _bytes(value: float | int | None) -> str:
    if value is None:
        return "?"
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("kB", 1 << 10)):
        if abs(value) >= scale:
            return f"{value / scale:.1f} {unit}"
    return f"{int(value)} B"


def _percent(value: float | None) -> str:
    if value is None:
        return ""
    return f"{100 * value:.1f}%"


if __name__ == "__main__":
    sys.exit(main())
