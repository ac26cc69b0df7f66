"""Run a distillation in child processes and follow it: the job the CLI and the GUI run.

Training never runs in the caller's process (never a fork of the Qt process): ``distill_job``
writes the run (teacher copy + config) to a work folder and starts
``python -m slimbench.engine.distill.worker`` for one process, or PyTorch's own launcher,
``python -m torch.distributed.run`` (elastic launch, ``c10d`` rendezvous), for several processes
or machines. The workers' JSON lines become :class:`Progress` events; closing the job (Cancel)
stops the whole process group, and the best student so far stays in the work folder.
"""

from __future__ import annotations

import json
import os
import queue
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from slimbench.engine.distill.config import DistillConfig, DistillError, DistillResult
from slimbench.engine.distill.training import BEST_FILE
from slimbench.engine.jobs import Job, Progress
from slimbench.engine.loading import ModelHandle

WORKER_MODULE = "slimbench.engine.distill.worker"
TEACHER_FILE = "teacher.pt"
RUN_FILE = "run.json"
LOG_FILE = "workers.log"
#: Seconds between heartbeats while the workers are silent, so a Cancel is seen promptly.
HEARTBEAT_S = 0.25
#: Seconds a stopped process group gets to exit before it is killed.
STOP_GRACE_S = 5.0


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def check_processes(config: DistillConfig) -> None:
    """Refuse process counts that would oversubscribe the CPU cores."""
    if not config.device.startswith("cuda"):
        cores = usable_cores()
        if config.nproc > cores:
            raise DistillError(
                f"--nproc {config.nproc} is more processes than this machine's {cores} cores; "
                f"use --nproc {cores} or fewer."
            )
        if config.threads and config.threads * config.nproc > cores:
            raise DistillError(
                f"{config.nproc} processes x {config.threads} threads is more than this "
                f"machine's {cores} cores; lower --threads."
            )


def threads_per_process(config: DistillConfig) -> int:
    return config.threads or max(1, usable_cores() // config.nproc)


def default_work_dir() -> Path:
    from platformdirs import user_cache_path

    base = user_cache_path("slimbench", appauthor=False) / "distill"
    base.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=time.strftime("%Y%m%d-%H%M%S-"), dir=base))


def worker_command(config: DistillConfig, run_file: Path) -> list[str]:
    """The command that starts this machine's share of the run."""
    if not config.distributed:
        return [sys.executable, "-m", WORKER_MODULE, str(run_file)]
    endpoint = config.rdzv_endpoint or "localhost:0"
    command = [
        sys.executable, "-m", "torch.distributed.run",
        f"--nnodes={config.nnodes}",
        f"--nproc-per-node={config.nproc}",
        "--rdzv-backend=c10d",
        f"--rdzv-endpoint={endpoint}",
        f"--rdzv-id={config.rdzv_id}",
        "--max-restarts=0",
        "--monitor-interval=0.5",
    ]
    if config.nnodes > 1:
        # The first machine hosts the rendezvous store; the others only connect to it.
        command += [f"--node-rank={config.node_rank}",
                    f"--rdzv-conf=is_host={'true' if config.node_rank == 0 else 'false'}"]
    return [*command, "-m", WORKER_MODULE, str(run_file)]


def other_node_commands(teacher_spec: str, config: DistillConfig, output: str | None) -> list[str]:
    """What to run on each other machine of a several-machine run (node ranks 1..N-1)."""
    commands = []
    for node_rank in range(1, config.nnodes):
        args = ["slimbench", "distill", teacher_spec, "--student", config.student,
                "--epochs", str(config.epochs), "--batch-size", str(config.batch_size),
                "--lr", f"{config.lr:g}", "--temperature", f"{config.temperature:g}",
                "--alpha", f"{config.alpha:g}", "--seed", str(config.seed),
                "--nproc", str(config.nproc), "--nnodes", str(config.nnodes),
                "--node-rank", str(node_rank), "--rdzv-endpoint", str(config.rdzv_endpoint),
                "--rdzv-id", config.rdzv_id, "--device", config.device]
        if config.data:
            args += ["--data", config.data]
        if output:
            args += ["-o", output]
        commands.append(shlex.join(args))
    return commands


def write_run(teacher: ModelHandle, config: DistillConfig, work_dir: Path) -> Path:
    """The teacher copy and ``run.json`` the workers read."""
    import torch

    from slimbench.engine.saving import SaveError, save_model

    work_dir.mkdir(parents=True, exist_ok=True)
    teacher_file = work_dir / TEACHER_FILE
    spec: dict[str, Any]
    try:
        save_model(teacher, teacher_file)
        # Written here just now from the teacher the user opened (and trusted, where a
        # pickle, TorchScript or Python architecture needed it): the workers trust it alike.
        spec = {"spec": str(teacher_file), "trust_code": True,
                "trust_pickle": teacher.source in ("pickle", "torchscript")}
    except SaveError:
        location = Path(teacher.location)
        if not location.is_file():
            raise DistillError(
                f"{teacher.name} cannot be handed to the training processes: it has no recorded "
                "architecture and no file of its own; save it first."
            ) from None
        spec = {"spec": str(location), "arch": teacher.arch, "arch_args": teacher.arch_args,
                "trust_pickle": teacher.source == "pickle"}
    if teacher.example_inputs is not None and teacher.data is None:
        inputs_file = work_dir / "example_inputs.pt"
        torch.save(list(teacher.example_inputs), inputs_file)
        spec["example_inputs"] = str(inputs_file)
    run_file = work_dir / RUN_FILE
    run_file.write_text(json.dumps({"teacher": spec, "config": config.to_json()}, indent=1),
                        encoding="utf-8")
    return run_file


def _read_lines(stream: Any, into: queue.Queue) -> None:
    for line in stream:
        into.put(line)
    into.put(None)


def _stop(process: subprocess.Popen) -> None:
    """Stop the workers and everything they started; never leave an orphan."""
    if process.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, STOP_GRACE_S), (signal.SIGKILL, STOP_GRACE_S)):
        try:
            if os.name == "posix":
                os.killpg(process.pid, sig)
            else:
                process.terminate() if sig == signal.SIGTERM else process.kill()
        except (ProcessLookupError, PermissionError):
            return
        try:
            process.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


_ROOT_CAUSE = re.compile(
    r"Root Cause.*?rank\s*:\s*(\d+).*?exitcode\s*:\s*(-?\d+)", re.S
)


def _failure_message(errors: list[dict[str, Any]], log_tail: str, code: int,
                     world_size: int) -> str:
    """One sentence on why the run failed: the first process to fail, not the peers that
    lost their connection to it afterwards."""
    root = _ROOT_CAUSE.search(log_tail)
    if root:
        rank, exit_code = int(root.group(1)), int(root.group(2))
        own = next((e for e in errors if int(e.get("rank", -1)) == rank), None)
        if own is not None:
            return f"Training process rank {rank} failed: {own.get('message')}"
        if exit_code < 0:
            return (f"Training process rank {rank} was killed ({_signal_name(exit_code)}); "
                    "the others were "
                    "stopped. Out of memory is the usual cause: see workers.log in the work "
                    "folder.")
        return (f"Training process rank {rank} exited with code {exit_code}; see workers.log "
                "in the work folder.")
    expected = [e for e in errors if e.get("expected")]
    chosen = (expected or errors or [None])[0]
    if chosen is not None:
        if world_size > 1:
            return f"Training process rank {chosen.get('rank', 0)} failed: {chosen.get('message')}"
        return str(chosen.get("message"))
    if code < 0:
        # Killed from outside, or crashed in native code (a segfault): it wrote nothing.
        return (f"The training process was killed ({_signal_name(code)}); the last checkpoint "
                "is kept, so running it again resumes. Out of memory is the usual cause.")
    last = next((line for line in reversed(log_tail.strip().splitlines()) if line.strip()), "")
    return f"The training processes exited with code {code}: {last[:200] or 'no message'}."


def _signal_name(exit_code: int) -> str:
    try:
        return signal.Signals(-exit_code).name
    except ValueError:
        return f"signal {-exit_code}"


def distill_job(
    teacher: ModelHandle,
    config: DistillConfig | None = None,
    *,
    output: str | Path | None = None,
    teacher_spec: str | None = None,
    on_improved: Callable[[Path, dict[str, Any]], None] | None = None,
    measure: bool = True,
    **options: Any,
) -> Job[DistillResult]:
    """Distil ``teacher`` in child processes; yield Progress; return a DistillResult.

    ``options`` override ``config`` fields. Step events carry ``loss``, ``epoch`` and
    ``samples_per_s``; epoch events ``train_loss``, ``val_accuracy``, ``test_accuracy``,
    ``test_agreement`` and ``best_epoch``. ``on_improved(best_file, metrics)`` is called each
    time a better student is on disk, so a caller keeps it even if it cancels the job.
    """
    config = replace(config or DistillConfig(), **options)
    config.validate()
    if config.runtime is not None and measure:
        # Before any training: a runtime that cannot measure here fails now, in one line.
        from slimbench.engine.prune.config import check_measure_runtime

        check_measure_runtime(config.runtime, _measure_device(config))
    check_processes(config)
    from slimbench.engine.distill.students import parse_student

    parse_student(config.student)
    work_dir = Path(config.work_dir).expanduser() if config.work_dir else default_work_dir()
    if config.resume and not (work_dir / "last.pt").is_file():
        raise DistillError(f"There is no checkpoint to resume from in {work_dir}.")
    config = replace(config, work_dir=str(work_dir))
    yield Progress(0, 0, f"Preparing the run in {work_dir}")
    run_file = write_run(teacher, config, work_dir)
    command = worker_command(config, run_file)
    env = dict(os.environ)
    env["PYTHONUNBUFFERED"] = "1"
    if not config.device.startswith("cuda"):
        env["OMP_NUM_THREADS"] = str(threads_per_process(config))
    started = time.perf_counter()
    log_path = work_dir / "workers.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL,
            env=env, cwd=work_dir, text=True, encoding="utf-8", errors="replace",
            start_new_session=True,
        )
    lines: queue.Queue = queue.Queue()
    reader = threading.Thread(target=_read_lines, args=(process.stdout, lines), daemon=True)
    reader.start()
    errors: list[dict[str, Any]] = []
    result: dict[str, Any] | None = None
    notes: list[str] = []
    step, total = 0, 0
    try:
        yield Progress(0, 0, "Starting the training processes")
        finished_reading = False
        while not finished_reading:
            try:
                line = lines.get(timeout=HEARTBEAT_S)
            except queue.Empty:
                yield Progress(step, total, "Training")
                continue
            if line is None:
                finished_reading = True
                continue
            try:
                event = json.loads(line)
            except ValueError:
                continue  # a stray line from a library
            if not isinstance(event, dict):
                continue
            kind = event.pop("event", None)
            if kind == "step":
                step, total = int(event["step"]), int(event["total"])
                yield Progress(step, total, f"Epoch {event['epoch']}/{config.epochs}", event)
            elif kind == "epoch":
                step, total = int(event["step"]), int(event["total"])
                if event.get("best_epoch") == event.get("epoch") and on_improved is not None:
                    on_improved(work_dir / BEST_FILE, dict(event))
                yield Progress(step, total, f"Epoch {event['epoch']}/{config.epochs} done",
                               event)
            elif kind == "early_stop":
                notes.append(f"Stopped early after epoch {event['epoch']}: {event['message']}")
            elif kind == "resumed":
                notes.append(f"Resumed after epoch {event['epoch']} from {work_dir}.")
            elif kind == "error":
                errors.append(event)
            elif kind == "result":
                result = event
        code = process.wait()
    finally:
        _stop(process)
        if process.stdout is not None:
            process.stdout.close()
    wall = time.perf_counter() - started
    if code != 0 or errors:
        tail = log_path.read_text(encoding="utf-8", errors="replace")[-4000:]
        raise DistillError(_failure_message(errors, tail, code, config.world_size))
    if result is None:
        # Another machine's process took rank 0: it reports and saves the student.
        return DistillResult(
            handle=None, output=None, before={}, after={}, history=[], best_epoch=0,
            params_ratio=float("nan"), train_seconds=wall, world_size=config.world_size,
            command=command,
            notes=[f"This machine trained as node {config.node_rank}; the machine that took "
                   "rank 0 saves the student and reports the results."],
        )
    yield Progress(total, total, "Loading the best student")
    return (yield from _finish(teacher, config, result, work_dir, output, command, notes, wall,
                               measure, teacher_spec))


def _measure_device(config: DistillConfig) -> str:
    """The device teacher and student are measured on afterwards."""
    return "cuda" if config.device == "cuda" else config.device


def _finish(
    teacher: ModelHandle, config: DistillConfig, result: dict[str, Any], work_dir: Path,
    output: str | Path | None, command: list[str], notes: list[str], wall: float,
    measure: bool, teacher_spec: str | None,
) -> Job[DistillResult]:
    import dataclasses
    import shutil

    from slimbench.engine.loading import load_model
    from slimbench.engine.saving import atomic_write

    best_file = Path(result["best_path"])
    if not best_file.is_file():
        raise DistillError(f"The training finished but wrote no student to {best_file}.")
    student = load_model(best_file, trust_code=True)  # the training processes just wrote it
    student = dataclasses.replace(
        student, name=f"{teacher.name}-distilled", example_inputs=teacher.example_inputs,
        data=teacher.data if teacher.data is not None else student.data,
        notes=[*result.get("student_notes", []), "Distilled from " + teacher.name + "."],
    )
    saved = None
    if output is not None:
        target = Path(output).expanduser()
        saved = atomic_write(target, lambda tmp: shutil.copyfile(best_file, tmp))
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    if measure:
        from slimbench.engine.prune.config import PruneConfig
        from slimbench.engine.prune.metrics import measure_pair

        measured_notes: list[str] = []
        before, after = yield from measure_pair(
            teacher, student, PruneConfig(device=_measure_device(config), threads=None,
                                          bench_repeats=10, runtime=config.runtime),
            measured_notes,
        )
        notes = [*notes, *measured_notes]
    teacher_params = int(result["teacher_params"])
    student_params = int(result["student_params"])
    ratio = student_params / max(1, teacher_params)
    history = list(result["history"])
    best_epoch = int(result["best_epoch"])
    best = next((h for h in history if h["epoch"] == best_epoch), None)
    notes = list(notes)
    notes.append(
        f"Student has {ratio:.0%} of the teacher's parameters ({student_params:,} of "
        f"{teacher_params:,}); best epoch {best_epoch} of {len(history)} by validation score."
    )
    if best is not None and best.get("test_accuracy") is not None and result.get(
        "teacher_test_accuracy"
    ):
        kept = best["test_accuracy"] / result["teacher_test_accuracy"]
        notes.append(
            f"Test accuracy {best['test_accuracy']:.2%} against the teacher's "
            f"{result['teacher_test_accuracy']:.2%}: {kept:.1%} of it kept."
        )
    elif best is not None:
        notes.append(
            f"No labels: the student agrees with the teacher's top-1 answer on "
            f"{best['test_agreement']:.2%} of the held-out inputs."
        )
    notes.append(
        f"Trained in {result['train_seconds']:.1f} s on {config.world_size} process(es) "
        f"({wall:.1f} s with start-up)."
    )
    if config.nnodes > 1:
        notes.append("Commands for the other machines: " + " ; ".join(
            other_node_commands(teacher_spec or teacher.location, config,
                                None if output is None else str(output))))
    return DistillResult(
        handle=student,
        output=saved,
        before=before,
        after=after,
        history=history,
        best_epoch=best_epoch,
        params_ratio=ratio,
        train_seconds=float(result["train_seconds"]),
        world_size=int(result["world_size"]),
        command=command,
        notes=notes,
    )
