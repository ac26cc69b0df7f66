"""Workspace autosave: the variants a user works on survive a crash.

While the window runs, every variant is kept in the user data folder, in a folder of this
process's own (``session-PID``; two windows never share one): a model that came from a zoo
entry or a file is recorded by that name (nothing is copied); a variant a job made is saved as
a Slimbench file (pruned, quantized or plain, whichever loads it back). A clean exit removes the
folder. On the next start a session folder whose process is gone is a crash, and
:meth:`Autosave.restore` loads its variants back.

A fully pickled model, TorchScript, or a model whose architecture is Python code (each loaded
only because the user trusted it) is never restored without that trust being given again: it
is listed with a note instead.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from slimbench.engine.errors import SlimbenchError
from slimbench.engine.loading import ModelHandle

FORMAT = 1
SESSION_FILE = "session.json"
MANIFEST_FILE = "workspace.json"
MODELS_FOLDER = "models"


def default_folder() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("slimbench", appauthor=False)) / "autosave"


def save_any(handle: ModelHandle, target: str | Path) -> Path:
    """Save ``handle`` in the format that loads it back as it is: quantized, pruned (its
    layers no longer fit the class) or a plain checkpoint."""
    from slimbench.engine.prune.saving import differs_from_architecture, save_pruned
    from slimbench.engine.quantize.saving import quantization_info, save_quantized
    from slimbench.engine.saving import save_model

    if quantization_info(handle) is not None:
        return save_quantized(handle, target)
    if handle.arch and differs_from_architecture(handle.module, handle.arch, handle.arch_args):
        return save_pruned(handle, target).path
    return save_model(handle, target)


def load_any(path: str | Path, *, trust_code: bool = False) -> ModelHandle:
    """Load a file :func:`save_any` wrote (or any file ``load_model`` reads).

    ``trust_code`` allows an architecture the file names in Python code (see ``load_model``).
    """
    from slimbench.engine.loading import _torch_load, load_model

    file = Path(path)
    meta: Any = None
    if file.suffix != ".pt2":
        payload = _torch_load(file, trust_pickle=False)
        meta = payload.get("slimbench") if isinstance(payload, dict) else None
    quantized_program = file.suffix == ".pt2" and file.with_name(file.name + ".json").is_file()
    if (isinstance(meta, dict) and "quantization" in meta) or quantized_program:
        from slimbench.engine.quantize.saving import load_quantized

        return load_quantized(file, trust_code=trust_code)
    if isinstance(meta, dict) and "pruned" in meta:
        from slimbench.engine.prune.saving import load_pruned

        return load_pruned(file, trust_code=trust_code)
    return load_model(file, trust_code=trust_code)


@dataclass
class SavedVariant:
    """One variant as the manifest records it."""

    id: int
    name: str
    parent: int | None = None
    technique: str = "original"
    #: ``zoo:NAME`` or the file it was opened from (originals); None when ``file`` holds it.
    spec: str | None = None
    #: The saved model, relative to the autosave folder.
    file: str | None = None
    accuracy: float | None = None
    fidelity: dict[str, float] | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class RestoredVariant:
    saved: SavedVariant
    #: None when it could not be loaded (``problem`` says why).
    handle: ModelHandle | None
    problem: str | None = None


class Autosave:
    def __init__(self, folder: str | Path | None = None) -> None:
        self.base = Path(folder) if folder is not None else default_folder()
        self.folder = self.base / f"session-{os.getpid()}"
        #: The folder of the crashed session found by :meth:`crashed_session`.
        self.crashed: Path | None = None
        #: Variant ids already saved to a file in this session (a model never changes after
        #: a job made it, so it is written once).
        self._written: dict[int, str] = {}

    # --- the session --------------------------------------------------------------------

    def crashed_session(self) -> list[SavedVariant] | None:
        """The variants of the newest earlier session whose process is gone, if any."""
        candidates = []
        for folder in self.base.glob("session-*"):
            session = _read_json(folder / SESSION_FILE)
            pid = session.get("pid") if isinstance(session, dict) else None
            if folder == self.folder or (isinstance(pid, int) and _alive(pid)):
                continue  # this session, or another window running now
            variants = saved_variants(folder)
            if variants:
                candidates.append((folder.stat().st_mtime, folder, variants))
            else:
                shutil.rmtree(folder, ignore_errors=True)  # a crash with nothing to offer
        if not candidates:
            return None
        _, self.crashed, variants = max(candidates, key=lambda item: item[0])
        return variants

    def start_session(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._write_json(SESSION_FILE, {"pid": os.getpid(), "started": time.time(),
                                        "format": FORMAT})

    def end_session(self) -> None:
        """A clean exit: nothing to restore next time."""
        shutil.rmtree(self.folder, ignore_errors=True)
        self._written.clear()

    def discard(self) -> None:
        """Forget the crashed session (the user declined to restore it, or it is restored)."""
        if self.crashed is not None:
            shutil.rmtree(self.crashed, ignore_errors=True)
            self.crashed = None

    # --- saving -------------------------------------------------------------------------

    def save(self, variants: Iterable[tuple[SavedVariant, ModelHandle]]) -> list[str]:
        """Record the workspace; returns a problem per variant that could not be saved."""
        problems = []
        records = []
        models = self.folder / MODELS_FOLDER
        models.mkdir(parents=True, exist_ok=True)
        for saved, handle in variants:
            if saved.parent is None and _reloadable_spec(handle):
                saved.spec, saved.file = str(handle.location), None
            elif saved.id in self._written:
                saved.file = self._written[saved.id]
            else:
                try:
                    suffix = ".pt2" if _is_exported_quantized(handle) else ".pt"
                    path = save_any(handle, models / f"variant-{saved.id}{suffix}")
                except (SlimbenchError, OSError) as error:
                    problems.append(f"{saved.name}: {str(error).splitlines()[0]}")
                    continue
                saved.file = str(path.relative_to(self.folder))
                self._written[saved.id] = saved.file
            records.append(asdict(saved))
        self.folder.mkdir(parents=True, exist_ok=True)
        self._write_json(MANIFEST_FILE, {"format": FORMAT, "variants": records})
        kept = {record["file"] for record in records if record["file"]}
        for path in models.iterdir():
            relative = str(path.relative_to(self.folder))
            if relative not in kept and not relative.endswith(".json") and (
                not path.name.startswith(".")
            ):
                path.unlink(missing_ok=True)
        return problems

    # --- restoring ----------------------------------------------------------------------

    def restore(self) -> list[RestoredVariant]:
        """Load every variant of the crashed session (parents first, as they were saved)."""
        from slimbench.engine.loading import load_model

        folder = self.crashed if self.crashed is not None else self.folder
        restored = []
        for saved in saved_variants(folder):
            try:
                if saved.spec is not None:
                    handle = load_model(saved.spec)
                elif saved.file is not None:
                    handle = load_any(folder / saved.file)
                else:
                    raise SlimbenchError("nothing was saved for it.")
            except SlimbenchError as error:
                restored.append(RestoredVariant(saved, None, str(error).splitlines()[0]))
                continue
            handle.name = saved.name
            restored.append(RestoredVariant(saved, handle))
        return restored

    # --- files --------------------------------------------------------------------------

    def _write_json(self, name: str, data: Any) -> None:
        from slimbench.engine.saving import atomic_write

        text = json.dumps(data, indent=1, default=str)
        atomic_write(self.folder / name, lambda path: path.write_text(text, encoding="utf-8"))


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def saved_variants(folder: Path) -> list[SavedVariant]:
    manifest = _read_json(folder / MANIFEST_FILE)
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        return []
    found = []
    for entry in manifest.get("variants") or []:
        try:
            found.append(SavedVariant(**entry))
        except TypeError:
            continue
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def _reloadable_spec(handle: ModelHandle) -> bool:
    """An opened model that can be opened again by name, without trusting a pickle."""
    location = str(handle.location)
    if location.startswith("zoo:"):
        return True
    return handle.source != "pickle" and not handle.arch_given and Path(location).exists()


def _is_exported_quantized(handle: ModelHandle) -> bool:
    from slimbench.engine.quantize.saving import quantization_info

    info = quantization_info(handle) or {}
    return info.get("engine") == "pt2e"
