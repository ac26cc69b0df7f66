"""Knowledge distillation: a teacher's outputs train a smaller student, in child processes,
on one process, several (DistributedDataParallel over gloo or NCCL) or several machines."""

from slimbench.engine.distill.config import DistillConfig, DistillError, DistillResult
from slimbench.engine.distill.data import load_distill_data
from slimbench.engine.distill.launch import distill_job, other_node_commands, worker_command
from slimbench.engine.distill.students import build_student, parse_student

__all__ = [
    "DistillConfig",
    "DistillError",
    "DistillResult",
    "build_student",
    "distill_job",
    "load_distill_data",
    "other_node_commands",
    "parse_student",
    "worker_command",
]
