#!/usr/bin/env python3
"""Compare samplevec against a llama.cpp golden file (embed_ref.mjs output).

usage: check_golden.py SAMPLEVEC MODEL.gguf GOLDEN.json [--min-cos 0.9999] [--tokens-only]
Runs `samplevec tokenize --json` and `samplevec embed-text --provider gguf --json` for every
golden text; checks input ids are identical and cosine(samplevec, llama.cpp) >= --min-cos
(--tokens-only: the ids alone).
Prints one line per failure and a final "N passed, N failed"; exit 1 on any failure.
Standard library only (the tests must not need node)."""
import argparse, json, math, subprocess, sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("samplevec")
    ap.add_argument("model")
    ap.add_argument("golden")
    ap.add_argument("--min-cos", type=float, default=0.9999)
    ap.add_argument("--threads", default="2")
    ap.add_argument("--tokens-only", action="store_true")
    a = ap.parse_args()
    gold = json.load(open(a.golden, encoding="utf-8"))["results"]
    texts = [r["text"] for r in gold]
    passed = failed = 0
    worst = 1.0

    def fail(msg):
        nonlocal failed
        failed += 1
        print("FAIL: " + msg, file=sys.stderr)

    for r in gold:
        out = subprocess.run([a.samplevec, "tokenize", r["text"], "--model", a.model, "--json"],
                             capture_output=True, text=True)
        if out.returncode != 0:
            fail("tokenize %r: exit %d %s" % (r["text"][:40], out.returncode, out.stderr.strip()))
            continue
        ids = json.loads(out.stdout)["ids"]
        if ids == r["input_ids"]:
            passed += 1
        else:
            fail("tokens differ for %r:\n  got  %s\n  want %s" % (r["text"][:60], ids, r["input_ids"]))
    if a.tokens_only:
        print("%d passed, %d failed" % (passed, failed))
        sys.exit(1 if failed else 0)
    out = subprocess.run([a.samplevec, "embed-text", "--provider", "gguf", "--model", a.model,
                          "--threads", a.threads, "--json", "--"] + texts, capture_output=True, text=True)
    if out.returncode != 0:
        fail("embed-text: exit %d %s" % (out.returncode, out.stderr.strip()))
    else:
        res = json.loads(out.stdout)["results"]
        # every golden text needs its vector: a short answer is a failure per missing text,
        # not a shorter comparison (zip alone would stop at the shorter list)
        if len(res) != len(gold):
            fail("embed-text returned %d vectors for %d golden texts" % (len(res), len(gold)))
        for g in gold[len(res):]:
            fail("no vector for %r" % g["text"][:60])
        for r, g in zip(res, gold):
            if r.get("text", g["text"]) != g["text"]:
                fail("vector order: got %r where the golden has %r" % (r["text"][:60], g["text"][:60]))
                continue
            v, w = r["embedding"], g["embedding"]
            nv = math.sqrt(sum(x * x for x in v))
            nw = math.sqrt(sum(x * x for x in w))
            cos = sum(x * y for x, y in zip(v, w)) / (nv * nw) if nv and nw else 0.0
            worst = min(worst, cos)
            if len(v) == len(w) and cos >= a.min_cos and abs(nv - 1.0) < 1e-4:
                passed += 1
            else:
                fail("vector for %r: cos %.8f (min %g), |v| %.6f, dims %d/%d"
                     % (g["text"][:60], cos, a.min_cos, nv, len(v), len(w)))
    print("worst cosine %.9f over %d texts" % (worst, len(gold)), file=sys.stderr)
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
