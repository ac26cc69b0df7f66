"""Typed errors, each carrying one sentence a user can act on."""

from __future__ import annotations


class SlimbenchError(Exception):
    """Base of every error Slimbench reports to a user.

    The message is one sentence: what went wrong and, where possible, what to do about it.
    """

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))

    @property
    def message(self) -> str:
        return str(self)


class ModelLoadError(SlimbenchError):
    """A model file or spec could not be read."""


class UntrustedPickleError(ModelLoadError):
    """A file needs full unpickling, which can run code, and the user has not trusted it."""


class ArchitectureMismatchError(ModelLoadError):
    """A state_dict does not fit the architecture it was given."""


class ArchitectureNeededError(ModelLoadError):
    """A file holds only weights, and nobody named the architecture they belong to."""


class UntrustedCodeError(ModelLoadError):
    """A file names Python code for its architecture (a .py file or a module), and the user
    has not trusted the file; ``arch`` is that architecture, ``code`` the file or module."""

    def __init__(self, message: str, arch: str = "", code: str = "") -> None:
        super().__init__(message)
        self.arch = arch
        self.code = code


class InputSpecError(SlimbenchError):
    """Example inputs are missing, malformed, or rejected by the model."""


class DeviceError(SlimbenchError):
    """A device name is unknown or the device is unavailable."""


class DatasetError(SlimbenchError):
    """A dataset is missing, malformed, or does not fit the model."""


class JobCancelled(SlimbenchError):
    """A job was stopped by the user before it finished."""


class VariantError(SlimbenchError):
    """A variant operation the user asked for cannot be done."""


class MemoryLimitError(SlimbenchError):
    """A job ran out of memory, or outgrew the memory a job may use, and was stopped."""
