"""ZooGallery offscreen: one card per zoo model, clicks and keys choose it, the Open button,
the recent list, card layout, minimum size and an image."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import Qt

from slimbench.engine.zoo import ZOO
from slimbench.widgets.zoo_gallery import ZooCard, ZooGallery, accuracy_text, cards_from_zoo


@pytest.fixture
def gallery(qtbot) -> ZooGallery:  # type: ignore[no-untyped-def]
    widget = ZooGallery()
    qtbot.addWidget(widget)
    widget.resize(900, 700)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_accuracy_text() -> None:
    assert accuracy_text(0.99444, "digits") == "99.4 % accurate on digits"
    assert accuracy_text(1.0, "majority") == "100 % accurate on majority"
    assert accuracy_text(None, "digits") == "Not trained yet"


def test_cards_from_zoo_copy_the_entries() -> None:
    cards = cards_from_zoo()
    assert [card.name for card in cards] == list(ZOO)
    for card in cards:
        entry = ZOO[card.name]
        assert (card.family, card.task, card.dataset) == (entry.family, entry.task, entry.dataset)
        assert card.params_total == entry.params_total
        assert card.size_bytes == (None if entry.params_total is None else 4 * entry.params_total)
        assert card.model_id == f"zoo:{card.name}"


def test_one_card_per_zoo_model_with_name_and_accuracy(gallery: ZooGallery) -> None:
    widgets = gallery.card_widgets()
    assert [widget.card.name for widget in widgets] == list(ZOO)
    for widget in widgets:
        entry = ZOO[widget.card.name]
        assert widget.name_label.text() == entry.name
        assert widget.accuracy_label.text() == accuracy_text(entry.accuracy, entry.dataset)
        assert widget.description_label.text() == entry.description
        assert widget.description_label.wordWrap()
    digits = gallery.card_widget("mlp-digits")
    assert digits is not None
    assert digits.accuracy_label.text().endswith("% accurate on digits")
    assert "parameters" in digits.facts_label.text()
    assert digits.badge.text() == "MLP"
    assert gallery.heading.text() == "Start with a built-in model"


def test_cards_have_one_size(gallery: ZooGallery) -> None:
    sizes = {widget.size().toTuple() for widget in gallery.card_widgets()}
    assert len(sizes) == 1


def test_clicking_a_card_chooses_its_model(qtbot, gallery: ZooGallery) -> None:  # type: ignore[no-untyped-def]
    card = gallery.card_widget("resnet-digits")
    assert card is not None
    with qtbot.waitSignal(gallery.model_chosen, timeout=1000) as blocker:
        qtbot.mouseClick(card, Qt.MouseButton.LeftButton)
    assert blocker.args == ["zoo:resnet-digits"]

    # A click on the text inside the card counts too.
    with qtbot.waitSignal(gallery.model_chosen, timeout=1000) as blocker:
        qtbot.mouseClick(card.description_label, Qt.MouseButton.LeftButton)
    assert blocker.args == ["zoo:resnet-digits"]


def test_a_focused_card_is_activated_from_the_keyboard(qtbot, gallery: ZooGallery) -> None:  # type: ignore[no-untyped-def]
    card = gallery.card_widgets()[-1]
    assert card.focusPolicy() & Qt.FocusPolicy.TabFocus
    for key in (Qt.Key.Key_Return, Qt.Key.Key_Space):
        with qtbot.waitSignal(gallery.model_chosen, timeout=1000) as blocker:
            qtbot.keyClick(card, key)
        assert blocker.args == [card.card.model_id]


def test_open_button_requests_a_file(qtbot, gallery: ZooGallery) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(gallery.open_file_requested, timeout=1000):
        qtbot.mouseClick(gallery.open_button, Qt.MouseButton.LeftButton)


def test_recent_list_hidden_when_empty_and_activation_opens(qtbot, gallery: ZooGallery) -> None:  # type: ignore[no-untyped-def]
    assert not gallery.recent_list.isVisible() and not gallery.recent_heading.isVisible()

    paths = ["/data/models/first.pt", "/data/models/second.pt"]
    gallery.set_recent(paths)
    assert gallery.recent_list.isVisible() and gallery.recent_heading.isVisible()
    assert gallery.recent() == paths
    assert gallery.recent_list.item(0).text().startswith("first.pt")

    gallery.recent_list.setCurrentRow(1)
    with qtbot.waitSignal(gallery.model_chosen, timeout=1000) as blocker:
        qtbot.keyClick(gallery.recent_list, Qt.Key.Key_Return)
    assert blocker.args == ["/data/models/second.pt"]

    viewport = gallery.recent_list.viewport()
    centre = gallery.recent_list.visualItemRect(gallery.recent_list.item(0)).center()
    with qtbot.waitSignal(gallery.model_chosen, timeout=1000) as blocker:
        # A real double-click is a click followed by a double-click event.
        qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=centre)
        qtbot.mouseDClick(viewport, Qt.MouseButton.LeftButton, pos=centre)
    assert blocker.args == ["/data/models/first.pt"]

    gallery.set_recent([])
    assert not gallery.recent_list.isVisible()


def test_cards_reflow_with_the_width(qtbot, gallery: ZooGallery) -> None:  # type: ignore[no-untyped-def]
    gallery.resize(1400, 700)
    qtbot.wait(1)
    tops = {widget.y() for widget in gallery.card_widgets()}
    assert len(tops) == 1  # one row
    gallery.resize(400, 700)
    qtbot.wait(1)
    lefts = {widget.x() for widget in gallery.card_widgets()}
    assert len(lefts) == 1  # one column


def test_untrained_model_says_so(qtbot) -> None:  # type: ignore[no-untyped-def]
    card = ZooCard("tiny", "mlp", "testing", "nothing", "A model for a test.", None, None)
    gallery = ZooGallery([card])
    qtbot.addWidget(gallery)
    widget = gallery.card_widgets()[0]
    assert widget.accuracy_label.text() == "Not trained yet"
    assert "—" in widget.facts_label.text()


def test_minimum_size_and_image(qtbot, gallery: ZooGallery, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    minimum = gallery.minimumSize()
    assert 0 < minimum.width() <= 400 and 0 < minimum.height() <= 400
    gallery.resize(minimum)
    qtbot.wait(1)
    assert gallery.scroll_area.verticalScrollBar().maximum() > 0  # small: it scrolls
    image = gallery.grab()
    assert not image.isNull()
    path = tmp_path / "zoo_gallery.png"
    assert image.save(str(path))
    assert path.stat().st_size > 0
