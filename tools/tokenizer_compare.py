#!/usr/bin/env python3
"""samplevec's tokenizer against llama.cpp's on many random texts made of the hard cases.

usage: tokenizer_compare.py SAMPLEVEC MODEL.gguf [--n 500] [--seed 1]

Makes N texts from pieces that stress pre-tokenizers and byte fallback (contractions in both
cases, digit runs, runs of spaces, tabs, CR/LF, punctuation runs, accents precomposed and
combining, Hangul, kana, CJK, emoji with skin tones and ZWJ, full-width forms, exotic spaces,
control and format characters), asks llama.cpp (tools/llamacpp/tokenize_ref.mjs, needs
tools/llamacpp/setup.sh) and `samplevec tokenize --json` for the token ids, and prints every
text where they differ. Exit 1 on any difference. Not part of `make test` (it needs node)."""
import argparse, json, os, random, subprocess, sys, tempfile

PIECES = ["the", "The", "KICK", "snare", "it's", "IT'S", "we'LL", "they've", "I'm", "you'd", "'re", "'",
          "0", "7", "808", "1,234.56", "2026-11-25", " ", "  ", "   ", "\t", "\n", "\r\n", "\n\n", " \n ",
          "!", "!!!", "...", "?!", "(", ")", "[CLS]", "<s>", "<|endoftext|>", "-", "—", "–", "$", "€", "%",
          "café", "cafe\u0301", "naïve", "Ångström", "ß", "İ", "ﬁ", "Ǆ", "한국어", "드럼", "샘플", "똠",
          "日本語", "ドラム", "ひらがな", "東京", "中文", "ｆｕｌｌ", "１２３", "🥁", "🎹", "🔥", "👩🏽\u200d🎤",
          "👨\u200d👩\u200d👧", "🇫🇷", "🙂", "\u00a0", "\u2003", "\u3000", "\u2028", "\u200b", "\ufeff",
          "\u00ad", "\u0007", "x" * 40, "lo-fi", "hi-hats", "a", "b"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("samplevec")
    ap.add_argument("model")
    ap.add_argument("--n", type=int, default=500)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    texts = []
    for _ in range(a.n):
        k = rnd.randint(1, 12)
        texts.append("".join(rnd.choice(PIECES) + (rnd.choice(["", " "]) if rnd.random() < 0.5 else "")
                             for _ in range(k)))
    here = os.path.dirname(os.path.abspath(__file__))
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(texts, f)
    try:
        ref = json.loads(subprocess.run(["node", os.path.join(here, "llamacpp", "tokenize_ref.mjs"), a.model, f.name],
                                        check=True, capture_output=True, text=True).stdout)
    finally:
        os.unlink(f.name)
    bad = 0
    for text, want in zip(texts, ref):
        out = subprocess.run([a.samplevec, "tokenize", "--model", a.model, "--json", "--", text],
                             capture_output=True, text=True)
        got = json.loads(out.stdout)["token_ids"] if out.returncode == 0 else None
        if got != want:
            bad += 1
            print("differ for %r:\n  samplevec %s\n  llama.cpp %s" % (text, got, want))
    print("%d of %d texts tokenized identically" % (len(texts) - bad, len(texts)))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
