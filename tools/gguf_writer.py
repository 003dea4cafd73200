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

The layers are small on purpose: one module holds the container (GGUFFile), the value
encodings (F32, F16, BF16 here; the block quantizers live in gguf_quantize.py), the seeded
random tensors, the vocabularies and one builder per architecture. A new architecture is a
builder function plus presets; a new tokenizer is a vocabulary function.

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
             "q4_k": 15, "q5_k": 17, "q6_k": 18, "bf16": 32}

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
        for t in (self.gtype, "q8_0" if GGML_TYPES[self.gtype][1] > 1 else None, "f16"):
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


# ------------------------------------------------------------------------------------------
# Architectures

POOLING = {"none": 0, "mean": 1, "cls": 2, "last": 3}


def build_bert(p):
    """llama.cpp LLM_ARCH_BERT (src/models/bert.cpp): learned positions and token types, post-LN
    blocks, GELU feed-forward, WordPiece vocabulary."""
    A, H, F, V, L, P = "bert", p["hidden"], p["ffn"], p["vocab"], p["layers"], p["ctx"]
    m = Model(p["seed"], p["type"], keep_f32=("position_embd.weight", "token_types.weight"))
    tokens, types = wordpiece_vocab(V, p["seed"])
    f = m.f
    f.kv("general.architecture", STR, A)
    f.kv("general.name", STR, "samplevec-test-%s" % p["name"])
    f.kv("general.file_type", U32, FILE_TYPE[p["type"]])
    f.kv("general.alignment", U32, ALIGNMENT)
    f.kv(A + ".context_length", U32, P)
    f.kv(A + ".embedding_length", U32, H)
    f.kv(A + ".feed_forward_length", U32, F)
    f.kv(A + ".block_count", U32, L)
    f.kv(A + ".attention.head_count", U32, p["heads"])
    f.kv(A + ".attention.layer_norm_epsilon", F32V, 1e-12)
    f.kv(A + ".attention.causal", BOOL, False)
    f.kv(A + ".pooling_type", U32, POOLING[p["pooling"]])
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
    m.rand("token_embd_norm.weight", [H], "gain", 0.2)
    m.rand("token_embd_norm.bias", [H], "bias", 0.1)
    for i in range(L):
        b = "blk.%d." % i
        for t in ("attn_q", "attn_k", "attn_v", "attn_output"):
            m.rand(b + t + ".weight", [H, H], "w", (1.5 if t in ("attn_q", "attn_k") else 1.0) / math.sqrt(H))
            m.rand(b + t + ".bias", [H], "bias", 0.1)
        m.rand(b + "attn_output_norm.weight", [H], "gain", 0.2)
        m.rand(b + "attn_output_norm.bias", [H], "bias", 0.1)
        m.rand(b + "ffn_up.weight", [H, F])
        m.rand(b + "ffn_up.bias", [F], "bias", 0.1)
        m.rand(b + "ffn_down.weight", [F, H])
        m.rand(b + "ffn_down.bias", [H], "bias", 0.1)
        m.rand(b + "layer_output_norm.weight", [H], "gain", 0.2)
        m.rand(b + "layer_output_norm.bias", [H], "bias", 0.1)
    return m


ARCHS = {"bert": build_bert}

# name -> (architecture, shape and options). ctx is the model's context length in tokens.
_TINY = dict(vocab=2048, hidden=32, layers=2, heads=4, ffn=64, ctx=128)
PRESETS = {
    "tiny": ("bert", dict(_TINY, seed=1234, note="WordPiece, H32 L2, mean pooling")),
    "tiny-f16": ("bert", dict(_TINY, seed=1234, type="f16", note="tiny with F16 matrices")),
    "tiny-cls": ("bert", dict(_TINY, seed=99, pooling="cls", note="tiny shape, CLS pooling, other weights")),
    "small": ("bert", dict(vocab=2048, hidden=128, layers=2, heads=4, ffn=256, ctx=128, seed=1234,
                           note="H128: the base of the block-quantized fixtures")),
    "k256": ("bert", dict(vocab=1024, hidden=256, layers=2, heads=4, ffn=512, ctx=128, seed=1234,
                          note="H256: rows of whole 256-blocks for the K-quants")),
    "minilm": ("bert", dict(vocab=30522, hidden=384, layers=6, heads=12, ffn=1536, ctx=512, seed=1234,
                            note="all-MiniLM-L6-v2's shape, for bench/gguf.sh (90 MB)")),
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
    ap.add_argument("--type", choices=sorted(GGML_TYPES), help="override the matrices' type")
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
