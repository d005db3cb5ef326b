"""Files for LSTMVis (Strobelt et al., 2018): the hidden and cell states of every layer over a
text, its word ids and word dictionary, and the ``lstm.yml`` that tells LSTMVis how they fit.

What LSTMVis reads, learnt from HendrikStrobelt/LSTMVis: ``README.md`` ("Adding Your Own Data"),
``docs/chapter/config_states.md``, ``lstm_server.py`` (``create_data_handlers``) and
``lstmdata/data_handler.py`` (``LSTMDataHandler.__init__``, ``get_states``, ``get_words``):

- The server walks the folders under its ``-dir`` for a file named exactly ``lstm.yml``; each
  such folder is one project, named after the folder. So the folder of ``path`` becomes the
  LSTMVis project and ``lstm.yml`` is written there: a second export into the same folder
  replaces it (the report says so). Give each export a folder of its own.
- ``files`` gives each file a key; only names ending ``.h5``/``.hdf5`` are opened as HDF5, and
  ``.dict``/``.txt`` as dictionaries.
- A dictionary has one ``word id`` per line, which LSTMVis splits at whitespace into exactly two
  fields: whitespace and unprintable characters get visible names (``dictionary_names``).
- ``word_sequence`` (file key, HDF5 path, dictionary key) is a 1-D dataset of word ids, one per
  time step. The ids only look words up in the dictionary, so they are the model's own
  (0-based, ``project.corpus.vocab``): no shift.
- ``states.types`` lists (N, units) matrices, a row per time step: ``type`` ``state`` (the cell
  state) or ``output`` (the hidden state), ``layer`` counted from 1, ``path`` in the HDF5 file.
  LSTMVis applies tanh to the values unless ``transform: none``; hidden states lie in [-1, 1]
  already and are marked so.

For ``path`` = ``folder/name.h5`` this writes ``name.h5`` — ``word_ids`` (N,) int32, then per
layer k ``cell{k}`` (LSTM only: a GRU or RNN has no cell state) and ``hidden{k}``, each
(N, D·H) float32 — with ``name.dict`` and ``lstm.yml`` beside it. A bidirectional layer's rows
hold both directions as torch's output does: units 0..H-1 read left to right, H..2H-1 right to
left, both in the text's reading order.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np
import torch

from ... import __version__
from ..common.atomic import write_files_atomically
from ..common.errors import WorkbenchError
from ..data.vocab import split_words
from ..inside.probes import trace_stack
from ..model.builder import build_model
from ..model.inference_mode import inference
from .report import ExportReport, Progress, no_progress

TOLERANCE = 1e-4  # largest difference between the probe's states and the fused model's
MAX_TOKENS = 100_000  # a longer text is cut: LSTMVis holds every state matrix in memory
DEFAULT_TOKENS = 2_000  # of validation data, when the user gives no text
CHUNK_STEPS = 1_024  # steps traced at a time, the state carried from one chunk to the next
CONFIG_NAME = "lstm.yml"  # the only name LSTMVis looks for
WHITESPACE_NAMES = {" ": "␣", "\n": "↵", "\t": "⇥"}


@dataclass(frozen=True)
class StateMatrix:
    """One dataset of states, and how ``lstm.yml`` describes it."""

    path: str  # in the HDF5 file: "cell1", "hidden1", ...
    type: str  # LSTMVis's word: "state" for the cell state, "output" for the hidden state
    layer: int  # counted from 1
    values: np.ndarray  # (N, D*H) float32


def export_lstmvis(project, path: Path, text: str | None, progress: Progress = no_progress) -> ExportReport:
    """Write the states of ``project``'s recurrent stack over ``text`` (None: a stretch of the
    validation data) for LSTMVis, after checking them against the fused model; see the module
    docstring. Any failure raises WorkbenchError and leaves no file."""
    path = Path(path)
    if path.suffix not in (".h5", ".hdf5"):
        raise WorkbenchError(f"{path.name}: LSTMVis opens only states files ending .h5 or .hdf5")
    vocab = project.corpus.vocab
    ids, notes = _token_ids(project.corpus, text)
    matrices, difference = _states_over(project, ids, progress)
    if difference > TOLERANCE:
        raise WorkbenchError(f"the probe's states differ from the fused model's by {difference:.3g}; nothing was saved")
    dict_path, config_path = path.with_suffix(".dict"), path.parent / CONFIG_NAME
    names = dictionary_names(vocab.tokens)
    config = _config_text(path, dict_path, _description(project.spec.encoder, len(ids)), matrices)
    if config_path.exists() and json.dumps(path.name) not in config_path.read_text(errors="replace"):
        notes.append(
            f"The folder's {CONFIG_NAME} described other files and now describes these: LSTMVis reads one per folder."
        )
    progress("Writing the files", len(ids), len(ids))
    write_files_atomically(
        [
            (path, lambda temporary: _write_states(temporary, path, ids, matrices)),
            (
                dict_path,
                lambda temporary: temporary.write_text(
                    "".join(f"{name} {i}\n" for i, name in enumerate(names)), encoding="utf-8"
                ),
            ),
            (config_path, lambda temporary: temporary.write_text(config, encoding="utf-8")),
        ]
    )
    checks = (
        _summary(project.spec.encoder, len(ids)),
        f"The probe's states (each layer run alone) equal the fused {project.spec.encoder.cell.upper()}'s over "
        "the same text (the top layer at every step, every layer's final state).",
        f"{path.name} read back equal to the states computed; {dict_path.name} names all {len(names)} ids "
        "of the vocabulary.",
        *notes,
    )
    return ExportReport("lstmvis", (path, dict_path, config_path), checks, difference, TOLERANCE)


# -- the text -----------------------------------------------------------------------------


def _token_ids(corpus, text: str | None) -> tuple[np.ndarray, list[str]]:
    """(N,) int64 ids the model reads for ``text``, and what the report should say about them."""
    if text is None:
        ids = np.asarray(corpus.probe_example(DEFAULT_TOKENS).inputs, np.int64)
        notes = [f"No text was given: the states are over {len(ids)} tokens of the validation data."]
    else:
        ids, notes = _encode(corpus, text)
    if len(ids) > MAX_TOKENS:
        notes.append(f"The text was cut to its first {MAX_TOKENS:,} tokens (it has {len(ids):,}).")
        ids = ids[:MAX_TOKENS]
    return ids, notes


def _encode(corpus, text: str) -> tuple[np.ndarray, list[str]]:
    if not text.strip():
        raise WorkbenchError("the text to run the model over is empty")
    vocab = corpus.vocab
    if vocab.level == "char":
        return _encode_characters(corpus, text), []
    # Labelled items were split at spaces; running text into words and punctuation marks.
    words = text.split() if corpus.kind == "labelled" else split_words(text)
    unseen = sorted({word for word in words if vocab.id_of(word) is None})
    if unseen and vocab.unknown is None:
        raise WorkbenchError(f"the training data never had the word{'s' * (len(unseen) > 1)} {_listed(unseen)}")
    ids = np.array([vocab.unknown if i is None else i for i in map(vocab.id_of, words)], np.int64)
    if not unseen:
        return ids, []
    return ids, [
        f"{len(unseen)} word{'s' * (len(unseen) > 1)} not in the vocabulary read as "
        f"{vocab.tokens[vocab.unknown]}: {_listed(unseen)}."
    ]


def _encode_characters(corpus, text: str) -> np.ndarray:
    """Character ids; a line corpus reads each line as an item between ``<s>`` boundaries."""
    vocab, lines = corpus.vocab, corpus.kind == "lines"
    unseen = sorted(c for c in set(text) if vocab.id_of(c) is None and not (lines and c in "\r\n"))
    if unseen:
        raise WorkbenchError(f"the training data never had the character{'s' * (len(unseen) > 1)} {_listed(unseen)}")
    if not lines:
        return vocab.encode(text)
    boundary = np.array([vocab.boundary], np.int64)
    items = [line for line in text.replace("\r\n", "\n").split("\n") if line]
    return np.concatenate([boundary, *(piece for item in items for piece in (vocab.encode(item), boundary))])


def _listed(tokens: Sequence[str]) -> str:
    shown = " ".join(repr(token) for token in tokens[:8])
    return shown + (f" and {len(tokens) - 8} more" if len(tokens) > 8 else "")


# -- the states ---------------------------------------------------------------------------


def _states_over(project, ids: np.ndarray, progress: Progress) -> tuple[list[StateMatrix], float]:
    """Every layer's states over ``ids``, traced by the probe on the CPU, and their largest
    difference from the fused model's outputs and final states."""
    model = build_model(project.spec)  # a CPU copy: the project's model may be on a GPU, or training
    model.load_state_dict(project.model.state_dict())
    stack = model.encoder
    directions, layers = 2 if stack.bidirectional else 1, stack.num_layers
    hidden: list[list[torch.Tensor]] = [[] for _ in range(layers)]  # chunks (steps, D*H) of each layer
    cell: list[list[torch.Tensor]] = [[] for _ in range(layers)]
    # A backward direction starts at the end of the text, so a bidirectional stack runs it whole.
    chunk = len(ids) if stack.bidirectional else CHUNK_STEPS
    with inference(model):
        embedded = model.inputs(torch.from_numpy(ids)[None])  # (1, N, E)
        state = None
        for start in range(0, len(ids), chunk):
            _, state, traces = trace_stack(stack, embedded[:, start : start + chunk], state)
            for layer in range(layers):
                pair = traces[layer * directions : (layer + 1) * directions]  # forward, then backward
                hidden[layer].append(torch.cat([trace.hidden[0] for trace in pair], -1))
                if pair[0].cell_state is not None:
                    cell[layer].append(torch.cat([trace.cell_state[0] for trace in pair], -1))
            progress(f"Running the model over {len(ids):,} tokens", min(start + chunk, len(ids)), len(ids))
        hidden_states = [torch.cat(chunks) for chunks in hidden]  # each (N, D*H)
        cell_states = [torch.cat(chunks) for chunks in cell if chunks]
        progress("Comparing with the fused model", len(ids), len(ids))
        difference = _fused_difference(stack, embedded, hidden_states, cell_states)
    matrices = []
    for layer in range(layers):
        if cell_states:
            matrices.append(StateMatrix(f"cell{layer + 1}", "state", layer + 1, cell_states[layer].numpy()))
        matrices.append(StateMatrix(f"hidden{layer + 1}", "output", layer + 1, hidden_states[layer].numpy()))
    return matrices, difference


def _fused_difference(
    stack: torch.nn.RNNBase, embedded: torch.Tensor, hidden: list[torch.Tensor], cell: list[torch.Tensor]
) -> float:
    """Largest difference of the traced states from the fused module over the whole text: its
    output (the top layer's hidden states) and its final hidden and cell state of every layer."""
    output, final = stack(embedded)  # (1, N, D*H); h_n (L*D, 1, H), with c_n for an LSTM
    h_n, c_n = final if isinstance(final, tuple) else (final, None)
    size, directions = stack.hidden_size, 2 if stack.bidirectional else 1
    worst = (output[0] - hidden[-1]).abs().max()
    for index in range(h_n.shape[0]):
        layer, direction = divmod(index, directions)
        step, units = (0 if direction else -1), slice(direction * size, (direction + 1) * size)
        worst = max(worst, (h_n[index, 0] - hidden[layer][step, units]).abs().max())
        if c_n is not None:
            worst = max(worst, (c_n[index, 0] - cell[layer][step, units]).abs().max())
    return float(worst)


# -- the files ----------------------------------------------------------------------------


def dictionary_names(tokens: Sequence[str]) -> list[str]:
    """Each token as the dictionary writes it: whitespace and unprintable characters get visible
    names (``' '`` is ``␣``, ``'\\n'`` is ``↵``, others ``<U+000B>``), since LSTMVis splits each
    line at whitespace; a name the vocabulary already has falls back to the ``<U+...>`` form."""
    taken = set(tokens)
    names = []
    for token in tokens:
        name = token
        if not _writable(token):
            name = "".join(WHITESPACE_NAMES.get(c) or _code_name(c) for c in token) or "<empty>"
            if name in taken:
                name = "".join(_code_name(c) for c in token)
        taken.add(name)
        names.append(name)
    return names


def _writable(text: str) -> bool:
    return bool(text) and text.isprintable() and not any(c.isspace() for c in text)


def _code_name(character: str) -> str:
    return character if _writable(character) else f"<U+{ord(character):04X}>"


def _summary(encoder, tokens: int) -> str:
    layers = f"{encoder.num_layers} layer{'s' * (encoder.num_layers > 1)}"
    kinds = "cell and hidden states"
    if encoder.cell != "lstm":
        kinds = f"hidden states (a {encoder.cell.upper()} has no cell state)"
    both = ", both directions side by side" if encoder.bidirectional else ""
    return f"{tokens:,} token{'s' * (tokens != 1)}, {layers} of {kinds}{both}, {encoder.output_width} units a layer."


def _description(encoder, tokens: int) -> str:
    """For LSTMVis's project list, which shows it as HTML."""
    text = f"Sequence Workbench {encoder.cell.upper()}: {_summary(encoder, tokens)}"
    if encoder.cell == "lstm":
        text += " Type state is the cell state, output the hidden state."
    if encoder.bidirectional:
        size = encoder.hidden_size
        text += f" Units 0-{size - 1} read left to right, {size}-{2 * size - 1} right to left."
    return html.escape(text)


def _config_text(path: Path, dict_path: Path, description: str, matrices: list[StateMatrix]) -> str:
    """``lstm.yml``: block YAML whose values are JSON scalars and flow mappings, valid YAML both."""
    lines = [
        f"# Written by Sequence Workbench {__version__}. LSTMVis reads the {CONFIG_NAME} of every folder",
        "# under its -dir: this folder is one project.",
        f"name: {json.dumps(path.stem)}",
        f"description: {json.dumps(description)}",
        "files:",
        f"  states: {json.dumps(path.name)}",
        f"  words: {json.dumps(dict_path.name)}",
        "word_sequence:",
        '  file: "states"',
        '  path: "word_ids"',
        '  dict_file: "words"',
        "states:",
        '  file: "states"',
        "  types:",
    ]
    for matrix in matrices:
        entry = {"type": matrix.type, "layer": matrix.layer, "path": matrix.path}
        if matrix.type == "output":
            entry["transform"] = "none"  # already in [-1, 1]: no tanh on top
        lines.append(f"    - {json.dumps(entry)}")
    return "\n".join(lines) + "\n"


def _write_states(temporary: Path, path: Path, ids: np.ndarray, matrices: list[StateMatrix]) -> None:
    """The HDF5 file, uncompressed as LSTMVis reads it fastest, then read back and compared."""
    with h5py.File(temporary, "w") as file:
        file.create_dataset("word_ids", data=ids.astype(np.int32))
        for matrix in matrices:
            file.create_dataset(matrix.path, data=matrix.values)
    with h5py.File(temporary, "r") as file:
        same = np.array_equal(file["word_ids"][()], ids) and all(
            file[matrix.path].dtype == np.float32 and np.array_equal(file[matrix.path][()], matrix.values)
            for matrix in matrices
        )
    if not same:
        raise WorkbenchError(f"{path}: the states did not read back as written; nothing was saved")
