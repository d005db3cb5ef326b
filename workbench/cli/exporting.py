"""The ``export`` command: a trained model in another tool's format, the format told by the file's suffix."""

from __future__ import annotations

from ..engine.common.errors import WorkbenchError
from ..engine.export import FORMATS, export_model
from ..engine.project.project import Project
from .using import fallback_note, tell


def cmd_export(args) -> int:
    suffix = args.out.suffix.lower()
    by_suffix = {fmt.suffix: name for name, fmt in FORMATS.items()} | {".hdf5": "lstmvis"}
    format_name = args.format or by_suffix.get(suffix)
    if format_name is None:
        raise WorkbenchError(f"cannot tell the format from {args.out.name}: add --format ({', '.join(FORMATS)})")
    chosen = FORMATS[format_name]
    if not suffix:  # `-o model --format onnx`: a file named for what it holds
        args.out = args.out.with_name(args.out.name + chosen.suffix)
        suffix = chosen.suffix
    if suffix in by_suffix and by_suffix[suffix] != format_name:
        raise WorkbenchError(
            f"{args.out.name} has the suffix of a {FORMATS[by_suffix[suffix]].title} file, but the "
            f"format is {chosen.title}: name it {args.out.stem}{chosen.suffix}"
        )
    text = None
    if args.text_file is not None and not chosen.reads_text:
        raise WorkbenchError(f"--text-file is for LSTMVis exports; {chosen.title} reads no text")
    if args.text_file is not None:
        try:
            text = args.text_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise WorkbenchError(f"cannot read {args.text_file}: {getattr(error, 'strerror', None) or error}") from None
    project = Project.open(args.project)
    report = export_model(project.with_weights(args.weights), format_name, args.out, text=text)
    print(report.describe())
    tell(fallback_note(project, args))
    return 0
