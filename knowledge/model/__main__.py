"""`python -m knowledge.model DIR` converts the bundled model into DIR; `--onnx DIR` exports its ONNX body."""

from __future__ import annotations

import sys
from pathlib import Path

from knowledge.model.conversion import convert
from knowledge.model.onnx_export import export_onnx
from knowledge.model.packed import ModelConversionError

USAGE = "usage: python -m knowledge.model [--onnx] DIR  (e.g. var/models/multilingual-e5-small)"


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    onnx = bool(args) and args[0] == "--onnx"
    if onnx:
        args = args[1:]
    if len(args) != 1:
        print(USAGE, file=sys.stderr)
        return 2
    try:
        print(export_onnx(Path(args[0])) if onnx else convert(Path(args[0])))
    except ModelConversionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
