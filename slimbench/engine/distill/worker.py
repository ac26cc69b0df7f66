"""One training process: ``python -m slimbench.engine.distill.worker RUN.json``.

``launch`` starts it directly (one process) or through ``torch.distributed.run`` (several
processes or machines; the launcher sets RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, ...).
It speaks to its parent in JSON lines on stdout, one event per line: rank 0 reports progress
and the result; any rank that fails reports ``{"event": "error", "rank": R, ...}`` and exits 1.
Anything else a library prints goes to stderr, so stdout stays parseable.
"""

from __future__ import annotations

import datetime
import json
import os
import sys
import traceback
from pathlib import Path
from typing import Any

RESULT_EVENT = "result"
ERROR_EVENT = "error"


def _stdout_writer() -> Any:
    # Keep the real stdout for events; everything printed by libraries goes to stderr.
    stream = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1, encoding="utf-8")
    sys.stdout = sys.stderr
    return stream


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    events = _stdout_writer()
    rank = int(os.environ.get("RANK", "0"))

    def emit(event: dict[str, Any]) -> None:
        events.write(json.dumps(event, default=str) + "\n")
        events.flush()

    try:
        run = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
        result = _run(run, emit, rank)
        if rank == 0:
            emit({"event": RESULT_EVENT, **result})
        return 0
    except Exception as error:  # every failure is reported as one event, with its rank
        from slimbench.engine.errors import SlimbenchError

        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        emit({"event": ERROR_EVENT, "rank": rank, "type": type(error).__name__,
              "message": message, "expected": isinstance(error, SlimbenchError)})
        if not isinstance(error, SlimbenchError):
            traceback.print_exc(file=sys.stderr)
        return 1
    finally:
        import torch.distributed as dist

        if dist.is_available() and dist.is_initialized():
            dist.destroy_process_group()


def _run(run: dict[str, Any], emit: Any, rank: int) -> dict[str, Any]:
    import torch
    import torch.distributed as dist

    from slimbench.engine.distill.config import DistillConfig
    from slimbench.engine.distill.training import Ranks, train_student
    from slimbench.engine.loading import load_model

    config = DistillConfig.from_json(run["config"])
    ranks = Ranks(
        rank=rank,
        world_size=int(os.environ.get("WORLD_SIZE", "1")),
        local_rank=int(os.environ.get("LOCAL_RANK", "0")),
        local_world_size=int(os.environ.get("LOCAL_WORLD_SIZE", "1")),
    )
    if config.background and hasattr(os, "nice"):
        os.nice(10)
    if config.device == "cpu" or not config.device.startswith("cuda"):
        threads = config.threads or max(1, (os.cpu_count() or 1) // ranks.local_world_size)
        torch.set_num_threads(threads)
    if ranks.world_size > 1:
        backend = "nccl" if config.device.startswith("cuda") else "gloo"
        if backend == "nccl":
            torch.cuda.set_device(ranks.local_rank)
        dist.init_process_group(
            backend, timeout=datetime.timedelta(seconds=config.timeout_s),
        )
    teacher_spec = run["teacher"]
    teacher = load_model(
        teacher_spec["spec"],
        arch=teacher_spec.get("arch"),
        arch_args=teacher_spec.get("arch_args") or None,
        trust_pickle=bool(teacher_spec.get("trust_pickle")),
        trust_code=bool(teacher_spec.get("trust_code") or teacher_spec.get("trust_pickle")),
    )
    if teacher_spec.get("example_inputs"):
        teacher.example_inputs = tuple(
            torch.load(teacher_spec["example_inputs"], weights_only=True)
        )
    return train_student(config, teacher, ranks, emit)


if __name__ == "__main__":
    sys.exit(main())
