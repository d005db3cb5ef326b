#!/usr/bin/env python3
"""Run a model exported by Sequence Workbench with onnxruntime and numpy alone: no torch, no workbench.

    pip install onnxruntime numpy
    python THIS_FILE.py --help

What it does depends on what the model was trained for (stored in the ONNX file):
a language model writes text (``--prime``, ``--length``, ``--temperature`` 0 for greedy,
``--top-k``, ``--seed``); a classifier or tagger reads ``--text``; a translator translates
``--text`` greedily; a captioner describes ``--image`` (a .npy file of an (H, W, C) uint8
picture); a forecaster reads ``--csv`` (a header naming the trained columns, one row per step;
commas, semicolons or tabs) and forecasts ``--steps`` steps (a model of a differenced series
reads the changes from row to row and adds its predicted changes up); a handwriting network writes pen
strokes (``--text`` for a synthesis network, ``--bias``, ``--seed``) into ``--out`` (.svg or .csv).

Recurrent state is an explicit input and output of every graph: the script starts it at zero
and hands each call's state to the next, exactly as the workbench does.
"""

import argparse
import csv
import io
import json
import re
import sys
from pathlib import Path

import numpy as np
import onnxruntime

FILES = {}  # role -> ONNX file beside this script; written by the export

HERE = Path(__file__).resolve().parent
WORD_PATTERN = re.compile(r"\w+|[^\w\s]|\n")
NO_SPACE_BEFORE = frozenset(".,;:!?)]}'")
NO_SPACE_AFTER = frozenset("([{")
CONTRACTION_ENDINGS = frozenset({"t", "s", "re", "ve", "ll", "d", "m"})
MIXTURE = ("log_pi", "mu", "log_sigma", "rho", "eos_logit")  # a handwriting network's output for the next point


class UserError(Exception):
    """A problem with what the user asked for, told in words."""


class Graph:
    """One exported ONNX file: run it with named inputs, get named outputs."""

    def __init__(self, name):
        self.session = onnxruntime.InferenceSession(str(HERE / name), providers=["CPUExecutionProvider"])
        metadata = self.session.get_modelmeta().custom_metadata_map
        self.facts = json.loads(metadata["workbench.facts"])
        self.carried = json.loads(metadata["workbench.carried"])  # output -> input of the next call
        self.shapes = {port.name: port.shape for port in self.session.get_inputs()}
        self.output_names = [port.name for port in self.session.get_outputs()]

    def zero_state(self, batch):
        """Every carried input at zero, for ``batch`` rows."""
        return {
            name: np.zeros([batch if axis == "batch" else axis for axis in self.shapes[name]], np.float32)
            for name in self.carried.values()
        }

    def run(self, feeds):
        """Outputs by name, and the state for the next call."""
        outputs = dict(zip(self.output_names, self.session.run(None, feeds)))
        return outputs, {to: outputs[source] for source, to in self.carried.items()}


class Vocabulary:
    """Token strings by id (the workbench's vocabulary, from the file's metadata)."""

    def __init__(self, stored):
        self.level, self.tokens = stored["level"], stored["tokens"]
        self.boundary, self.unknown = stored["boundary"], stored["unknown"]
        self.ids = {token: i for i, token in enumerate(self.tokens)}

    def encode(self, text):
        """Ids of ``text``: its characters, or its words (unseen words read as unknown)."""
        if self.level == "char":
            return [self.id_of_character(char) for char in text]
        words = WORD_PATTERN.findall(text)
        unseen = [word for word in words if word not in self.ids]
        if unseen and self.unknown is None:
            raise UserError(f"the word {unseen[0]!r} never appeared in the training data")
        return [self.ids.get(word, self.unknown) for word in words]

    def id_of_character(self, char):
        if char not in self.ids:
            raise UserError(f"the character {char!r} never appeared in the training data")
        return self.ids[char]

    def decode(self, ids):
        tokens = [self.tokens[i] for i in ids if i != self.boundary]
        return "".join(tokens) if self.level == "char" else join_words(tokens)


def join_words(words):
    """Words joined by spaces, except around punctuation, brackets, contractions and newlines."""
    pieces = []
    for i, word in enumerate(words):
        before, previous = (words[i - 2] if i >= 2 else ""), (words[i - 1] if i else "")
        glued = (
            "\n" in (previous, word)
            or word in NO_SPACE_BEFORE
            or previous in NO_SPACE_AFTER
            or (previous == "'" and before[-1:].isalnum() and word in CONTRACTION_ENDINGS)
        )
        if i and not glued:
            pieces.append(" ")
        pieces.append(word)
    return "".join(pieces)


def next_token(logits, temperature, top_k, rng):
    """The argmax at temperature 0; else a draw from softmax(logits / T) over the top k."""
    if temperature == 0:
        return int(np.argmax(logits))
    scaled = logits.astype(np.float64) / temperature
    if 0 < top_k < len(scaled):
        scaled[scaled < np.sort(scaled)[-top_k]] = -np.inf
    probabilities = np.exp(scaled - scaled.max())
    return int(rng.choice(len(scaled), p=probabilities / probabilities.sum()))


def write_text(graphs, facts, args):
    """Read the priming text, then write ``--length`` tokens one at a time, the state carried."""
    model, vocab = graphs["model"], Vocabulary(facts["vocabulary"])
    rng = np.random.default_rng(args.seed)
    prime = vocab.encode(args.prime) if args.prime else []
    start = [vocab.boundary] if vocab.boundary is not None else []
    if not start and not prime:
        start = [vocab.ids.get("\n", 0)]
    state = model.zero_state(1)
    outputs, state = model.run({"inputs": np.array([start + prime], np.int64), **state})
    written = []
    for _ in range(args.length):
        token = next_token(outputs["logits"][0, -1], args.temperature, args.top_k, rng)
        if token == vocab.boundary:
            break
        written.append(token)
        outputs, state = model.run({"inputs": np.array([[token]], np.int64), **state})
    text = vocab.decode(written)
    if args.prime and vocab.level == "word" and text and not text[0].isspace():
        return f"{args.prime} {text}"
    return args.prime + text


def read_items(graphs, facts, args):
    """A classifier's class probabilities or a tagger's tag per token for ``--text``."""
    if not args.text or not args.text.strip():
        raise UserError("give the text to read with --text")
    vocab, labels = Vocabulary(facts["vocabulary"]), facts["labels"]
    tokens = list(args.text) if vocab.level == "char" else args.text.split()
    ids = (
        [vocab.id_of_character(t) for t in tokens]
        if vocab.level == "char"
        else [vocab.ids.get(t, vocab.unknown) for t in tokens]
    )
    model, feeds = graphs["model"], {"inputs": np.array([ids], np.int64)}
    if "mask" in model.shapes:  # a left-to-right tagger reads no mask
        feeds["mask"] = np.ones((1, len(ids)), bool)
    outputs, _ = model.run(feeds)
    probabilities = softmax(outputs["scores"][0])
    if facts["task"] == "classification":
        order = np.argsort(-probabilities)
        return "\n".join(f"{labels[i]}\t{probabilities[i]:.3f}" for i in order)
    rows = zip(tokens, probabilities)
    return "\n".join(f"{token!r}\t{labels[int(np.argmax(p))]}\t{p.max():.3f}" for token, p in rows)


def softmax(logits):
    shifted = np.exp(logits - logits.max(-1, keepdims=True))
    return shifted / shifted.sum(-1, keepdims=True)


def decode_greedily(decoder, first_state, memory_feeds, boundary, max_len):
    """The likeliest token at every step from the start mark until the end mark or ``max_len``."""
    token, state, written = boundary, first_state, []
    for _ in range(max_len):
        outputs, state = decoder.run({"target": np.array([[token]], np.int64), **state, **memory_feeds})
        token = int(np.argmax(outputs["logits"][0, -1]))
        if token == boundary:
            break
        written.append(token)
    return written


def translate(graphs, facts, args):
    """``--text`` translated greedily (the workbench's greedy decoding)."""
    source, target = Vocabulary(facts["source"]), Vocabulary(facts["target"])
    text = (args.text or "").strip()
    ids = source.encode(text)
    if not ids:
        raise UserError("give the text to translate with --text")
    feeds = {"source": np.array([ids], np.int64), "source_mask": np.ones((1, len(ids)), bool)}
    encoded, _ = graphs["encoder"].run(feeds)
    return target.decode(
        decode_greedily(*_decoder_inputs(graphs, encoded, feeds["source_mask"]), target.boundary, facts["max_len"])
    )


def caption(graphs, facts, args):
    """A caption of the picture in ``--image`` (.npy, (H, W, 3) uint8), written greedily."""
    shape = tuple(facts["image_shape"])
    if not args.image:
        raise UserError("give the picture to describe with --image (a .npy file)")
    try:
        image = np.load(args.image, allow_pickle=False)
    except ValueError:
        raise UserError(f"{args.image}: not a .npy file of numbers") from None
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8 or image.shape != shape:
        held = f"{image.dtype} {image.shape}" if isinstance(image, np.ndarray) else "several arrays"
        raise UserError(f"{args.image}: the model reads {shape} uint8 pictures, not {held}")
    encoded, _ = graphs["encoder"].run({"images": image[None]})
    vocab = Vocabulary(facts["vocabulary"])
    return vocab.decode(decode_greedily(*_decoder_inputs(graphs, encoded, None), vocab.boundary, facts["max_len"]))


def _decoder_inputs(graphs, encoded, memory_mask):
    """The decoder, its initial state (the encoder's outputs of the same names) and the memory it attends to."""
    decoder = graphs["decoder"]
    state = {to: encoded[source] for source, to in decoder.carried.items()}  # the encoder's "h" is the decoder's "h0"
    memory = {"memory": encoded["memory"]} if "memory" in decoder.shapes else {}
    if "memory_mask" in decoder.shapes:
        memory["memory_mask"] = memory_mask
    return decoder, state, memory


def read_history(path, columns):
    """The named columns of a CSV file (N, F): comma, semicolon or tab separated, as the workbench
    reads a series (the separator the header uses most; with semicolons, decimal commas)."""
    with open(path, encoding="utf-8-sig", newline="") as file:
        text = file.read()
    header_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max(",;\t", key=header_line.count)
    rows = [row for row in csv.reader(io.StringIO(text), delimiter=delimiter) if any(cell.strip() for cell in row)]
    header = [name.strip() for name in rows[0]] if rows else []
    missing = [name for name in columns if name not in header]
    if missing:
        raise UserError(f"{path}: no column {', '.join(missing)} (the model reads {', '.join(columns)})")
    if len(rows) < 2:
        raise UserError(f"{path}: there are no rows of values after the header")
    places = [header.index(name) for name in columns]
    history = []
    for number, row in enumerate(rows[1:], start=2):
        try:
            cells = [row[place].strip() for place in places]
            history.append([float(cell.replace(",", ".") if delimiter == ";" else cell) for cell in cells])
        except (ValueError, IndexError):
            raise UserError(f"{path}, row {number}: not a number in every column the model reads") from None
    return np.array(history)


def forecast(graphs, facts, args):
    """Read the rows of ``--csv``, then predict ``--steps`` more, each prediction read back in.

    With ``differencing`` 1 the model reads the change from each row to the next and predicts the
    next change; the changes are added up from the last row.
    """
    columns, stored = facts["columns"], facts["normalisation"]
    mean, std = np.array(stored["mean"]), np.array(stored["std"])
    differencing = facts.get("differencing", 0)  # absent from a file exported before differencing came
    if not args.csv:
        raise UserError("give the recent history with --csv (a header naming the columns, one row per step)")
    history = read_history(args.csv, columns)  # (T, F)
    if len(history) <= differencing:
        raise UserError(f"{args.csv}: the model reads the change from one row to the next, so it needs two rows")
    inputs = np.diff(history, axis=0) if differencing else history  # (T - d, F)
    model = graphs["model"]
    outputs, state = model.run({"inputs": ((inputs - mean) / std)[None].astype(np.float32), **model.zero_state(1)})
    step, steps = outputs["predictions"][:, -1:], []
    for _ in range(args.steps):
        steps.append(step[0, 0])
        outputs, state = model.run({"inputs": step, **state})
        step = outputs["predictions"]
    predicted = np.array(steps).reshape(-1, len(columns)) * std + mean  # (steps, F)
    if differencing:
        predicted = history[-1] + np.cumsum(predicted, axis=0)
    lines = [",".join(columns)]
    lines += [",".join(f"{value:.6g}" for value in row) for row in predicted]
    return "\n".join(lines)


def write_ink(graphs, facts, args):
    """Pen strokes from a handwriting network into ``--out`` (.svg, or .csv of offsets dx, dy, eos).

    The network reads the start point, then draws each point from its output and reads it back
    (Graves 2013, section 5.4, with the sampling ``--bias``); a synthesis network writes ``--text``
    and stops once its window has passed the last letter (section 5.3).
    """
    synthesis = facts["task"] == "handwriting synthesis"
    if not args.out or Path(args.out).suffix.lower() not in (".svg", ".csv"):
        raise UserError("give the file to write with --out (.svg for the ink, .csv for its offsets)")
    if args.bias < 0:
        raise UserError("--bias cannot be negative (0 writes as varied as the data)")
    model, feeds = graphs["step" if synthesis else "model"], {}
    steps_max = facts["max_points"]
    if synthesis:
        if not args.text or not args.text.strip():
            raise UserError("give the text to write with --text")
        ids = {char: 2 + i for i, char in enumerate(facts["alphabet"])}
        feeds = {
            "text": np.array([[ids.get(char, 1) for char in args.text]], np.int64),
            "text_mask": np.ones((1, len(args.text)), bool),
        }
        steps_max = facts["max_points_per_character"] * len(args.text)
    rng = np.random.default_rng(args.seed)
    point = np.array([facts["start_point"]], np.float32)  # (1, 3)
    outputs, state = model.run({**pen_input(point, synthesis), **feeds, **model.zero_state(1)})
    written = []
    for _ in range(steps_max):
        if synthesis and outputs["finished"][0]:
            break
        mixture = {name: outputs[name] if synthesis else outputs[name][:, -1] for name in MIXTURE}  # (1, M, ...)
        point = draw_point(mixture, args.bias, rng)
        written.append(point[0])
        outputs, state = model.run({**pen_input(point, synthesis), **feeds, **state})
    stored = facts["normalisation"]
    offsets = np.array(written, np.float64).reshape(-1, 3)
    offsets[:, :2] = (offsets[:, :2] * stored["std"] + stored["mean"]) * facts["ink_scale"]
    write_offsets(offsets, Path(args.out))
    return f"Wrote {args.out}: {len(offsets)} pen points."


def pen_input(point, synthesis):
    """The step graph reads a point (1, 3); the prediction network a sequence of one (1, 1, 3)."""
    return {"point": point} if synthesis else {"points": point[:, None]}


def draw_point(mixture, bias, rng):
    """One pen move (1, 3) from the mixture of the next point (fields (1, M, ...)), section 5.4's
    bias applied: π = softmax(log π (1 + b)), σ = exp(log σ - b); a component, then a correlated
    Gaussian move, then the end of stroke with probability sigmoid(eos_logit)."""
    log_pi = mixture["log_pi"][0].astype(np.float64) * (1 + bias)
    pi = np.exp(log_pi - log_pi.max())
    j = rng.choice(len(pi), p=pi / pi.sum())
    mu, sigma = mixture["mu"][0, j], np.exp(mixture["log_sigma"][0, j].astype(np.float64) - bias)
    rho = float(mixture["rho"][0, j])
    z = rng.standard_normal(2)
    dx = mu[0] + sigma[0] * z[0]
    dy = mu[1] + sigma[1] * (rho * z[0] + np.sqrt(1 - rho * rho) * z[1])
    eos = float(rng.random() < 1 / (1 + np.exp(-float(mixture["eos_logit"][0]))))
    return np.array([[dx, dy, eos]], np.float32)


def write_offsets(offsets, path):
    """Offsets as CSV, or as SVG: one path per stroke, the pen lifted after each end of stroke."""
    if path.suffix.lower() == ".csv":
        path.write_text("dx,dy,eos\n" + "".join(f"{dx!r},{dy!r},{int(eos)}\n" for dx, dy, eos in offsets.tolist()))
        return
    positions = np.cumsum(offsets[:, :2], axis=0)
    strokes = [stroke for stroke in np.split(positions, np.flatnonzero(offsets[:, 2] > 0.5) + 1) if len(stroke)]
    if not strokes:
        raise UserError("the model wrote no ink: train it further, or lower the bias")
    (left, top), (right, bottom) = positions.min(0) - 20, positions.max(0) + 20
    paths = "".join('<path d="M ' + " L ".join(f"{x:.2f} {y:.2f}" for x, y in stroke) + '"/>\n' for stroke in strokes)
    box = f"{left:.2f} {top:.2f} {right - left:.2f} {bottom - top:.2f}"
    path.write_text(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{box}">\n'
        f'<g fill="none" stroke="#1c2541" stroke-width="3.8" stroke-linecap="round" stroke-linejoin="round">\n'
        f"{paths}</g>\n</svg>\n"
    )


USES = {
    "language model": write_text,
    "classification": read_items,
    "tagging": read_items,
    "translation": translate,
    "captioning": caption,
    "forecast": forecast,
    "handwriting": write_ink,
    "handwriting synthesis": write_ink,
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--prime", default="", help="language models: text to read before writing")
    parser.add_argument("--length", type=int, default=200, help="language models: tokens to write")
    parser.add_argument("--temperature", type=float, default=1.0, help="language models: 0 is greedy")
    parser.add_argument("--top-k", type=int, default=0, help="language models: keep the k likeliest tokens")
    parser.add_argument("--seed", type=int, default=None, help="language models: the random seed")
    parser.add_argument("--text", help="classifiers, taggers and translators: the text to read")
    parser.add_argument("--image", help="captioners: a .npy file holding an (H, W, C) uint8 picture")
    parser.add_argument("--csv", help="forecasters: the recent history, a header naming the columns")
    parser.add_argument("--steps", type=int, default=24, help="forecasters: steps to forecast")
    parser.add_argument("--bias", type=float, default=0.0, help="handwriting: 0 writes as varied as the data")
    parser.add_argument("--out", help="handwriting: the .svg (or .csv of pen offsets) to write")
    args = parser.parse_args(argv)
    if args.length < 1 or args.temperature < 0 or args.top_k < 0 or args.steps < 1:
        parser.error("--length and --steps must be at least 1; --temperature and --top-k not negative")
    try:
        graphs = {role: load_graph(name) for role, name in FILES.items()}
        facts = next(iter(graphs.values())).facts
        print(USES[facts["task"]](graphs, facts, args))
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except (OSError, UnicodeDecodeError) as error:
        where = getattr(error, "filename", None) or "a file"
        print(f"error: cannot read {where}: {getattr(error, 'strerror', None) or error}", file=sys.stderr)
        return 2
    return 0


def load_graph(name):
    if not (HERE / name).is_file():
        raise UserError(f"{HERE / name}: the exported model is missing; keep it beside this script")
    return Graph(name)


if __name__ == "__main__":
    sys.exit(main())
