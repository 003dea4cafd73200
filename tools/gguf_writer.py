#!/usr/bin/env python3
"""samplevec's own GGUF writer: tiny random-weight models for the tests, which llama.cpp
(v0.4.0, through node-llama-cpp 3.21.1) loads and runs, so their llama.cpp outputs can be kept
as goldens (tools/make_goldens.sh). Standard library only; the same preset and seed give a
byte-identical file on any machine.

    gguf_writer.py PRESET -o OUT.gguf [--seed N] [--type TYPE]
    gguf_writer.py --list                       # the presets, one line each

The file (GGUF v3, little-endian, as ggml's gguf.h lays it out):
    1. "GGUF", u32 version 3, u64 tensor count, u64 key/value count
    2. key/value pairs: u64-length string key, u32 value type, value (arrays: u32 element type,
       u64 count, elements)
    3. tensor infos: name, u32 n_dims, n_dims x u64 dims (ne0 first: ne0 is the contiguous
       one, so a linear layer y = W x with PyTorch shape [out, in] is written [in, out] and its
       bytes are PyTorch's row-major [out][in]), u32 ggml type, u64 offset into the data
    4. zero padding to general.alignment (32), then the tensor data, each tensor at an aligned
       offset.

One module, in layers: the container (GGUFFile), the value encodings (F32, F16, BF16 here; the
block quantizers live in gguf_quantize.py), the seeded random tensors and the type policy
(Model), the vocabularies (WordPiece, byte-level BPE, SentencePiece BPE, Unigram with its
precompiled_charsmap), one builder per architecture (bert, bert + Unigram, jina-bert-v2, qwen3,
gemma-embedding) and the presets. A new architecture is a builder plus presets; a new tokenizer
is a vocabulary function.

Random weights: each tensor draws from its own generator seeded with "SEED/tensor name", so adding
a tensor never changes the others. Linear weights are uniform with std 1/sqrt(fan_in); the
attention Q and K weights are scaled up (x1.5) so that attention is far from uniform; norm gains
1 +- 0.2, biases +- 0.1, token embeddings std 1, position and type embeddings std 0.5.
"""
import argparse
import array
import hashlib
import json
import math
import os
import random
import struct
import sys

# ------------------------------------------------------------------------------------------
# The container

GGUF_VERSION = 3
ALIGNMENT = 32

# GGUF value types (gguf.h enum gguf_type)
U8, I8, U16, I16, U32, I32, F32V, BOOL, STR, ARR, U64, I64, F64V = range(13)
_SCALAR = {U8: "B", I8: "b", U16: "H", I16: "h", U32: "I", I32: "i", F32V: "f", BOOL: "?",
           U64: "Q", I64: "q", F64V: "d"}

# ggml tensor types this writer emits (ggml.h enum ggml_type) and their block geometry:
# name -> (type id, values per block, bytes per block)
GGML_TYPES = {
    "f32": (0, 1, 4), "f16": (1, 1, 2), "q4_0": (2, 32, 18), "q4_1": (3, 32, 20),
    "q5_0": (6, 32, 22), "q5_1": (7, 32, 24), "q8_0": (8, 32, 34), "q4_k": (12, 256, 144),
    "q5_k": (13, 256, 176), "q6_k": (14, 256, 210), "bf16": (30, 1, 2),
}
# general.file_type (llama_ftype) for a file whose matrices are mostly of that type
FILE_TYPE = {"f32": 0, "f16": 1, "q4_0": 2, "q4_1": 3, "q8_0": 7, "q5_0": 8, "q5_1": 9,
             "q4_k": 15, "q5_k": 17, "q6_k": 18, "bf16": 32, "kmix": 15}

# The "kmix" type policy: K-quants per tensor kind, as llama-quantize's Q4_K_M-style files mix
# them (first match on the tensor name), with Q4_0 on the gates so every block type is there.
KMIX = (("attn_v", "q6_k"), ("ffn_down", "q6_k"), ("attn_output", "q5_k"), ("token_embd", "q5_k"),
        ("ffn_gate", "q4_0"), ("dense_", "q8_0"), ("", "q4_k"))

# llama_token_type, as tokenizer.ggml.token_type stores it
TOK_NORMAL, TOK_UNKNOWN, TOK_CONTROL, TOK_USER_DEFINED, TOK_UNUSED, TOK_BYTE = 1, 2, 3, 4, 5, 6


def _str(s):
    b = s.encode("utf-8") if isinstance(s, str) else s
    return struct.pack("<Q", len(b)) + b


class GGUFFile:
    """Metadata and tensors in insertion order; write() lays them out. Values are typed
    explicitly (kv(key, U32, 7)) because GGUF readers check types: llama.cpp wants u32 for
    counts, f32 for epsilons, i32 for token types."""

    def __init__(self):
        self.kvs = []      # (key, type, value); arrays as (ARR, (element type, [values]))
        self.tensors = []  # (name, dims ne0-first, ggml type name, raw bytes)

    def kv(self, key, vtype, value):
        assert all(k != key for k, _, _ in self.kvs), "duplicate key " + key
        self.kvs.append((key, vtype, value))

    def arr(self, key, etype, values):
        self.kv(key, ARR, (etype, list(values)))

    def tensor(self, name, dims, gtype, raw):
        _, blk, nbytes = GGML_TYPES[gtype]
        n = math.prod(dims)
        assert dims[0] % blk == 0 and len(raw) == n // blk * nbytes, name
        self.tensors.append((name, list(dims), gtype, raw))

    @staticmethod
    def _value(vtype, value):
        if vtype == STR:
            return _str(value)
        if vtype == ARR:
            etype, items = value
            head = struct.pack("<IQ", etype, len(items))
            if etype == STR:
                return head + b"".join(_str(x) for x in items)
            return head + struct.pack("<%d%s" % (len(items), _SCALAR[etype]), *items)
        return struct.pack("<" + _SCALAR[vtype], value)

    def to_bytes(self):
        out = [b"GGUF", struct.pack("<IQQ", GGUF_VERSION, len(self.tensors), len(self.kvs))]
        for key, vtype, value in self.kvs:
            out.append(_str(key) + struct.pack("<I", vtype) + self._value(vtype, value))
        offset, blobs = 0, []
        for name, dims, gtype, raw in self.tensors:
            out.append(_str(name) + struct.pack("<I", len(dims)) + struct.pack("<%dQ" % len(dims), *dims) +
                       struct.pack("<IQ", GGML_TYPES[gtype][0], offset))
            pad = -len(raw) % ALIGNMENT
            blobs.append(raw + b"\0" * pad)
            offset += len(raw) + pad
        head = b"".join(out)
        return head + b"\0" * (-len(head) % ALIGNMENT) + b"".join(blobs)

    def write(self, path):
        """Written under a private name and renamed into place: tests build fixtures in
        parallel and none may see a half-written file."""
        data = self.to_bytes()
        tmp = "%s.%d.tmp" % (path, os.getpid())
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
        return hashlib.sha256(data).hexdigest()


# ------------------------------------------------------------------------------------------
# Values

def encode(values, gtype):
    """float32 values (an array('f') or list) in a ggml type. Block types come from
    gguf_quantize.py (ggml's reference quantizers; valid K-quant blocks)."""
    if gtype == "f32":
        a = values if isinstance(values, array.array) else array.array("f", values)
        if sys.byteorder != "little":
            a = array.array("f", a)
            a.byteswap()
        return a.tobytes()
    if gtype == "f16":
        return struct.pack("<%de" % len(values), *values)
    if gtype == "bf16":  # round to nearest even on the top 16 bits
        bits = array.array("I", array.array("f", values).tobytes())
        return array.array("H", [((b + 0x7fff + ((b >> 16) & 1)) >> 16) & 0xffff for b in bits]).tobytes()
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import gguf_quantize as gq
    _, blk, _ = GGML_TYPES[gtype]
    quant = gq.quant_superblock if blk == 256 else gq.quant_block
    return b"".join(quant(values[i:i + blk], gtype) for i in range(0, len(values), blk))


def random_values(seed, name, n, kind, scale):
    """n float32 values for one tensor. kind: "w" uniform with std `scale`; "gain" 1 +-
    scale; "bias" +- scale. Each tensor has its own stream (seeded by seed and name)."""
    r = random.Random("%s/%s" % (seed, name)).random
    if kind == "w":
        half = scale * math.sqrt(3.0)
        lo, width, base = -half, 2 * half, 0.0
    else:
        lo, width, base = -scale, 2 * scale, 1.0 if kind == "gain" else 0.0
    return array.array("f", [base + lo + width * r() for _ in range(n)])


class Model:
    """A GGUF being built: metadata, then tensors placed with a type policy. The policy follows
    convert_hf_to_gguf and llama-quantize: vectors (norms, biases) stay F32; the "keep_f32"
    matrices (position and token-type tables) stay F32; every other matrix takes the file's
    type when its rows divide into whole blocks, else the fallback chain (a K-quant falls back
    to Q8_0/Q5_0-style blocks of 32, then F16)."""

    def __init__(self, seed, gtype, keep_f32=()):
        self.f = GGUFFile()
        self.seed, self.gtype, self.keep_f32 = seed, gtype, set(keep_f32)
        self.types = {}

    def type_for(self, name, dims):
        if len(dims) < 2 or name in self.keep_f32 or self.gtype == "f32":
            return "f32"
        want = next(t for k, t in KMIX if k in name) if self.gtype == "kmix" else self.gtype
        for t in (want, "q8_0" if GGML_TYPES[want][1] > 1 else None, "f16"):
            if t and dims[0] % GGML_TYPES[t][1] == 0:
                return t
        return "f32"

    def rand(self, name, dims, kind="w", scale=None, gtype=None):
        """A random tensor; scale defaults to 1/sqrt(ne0) (a linear layer's fan-in)."""
        if scale is None:
            scale = 1.0 / math.sqrt(dims[0])
        t = gtype or self.type_for(name, dims)
        self.types[name] = t
        self.f.tensor(name, dims, t, encode(random_values(self.seed, name, math.prod(dims), kind, scale), t))

    def values(self, name, dims, values, gtype=None):
        t = gtype or self.type_for(name, dims)
        self.types[name] = t
        self.f.tensor(name, dims, t, encode(values, t))


# ------------------------------------------------------------------------------------------
# Vocabularies

# Words a sample library's texts use, plus the English function words, in the order they are
# given ids (so a smaller vocabulary is a prefix of a larger one and keeps their ids). "hello"
# is left out on purpose: it splits into continuation pieces.
WORDS = """
the a an and or of to in on at for with by from as is are was be it its this that not no
all any one two three four five six seven eight nine ten new old big small high low up down
out over under into about after before more most very so but if then than too only also
just like
kick snare hat hats hihat clap rim tom cymbal crash ride perc percussion drum drums break
breaks loop loops one shot bass sub 808 909 707 chord chords stab pad pads lead pluck arp
keys piano rhodes organ synth string strings brass horn sax flute guitar vocal vox choir
chop chops sample samples texture fx riser sweep noise vinyl tape crackle hiss reverb delay
echo filter filtered saturation distortion compressor sidechain swing groove bpm key major
minor sharp flat tempo bar bars beat beats fill fills intro outro verse hook drop
warm cold dark bright dusty gritty clean dirty soft hard deep heavy light lofi lo fi hip hop
trap house techno jazz soul funk boom bap ambient dub disco garage jungle drill grime
chill moody happy sad aggressive dreamy mellow calm tense epic energy mood vibe
analog digital stereo mono wide short long fast slow quick brown fox jumps lazy dog
world vector vectors embedding embeddings model text word words sentence token tokens
case number numbers symbol symbols space spaces tab tabs line lines special unknown literal
by default split into pieces collapse multiple upper lower mixed research memory bandwidth
server students read several hundred documents history bridge near station hotel cafe
naive resume deja vu them of
""".split()

SUFFIXES = "s es ed ing er ers ly y ness ment tion al ic ous ive able ful less est ish".split()

# CJK ideographs and kana for the multilingual texts; Hangul goes in as jamo (NFD splits
# syllables into them before WordPiece sees the text).
CJK = "日本語中文字符漢東京音楽楽器鼓低声夜"
KANA = "のテキストサンプルドラムをはです"
JAMO = [chr(c) for c in range(0x1100, 0x1113)] + [chr(c) for c in range(0x1161, 0x1176)] + \
       [chr(c) for c in range(0x11A8, 0x11C3)]


def wordpiece_vocab(size, seed):
    """BERT WordPiece vocabulary of exactly `size` entries in llama.cpp's stored form.

    Ids follow bert-base-uncased, which is what llama.cpp's WPM defaults assume: [PAD] 0,
    [unused0..98] 1..99, [UNK] 100, [CLS] 101, [SEP] 102, [MASK] 103. llama.cpp stores a
    word-initial piece with a U+2581 prefix and a continuation ("##x" in HF's vocab.txt)
    without its "##"; control tokens verbatim. Returns (tokens, token types)."""
    hf = ["[PAD]"] + ["[unused%d]" % i for i in range(99)] + ["[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    have = set(hf)

    def add(piece):
        if len(hf) < size and piece not in have:
            have.add(piece)
            hf.append(piece)

    for c in "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~" + "0123456789" + "abcdefghijklmnopqrstuvwxyz":
        add(c)
    for c in "abcdefghijklmnopqrstuvwxyz0123456789":
        add("##" + c)
    for w in WORDS:
        add(w)
    for s in SUFFIXES:
        add("##" + s)
    for c in CJK + KANA:
        add(c)
    for j in JAMO:
        add(j)
        add("##" + j)
    rng = random.Random("%s/wordpiece" % seed)
    letters = "abcdefghijklmnopqrstuvwxyz"
    vowels = "aeiou"
    while len(hf) < size:  # pseudo-syllables: "##" continuations and word starts, 2-5 letters
        n = rng.randint(2, 5)
        s = "".join(rng.choice(vowels if i % 2 else letters) for i in range(n))
        add(("##" + s) if rng.random() < 0.5 else s)
    control = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}
    tokens, types = [], []
    for t in hf:
        if t in control:
            tokens.append(t)
            types.append(TOK_CONTROL)
        else:
            tokens.append(t[2:] if t.startswith("##") else "\u2581" + t)
            types.append(TOK_NORMAL)
    assert len(set(tokens)) == len(tokens)
    return tokens, types



# Text the subword vocabularies are learnt from: the word list and phrases in the golden texts'
# languages (Korean, Japanese, accents), other sentences than the goldens', so the tokenizers
# find multi-character pieces in every script yet must still split the golden texts, while the
# vocabularies stay tiny. Emoji and most symbols are left out on purpose: byte fallback
# (SentencePiece, byte-level BPE) and <unk> (Unigram) must show up in the goldens.
CORPUS_EXTRA = """
Dusty drum loops with swung hats and soft kicks. A warm analog pad with a slow attack and release.
Café crème, naïve résumé, déjà vu in the hotel. Ünïcödé Ångström señor façade straße à la carte.
드럼 루프와 베이스 샘플, 따뜻한 음악. 한국 텍스트 비트 아날로그 드럼 베이스 루프
東京のドラム、夜のサンプル音楽。ファイルとテキスト 日本の音 中文 字符 ローファイ
It's what we'll do, they've said; I'm sure you'd agree. Numbers 1,234.56 and 2026-11-25.
"""


def corpus_text():
    return " ".join(WORDS) + "\n" + CORPUS_EXTRA


def _bpe_train(words, n_merges):
    """Plain BPE: `words` maps a tuple of symbols to its count; returns the merges in order.
    Ties go to the pair that sorts first, so the result is deterministic."""
    words = dict(words)
    merges = []
    for _ in range(n_merges):
        pairs = {}
        for w, c in words.items():
            for a, b in zip(w, w[1:]):
                pairs[(a, b)] = pairs.get((a, b), 0) + c
        if not pairs:
            break
        best = min(pairs, key=lambda p: (-pairs[p], p))
        merges.append(best)
        out = {}
        for w, c in words.items():
            i, nw = 0, []
            while i < len(w):
                if i + 1 < len(w) and (w[i], w[i + 1]) == best:
                    nw.append(w[i] + w[i + 1])
                    i += 2
                else:
                    nw.append(w[i])
                    i += 1
            out[tuple(nw)] = out.get(tuple(nw), 0) + c
        words = out
    return merges


def byte_to_unicode():
    """GPT-2's printable stand-in for each byte (what byte-level BPE vocabularies store)."""
    keep = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    table, n = {}, 0
    for b in range(256):
        if b in keep:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + n)
            n += 1
    return table


def byte_bpe_vocab(n_merges):
    """Byte-level BPE in Qwen2's form (tokenizer.ggml.model "gpt2", pre "qwen2"): the 256 byte
    symbols, one token per merge result, then the control tokens. Returns (tokens, types,
    merges as "a b" strings, {name: id} of the specials)."""
    import re
    b2u = byte_to_unicode()
    # an approximation of the qwen2 pre-tokenizer regex (Python's re has no \p{L}); only the
    # training uses it: llama.cpp applies its own regex and these merges when it tokenizes
    pat = re.compile(r"'(?:[sS]|[tT]|[rR][eE]|[vV][eE]|[mM]|[lL][lL]|[dD])|[^\r\n\w]?[^\W\d_]+|\d| ?[^\s\w]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
    counts = {}
    for piece in pat.findall(corpus_text()):
        sym = tuple(b2u[b] for b in piece.encode("utf-8"))
        counts[sym] = counts.get(sym, 0) + 1
    merges = _bpe_train(counts, n_merges)
    tokens = [b2u[b] for b in range(256)]
    have = set(tokens)
    for a, b in merges:
        if a + b not in have:
            have.add(a + b)
            tokens.append(a + b)
    types = [TOK_NORMAL] * len(tokens)
    specials = {}
    for name in ("<|endoftext|>", "<|im_start|>", "<|im_end|>"):
        specials[name] = len(tokens)
        tokens.append(name)
        types.append(TOK_CONTROL)
    return tokens, types, ["%s %s" % m for m in merges], specials


def spm_bpe_vocab(n_merges, leave_out="🥁🎹🎸🔥👩🏽🎤🙂"):
    """SentencePiece BPE in Gemma's form (tokenizer.ggml.model "llama"): <pad> <eos> <bos> <unk>,
    the 256 byte-fallback tokens <0x00>..<0xFF> (type BYTE), then the pieces with scores (a
    merge's piece scores higher the earlier it was learnt; llama.cpp merges the best-scoring
    adjacent pair whose concatenation is a piece). Spaces are U+2581; no dummy prefix. The
    characters in leave_out get no piece, so they go through byte fallback."""
    text = corpus_text().replace("\n", " ")
    counts = {}
    for w in text.replace(" ", "\u2581").split("\u2581"):
        if w:
            sym = tuple("\u2581" + w)
            counts[sym] = counts.get(sym, 0) + 1
    merges = _bpe_train(counts, n_merges)
    tokens = ["<pad>", "<eos>", "<bos>", "<unk>"] + ["<0x%02X>" % b for b in range(256)]
    types = [TOK_CONTROL, TOK_CONTROL, TOK_CONTROL, TOK_UNKNOWN] + [TOK_BYTE] * 256
    scores = [0.0] * len(tokens)
    have = set(tokens)
    for a, b in merges:
        if a + b not in have:
            have.add(a + b)
            tokens.append(a + b)
            types.append(TOK_NORMAL)
            scores.append(-float(len(tokens)))
    for ch in sorted(set(text.replace(" ", "\u2581")) - set(leave_out) - {"\n"}):
        if ch not in have:
            have.add(ch)
            tokens.append(ch)
            types.append(TOK_NORMAL)
            scores.append(-float(len(tokens)))
    return tokens, types, scores


# The normalisation rules of the Unigram fixtures' precompiled_charsmap: a small cut of what
# SentencePiece's nmt_nfkc map does, so that a C implementation must apply the map (longest
# byte-prefix match, replacement may be empty) before it segments.
CHARSMAP_RULES = dict(
    [(chr(0xFF01 + i), chr(0x21 + i)) for i in range(94)] +   # full-width ASCII
    [("\u00a0", " "), ("\u2003", " "), ("\u3000", " "), ("\u2028", " "), ("\t", " "), ("\n", " "), ("\r", " "),
     ("\u200b", ""), ("\u00ad", ""), ("\ufeff", ""), ("\u0007", ""),     # removed altogether
     ("\ufb01", "fi"), ("\ufb02", "fl"), ("\u2460", "1"), ("\u00bd", "1\u20442"), ("\u00b2", "2"), ("\u00b3", "3"),
     ("\u212b", "\u00c5"), ("e\u0301", "\u00e9"), ("a\u0300", "\u00e0"), ("\uff76", "\u30ab"), ("\u2167", "VIII")])


def precompiled_charsmap(rules):
    """SentencePiece's precompiled normaliser blob, as llama.cpp's UGM tokenizer reads it
    (llama-vocab.cpp llm_tokenizer_ugm): u32 size of the trie in bytes, the trie (a
    darts-clone-style XOR double array of u32 units over the UTF-8 bytes of each source string),
    then the NUL-terminated replacement strings. A unit: bits 0-7 the label byte, bit 8 "has a
    value child", bits 10-30 the offset to its children (bit 9 clear: offsets < 2^21 suffice
    here); a value unit has bit 31 set and the replacement's byte offset in the low 31 bits.
    The children of a node at position p with offset o sit at p ^ o ^ label, its value at
    p ^ o (label 0). Each node gets a base (p ^ o) no other node uses, so a label match can
    only come from the real parent."""
    strings, where = bytearray(), {}
    trie = {}
    for src, dst in sorted(rules.items()):
        d = dst.encode("utf-8")
        if d not in where:
            where[d] = len(strings)
            strings += d + b"\0"
        node = trie
        for byte in src.encode("utf-8"):
            node = node.setdefault(byte, {})
        node[None] = where[d]
    units, used_bases = {0: 0}, set()

    def place(node, pos):
        labels = sorted(k for k in node if k is not None)
        want = labels + ([0] if None in node else [])
        base = 1
        while base in used_bases or any((base ^ c) in units for c in want):
            base += 1
        used_bases.add(base)
        offset = pos ^ base
        assert offset < (1 << 21)
        units[pos] = (units.get(pos, 0) & 0x1ff) | (offset << 10)
        if None in node:
            units[base] = (1 << 31) | node[None]
        for c in labels:
            units[base ^ c] = c | ((1 << 8) if None in node[c] else 0)
        for c in labels:
            if any(k is not None for k in node[c]) or None in node[c]:
                place(node[c], base ^ c)

    place(trie, 0)
    n = max(units) + 1
    arr = struct.pack("<%dI" % n, *[units.get(i, 0) for i in range(n)])
    return struct.pack("<I", len(arr)) + arr + bytes(strings)


def charsmap_apply(blob, text):
    """The normalisation llama.cpp computes from the blob (a self-check of the writer)."""
    size = struct.unpack_from("<I", blob)[0]
    units = struct.unpack_from("<%dI" % (size // 4), blob, 4)
    strings = blob[4 + size:]
    data, out, i = text.encode("utf-8"), bytearray(), 0
    base = lambda u: (u >> 10) << ((u & (1 << 9)) >> 6)
    while i < len(data):
        node, best = base(units[0]), None
        for j in range(i, len(data)):
            node ^= data[j]
            if node >= len(units) or (units[node] & ((1 << 31) | 0xff)) != data[j]:
                break
            leaf = (units[node] >> 8) & 1
            node ^= base(units[node])
            if leaf:
                best = (j + 1, units[node] & 0x7fffffff)
        if best:
            end = strings.index(b"\0", best[1])
            out += strings[best[1]:end]
            i = best[0]
        else:
            out.append(data[i])
            i += 1
    return out.decode("utf-8")


def unigram_vocab(size):
    """XLM-RoBERTa-style Unigram vocabulary (tokenizer.ggml.model "t5"): <s> <pad> </s> <unk>
    (ids 0-3, as llama.cpp's converter realigns fairseq's), the pieces with log-probability
    scores, then <mask>. Pieces are word-initial "\u2581..." and inner substrings of the
    corpus's normalised words, most frequent first; every corpus character is a piece, so only
    characters outside the corpus become <unk>."""
    text = charsmap_apply(precompiled_charsmap(CHARSMAP_RULES), corpus_text())
    words = ["\u2581" + w for w in text.split()]
    counts = {}
    for w in words:
        for i in range(len(w)):
            for j in range(i + 1, min(len(w), i + 8) + 1):
                sub = w[i:j]
                if sub != "\u2581":
                    counts[sub] = counts.get(sub, 0) + 1
    chars = sorted({c for w in words for c in w})
    ranked = sorted((k for k in counts if len(k) > 1), key=lambda k: (-counts[k] * len(k), k))
    pieces = chars + ranked[:max(0, size - 5 - len(chars))]
    total = float(sum(counts.values()))
    tokens = ["<s>", "<pad>", "</s>", "<unk>"]
    types = [TOK_CONTROL, TOK_CONTROL, TOK_CONTROL, TOK_UNKNOWN]
    scores = [0.0] * 4
    for p in pieces:
        tokens.append(p)
        types.append(TOK_NORMAL)
        scores.append(round(math.log(counts.get(p, 1) / total), 4))
    tokens.append("<mask>")
    types.append(TOK_CONTROL)
    scores.append(0.0)
    return tokens, types, scores


# ------------------------------------------------------------------------------------------
# Architectures

POOLING = {"none": 0, "mean": 1, "cls": 2, "last": 3}


def _head(m, p, arch):
    """The general.* keys and the shape keys every architecture has."""
    f = m.f
    f.kv("general.architecture", STR, arch)
    f.kv("general.name", STR, "samplevec-test-%s" % p["name"])
    f.kv("general.file_type", U32, FILE_TYPE[p["type"]])
    f.kv("general.alignment", U32, ALIGNMENT)
    f.kv(arch + ".context_length", U32, p["ctx"])
    f.kv(arch + ".embedding_length", U32, p["hidden"])
    f.kv(arch + ".feed_forward_length", U32, p["ffn"])
    f.kv(arch + ".block_count", U32, p["layers"])
    f.kv(arch + ".attention.head_count", U32, p["heads"])


def _encoder_keys(f, arch, eps, p):
    """What the bidirectional BERT-family encoders add to _head."""
    f.kv(arch + ".attention.layer_norm_epsilon", F32V, eps)
    f.kv(arch + ".attention.causal", BOOL, False)
    f.kv(arch + ".pooling_type", U32, POOLING[p["pooling"]])


def build_bert(p):
    """llama.cpp LLM_ARCH_BERT (src/models/bert.cpp): learned positions and token types, post-LN
    blocks, GELU feed-forward, WordPiece vocabulary."""
    A, H, F, V, L, P = "bert", p["hidden"], p["ffn"], p["vocab"], p["layers"], p["ctx"]
    m = Model(p["seed"], p["type"], keep_f32=("position_embd.weight", "token_types.weight"))
    tokens, types = wordpiece_vocab(V, p["seed"])
    f = m.f
    _head(m, p, A)
    _encoder_keys(f, A, 1e-12, p)
    f.kv("tokenizer.ggml.model", STR, "bert")
    f.kv("tokenizer.ggml.pre", STR, "default")
    f.arr("tokenizer.ggml.tokens", STR, tokens)
    f.arr("tokenizer.ggml.token_type", I32, types)
    f.kv("tokenizer.ggml.token_type_count", U32, 2)  # llama.cpp refuses a bert file without it
    f.kv("tokenizer.ggml.bos_token_id", U32, 101)    # WPM: BOS is [CLS]
    f.kv("tokenizer.ggml.seperator_token_id", U32, 102)  # sic: llama.cpp's spelling
    f.kv("tokenizer.ggml.unknown_token_id", U32, 100)
    f.kv("tokenizer.ggml.padding_token_id", U32, 0)
    f.kv("tokenizer.ggml.mask_token_id", U32, 103)
    f.kv("tokenizer.ggml.add_bos_token", BOOL, True)
    f.kv("tokenizer.ggml.add_sep_token", BOOL, True)
    f.kv("tokenizer.ggml.add_eos_token", BOOL, False)
    f.kv("tokenizer.ggml.normalizer.lowercase", BOOL, True)
    f.kv("tokenizer.ggml.normalizer.strip_accents", BOOL, True)

    m.rand("token_embd.weight", [H, V], "w", 1.0)
    m.rand("token_types.weight", [H, 2], "w", 0.5)
    m.rand("position_embd.weight", [H, P], "w", 0.5)
    _bert_layers(m, H, F, L)
    return m


def build_bert_ugm(p):
    """LLM_ARCH_BERT with XLM-RoBERTa's Unigram tokenizer (bge-m3, multilingual-e5, arctic-embed
    2, granite-embedding-278m): tokenizer.ggml.model "t5", scores, precompiled_charsmap, <s> and
    </s> added, one token type. The layers are build_bert's."""
    A, H, F, V, L, P = "bert", p["hidden"], p["ffn"], p["vocab"], p["layers"], p["ctx"]
    m = Model(p["seed"], p["type"], keep_f32=("position_embd.weight", "token_types.weight"))
    tokens, types, scores = unigram_vocab(V)
    V = len(tokens)
    f = m.f
    _head(m, p, A)
    _encoder_keys(f, A, 1e-5, p)
    f.kv("tokenizer.ggml.model", STR, "t5")
    f.kv("tokenizer.ggml.pre", STR, "default")
    f.arr("tokenizer.ggml.tokens", STR, tokens)
    f.arr("tokenizer.ggml.scores", F32V, scores)
    f.arr("tokenizer.ggml.token_type", I32, types)
    f.kv("tokenizer.ggml.add_space_prefix", BOOL, True)
    f.kv("tokenizer.ggml.token_type_count", U32, 1)
    f.kv("tokenizer.ggml.remove_extra_whitespaces", BOOL, True)
    f.arr("tokenizer.ggml.precompiled_charsmap", U8, list(precompiled_charsmap(CHARSMAP_RULES)))
    for k, v in (("bos", 0), ("eos", 2), ("unknown", 3), ("seperator", 2), ("padding", 1), ("cls", 0), ("mask", V - 1)):
        f.kv("tokenizer.ggml.%s_token_id" % k, U32, v)
    f.kv("tokenizer.ggml.add_bos_token", BOOL, True)
    f.kv("tokenizer.ggml.add_eos_token", BOOL, True)
    m.rand("token_embd.weight", [H, V], "w", 1.0)
    m.rand("token_types.weight", [H, 1], "w", 0.5)
    m.rand("position_embd.weight", [H, P], "w", 0.5)
    _bert_layers(m, H, F, L)
    return m


def _bert_layers(m, H, F, L, gated=None):
    """Embedding norm and post-LN encoder blocks (bert, jina-bert-v2). gated: None (GELU
    feed-forward), "fused" (jina: ffn_up [H, 2F] = GEGLU's gelu half then its linear half),
    "split" (older jina files: separate ffn_gate and ffn_up)."""
    m.rand("token_embd_norm.weight", [H], "gain", 0.2)
    m.rand("token_embd_norm.bias", [H], "bias", 0.1)
    for i in range(L):
        b = "blk.%d." % i
        for t in ("attn_q", "attn_k", "attn_v", "attn_output"):
            m.rand(b + t + ".weight", [H, H], "w", (1.5 if t in ("attn_q", "attn_k") else 1.0) / math.sqrt(H))
            m.rand(b + t + ".bias", [H], "bias", 0.1)
        m.rand(b + "attn_output_norm.weight", [H], "gain", 0.2)
        m.rand(b + "attn_output_norm.bias", [H], "bias", 0.1)
        up = 2 * F if gated == "fused" else F
        if gated == "split":
            m.rand(b + "ffn_gate.weight", [H, F])
        m.rand(b + "ffn_up.weight", [H, up])
        m.rand(b + "ffn_up.bias", [up], "bias", 0.1)
        m.rand(b + "ffn_down.weight", [F, H])
        m.rand(b + "ffn_down.bias", [H], "bias", 0.1)
        m.rand(b + "layer_output_norm.weight", [H], "gain", 0.2)
        m.rand(b + "layer_output_norm.bias", [H], "bias", 0.1)


def build_jina_bert_v2(p):
    """llama.cpp LLM_ARCH_JINA_BERT_V2 (src/models/jina-bert-v2.cpp, graph in bert.cpp): no
    position table (ALiBi, max bias 8, in the attention mask), token types, post-LN blocks, gated
    GELU feed-forward, WordPiece vocabulary (jina-embeddings-v2-base-en/small-en)."""
    A, H, F, V, L = "jina-bert-v2", p["hidden"], p["ffn"], p["vocab"], p["layers"]
    m = Model(p["seed"], p["type"], keep_f32=("token_types.weight",))
    tokens, types = wordpiece_vocab(V, p["seed"])
    f = m.f
    _head(m, p, A)
    _encoder_keys(f, A, 1e-12, p)
    f.kv("tokenizer.ggml.model", STR, "bert")
    f.kv("tokenizer.ggml.pre", STR, "jina-v2-en")
    f.arr("tokenizer.ggml.tokens", STR, tokens)
    f.arr("tokenizer.ggml.token_type", I32, types)
    f.kv("tokenizer.ggml.token_type_count", U32, 2)
    for k, v in (("bos", 101), ("seperator", 102), ("unknown", 100), ("padding", 0), ("mask", 103), ("cls", 101)):
        f.kv("tokenizer.ggml.%s_token_id" % k, U32, v)
    f.kv("tokenizer.ggml.add_bos_token", BOOL, True)
    f.kv("tokenizer.ggml.add_eos_token", BOOL, False)
    m.rand("token_embd.weight", [H, V], "w", 1.0)
    m.rand("token_types.weight", [H, 2], "w", 0.5)
    _bert_layers(m, H, F, L, gated=p.get("gated", "fused"))
    return m


def _decoder_shape(m, p, A):
    f = m.f
    f.kv(A + ".attention.head_count_kv", U32, p["kv_heads"])
    f.kv(A + ".attention.key_length", U32, p["head_dim"])
    f.kv(A + ".attention.value_length", U32, p["head_dim"])
    f.kv(A + ".attention.layer_norm_rms_epsilon", F32V, 1e-6)
    f.kv(A + ".rope.freq_base", F32V, p.get("rope_base", 1000000.0))
    f.kv(A + ".pooling_type", U32, POOLING[p["pooling"]])


def _gqa_block(m, b, H, F, nh, nkv, hd, post_norms=False):
    """RMSNorm, grouped-query attention with per-head q/k RMSNorm, SwiGLU/GeGLU feed-forward
    (qwen3, gemma-embedding). No biases."""
    m.rand(b + "attn_norm.weight", [H], "gain", 0.2)
    m.rand(b + "attn_q.weight", [H, nh * hd], "w", 1.5 / math.sqrt(H))
    m.rand(b + "attn_k.weight", [H, nkv * hd], "w", 1.5 / math.sqrt(H))
    m.rand(b + "attn_v.weight", [H, nkv * hd])
    m.rand(b + "attn_output.weight", [nh * hd, H])
    m.rand(b + "attn_q_norm.weight", [hd], "gain", 0.2)
    m.rand(b + "attn_k_norm.weight", [hd], "gain", 0.2)
    if post_norms:
        m.rand(b + "post_attention_norm.weight", [H], "gain", 0.2)
    m.rand(b + "ffn_norm.weight", [H], "gain", 0.2)
    m.rand(b + "ffn_gate.weight", [H, F])
    m.rand(b + "ffn_up.weight", [H, F])
    m.rand(b + "ffn_down.weight", [F, H])
    if post_norms:
        m.rand(b + "post_ffw_norm.weight", [H], "gain", 0.2)


def build_qwen3(p):
    """llama.cpp LLM_ARCH_QWEN3 (src/models/qwen3.cpp) as Qwen3-Embedding: byte-level BPE
    (gpt2, pre qwen2, merges), causal attention, last-token pooling over an appended
    <|endoftext|>, no output head (tied embeddings)."""
    A, H, F, L = "qwen3", p["hidden"], p["ffn"], p["layers"]
    m = Model(p["seed"], p["type"])
    tokens, types, merges, sp = byte_bpe_vocab(p["merges"])
    V = len(tokens)
    f = m.f
    _head(m, p, A)
    _decoder_shape(m, p, A)
    f.kv("tokenizer.ggml.model", STR, "gpt2")
    f.kv("tokenizer.ggml.pre", STR, "qwen2")
    f.arr("tokenizer.ggml.tokens", STR, tokens)
    f.arr("tokenizer.ggml.token_type", I32, types)
    f.arr("tokenizer.ggml.merges", STR, merges)
    eot = sp["<|endoftext|>"]
    for k in ("eos", "padding", "bos"):
        f.kv("tokenizer.ggml.%s_token_id" % k, U32, eot)
    f.kv("tokenizer.ggml.add_bos_token", BOOL, False)
    f.kv("tokenizer.ggml.add_eos_token", BOOL, True)
    m.rand("token_embd.weight", [H, V], "w", 1.0)
    for i in range(L):
        _gqa_block(m, "blk.%d." % i, H, F, p["heads"], p["kv_heads"], p["head_dim"])
    m.rand("output_norm.weight", [H], "gain", 0.2)
    return m


def build_gemma_embedding(p):
    """llama.cpp LLM_ARCH_GEMMA_EMBEDDING (src/models/gemma-embedding.cpp) as EmbeddingGemma:
    SentencePiece BPE with byte fallback (tokenizer "llama", no space prefix), embeddings x
    sqrt(H), Gemma 3 blocks (pre and post RMSNorms, q/k norms, GeGLU), bidirectional attention
    with a symmetric sliding window on all but every `swa_period`-th layer, mean pooling, then
    the optional dense_2 (H -> D) and dense_3 (D -> H) projections."""
    A, H, F, L = "gemma-embedding", p["hidden"], p["ffn"], p["layers"]
    m = Model(p["seed"], p["type"])
    tokens, types, scores = spm_bpe_vocab(p["merges"])
    V = len(tokens)
    f = m.f
    _head(m, p, A)
    _decoder_shape(m, p, A)
    f.kv(A + ".attention.sliding_window", U32, p["swa"])
    f.kv(A + ".attention.sliding_window_pattern", U32, p["swa_period"])
    dense = p.get("dense", 0)
    if dense:
        f.kv(A + ".dense_2_feat_in", U32, H)
        f.kv(A + ".dense_2_feat_out", U32, dense)
        f.kv(A + ".dense_3_feat_in", U32, dense)
        f.kv(A + ".dense_3_feat_out", U32, H)
    f.kv("tokenizer.ggml.model", STR, "llama")
    f.kv("tokenizer.ggml.pre", STR, "default")
    f.arr("tokenizer.ggml.tokens", STR, tokens)
    f.arr("tokenizer.ggml.scores", F32V, scores)
    f.arr("tokenizer.ggml.token_type", I32, types)
    for k, v in (("bos", 2), ("eos", 1), ("unknown", 3), ("padding", 0)):
        f.kv("tokenizer.ggml.%s_token_id" % k, U32, v)
    f.kv("tokenizer.ggml.add_bos_token", BOOL, True)
    f.kv("tokenizer.ggml.add_eos_token", BOOL, True)
    f.kv("tokenizer.ggml.add_space_prefix", BOOL, False)
    m.rand("token_embd.weight", [H, V], "w", 1.0 / math.sqrt(H))  # the graph multiplies by sqrt(H)
    for i in range(L):
        _gqa_block(m, "blk.%d." % i, H, F, p["heads"], p["kv_heads"], p["head_dim"], post_norms=True)
    m.rand("output_norm.weight", [H], "gain", 0.2)
    if dense:
        m.rand("dense_2.weight", [H, dense])
        m.rand("dense_3.weight", [dense, H])
    return m


ARCHS = {"bert": build_bert, "bert-ugm": build_bert_ugm, "jina-bert-v2": build_jina_bert_v2,
         "qwen3": build_qwen3, "gemma-embedding": build_gemma_embedding}

# name -> (architecture, shape and options). ctx is the model's context length in tokens.
_TINY = dict(vocab=2048, hidden=32, layers=2, heads=4, ffn=64, ctx=128)
_QWEN = dict(hidden=64, layers=2, heads=4, kv_heads=2, head_dim=32, ffn=128, ctx=128, merges=600, pooling="last")
_GEMMA = dict(hidden=64, layers=3, heads=4, kv_heads=2, head_dim=32, ffn=128, ctx=128, merges=600, swa=16, swa_period=3)
PRESETS = {
    "tiny": ("bert", dict(_TINY, seed=1234, note="WordPiece, H32 L2, mean pooling")),
    "tiny-f16": ("bert", dict(_TINY, seed=1234, type="f16", note="tiny with F16 matrices")),
    "tiny-cls": ("bert", dict(_TINY, seed=99, pooling="cls", note="tiny shape, CLS pooling, other weights")),
    "small": ("bert", dict(vocab=2048, hidden=128, layers=2, heads=4, ffn=256, ctx=128, seed=1234,
                           note="H128: the base of the block-quantized fixtures")),
    "k256": ("bert", dict(vocab=1024, hidden=256, layers=2, heads=4, ffn=512, ctx=128, seed=1234,
                          note="H256: rows of whole 256-blocks for the K-quants")),
    # phase 2 (issue 13): the architectures people run, each tiny, plus Q8_0 (H128) and K-quant
    # mixes (H256: rows of whole 256-blocks) of each
    "xlmr-tiny": ("bert-ugm", dict(_TINY, vocab=1500, seed=501, note="bert + Unigram (t5) tokenizer, mean pooling")),
    "xlmr-cls": ("bert-ugm", dict(_TINY, vocab=1500, seed=502, pooling="cls", note="bert + Unigram, CLS pooling")),
    "xlmr-q8_0": ("bert-ugm", dict(_TINY, vocab=1500, hidden=128, ffn=256, seed=503, type="q8_0", note="bert + Unigram, Q8_0")),
    "xlmr-kmix": ("bert-ugm", dict(_TINY, vocab=1500, hidden=256, ffn=512, seed=504, type="kmix", note="bert + Unigram, Q4_K/Q5_K/Q6_K/Q4_0")),
    "qwen3-tiny": ("qwen3", dict(_QWEN, seed=601, note="Qwen3-Embedding: byte BPE, GQA, q/k norms, causal, last pooling")),
    "qwen3-q8_0": ("qwen3", dict(_QWEN, hidden=128, ffn=256, seed=602, type="q8_0", note="qwen3, Q8_0")),
    "qwen3-kmix": ("qwen3", dict(_QWEN, hidden=256, head_dim=64, ffn=512, seed=603, type="kmix", note="qwen3, K-quant mix")),
    "gemma-tiny": ("gemma-embedding", dict(_GEMMA, dense=128, seed=701, note="EmbeddingGemma: SPM BPE + bytes, SWA, mean, dense 2/3")),
    "gemma-nodense": ("gemma-embedding", dict(_GEMMA, seed=702, note="gemma-embedding without the dense projections")),
    "gemma-q8_0": ("gemma-embedding", dict(_GEMMA, hidden=128, ffn=256, dense=256, seed=703, type="q8_0", note="gemma-embedding, Q8_0")),
    "gemma-kmix": ("gemma-embedding", dict(_GEMMA, hidden=256, head_dim=64, ffn=512, dense=512, seed=704, type="kmix", note="gemma-embedding, K-quant mix")),
    # fuzz seeds (tests/data/gguf/fuzz/): the smallest files that still load and run, so that the
    # fuzzer reaches the forward pass fast and test_gguf's replay runs it in every build
    "qwen3-seed": ("qwen3", dict(_QWEN, hidden=8, layers=1, heads=2, kv_heads=1, head_dim=4, ffn=16, ctx=16, merges=20,
                                 seed=611, note="qwen3 fuzz seed (H8, one layer)")),
    "gemma-seed": ("gemma-embedding", dict(_GEMMA, hidden=8, layers=2, heads=2, kv_heads=1, head_dim=4, ffn=16, ctx=16,
                                           merges=20, swa=4, swa_period=2, dense=16, seed=711,
                                           note="gemma-embedding fuzz seed (H8, SWA + global layer, dense)")),
    "jina-tiny": ("jina-bert-v2", dict(_TINY, seed=801, note="ALiBi, GEGLU in one ffn_up [H, 2F]")),
    "jina-split": ("jina-bert-v2", dict(_TINY, seed=802, gated="split", note="ALiBi, separate ffn_gate and ffn_up (older files)")),
    "jina-q8_0": ("jina-bert-v2", dict(_TINY, hidden=128, ffn=256, seed=803, type="q8_0", note="jina-bert-v2, Q8_0")),
    "jina-kmix": ("jina-bert-v2", dict(_TINY, hidden=256, ffn=512, seed=804, type="kmix", note="jina-bert-v2, K-quant mix")),
    "minilm": ("bert", dict(vocab=30522, hidden=384, layers=6, heads=12, ffn=1536, ctx=512, seed=1234,
                            note="all-MiniLM-L6-v2's shape, for bench/gguf.sh (90 MB)")),
    "xlmr-small": ("bert-ugm", dict(vocab=5000, hidden=384, layers=12, heads=12, ffn=1536, ctx=512, seed=1235,
                                    note="multilingual-e5-small's layers (vocabulary cut), for bench/gguf.sh (90 MB)")),
    "jina-small": ("jina-bert-v2", dict(vocab=30528, hidden=512, layers=4, heads=8, ffn=2048, ctx=512, seed=1236,
                                        note="jina-embeddings-v2-small-en's shape, for bench/gguf.sh (130 MB)")),
    # the decoders' real layer shapes with fewer layers (and the vocabulary trained on the word
    # list, enough merges that every bench word is one or two tokens), for bench/gguf.sh
    "qwen3-small": ("qwen3", dict(hidden=1024, layers=2, heads=16, kv_heads=8, head_dim=128, ffn=3072, ctx=512,
                                  merges=4000, pooling="last", seed=1237,
                                  note="Qwen3-Embedding-0.6B's layers (H1024 GQA 16/8 hd128 FF3072), 2 of 28, for bench/gguf.sh (130 MB)")),
    "gemma-small": ("gemma-embedding", dict(hidden=768, layers=6, heads=3, kv_heads=1, head_dim=256, ffn=1152, ctx=512,
                                            merges=4000, swa=512, swa_period=6, dense=3072, seed=1238,
                                            note="EmbeddingGemma-300m's layers (H768 GQA 3/1 hd256 FF1152, SWA 512 5:1, dense 3072), 6 of 24, for bench/gguf.sh (120 MB)")),
}


def build(preset, seed=None, gtype=None):
    arch, p = PRESETS[preset]
    p = dict(p, name=preset)
    p.setdefault("type", "f32")
    p.setdefault("pooling", "mean")
    if seed is not None:
        p["seed"] = seed
    if gtype is not None:
        p["type"] = gtype
    return ARCHS[arch](p)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("preset", nargs="?", choices=sorted(PRESETS))
    ap.add_argument("-o", "--out")
    ap.add_argument("--seed", type=int, help="override the preset's seed")
    ap.add_argument("--type", choices=sorted(GGML_TYPES) + ["kmix"], help="override the matrices' type")
    ap.add_argument("--list", action="store_true", help="list the presets")
    a = ap.parse_args()
    if a.list:
        for k, (arch, p) in PRESETS.items():
            print("%-16s %-16s %s" % (k, arch, p.get("note", "")))
        return
    if not a.preset or not a.out:
        ap.error("PRESET and -o OUT are required (or --list)")
    m = build(a.preset, a.seed, a.type)
    sha = m.f.write(a.out)
    print(json.dumps({"file": a.out, "preset": a.preset, "sha256": sha, "bytes": os.path.getsize(a.out)}))


if __name__ == "__main__":
    main()
