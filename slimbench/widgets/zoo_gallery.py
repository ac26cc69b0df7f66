"""The start page shown while no model is loaded: the built-in models as cards, a button to
open a model file and the recently opened models.

The gallery is built from plain :class:`ZooCard` records (``cards_from_zoo()`` reads the
engine's zoo) and only reports what the user chose: ``model_chosen("zoo:NAME")`` for a card,
``model_chosen(path)`` for a recent model and ``open_file_requested()`` for the button. Loading
is the application's job.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFocusEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from slimbench.widgets.formatting import format_bytes, format_count

#: Width of every card; their height is that of the tallest card.
CARD_WIDTH = 280
CARD_SPACING = 14
#: Cards per row at most, however wide the window.
MAX_COLUMNS = 4
#: Rows of the recent list shown before it scrolls.
RECENT_VISIBLE_ROWS = 6
#: The path behind a recent-list item.
PATH_ROLE = int(Qt.ItemDataRole.UserRole) + 1
#: Bytes per parameter of float32 weights, the size a card shows.
FP32_BYTES = 4

#: Badge tints per model family, drawn faintly over the theme's base colour.
_FAMILY_TINTS = {
    "mlp": QColor(31, 119, 180),
    "cnn": QColor(44, 160, 44),
    "transformer": QColor(148, 103, 189),
}
_OTHER_TINT = QColor(127, 127, 127)


@dataclass(frozen=True)
class ZooCard:
    """What a card shows about one built-in model (accuracy is 0..1, None if untrained)."""

    name: str
    family: str
    task: str
    dataset: str
    description: str
    params_total: int | None
    accuracy: float | None

    @property
    def size_bytes(self) -> int | None:
        """Size of the weights as float32 (4 bytes per parameter)."""
        return None if self.params_total is None else self.params_total * FP32_BYTES

    @property
    def model_id(self) -> str:
        """What ``model_chosen`` carries, and what the command line takes: ``zoo:NAME``."""
        return f"zoo:{self.name}"


def cards_from_zoo() -> list[ZooCard]:
    """One card per entry of the engine's zoo, in the zoo's order (without importing torch)."""
    from slimbench.engine.zoo.catalog import CATALOG, manifest

    recorded = manifest()
    return [
        ZooCard(
            name=entry.name,
            family=entry.family,
            task=entry.task,
            dataset=entry.dataset,
            description=entry.description,
            params_total=recorded.get(entry.name, {}).get("params_total"),
            accuracy=recorded.get(entry.name, {}).get("accuracy"),
        )
        for entry in CATALOG
    ]


# --- text -------------------------------------------------------------------------------


def family_name(family: str) -> str:
    names = {
        "mlp": QCoreApplication.translate("ZooCardWidget", "MLP"),
        "cnn": QCoreApplication.translate("ZooCardWidget", "CNN"),
        "transformer": QCoreApplication.translate("ZooCardWidget", "Transformer"),
    }
    return names.get(family, family.capitalize())


def family_explanation(family: str) -> str:
    texts = {
        "mlp": QCoreApplication.translate(
            "ZooCardWidget",
            "A multilayer perceptron: layers in which every input is connected to every output.",
        ),
        "cnn": QCoreApplication.translate(
            "ZooCardWidget",
            "A convolutional network: it looks at small patches of an image at a time, "
            "the usual design for pictures.",
        ),
        "transformer": QCoreApplication.translate(
            "ZooCardWidget",
            "A transformer: it compares every part of its input with every other part, "
            "the design behind today's language models.",
        ),
    }
    return texts.get(
        family, QCoreApplication.translate("ZooCardWidget", "The kind of network this model is.")
    )


def accuracy_text(accuracy: float | None, dataset: str) -> str:
    """``99.4 % accurate on digits``; says so plainly when the model has not been trained."""
    if accuracy is None:
        return QCoreApplication.translate("ZooCardWidget", "Not trained yet")
    percent = "100" if accuracy >= 1.0 else f"{100 * accuracy:.1f}"
    return QCoreApplication.translate("ZooCardWidget", "{percent} % accurate on {dataset}").format(
        percent=percent, dataset=dataset
    )


def _sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]


def _mix(first: QColor, second: QColor, amount: float) -> QColor:
    """``first`` moved ``amount`` (0..1) of the way towards ``second``."""
    return QColor.fromRgbF(
        first.redF() + (second.redF() - first.redF()) * amount,
        first.greenF() + (second.greenF() - first.greenF()) * amount,
        first.blueF() + (second.blueF() - first.blueF()) * amount,
    )


# --- one card ----------------------------------------------------------------------------


class ZooCardWidget(QFrame):
    """A clickable card for one zoo model; Enter or Space activates it when it has focus."""

    #: Emitted with ``zoo:NAME`` when the card is clicked or activated from the keyboard.
    activated = Signal(str)

    def __init__(self, card: ZooCard, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.card = card
        self._pressed = False
        self.setObjectName(f"zooCard_{card.name}")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setAttribute(Qt.WidgetAttribute.WA_Hover, True)
        self.setFixedWidth(CARD_WIDTH)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setAccessibleName(
            QCoreApplication.translate("ZooCardWidget", "Built-in model {name}").format(
                name=card.name
            )
        )
        self.setAccessibleDescription(card.description)
        self.setToolTip(
            QCoreApplication.translate(
                "ZooCardWidget", "Click, or press Enter, to load {name} and look inside it."
            ).format(name=card.name)
        )

        self.name_label = QLabel(card.name, self)
        font = self.name_label.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.name_label.setFont(font)
        self.name_label.setWordWrap(True)  # long names break at their hyphens

        self.badge = QLabel(family_name(card.family), self)
        self.badge.setObjectName("familyBadge")
        self.badge.setToolTip(family_explanation(card.family))
        self.badge.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.task_label = QLabel(_sentence_case(card.task), self)
        self.task_label.setWordWrap(True)

        facts = [
            QCoreApplication.translate("ZooCardWidget", "{count} parameters").format(
                count=format_count(card.params_total)
            ),
            format_bytes(card.size_bytes),
        ]
        self.facts_label = QLabel("  ·  ".join(facts), self)
        self.facts_label.setToolTip(
            QCoreApplication.translate(
                "ZooCardWidget",
                "Parameters are the numbers the model learned. The size is what they take "
                "as ordinary 32-bit numbers (4 bytes each), before any slimming.",
            )
        )

        self.accuracy_label = QLabel(accuracy_text(card.accuracy, card.dataset), self)
        self.accuracy_label.setObjectName("accuracyLabel")
        accuracy_font = self.accuracy_label.font()
        accuracy_font.setBold(True)
        self.accuracy_label.setFont(accuracy_font)
        self.accuracy_label.setToolTip(
            QCoreApplication.translate(
                "ZooCardWidget",
                "Share of the {dataset} test examples, which the model never saw while "
                "learning, that it gets right.",
            ).format(dataset=card.dataset)
        )

        self.description_label = QLabel(card.description, self)
        self.description_label.setWordWrap(True)
        self.description_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)

        kind_row = QHBoxLayout()
        kind_row.setSpacing(8)
        kind_row.addWidget(self.badge, 0, Qt.AlignmentFlag.AlignTop)
        kind_row.addWidget(self.task_label, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 14)
        layout.setSpacing(6)
        layout.addWidget(self.name_label)
        layout.addLayout(kind_row)
        layout.addWidget(self.facts_label)
        layout.addWidget(self.accuracy_label)
        layout.addSpacing(2)
        layout.addWidget(self.description_label)
        layout.addStretch(1)
        self._restyle()

    def is_highlighted(self) -> bool:
        """True while the pointer is over the card or it has keyboard focus."""
        return self.underMouse() or self.hasFocus()

    # -- events

    def paintEvent(self, _event: QPaintEvent) -> None:
        palette = self.palette()
        base = palette.color(QPalette.ColorRole.Base)
        accent = palette.color(QPalette.ColorRole.Highlight)
        hovered = self.underMouse()
        focused = self.hasFocus()
        background = _mix(base, accent, 0.10 if self._pressed else 0.06 if hovered else 0.0)
        if focused or hovered:
            border, width = accent, 2.0
        else:
            border, width = _mix(base, palette.color(QPalette.ColorRole.Text), 0.25), 1.0
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(border, width))
        painter.setBrush(background)
        inset = width / 2
        painter.drawRoundedRect(
            QRectF(self.rect()).adjusted(inset, inset, -inset, -inset), 10, 10
        )
        painter.end()

    def event(self, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.HoverEnter, QEvent.Type.HoverLeave):
            self.update()
        return super().event(event)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self._restyle()
        super().changeEvent(event)

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self.update()

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.update()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._pressed = True
            self.update()
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._pressed:
            self._pressed = False
            self.update()
            event.accept()
            if self.rect().contains(event.position().toPoint()):
                self.activated.emit(self.card.model_id)
            return
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            event.accept()
            self.activated.emit(self.card.model_id)
            return
        super().keyPressEvent(event)

    # -- internals

    def _restyle(self) -> None:
        """Colours that follow the theme: secondary text dimmed, the badge faintly tinted."""
        palette = self.palette()
        text = palette.color(QPalette.ColorRole.Text)
        base = palette.color(QPalette.ColorRole.Base)
        dim = _mix(text, base, 0.35)
        for label in (self.task_label, self.facts_label, self.description_label):
            label_palette = label.palette()
            label_palette.setColor(QPalette.ColorRole.WindowText, dim)
            label.setPalette(label_palette)
        for label in (self.name_label, self.accuracy_label):
            label_palette = label.palette()
            label_palette.setColor(QPalette.ColorRole.WindowText, text)
            label.setPalette(label_palette)
        tint = _FAMILY_TINTS.get(self.card.family, _OTHER_TINT)
        fill = _mix(base, tint, 0.22)
        edge = _mix(base, tint, 0.6)
        self.badge.setStyleSheet(
            f"QLabel#familyBadge {{ background: {fill.name()}; color: {text.name()};"
            f" border: 1px solid {edge.name()}; border-radius: 9px; padding: 1px 8px; }}"
        )


# --- the page ----------------------------------------------------------------------------


class ZooGallery(QWidget):
    """Start page: built-in models as cards, an Open button and the recent models."""

    #: ``zoo:NAME`` for a built-in model, or the path of a recent model file.
    model_chosen = Signal(str)
    #: The user wants to pick a model file (the app shows the file dialog).
    open_file_requested = Signal()

    def __init__(
        self, cards: Sequence[ZooCard] | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._cards: list[ZooCard] = []
        self._card_widgets: list[ZooCardWidget] = []
        self._columns = 0

        self.heading = QLabel(
            QCoreApplication.translate("ZooGallery", "Start with a built-in model"), self
        )
        self.heading.setObjectName("galleryHeading")
        heading_font = self.heading.font()
        heading_font.setBold(True)
        heading_font.setPointSizeF(heading_font.pointSizeF() * 1.6)
        self.heading.setFont(heading_font)
        self.heading.setWordWrap(True)

        self.subtitle = QLabel(
            QCoreApplication.translate(
                "ZooGallery",
                "These small models are already trained, so you can try making one smaller "
                "and faster right away, or open a model of your own.",
            ),
            self,
        )
        self.subtitle.setWordWrap(True)
        self.subtitle.setForegroundRole(QPalette.ColorRole.PlaceholderText)

        self._grid_host = QWidget(self)
        self._grid = QGridLayout(self._grid_host)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setSpacing(CARD_SPACING)
        self._grid.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)

        self.open_button = QPushButton(
            QCoreApplication.translate("ZooGallery", "Open model file…"), self
        )
        self.open_button.setObjectName("openModelButton")
        self.open_button.setIcon(
            self.style().standardIcon(QStyle.StandardPixmap.SP_DialogOpenButton)
        )
        self.open_button.setToolTip(
            QCoreApplication.translate(
                "ZooGallery",
                "Load a PyTorch model saved on this computer (a .pt or .pth file, or an "
                "exported program).",
            )
        )
        self.open_button.clicked.connect(self.open_file_requested)
        open_row = QHBoxLayout()
        open_row.addWidget(self.open_button)
        open_row.addStretch(1)

        self.recent_heading = QLabel(
            QCoreApplication.translate("ZooGallery", "Recent models"), self
        )
        recent_font = self.recent_heading.font()
        recent_font.setBold(True)
        recent_font.setPointSizeF(recent_font.pointSizeF() * 1.15)
        self.recent_heading.setFont(recent_font)
        self.recent_list = QListWidget(self)
        self.recent_list.setObjectName("recentList")
        self.recent_list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.recent_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.recent_list.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.recent_list.setToolTip(
            QCoreApplication.translate(
                "ZooGallery",
                "Models you opened before. Double-click one, or press Enter, to open it again.",
            )
        )
        self.recent_list.itemActivated.connect(self._on_recent_activated)
        self.recent_heading.setBuddy(self.recent_list)

        self._content = QWidget()
        self._content.setObjectName("galleryContent")
        content_layout = QVBoxLayout(self._content)
        content_layout.setContentsMargins(24, 24, 24, 24)
        content_layout.setSpacing(10)
        content_layout.addWidget(self.heading)
        content_layout.addWidget(self.subtitle)
        content_layout.addSpacing(8)
        content_layout.addWidget(self._grid_host)
        content_layout.addSpacing(12)
        content_layout.addLayout(open_row)
        content_layout.addSpacing(12)
        content_layout.addWidget(self.recent_heading)
        content_layout.addWidget(self.recent_list)
        content_layout.addStretch(1)

        centre = QWidget()
        centre.setObjectName("galleryPage")
        centre_layout = QHBoxLayout(centre)
        centre_layout.setContentsMargins(0, 0, 0, 0)
        centre_layout.addStretch(1)
        centre_layout.addWidget(self._content)
        centre_layout.addStretch(1)

        self.scroll_area = QScrollArea(self)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.scroll_area.setWidget(centre)
        self.scroll_area.viewport().installEventFilter(self)
        self.scroll_area.viewport().setAutoFillBackground(False)
        centre.setAutoFillBackground(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.scroll_area)
        self.setMinimumSize(CARD_WIDTH + 80, 320)

        self.set_cards(cards_from_zoo() if cards is None else cards)
        self.set_recent([])

    def sizeHint(self) -> QSize:
        return QSize(2 * CARD_WIDTH + CARD_SPACING + 100, 640)

    # -- public API

    def cards(self) -> list[ZooCard]:
        return list(self._cards)

    def card_widgets(self) -> list[ZooCardWidget]:
        return list(self._card_widgets)

    def card_widget(self, name: str) -> ZooCardWidget | None:
        return next((w for w in self._card_widgets if w.card.name == name), None)

    def set_cards(self, cards: Sequence[ZooCard]) -> None:
        """Show one card per entry, all the same size."""
        for widget in self._card_widgets:
            self._grid.removeWidget(widget)
            widget.deleteLater()
        self._cards = list(cards)
        self._card_widgets = []
        for card in self._cards:
            widget = ZooCardWidget(card, self._grid_host)
            widget.activated.connect(self.model_chosen)
            self._card_widgets.append(widget)
        self._equalise_card_heights()
        self._columns = 0
        self._reflow()

    def recent(self) -> list[str]:
        return [
            self.recent_list.item(row).data(PATH_ROLE) for row in range(self.recent_list.count())
        ]

    def set_recent(self, paths: Sequence[str]) -> None:
        """List recently opened model files, newest first; the section hides when empty."""
        self.recent_list.clear()
        for path in paths:
            location = Path(path)
            folder = str(location.parent)
            text = f"{location.name}   —   {folder}" if folder not in ("", ".") else location.name
            item = QListWidgetItem(text)
            item.setData(PATH_ROLE, path)
            item.setToolTip(path)
            item.setSizeHint(QSize(0, self.recent_list.fontMetrics().height() + 10))
            self.recent_list.addItem(item)
        visible = bool(paths)
        self.recent_heading.setVisible(visible)
        self.recent_list.setVisible(visible)
        if visible:
            rows = min(len(paths), RECENT_VISIBLE_ROWS)
            row_height = max(self.recent_list.sizeHintForRow(0), 1)
            frame = 2 * self.recent_list.frameWidth()
            self.recent_list.setFixedHeight(rows * row_height + frame + 2)

    # -- events

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.scroll_area.viewport() and event.type() == QEvent.Type.Resize:
            self._reflow()
        return super().eventFilter(watched, event)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._equalise_card_heights()

    # -- internals

    def _equalise_card_heights(self) -> None:
        if not self._card_widgets:
            return
        for widget in self._card_widgets:
            widget.setMinimumHeight(0)
            widget.setMaximumHeight(16777215)
        height = max(widget.heightForWidth(CARD_WIDTH) for widget in self._card_widgets)
        height = max(height, max(w.sizeHint().height() for w in self._card_widgets))
        for widget in self._card_widgets:
            widget.setFixedHeight(height)

    def _reflow(self) -> None:
        """As many columns as fit the visible width (one to four), in rows of equal length."""
        margins = self._content.layout().contentsMargins()
        available = self.scroll_area.viewport().width() - margins.left() - margins.right()
        fit = max(1, min(MAX_COLUMNS, (available + CARD_SPACING) // (CARD_WIDTH + CARD_SPACING)))
        count = max(1, len(self._card_widgets))
        rows = math.ceil(count / fit)
        columns = math.ceil(count / rows)  # 4 cards in room for 3: two rows of 2, not 3 + 1
        if columns == self._columns:
            return
        self._columns = columns
        for widget in self._card_widgets:
            self._grid.removeWidget(widget)
        for index, widget in enumerate(self._card_widgets):
            self._grid.addWidget(widget, index // columns, index % columns)
        width = columns * CARD_WIDTH + (columns - 1) * CARD_SPACING
        self._grid_host.setFixedWidth(width)
        self._content.setFixedWidth(width + margins.left() + margins.right())

    def _on_recent_activated(self, item: QListWidgetItem) -> None:
        path = item.data(PATH_ROLE)
        if path:
            self.model_chosen.emit(str(path))
