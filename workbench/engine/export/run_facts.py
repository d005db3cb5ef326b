"""What a program needs besides the graphs to use an exported model: the task, the vocabularies,
the label names, the series' normalisation and differencing, the decoding limit. Stored as JSON
in each exported file's metadata and read by the standalone script (``standalone_script.py``).
"""

from __future__ import annotations

from ..spec import ModelSpec

LAB_TASKS = ("adding", "copy")  # corpus kinds of the long-range lab: generated, nothing to type in


def task_of(spec: ModelSpec, corpus_kind: str = "") -> str:
    """The use the script offers: "language model", "classification", "tagging", "forecast",
    "translation", "captioning", "handwriting", "handwriting synthesis" or "long-range lab"."""
    if corpus_kind in LAB_TASKS:
        return "long-range lab"
    if spec.head.kind == "mixture_density":
        return "handwriting" if spec.window is None else "handwriting synthesis"
    if spec.inputs.kind == "image":
        return "captioning"
    if spec.is_seq2seq:
        return "translation"
    return {"next_token": "language model", "regression": "forecast"}.get(spec.head.kind, spec.head.kind)


def run_facts(project, files: dict[str, str]) -> dict:
    """The facts for ``project``'s model whose graphs were written to ``files`` (role -> file name)."""
    corpus = project.corpus
    task = task_of(project.spec, corpus.kind)
    facts: dict = {"task": task, "files": files, "title": getattr(corpus, "title", "")}
    if task in ("language model", "classification", "tagging", "captioning"):
        facts["vocabulary"] = corpus.vocab.to_json()
    if task in ("classification", "tagging"):
        facts["labels"] = list(corpus.label_names)
    if task == "translation":
        from ..inference.translation import default_max_len

        facts["source"], facts["target"] = corpus.vocab.source.to_json(), corpus.vocab.target.to_json()
        facts["max_len"] = default_max_len(corpus)
    if task == "captioning":
        from ..inference.captions import default_max_len as caption_max_len

        facts["max_len"] = caption_max_len(corpus)
        facts["image_shape"] = [project.spec.inputs.image_size] * 2 + [project.spec.inputs.channels]
    if task.startswith("handwriting"):
        from ..data.handwriting.stroke_batches import START_POINT
        from ..inference.writing import DEFAULT_LINE_HEIGHT, MAX_POINTS, MAX_POINTS_PER_CHARACTER

        facts["alphabet"] = corpus.vocab.to_json()["characters"]  # ids from 2; 0 pads, 1 is unknown
        facts["normalisation"] = corpus.normalisation.to_json()
        facts["ink_scale"] = DEFAULT_LINE_HEIGHT / corpus.geometry.line_height
        facts["start_point"] = list(START_POINT)
        facts["max_points"] = MAX_POINTS
        facts["max_points_per_character"] = MAX_POINTS_PER_CHARACTER
    if task == "forecast":
        facts["columns"] = list(corpus.columns)
        facts["normalisation"] = corpus.normalisation.to_json()
        facts["differencing"] = corpus.differencing  # 1: the model reads and predicts step-to-step changes
    return facts
