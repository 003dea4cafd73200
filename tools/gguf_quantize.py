#!/usr/bin/env python3
"""Rewrite a BERT GGUF (F32 or F16) for the tests: its 2-D weights in Q8_0 or BF16 (what
llama-quantize does for BERT: token_embd and the linear layers; position_embd, token_types and
1-D tensors stay as they are), and/or Q, K, V fused into one attn_qkv tensor per layer (the
layout some converters write; llama.cpp reads both).

usage: gguf_quantize.py IN.gguf OUT.gguf [--type TYPE] [--fuse-qkv] [--drop-key KEY]...
Q8_0 block (ggml quantize_row_q8_0_ref): 32 values x, d = max|x| / 127 stored as f16,
q = round-half-away(x / d) as int8. BF16: the top 16 bits of the float32, rounded to nearest
even. Standard library only; the metadata is copied byte for byte except general.file_type."""
import array, math, struct, sys

F32, F16, Q8_0, BF16 = 0, 1, 8, 30
TYPE_ID = {"q4_0": 2, "q4_1": 3, "q5_0": 6, "q5_1": 7, "q8_0": 8, "q4_k": 12, "q5_k": 13, "q6_k": 14, "bf16": 30}


def f16(x):
    return struct.unpack("<e", struct.pack("<e", x))[0]


def clamp_round(x, lo, hi):
    return max(lo, min(hi, int(round(x))))


def quant_superblock(blk, kind):
    """One super-block of 256 floats as Q4_K, Q5_K or Q6_K. Not llama-quantize's search for the
    best scales, just a valid encoding: llama.cpp decodes any valid block the same way, which is
    all the tests need."""
    if kind == "q6_k":
        scales = [max(abs(x) for x in blk[j:j + 16]) / 31.0 for j in range(0, 256, 16)]
        d = f16(max(scales) / 127.0)
        sc = [clamp_round(x / d, 0, 127) if d else 0 for x in scales]
        q = []
        for i, x in enumerate(blk):
            step = d * sc[i // 16]
            q.append(clamp_round(x / step, -32, 31) + 32 if step else 32)
        ql, qh = bytearray(128), bytearray(64)
        for h in range(2):
            for l in range(32):
                q1, q2, q3, q4 = (q[128 * h + 32 * k + l] for k in range(4))
                ql[64 * h + l] = (q1 & 15) | (q3 & 15) << 4
                ql[64 * h + l + 32] = (q2 & 15) | (q4 & 15) << 4
                qh[32 * h + l] = (q1 >> 4) | (q2 >> 4) << 2 | (q3 >> 4) << 4 | (q4 >> 4) << 6
        return bytes(ql) + bytes(qh) + struct.pack("<16b", *sc) + struct.pack("<e", d)
    nmax = 15 if kind == "q4_k" else 31
    subs = [blk[j:j + 32] for j in range(0, 256, 32)]
    mins = [-min(min(b), 0.0) for b in subs]
    scales = [(max(b) + m) / nmax for b, m in zip(subs, mins)]
    d, dmin = f16(max(scales) / 63.0), f16(max(mins) / 63.0)
    sc = [clamp_round(x / d, 0, 63) if d else 0 for x in scales]
    mn = [clamp_round(x / dmin, 0, 63) if dmin else 0 for x in mins]
    q = []
    for j, b in enumerate(subs):
        step = d * sc[j]
        q.extend(clamp_round((x + dmin * mn[j]) / step, 0, nmax) if step else 0 for x in b)
    packed = bytearray(12)
    for j in range(4):
        packed[j] = (sc[j] & 63) | (sc[j + 4] >> 4) << 6
        packed[j + 4] = (mn[j] & 63) | (mn[j + 4] >> 4) << 6
        packed[j + 8] = (sc[j + 4] & 15) | (mn[j + 4] & 15) << 4
    qs = bytearray(128)
    qh = bytearray(32)
    for s in range(4):
        for l in range(32):
            lo, hi = q[64 * s + l], q[64 * s + 32 + l]
            qs[32 * s + l] = (lo & 15) | (hi & 15) << 4
            qh[l] |= (lo >> 4 & 1) << (2 * s) | (hi >> 4 & 1) << (2 * s + 1)
    head = struct.pack("<ee", d, dmin) + bytes(packed)
    return head + (bytes(qh) if kind == "q5_k" else b"") + bytes(qs)


def trunc(x):
    """C's (int8_t) cast of a float: toward zero."""
    return int(x)


def quant_block(blk, kind):
    """One block of 32 floats in ggml's reference quantizers' way (quantize_row_*_ref)."""
    if kind == "q8_0":
        amax = max(abs(x) for x in blk)
        d = amax / 127.0
        inv = 1.0 / d if d else 0.0
        q = [int(math.floor(abs(x * inv) + 0.5)) * (1 if x >= 0 else -1) for x in blk]
        return struct.pack("<e32b", d, *q)
    if kind in ("q4_0", "q5_0"):
        levels = 16 if kind == "q4_0" else 32
        mx = max(blk, key=abs)  # the value with the largest magnitude, sign kept
        d = mx / -(levels // 2)
        inv = 1.0 / d if d else 0.0
        q = [min(levels - 1, trunc(x * inv + levels // 2 + 0.5)) for x in blk]
    else:  # q4_1, q5_1
        levels = 16 if kind == "q4_1" else 32
        lo, hi = min(blk), max(blk)
        d = (hi - lo) / (levels - 1)
        inv = 1.0 / d if d else 0.0
        q = [min(levels - 1, trunc((x - lo) * inv + 0.5)) for x in blk]
    nib = bytes((q[j] & 0x0f) | (q[j + 16] & 0x0f) << 4 for j in range(16))
    head = struct.pack("<e", d) + (struct.pack("<e", lo) if kind in ("q4_1", "q5_1") else b"")
    if kind in ("q4_0", "q4_1"):
        return head + nib
    qh = 0
    for j in range(32):
        qh |= ((q[j] >> 4) & 1) << j
    return head + struct.pack("<I", qh) + nib
SCALAR = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}


def main():
    import argparse
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--type", choices=["q8_0", "q4_0", "q4_1", "q5_0", "q5_1", "bf16", "keep", "mix", "kmix"],
                    default="q8_0",
                    help="mix: attn_v BF16, attn_q/k/output Q4_0, ffn_up Q5_0, ffn_down Q5_1, token_embd Q4_1 "
                         "(per-tensor types, as real K-quant files mix them); kmix: attn_q/k and ffn_up "
                         "Q4_K, attn_output and token_embd Q5_K, attn_v and ffn_down Q6_K (rows of 256k)")
    ap.add_argument("--fuse-qkv", action="store_true")
    ap.add_argument("--drop-key", action="append", default=[], help="leave this metadata key out (repeatable)")
    ap.add_argument("--to-nomic", action="store_true",
                    help="make a nomic-bert file: bert.* keys renamed, rope.freq_base 1000, no position_embd, "
                         "Q/K/V fused, a random ffn_gate per layer (seed 7)")
    args = ap.parse_args()
    src, dst = args.src, args.dst
    file_type = {"q8_0": 7, "q4_0": 2, "q4_1": 3, "q5_0": 8, "q5_1": 9, "bf16": 32, "keep": None, "mix": 2, "kmix": 15}[args.type]
    buf = open(src, "rb").read()
    pos = 0

    def take(n):
        nonlocal pos
        b = buf[pos:pos + n]
        if len(b) != n:
            raise SystemExit("truncated input")
        pos += n
        return b

    def u32():
        return struct.unpack("<I", take(4))[0]

    def u64():
        return struct.unpack("<Q", take(8))[0]

    def string():
        return take(u64())

    assert take(4) == b"GGUF"
    version, n_t, n_kv = u32(), u64(), u64()
    kvs, alignment = [], 32
    for _ in range(n_kv):
        start = pos
        key = string()
        vt = u32()
        if vt == 8:
            string()
        elif vt == 9:
            et, n = u32(), u64()
            if et == 8:
                for _ in range(n):
                    string()
            else:
                take(SCALAR[et] * n)
        else:
            take(SCALAR[vt])
        raw = buf[start:pos]
        if key == b"general.file_type" and file_type is not None:
            raw = struct.pack("<Q", len(key)) + key + struct.pack("<II", 4, file_type)
        if key == b"general.alignment":
            alignment = struct.unpack("<I", buf[pos - 4:pos])[0]
        if args.to_nomic and key.startswith(b"bert."):
            nk = b"nomic-bert." + key[5:]
            raw = struct.pack("<Q", len(nk)) + nk + raw[8 + len(key):]
        if args.to_nomic and key == b"general.architecture":
            raw = struct.pack("<Q", len(key)) + key + struct.pack("<IQ", 8, 10) + b"nomic-bert"
        if key.decode() not in args.drop_key:
            kvs.append(raw)
    if args.to_nomic:
        nk = b"nomic-bert.rope.freq_base"
        kvs.append(struct.pack("<Q", len(nk)) + nk + struct.pack("<If", 6, 1000.0))
    infos = []
    for _ in range(n_t):
        name = string()
        nd = u32()
        dims = [u64() for _ in range(nd)]
        typ, off = u32(), u64()
        infos.append([name, dims, typ, off])
    data_start = (pos + alignment - 1) // alignment * alignment

    tensors = []  # (name, dims, type, raw bytes)
    for name, dims, typ, toff in infos:
        n = 1
        for d in dims:
            n *= d
        size = n * (4 if typ == F32 else 2)
        tensors.append((name, dims, typ, buf[data_start + toff:data_start + toff + size]))
    if args.to_nomic:
        import random
        rng = random.Random(7)
        out = []
        for t in tensors:
            if t[0] == b"position_embd.weight":
                continue
            out.append(t)
            parts = t[0].split(b".")
            if len(parts) == 4 and parts[2] == b"ffn_up" and parts[3] == b"weight":
                h, f = t[1]
                a = math.sqrt(3.0 / h)  # uniform with std 1/sqrt(h)
                gate = array.array("f", [rng.uniform(-a, a) for _ in range(h * f)])
                out.append((b".".join(parts[:2] + [b"ffn_gate", b"weight"]), [h, f], F32, gate.tobytes()))
        tensors = out
        n_t = len(tensors)
        args.fuse_qkv = True
    if args.fuse_qkv:
        by = {t[0]: t for t in tensors}
        fused = []
        for t in tensors:
            name = t[0]
            parts = name.split(b".")
            if len(parts) == 4 and parts[2] in (b"attn_k", b"attn_v"):
                continue
            if len(parts) == 4 and parts[2] == b"attn_q":
                qkv = [by[b".".join(parts[:2] + [k, parts[3]])] for k in (b"attn_q", b"attn_k", b"attn_v")]
                assert len({x[2] for x in qkv}) == 1, "Q, K, V must share a type"
                dims = list(t[1])
                dims[-1] *= 3  # [H, H] -> [H, 3H]; [H] -> [3H]: rows (or values) Q then K then V
                fused.append((b".".join(parts[:2] + [b"attn_qkv", parts[3]]), dims, t[2], b"".join(x[3] for x in qkv)))
                continue
            fused.append(t)
        tensors = fused
        n_t = len(tensors)

    out_infos, blobs, off = [], [], 0
    for name, dims, typ, raw in tensors:
        n = 1
        for d in dims:
            n *= d
        kind = args.type
        if kind == "mix":
            kind = ("bf16" if b"attn_v" in name else "q5_0" if b"ffn_up" in name else
                    "q5_1" if b"ffn_down" in name else "q4_1" if name == b"token_embd.weight" else "q4_0")
        elif kind == "kmix":
            kind = ("q6_k" if (b"attn_v" in name or b"ffn_down" in name) else
                    "q5_k" if (b"attn_output" in name or name == b"token_embd.weight") else "q4_k")
        block = 256 if kind.endswith("_k") else 32
        quant = kind != "keep" and len(dims) == 2 and name not in (b"position_embd.weight", b"token_types.weight") and dims[0] % block == 0
        if quant:
            vals = array.array("f", raw) if typ == F32 else array.array("f", struct.unpack("<%de" % n, raw))
            if kind == "bf16":
                bits = array.array("I", vals.tobytes())
                raw = array.array("H", [((b + 0x7fff + ((b >> 16) & 1)) >> 16) & 0xffff for b in bits]).tobytes()
            elif block == 256:
                raw = b"".join(quant_superblock(vals[i:i + 256], kind) for i in range(0, n, 256))
            else:
                raw = b"".join(quant_block(vals[i:i + 32], kind) for i in range(0, n, 32))
            typ = TYPE_ID[kind]
        out_infos.append((name, dims, typ, off))
        blobs.append((off, raw))
        off += (len(raw) + alignment - 1) // alignment * alignment

    with open(dst, "wb") as f:
        f.write(b"GGUF" + struct.pack("<IQQ", version, len(out_infos), len(kvs)))
        for raw in kvs:
            f.write(raw)
        for name, dims, typ, o in out_infos:
            f.write(struct.pack("<Q", len(name)) + name + struct.pack("<I", len(dims)) +
                    struct.pack("<%dQ" % len(dims), *dims) + struct.pack("<IQ", typ, o))
        f.write(b"\0" * ((-f.tell()) % alignment))
        base = f.tell()
        for o, raw in blobs:
            f.write(b"\0" * (base + o - f.tell()))
            f.write(raw)
        f.write(b"\0" * ((-(f.tell() - base)) % alignment))


if __name__ == "__main__":
    main()
