"""The question the window asks when a file holds only weights: which architecture are they?

A built-in (zoo) architecture, or a class in a Python file of the user's; optional constructor
arguments as JSON, checked before the dialog closes. Importing a Python file runs it, so the
window asks once more (naming the file) before it loads with a Python architecture.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from slimbench.widgets.form_controls import add_row, combo_box, form_layout

# What the architecture combo holds for "a class in a Python file".
PYTHON_FILE = "python-file"
LABEL_WIDTH = 130


class ArchitectureDialog(QDialog):
    """Ask for the architecture of ``file_name``'s weights; ``zoo`` lists (name, description).

    After ``accepted``, :meth:`architecture` is ``zoo:NAME`` or ``path/to/file.py:Class`` and
    :meth:`arch_args` the constructor arguments.
    """

    def __init__(self, file_name: str, zoo: Sequence[tuple[str, str]],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("architectureDialog")
        self.setWindowTitle(self.tr("Choose the architecture"))
        self.setMinimumWidth(520)
        self._arch_args: dict[str, Any] = {}

        intro = QLabel(self.tr("{file} holds only weights. Choose the architecture they belong "
                               "to, and Slimbench loads them into it.").format(file=file_name),
                       self)
        intro.setObjectName("architectureIntro")
        intro.setWordWrap(True)

        self.kind = combo_box(self, min_chars=24)
        self.kind.setObjectName("architectureCombo")
        for name, description in zoo:
            text = f"{name} — {description}" if description else name
            self.kind.addItem(self.tr("Built-in: {model}").format(model=text), f"zoo:{name}")
        if zoo:
            self.kind.insertSeparator(self.kind.count())
        self.kind.addItem(self.tr("Python file…"), PYTHON_FILE)

        self.file = QLineEdit(self)
        self.file.setObjectName("architectureFile")
        self.file.setPlaceholderText(self.tr("path/to/model.py"))
        self.browse = QPushButton(self.tr("Browse…"), self)
        self.browse.setObjectName("browseArchitecture")
        self.browse.clicked.connect(self._choose_file)
        file_row = QWidget(self)
        row = QHBoxLayout(file_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.file, 1)
        row.addWidget(self.browse)

        self.class_name = QLineEdit(self)
        self.class_name.setObjectName("architectureClass")
        self.class_name.setPlaceholderText(self.tr("Net"))
        self.args = QLineEdit(self)
        self.args.setObjectName("architectureArgs")
        self.args.setPlaceholderText('{"classes": 10}')

        self.form = form_layout()
        add_row(self.form, self.tr("Architecture"), self.kind,
                self.tr("The model class the weights were saved from."),
                label_width=LABEL_WIDTH, parent=self)
        add_row(self.form, self.tr("Python file"), file_row,
                self.tr("A .py file that defines the class. Loading runs the code in it."),
                label_width=LABEL_WIDTH, parent=self)
        add_row(self.form, self.tr("Class name"), self.class_name,
                self.tr("The nn.Module class in that file."), label_width=LABEL_WIDTH,
                parent=self)
        add_row(self.form, self.tr("Arguments (JSON)"), self.args,
                self.tr("Optional arguments for the class, as a JSON object."),
                label_width=LABEL_WIDTH, parent=self)
        self._file_rows = (file_row, self.class_name)

        self.error = QLabel(self)
        self.error.setObjectName("architectureError")
        self.error.setStyleSheet("color: #c62828;")
        self.error.setVisible(False)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addSpacing(6)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addStretch(1)
        layout.addWidget(buttons)

        self.kind.currentIndexChanged.connect(self._kind_changed)
        for field in (self.file, self.class_name, self.args):
            field.textChanged.connect(lambda _text: self._show_error(""))
        self._kind_changed()

    # --- what was chosen ---------------------------------------------------------------------

    def is_python_file(self) -> bool:
        return self.kind.currentData() == PYTHON_FILE

    def architecture(self) -> str:
        if self.is_python_file():
            return f"{self.file.text().strip()}:{self.class_name.text().strip()}"
        return str(self.kind.currentData())

    def code_file(self) -> str | None:
        """The Python file that loading runs, or None for a built-in architecture."""
        return self.file.text().strip() if self.is_python_file() else None

    def arch_args(self) -> dict[str, Any]:
        return dict(self._arch_args)

    # --- checks ------------------------------------------------------------------------------

    def accept(self) -> None:
        problem = self._problem()
        if problem:
            self._show_error(problem)
            return
        super().accept()

    def _problem(self) -> str:
        """One line saying what is wrong with the form, or "" when it can load."""
        if self.is_python_file():
            path = Path(self.file.text().strip()).expanduser()
            if not self.file.text().strip():
                return self.tr("Choose the Python file that defines the architecture.")
            if path.suffix != ".py":
                return self.tr("{file} is not a Python (.py) file.").format(file=path.name)
            if not path.is_file():
                return self.tr("There is no file {file}.").format(file=str(path))
            if not self.class_name.text().strip().isidentifier():
                return self.tr("Give the name of the class, such as Net.")
        text = self.args.text().strip()
        self._arch_args = {}
        if text:
            try:
                parsed = json.loads(text)
            except json.JSONDecodeError as error:
                return self.tr("The arguments are not valid JSON ({problem} at character "
                               "{position}).").format(problem=error.msg, position=error.pos)
            if not isinstance(parsed, dict):
                return self.tr('The arguments must be a JSON object, such as {"classes": 10}.')
            self._arch_args = parsed
        return ""

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def _kind_changed(self, _index: int = 0) -> None:
        python = self.is_python_file()
        for field in self._file_rows:
            self.form.setRowVisible(field, python)
        self._show_error("")
        self.adjustSize()

    def _choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("Python file with the architecture"), self.file.text(),
            self.tr("Python files (*.py);;All files (*)"))
        if path:
            self.file.setText(path)
            if not self.class_name.text():
                self.class_name.setFocus(Qt.FocusReason.OtherFocusReason)
