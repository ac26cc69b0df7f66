"""Distillation: students, data formats, losses, and real runs in child processes (one process,
two gloo processes, two launchers acting as two machines), with cancel, resume and failures."""

from __future__ import annotations

import dataclasses
import os
import signal
import socket
import threading
import time
from pathlib import Path

import pytest
import torch
from torch import nn

from slimbench.engine.data import TensorDataset
from slimbench.engine.distill import (
    DistillConfig,
    DistillError,
    build_student,
    distill_job,
    load_distill_data,
    other_node_commands,
    parse_student,
    worker_command,
)
from slimbench.engine.distill.data import check_fits
from slimbench.engine.distill.losses import (
    StudentWithProjections,
    distillation_loss,
    soft_target_loss,
)
from slimbench.engine.distill.training import BEST_FILE, LAST_FILE
from slimbench.engine.errors import DatasetError
from slimbench.engine.jobs import run_job
from slimbench.engine.loading import ModelHandle, load_model

#: A short run: a few optimizer steps per epoch keep each child-process run to seconds.
QUICK = {"max_steps_per_epoch": 6, "batch_size": 32, "patience": 0}


@pytest.fixture(scope="module")
def resnet() -> ModelHandle:
    return load_model("zoo:resnet-digits")


@pytest.fixture(scope="module")
def mlp_digits() -> ModelHandle:
    return load_model("zoo:mlp-digits")


def _params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def _workers_of(run_dir: Path) -> list[int]:
    """Processes still running whose command line names this run's folder."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if str(run_dir) in command and int(entry.name) != os.getpid():
            found.append(int(entry.name))
    return found


# --- students ------------------------------------------------------------------------------


@pytest.mark.parametrize("spec", ["width", "width:1.5", "pruned:0", "teacher:1", "zoo:",
                                  "file:/nonexistent/student.pt"])
def test_bad_student_specs_are_refused(spec: str) -> None:
    with pytest.raises(DistillError):
        parse_student(spec)


def test_width_student_is_the_teacher_architecture_narrower_and_fresh(resnet: ModelHandle) -> None:
    student = build_student(resnet, "width:0.5")
    assert _params(student.module) <= 0.3 * _params(resnet.module)
    inputs = resnet.data.inputs[:4]
    assert student.module.eval()(inputs).shape == resnet.module(inputs).shape
    # Freshly initialised: no student weight is a slice of the teacher's.
    conv = next(m for m in student.module.modules() if isinstance(m, nn.Conv2d))
    teacher_conv = next(m for m in resnet.module.modules() if isinstance(m, nn.Conv2d))
    rows = teacher_conv.weight[:, : conv.weight.shape[1]]
    assert not any(torch.equal(row, conv.weight[0]) for row in rows)


def test_pruned_student_keeps_the_teachers_surviving_weights(resnet: ModelHandle) -> None:
    student = build_student(resnet, "pruned:0.5")
    assert _params(student.module) <= 0.35 * _params(resnet.module)
    conv = next(m for m in student.module.modules() if isinstance(m, nn.Conv2d))
    teacher_conv = next(m for m in resnet.module.modules() if isinstance(m, nn.Conv2d))
    kept = conv.weight[0]
    assert any(torch.equal(row[: kept.shape[0]], kept) for row in teacher_conv.weight)
    # The teacher itself is untouched.
    assert _params(resnet.module) == _params(load_model("zoo:resnet-digits").module)


def test_zoo_student_must_share_the_teachers_data(resnet: ModelHandle) -> None:
    student = build_student(resnet, "zoo:mlp-digits")
    assert student.arch == "zoo:mlp-digits"
    with pytest.raises(DistillError, match="digits"):
        build_student(resnet, "zoo:mlp-cancer")


def test_saved_student_is_trained_further_from_its_own_weights(resnet: ModelHandle,
                                                                tmp_path: Path) -> None:
    from slimbench.engine.prune import save_pruned

    pruned = build_student(resnet, "pruned:0.5")
    path = save_pruned(dataclasses.replace(pruned, module=pruned.module.eval()),
                       tmp_path / "pruned.pt").path
    student = build_student(resnet, f"file:{path}")
    assert student.module.training
    assert all(p.requires_grad for p in student.module.parameters())
    for mine, saved in zip(student.module.state_dict().values(),
                           pruned.module.state_dict().values(), strict=True):
        assert torch.equal(mine, saved)
    assert "saved model pruned.pt" in student.notes[0]


# --- data ----------------------------------------------------------------------------------


def test_teacher_data_gives_train_and_test_splits(resnet: ModelHandle) -> None:
    train, test = load_distill_data(None, resnet)
    assert len(train) > len(test) > 0 and train.labels is not None
    assert not torch.equal(train.inputs[: len(test)], test.inputs)


def test_pt_csv_and_folder_formats(tmp_path: Path, resnet: ModelHandle) -> None:
    inputs = torch.rand(40, 1, 8, 8)
    labels = torch.randint(0, 10, (40,))
    torch.save({"inputs": inputs, "labels": labels}, tmp_path / "dict.pt")
    torch.save((inputs, labels), tmp_path / "pair.pt")
    torch.save(inputs, tmp_path / "unlabelled.pt")
    for name in ("dict.pt", "pair.pt"):
        train, test = load_distill_data(str(tmp_path / name), resnet)
        assert len(train) + len(test) == 40 and train.labels is not None
    train, test = load_distill_data(str(tmp_path / "unlabelled.pt"), resnet)
    assert train.labels is None and len(test) == 8
    folder = tmp_path / "folder"
    folder.mkdir()
    torch.save(inputs[:20], folder / "a.pt")
    torch.save(inputs[20:], folder / "b.pt")
    torch.save(labels, folder / "labels.pt")
    train, test = load_distill_data(str(folder), resnet)
    assert len(train) + len(test) == 40 and train.labels is not None
    rows = ["f1,f2,label"] + [f"{i / 10},{i % 3},{i % 2}" for i in range(30)]
    (tmp_path / "table.csv").write_text("\n".join(rows), encoding="utf-8")
    train, test = load_distill_data(str(tmp_path / "table.csv"), resnet)
    assert train.inputs.shape[1] == 2 and set(train.labels.tolist()) <= {0, 1}


@pytest.mark.parametrize(
    "content, message",
    [
        ("a,b\n1,2\n3", "columns"),
        ("a,b\n1,2\n2,x", "not a number"),
        ("", "empty"),
    ],
)
def test_bad_csv_gives_one_line(tmp_path: Path, resnet: ModelHandle, content: str,
                                message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DatasetError, match=message):
        load_distill_data(str(path), resnet)


def test_inputs_that_do_not_fit_the_teacher_are_named(resnet: ModelHandle) -> None:
    data = TensorDataset("wrong.pt", torch.rand(20, 3, 32, 32))
    with pytest.raises(DatasetError, match=r"\[3, 32, 32\].*resnet-digits"):
        check_fits(resnet, data)
    labels = TensorDataset("labels.pt", torch.rand(20, 1, 8, 8), torch.full((20,), 12))
    with pytest.raises(DatasetError, match="label 12"):
        check_fits(resnet, labels)


# --- losses --------------------------------------------------------------------------------


def test_soft_loss_is_zero_for_identical_logits_and_pure_without_labels() -> None:
    logits = torch.randn(8, 5)
    assert soft_target_loss(logits, logits, 4.0).abs() < 1e-6
    other = torch.randn(8, 5)
    pure = distillation_loss(other, logits, None, alpha=0.3, temperature=2.0)
    assert torch.allclose(pure, soft_target_loss(other, logits, 2.0))
    labels = torch.randint(0, 5, (8,))
    mixed = distillation_loss(other, logits, labels, alpha=0.0, temperature=2.0)
    assert torch.allclose(mixed, nn.functional.cross_entropy(other, labels))


def test_feature_matching_learns_a_projection_between_widths(resnet: ModelHandle) -> None:
    student = build_student(resnet, "width:0.5")
    conv_paths = [name for name, m in resnet.module.named_modules() if isinstance(m, nn.Conv2d)]
    pair = f"{conv_paths[0]}={conv_paths[0]}"
    wrapper = StudentWithProjections(student.module, resnet.module, [pair],
                                     resnet.data.inputs[:2])
    projection = wrapper.projections["0"]
    assert isinstance(projection, nn.Conv2d) and projection.in_channels < projection.out_channels
    with torch.no_grad():
        resnet.module(resnet.data.inputs[:4])
    wrapper(resnet.data.inputs[:4])
    loss = wrapper.feature_loss("cosine")
    assert loss is not None and loss.item() > 0
    loss.backward()
    assert projection.weight.grad is not None
    wrapper.remove_hooks()
    with pytest.raises(DistillError, match="no layer"):
        StudentWithProjections(student.module, resnet.module, ["nope=nope"],
                               resnet.data.inputs[:2])


# --- config and commands -----------------------------------------------------------------


def test_config_validation_names_the_problem() -> None:
    with pytest.raises(DistillError, match="batch size"):
        DistillConfig(batch_size=2, nproc=4).validate()
    with pytest.raises(DistillError, match="rdzv-endpoint"):
        DistillConfig(nnodes=2).validate()
    with pytest.raises(DistillError, match="TEACHER_LAYER"):
        DistillConfig(feature_pairs=["a"]).validate()
    with pytest.raises(DistillError, match="node-rank"):
        DistillConfig(nnodes=2, node_rank=2, rdzv_endpoint="h:1").validate()


def test_several_processes_go_through_torch_distributed_run(tmp_path: Path) -> None:
    single = worker_command(DistillConfig(), tmp_path / "run.json")
    assert single[1:3] == ["-m", "slimbench.engine.distill.worker"]
    config = DistillConfig(nproc=2, nnodes=2, node_rank=1, rdzv_endpoint="10.0.0.1:29400")
    command = worker_command(config, tmp_path / "run.json")
    assert command[1:3] == ["-m", "torch.distributed.run"]
    assert "--rdzv-backend=c10d" in command and "--rdzv-endpoint=10.0.0.1:29400" in command
    assert "--node-rank=1" in command and "--rdzv-conf=is_host=false" in command
    others = other_node_commands("zoo:resnet-digits", replace_rank(config, 0), "s.pt")
    assert len(others) == 1 and "--node-rank 1" in others[0]
    assert "--rdzv-endpoint 10.0.0.1:29400" in others[0]


def replace_rank(config: DistillConfig, rank: int) -> DistillConfig:
    from dataclasses import replace

    return replace(config, node_rank=rank)


def test_too_many_cpu_processes_are_refused(resnet: ModelHandle, tmp_path: Path) -> None:
    cores = len(os.sched_getaffinity(0))
    with pytest.raises(DistillError, match="cores"):
        run_job(distill_job(resnet, DistillConfig(nproc=cores + 1, batch_size=64,
                                                  work_dir=str(tmp_path))))


# --- real runs -----------------------------------------------------------------------------


def test_one_process_run_saves_a_student_that_loads_back(
    resnet: ModelHandle, tmp_path: Path
) -> None:
    events = []
    output = tmp_path / "student.pt"
    result = run_job(
        distill_job(resnet, DistillConfig(student="width:0.5", epochs=2,
                                          work_dir=str(tmp_path / "run"), **QUICK),
                    output=output, measure=False),
        events.append,
    )
    assert [h["epoch"] for h in result.history] == [1, 2]
    assert result.params_ratio <= 0.5 and result.world_size == 1
    step_events = [e for e in events if "loss" in e.metrics]
    assert len(step_events) >= 12 and all(e.metrics["samples_per_s"] > 0 for e in step_events)
    assert any("test_accuracy" in e.metrics for e in events)
    loaded = load_model(output)
    inputs = resnet.data.inputs[:16]
    with torch.no_grad():
        assert torch.allclose(loaded.module(inputs), result.handle.module(inputs), atol=1e-5)
    assert (tmp_path / "run" / BEST_FILE).is_file() and (tmp_path / "run" / LAST_FILE).is_file()
    assert not _workers_of(tmp_path / "run")


def test_unlabelled_data_distils_from_the_teacher_alone(
    mlp_digits: ModelHandle, tmp_path: Path
) -> None:
    torch.save(mlp_digits.data.inputs, tmp_path / "inputs.pt")
    result = run_job(distill_job(
        mlp_digits,
        DistillConfig(student="width:0.5", data=str(tmp_path / "inputs.pt"), epochs=2,
                      work_dir=str(tmp_path / "run"), **QUICK),
        measure=False,
    ))
    best = result.history[-1]
    assert best["test_accuracy"] is None and 0.0 <= best["test_agreement"] <= 1.0
    assert any("agrees with the teacher" in note for note in result.notes)


def test_two_gloo_processes_train_in_step(resnet: ModelHandle, tmp_path: Path) -> None:
    result = run_job(distill_job(
        resnet, DistillConfig(student="width:0.5", epochs=2, nproc=2,
                              work_dir=str(tmp_path / "run"), **QUICK),
        measure=False,
    ))
    assert result.world_size == 2 and len(result.history) == 2
    assert result.history[-1]["train_loss"] < result.history[0]["train_loss"] * 1.5
    assert not _workers_of(tmp_path / "run")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_two_launchers_over_loopback_act_as_two_machines(
    resnet: ModelHandle, tmp_path: Path
) -> None:
    endpoint = f"127.0.0.1:{_free_port()}"
    results: dict[int, object] = {}

    def node(rank: int) -> None:
        config = DistillConfig(student="width:0.5", epochs=1, nnodes=2, node_rank=rank,
                               rdzv_endpoint=endpoint, rdzv_id=f"test-{endpoint}",
                               work_dir=str(tmp_path / f"node{rank}"), timeout_s=120, **QUICK)
        try:
            results[rank] = run_job(distill_job(resnet, config, measure=False))
        except Exception as error:  # reported by the assertion below
            results[rank] = error

    threads = [threading.Thread(target=node, args=(rank,)) for rank in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=240)
    assert not any(isinstance(value, Exception) for value in results.values()), results
    reporting = [r for r in results.values() if r.handle is not None]
    assert len(results) == 2 and len(reporting) == 1
    assert reporting[0].world_size == 2


def test_cancel_stops_every_process_and_resume_continues(
    resnet: ModelHandle, tmp_path: Path
) -> None:
    run_dir = tmp_path / "run"
    config = DistillConfig(student="width:0.5", epochs=3, work_dir=str(run_dir), **QUICK)
    improved = []
    job = distill_job(resnet, config, measure=False,
                      on_improved=lambda path, metrics: improved.append(path))
    for progress in job:
        if progress.metrics.get("epoch") == 1 and "train_loss" in progress.metrics:
            break
    job.close()
    assert not _workers_of(run_dir)
    assert improved and improved[0].is_file()
    saved = load_model(improved[0])  # the best student so far survives the cancel
    assert saved.module(resnet.data.inputs[:2]).shape == (2, 10)
    resumed = run_job(distill_job(resnet, config, measure=False, resume=True))
    assert [h["epoch"] for h in resumed.history] == [1, 2, 3]
    assert any("Resumed after epoch 1" in note for note in resumed.notes)


def test_a_worker_that_dies_fails_the_job_naming_its_rank(
    resnet: ModelHandle, tmp_path: Path
) -> None:
    run_dir = tmp_path / "run"
    config = DistillConfig(student="width:0.5", epochs=50, nproc=2, batch_size=32,
                           patience=0, work_dir=str(run_dir))
    job = distill_job(resnet, config, measure=False)
    started = time.monotonic()
    with pytest.raises(DistillError, match="rank 1") as caught:
        for progress in job:
            if "loss" in progress.metrics:
                victim = next(pid for pid in _workers_of(run_dir)
                              if b"RANK=1\0" in Path(f"/proc/{pid}/environ").read_bytes()
                              and b"LOCAL_RANK=1" in Path(f"/proc/{pid}/environ").read_bytes())
                os.kill(victim, signal.SIGKILL)
    assert "\n" not in str(caught.value)
    assert time.monotonic() - started < 120
    assert not _workers_of(run_dir)


# --- GPUs (run on a CUDA machine; skipped elsewhere) ----------------------------------------


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_one_gpu_run_with_mixed_precision(resnet: ModelHandle, tmp_path: Path) -> None:
    result = run_job(distill_job(
        resnet, DistillConfig(student="width:0.5", epochs=2, device="cuda",
                              work_dir=str(tmp_path / "run"), **QUICK),
    ))
    assert result.world_size == 1 and result.after["device"] == "cuda"
    assert result.history[-1]["train_loss"] < result.history[0]["train_loss"] * 1.5


@pytest.mark.skipif(torch.cuda.device_count() < 2, reason="needs two CUDA GPUs")
def test_two_gpus_over_nccl(resnet: ModelHandle, tmp_path: Path) -> None:
    result = run_job(distill_job(
        resnet, DistillConfig(student="width:0.5", epochs=2, device="cuda", nproc=2,
                              work_dir=str(tmp_path / "run"), **QUICK),
        measure=False,
    ))
    assert result.world_size == 2
    assert not _workers_of(tmp_path / "run")
