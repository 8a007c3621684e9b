"""One editor widget per setting, made from its declaration (`desktop.settings.schema`).

The widget's limits are the setting's own rule, so a value the rule refuses
cannot be typed in the first place — except below a `floor`, for a value a
person may well type (port 80), which the rule then refuses with its reason;
`value()`/`changed` give the dialog a uniform way to read and watch every editor.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QLineEdit, QSpinBox, QWidget

from desktop.settings import Spec, default_of

_SUFFIXES = {
    "s": " s",
    "chunks": " chunks",
    "segments": " segments",
    "h": " h",
    "probes": " at once",
    "per minute": " a minute",
}


class SettingEditor(QObject):
    """A setting's widget plus how to read it; `changed` fires when the value settles."""

    changed = Signal()

    def __init__(self, name: str, spec: Spec, value: Any) -> None:
        super().__init__()
        self.name = name
        self.spec = spec
        self.widget = _make_widget(spec, default_of(name), value)
        self.tooltip = spec.help[:1].upper() + spec.help[1:] + "."
        self.widget.setToolTip(self.tooltip)
        if isinstance(self.widget, QCheckBox):
            self.widget.toggled.connect(self.changed)
        elif isinstance(self.widget, QComboBox):
            self.widget.currentIndexChanged.connect(self.changed)
        elif isinstance(self.widget, (QSpinBox, QDoubleSpinBox)):
            # keyboardTracking off: typing "6999" is not four changes (and no error on the first digit).
            self.widget.setKeyboardTracking(False)
            self.widget.valueChanged.connect(self.changed)
        elif isinstance(self.widget, QLineEdit):
            self.widget.textChanged.connect(self.changed)

    def value(self) -> Any:
        widget = self.widget
        if isinstance(widget, QCheckBox):
            return widget.isChecked()
        if isinstance(widget, QComboBox):
            return widget.currentData()
        if isinstance(widget, (QSpinBox, QDoubleSpinBox)):
            return widget.value()
        assert isinstance(widget, QLineEdit)
        return widget.text().strip()


def _make_widget(spec: Spec, default: Any, value: Any) -> QWidget:
    if isinstance(default, bool):
        box = QCheckBox(spec.label)
        box.setChecked(bool(value))
        return box
    if spec.choices:
        combo = QComboBox()
        for choice, label in spec.choices:
            combo.addItem(label, choice)
        combo.setCurrentIndex(max(0, combo.findData(value)))
        return combo
    if isinstance(default, (int, float)):
        spin: QSpinBox | QDoubleSpinBox
        if isinstance(default, float):
            spin = QDoubleSpinBox()
            spin.setDecimals(1)
        else:
            spin = QSpinBox()
        if spec.minimum is not None and spec.maximum is not None:
            lowest = spec.floor if spec.floor is not None else spec.minimum  # below the rule: it says why
            spin.setRange(lowest, spec.maximum)  # type: ignore[arg-type]
        spin.setSuffix(_SUFFIXES.get(spec.unit, ""))
        if spec.minimum_text:
            spin.setSpecialValueText(spec.minimum_text)
        spin.setValue(value)
        return spin
    line = QLineEdit(str(value))
    line.setPlaceholderText(str(default))
    return line
