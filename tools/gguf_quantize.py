#!/usr/bin/env python3
"""Rewrite a BERT GGUF with its 2-D weights in Q8_0 (what llama-quantize's Q8_0 does for BERT:
token_embd and the linear layers; position_embd, token_types and 1-D tensors stay as they are).

usage: gguf_quantize.py IN.gguf OUT.gguf
Q8_0 block (ggml quantize_row_q8_0_ref): 32 values x, d = max|x| / 127 stored as f16,
q = round-half-away(x / d) as int8. Standard library only; the metadata is copied byte for
byte except general.file_type (7 = MOSTLY_Q8_0)."""
import array, math, struct, sys

F32, F16, Q8_0 = 0, 1, 8
SCALAR = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}


def main():
    src, dst = sys.argv[1], sys.argv[2]
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
        if key == b"general.file_type":
            raw = struct.pack("<Q", len(key)) + key + struct.pack("<II", 4, 7)
        if key == b"general.alignment":
            alignment = struct.unpack("<I", buf[pos - 4:pos])[0]
        kvs.append(raw)
    infos = []
    for _ in range(n_t):
        name = string()
        nd = u32()
        dims = [u64() for _ in range(nd)]
        typ, off = u32(), u64()
        infos.append([name, dims, typ, off])
    data_start = (pos + alignment - 1) // alignment * alignment

    out_infos, blobs, off = [], [], 0
    for name, dims, typ, toff in infos:
        n = 1
        for d in dims:
            n *= d
        size = n * (4 if typ == F32 else 2)
        raw = buf[data_start + toff:data_start + toff + size]
        quant = len(dims) == 2 and name not in (b"position_embd.weight", b"token_types.weight") and dims[0] % 32 == 0
        if quant:
            if typ == F32:
                vals = array.array("f", raw)
            else:
                vals = struct.unpack("<%de" % n, raw)
            parts = []
            for b in range(0, n, 32):
                blk = vals[b:b + 32]
                amax = max(abs(x) for x in blk)
                d = amax / 127.0
                inv = 1.0 / d if d else 0.0
                q = [int(math.floor(abs(x * inv) + 0.5)) * (1 if x >= 0 else -1) for x in blk]
                parts.append(struct.pack("<e32b", d, *q))
            raw, typ = b"".join(parts), Q8_0
        out_infos.append((name, dims, typ, off))
        blobs.append((off, raw))
        off += (len(raw) + alignment - 1) // alignment * alignment

    with open(dst, "wb") as f:
        f.write(b"GGUF" + struct.pack("<IQQ", version, n_t, n_kv))
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
