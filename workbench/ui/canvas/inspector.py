"""The inspector: a form for the selected part of the spec (or the whole model).

Every field edits through ``SpecDocument.edit`` with a merge key per field, so the steps of a
spin box are one undo step. The form follows ``spec_changed``; while it copies the spec into
its widgets ``_updating`` is set and signals are blocked, so that copy never edits back.
Only fields that apply to the spec are shown (no decoder fields without a decoder, pooling
only for a classifier). A captioning model shows its image encoder (the CNN) in place of the
encoder, whose field it does not build; a handwriting synthesis network shows its soft window.
Below the form: the spec's problems and the live parameter count.

The form fits whatever width its dock gives it, never scrolling sideways: labels and read-only
values wrap, a row whose field cannot sit beside its label puts it below, and combo boxes may
shrink below their longest item.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ...engine.model.parameter_count import spec_parameters
from ...engine.spec import ATTENTION_KINDS, CELL_NAMES, CELLS, HEAD_KINDS, POOLINGS, AttentionSpec, ModelSpec
from .channels_edit import ChannelsEdit, channels_text
from .drops import reads_pictures, with_stack
from .pictures import grid_text
from .soft_window import WINDOW_TITLE

PART_TITLES = {
    "model": "Whole model",
    "inputs": "Inputs",
    "target_inputs": "Target embedding",
    "image_encoder": "Image encoder",
    "encoder": "Encoder",
    "decoder": "Decoder",
    "attention": "Attention",
    "window": WINDOW_TITLE,
    "head": "Head",
}
COMBO_MIN_CHARACTERS = 6  # a combo box shrinks to this many characters (its popup still shows all)


def with_field(spec: ModelSpec, part: str, field: str, value) -> ModelSpec:
    """``spec`` with one field of one part changed (``part`` "model" for top-level fields)."""
    if part == "attention":
        if value == "none":
            return replace(spec, attention=None)
        size = spec.attention.size if spec.attention is not None else 0
        return replace(spec, attention=AttentionSpec(kind=value, size=size))
    if part == "model":
        return replace(spec, **{field: value})
    changed = replace(getattr(spec, part), **{field: value})
    if part in ("encoder", "decoder"):
        return with_stack(spec, part, changed)
    return replace(spec, **{part: changed})


class SpecInspector(QWidget):
    def __init__(self, document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.part = "model"
        self.fields: dict[str, QWidget] = {}  # "encoder.hidden_size" -> its editor
        self.groups: dict[str, QGroupBox] = {}
        self._forms: dict[str, QFormLayout] = {}
        self._updating = False
        self._build()
        document.spec_changed.connect(self._on_spec_changed)
        self._on_spec_changed(document.spec)

    # -- building -----------------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        top = QHBoxLayout()
        self.title_label = QLabel()
        self.title_label.setStyleSheet("font-weight: 600; font-size: 14px;")
        self.title_label.setWordWrap(True)
        self.show_all_button = QToolButton(text="Show all")
        self.show_all_button.clicked.connect(lambda: self.show_part("model"))
        top.addWidget(self.title_label, 1)
        top.addWidget(self.show_all_button)
        layout.addLayout(top)
        body = QWidget()
        self._body = QVBoxLayout(body)
        self._body.setContentsMargins(0, 0, 0, 0)
        for part in (
            "inputs",
            "target_inputs",
            "image_encoder",
            "encoder",
            "window",
            "decoder",
            "attention",
            "head",
            "model",
        ):
            self._add_group(part)
        self._body.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(body)
        self.scroll_area = scroll
        layout.addWidget(scroll, 1)
        self.parameter_label = QLabel()
        self.parameter_label.setStyleSheet("font-weight: 600;")
        self.parameter_label.setWordWrap(True)
        self.problems_label = QLabel()
        self.problems_label.setWordWrap(True)
        self.problems_label.setStyleSheet("color: #c62828;")
        layout.addWidget(self.problems_label)
        layout.addWidget(self.parameter_label)

    def _add_group(self, part: str) -> None:
        group = QGroupBox("Model" if part == "model" else PART_TITLES[part])
        form = QFormLayout(group)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.groups[part], self._forms[part] = group, form
        self._body.addWidget(group)
        if part in ("inputs", "target_inputs"):
            self._add_info(part, "vocabulary", "Data")
            self._add_spin(part, "embedding_dim", "Embedding dim", 1, 4096)
            self._add_spin(part, "projection_dim", "Projection", 0, 4096)
        elif part == "image_encoder":
            self._add_image_encoder()
        elif part in ("encoder", "decoder"):
            self._add_combo(part, "cell", "Cell", [(CELL_NAMES[cell], cell) for cell in CELLS])
            self._add_spin(part, "hidden_size", "Hidden size", 1, 4096)
            self._add_spin(part, "num_layers", "Layers", 1, 8)
            self._add_dropout(part)
            self._add_check(part, "bidirectional", "Bidirectional")
        elif part == "attention":
            kinds = [("none", "none")] + [(kind, kind) for kind in ATTENTION_KINDS]
            self._add_combo(part, "kind", "Attention", kinds)
        elif part == "window":
            self._add_spin(part, "components", "Gaussians", 1, 1000)
            self.fields["window.components"].setToolTip(
                "K, the Gaussians that slide along the text as the model writes (Graves 2013, eq. 46)"
            )
            self._add_info(part, "alphabet_size", "Characters")
        elif part == "head":
            self._add_info(part, "kind", "Predicts")
            self._add_combo(part, "pooling", "Pooling", [(pooling, pooling) for pooling in POOLINGS])
        else:
            self._add_check(part, "reverse_source", "Reverse source")

    def _add_image_encoder(self) -> None:
        part = "image_encoder"
        self._add_info(part, "picture", "Picture")
        channels = ChannelsEdit()
        channels.channels_edited.connect(
            lambda value: self._edit(part, "channels", value, f"Channels {channels_text(value)}", merge=False)
        )
        self._add_row(part, "channels", "Channels", channels)
        self._add_check(part, "coordinates", "Coordinates")
        self.fields[f"{part}.coordinates"].setToolTip(
            "Two more channels hold each pixel's row and column (CoordConv), so the grid knows where it is"
        )
        self._add_info(part, "grid", "Output")

    def _add_row(self, part: str, field: str, label: str, widget: QWidget) -> None:
        caption = QLabel(label)
        caption.setWordWrap(True)
        self._forms[part].addRow(caption, widget)
        self.fields[f"{part}.{field}"] = widget

    def _add_info(self, part: str, field: str, label: str) -> None:
        info = QLabel()
        info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        info.setWordWrap(True)
        info.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)  # wraps to the width it gets
        self._add_row(part, field, label, info)

    def _add_spin(self, part: str, field: str, label: str, low: int, high: int) -> None:
        spin = QSpinBox()
        spin.setRange(low, high)
        spin.setAccelerated(True)
        spin.valueChanged.connect(lambda value: self._edit(part, field, value, f"{label} {value}"))
        self._add_row(part, field, label, spin)

    def _add_dropout(self, part: str) -> None:
        spin = QDoubleSpinBox()
        spin.setRange(0.0, 0.9)
        spin.setSingleStep(0.05)
        spin.setDecimals(2)
        spin.valueChanged.connect(lambda value: self._edit(part, "dropout", round(value, 2), f"Dropout {value:g}"))
        self._add_row(part, "dropout", "Dropout", spin)

    def _add_check(self, part: str, field: str, label: str) -> None:
        check = QCheckBox()
        check.toggled.connect(lambda on: self._edit(part, field, on, f"{label} {'on' if on else 'off'}"))
        self._add_row(part, field, label, check)

    def _add_combo(self, part: str, field: str, label: str, choices: list[tuple[str, str]]) -> None:
        combo = QComboBox()
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(COMBO_MIN_CHARACTERS)
        for text, value in choices:
            combo.addItem(text, value)

        def on_index(index: int) -> None:
            self._edit(part, field, combo.itemData(index), f"{label} {combo.itemText(index)}")

        combo.currentIndexChanged.connect(on_index)
        self._add_row(part, field, label, combo)

    # -- editing ------------------------------------------------------------------------------

    def _edit(self, part: str, field: str, value, text: str, merge: bool = True) -> None:
        """One undoable edit; with ``merge`` the steps of one field (a spin box's) merge into one."""
        if self._updating:
            return
        prefix = "" if part in ("model", "attention", "head") else PART_TITLES[part] + " "
        undo_text = prefix + (text[0].lower() + text[1:] if prefix else text)
        self.document.edit(
            with_field(self.document.spec, part, field, value),
            undo_text,
            merge_key=f"{part}.{field}" if merge else None,
        )

    def show_part(self, part: str | None) -> None:
        """Show the form of one part ("encoder"), or of the whole model ("model" or None)."""
        self.part = part if part in PART_TITLES else "model"
        self._show_fields(self.document.spec)

    # -- following the spec -----------------------------------------------------------------

    def _on_spec_changed(self, spec: ModelSpec) -> None:
        self._updating = True
        try:
            for key, widget in self.fields.items():
                part, field = key.split(".")
                blocker = QSignalBlocker(widget)
                self._set_value(widget, self._value_of(spec, part, field))
                blocker.unblock()
        finally:
            self._updating = False
        self._show_fields(spec)
        self._show_status(spec)

    @staticmethod
    def _value_of(spec: ModelSpec, part: str, field: str):
        if part == "attention":
            return spec.attention.kind if spec.attention is not None else "none"
        if part == "model":
            return getattr(spec, field)
        owner = getattr(spec, part)
        if owner is None:
            return None
        if field == "vocabulary":
            return f"{owner.vocab_size} tokens" if owner.kind == "tokens" else f"{owner.feature_dim} features"
        if part == "image_encoder" and field == "picture":
            side = spec.inputs.image_size
            return f"{side}×{side}, {spec.inputs.channels} channels"
        if part == "image_encoder" and field == "grid":
            return grid_text(spec)
        if part == "head" and field == "kind":
            kind = HEAD_KINDS.get(owner.kind)
            return f"{kind.title if kind else owner.kind} · {owner.num_outputs} outputs"
        return getattr(owner, field)

    @staticmethod
    def _set_value(widget: QWidget, value) -> None:
        if value is None:
            return
        if isinstance(widget, QLabel):
            widget.setText(str(value))
        elif isinstance(widget, ChannelsEdit):
            widget.set_channels(value)
        elif isinstance(widget, QCheckBox):
            widget.setChecked(bool(value))
        elif isinstance(widget, QComboBox):
            index = widget.findData(value)
            if index < 0:  # a value the combo does not know (an unknown cell): show it as is
                widget.addItem(str(value), value)
                index = widget.count() - 1
            widget.setCurrentIndex(index)
        elif widget.value() != value:
            widget.setValue(value)

    def _applies(self, spec: ModelSpec, part: str, field: str) -> bool:
        """Whether a field means anything for this spec."""
        seq2seq = spec.decoder is not None
        if part in ("decoder", "target_inputs") and not seq2seq:
            return False
        if part == "image_encoder":
            return spec.image_encoder is not None
        if part == "window":
            return spec.window is not None
        if part == "encoder":
            return not reads_pictures(spec)  # the CNN reads the picture; the encoder field is not built
        if part == "attention":
            return seq2seq
        if part == "model" and field == "reverse_source":
            return seq2seq and (not reads_pictures(spec) or spec.reverse_source)  # shown on only to turn off
        if part in ("inputs", "target_inputs"):
            inputs = getattr(spec, part)
            if inputs is None or inputs.kind == "image":  # a picture's size shows with the image encoder
                return False
            return field == "vocabulary" or (field == "embedding_dim") == (inputs.kind == "tokens")
        if part == "decoder" and field == "bidirectional":
            return spec.decoder.bidirectional  # shown only so an invalid decoder can be fixed
        if part == "head" and field == "pooling":
            return spec.head.kind == "classification"
        return True

    def _part_gone(self, spec: ModelSpec) -> bool:
        """Whether the selected part went away (undo, another template)."""
        if self.part in ("decoder", "target_inputs", "attention"):
            return spec.decoder is None
        if self.part == "image_encoder":
            return spec.image_encoder is None
        if self.part == "window":
            return spec.window is None
        return self.part == "encoder" and reads_pictures(spec)

    def _group_shown(self, spec: ModelSpec) -> str:
        """The group holding the selected part's fields: a picture's size is the image encoder's."""
        if self.part == "inputs" and spec.inputs.kind == "image" and spec.image_encoder is not None:
            return "image_encoder"
        return self.part

    def _show_fields(self, spec: ModelSpec) -> None:
        if self._part_gone(spec):
            self.part = "model"
        self.title_label.setText(PART_TITLES.get(self.part, "Whole model"))
        self.show_all_button.setVisible(self.part != "model")
        chosen_group = self._group_shown(spec)
        for part, group in self.groups.items():
            form = self._forms[part]
            shown = 0
            for key, widget in self.fields.items():
                if key.split(".")[0] == part:
                    applies = self._applies(spec, part, key.split(".")[1])
                    form.setRowVisible(widget, applies)
                    shown += applies
            chosen = self.part == "model" or chosen_group == part
            group.setVisible(bool(shown) and chosen)

    def _show_status(self, spec: ModelSpec) -> None:
        problems = spec.problems()
        if problems:
            lines = [f"⚠ {PART_TITLES.get(problem.where, 'Model')}: {problem.message}" for problem in problems]
            self.problems_label.setText("\n".join(lines))
            self.parameter_label.setText("— parameters")
        else:
            self.parameter_label.setText(f"{spec_parameters(spec):,} parameters")
        self.problems_label.setVisible(bool(problems))
