#!/usr/bin/env python3
"""Relevance evaluation for `samplevec search`: a labelled library of its own and judged queries.

    bench/relevance.py gen LIB.db JUDGED.json [--count N] [--seed S]
    bench/relevance.py queries JUDGED.json       (index, k, query: one tab-separated line each)
    bench/relevance.py eval JUDGED.json RESULTS_DIR [--goals MODE,MODE...] MODE...

`gen` writes a library in the sample manager's schema (the tables samplevec reads: samples,
vibe_analyses) that is not the demo library: its own vocabulary and phrasing, descriptions that
name other genres and moods in passing (as real AI analyses do), 10% of samples without a vibe
analysis, CJK and Korean title words, BPMs and keys in the app's spellings. Every sample has a
true genre, mood, instrument and textures, whether or not it was analysed: relevance is judged
from that truth, never from the text. Then it writes the judged queries, four kinds:
  attribute    "<mood> <genre>"                     relevant: that genre and that mood (primary
                                                    or secondary)
  title        a title word (CJK, Korean, English)   relevant: titles holding the word
  parameter    "<mood> <genre> <bpm> bpm in <key>"  relevant: that genre and mood, BPM within
                                                    ±4, that key
  descriptive  "<texture> <texture> <instrument>"    gain 2: the instrument and both textures,
                                                    gain 1: the instrument and one texture
`eval` reads RESULTS_DIR/<mode>/<query index>.json (the output of `samplevec search --json`)
and prints, per kind and mode: precision@10, nDCG@10, the share of samples without analysis in
the top 10 against their share among the relevant ones, and the goals of issue 11 for each mode
of --goals (default: the first MODE); the exit status is 1 when the first of them misses one.
"""
import json
import math
import random
import sqlite3
import sys

GENRES = {  # genre: (BPM range, instruments that suit it)
    "trap": ((130, 150), ["808", "hi-hat roll", "synth lead", "vocal chop", "bells"]),
    "house": ((118, 128), ["piano", "organ", "bassline", "vocal chop", "pads"]),
    "techno": ((124, 138), ["synth lead", "bassline", "pads", "bells"]),
    "jazz": ((80, 120), ["saxophone", "rhodes", "upright bass", "piano", "brass"]),
    "soul": ((70, 100), ["rhodes", "organ", "strings", "brass", "guitar"]),
    "funk": ((95, 115), ["guitar", "bassline", "brass", "organ"]),
    "ambient": ((60, 90), ["pads", "strings", "bells", "kalimba"]),
    "drill": ((138, 146), ["808", "bells", "strings", "hi-hat roll"]),
    "reggaeton": ((88, 98), ["guitar", "synth lead", "vocal chop", "bassline"]),
    "afrobeats": ((100, 115), ["guitar", "kalimba", "marimba", "bassline"]),
    "garage": ((128, 136), ["organ", "vocal chop", "bassline", "pads"]),
    "dubstep": ((138, 142), ["bassline", "synth lead", "vocal chop"]),
    "lo-fi": ((70, 90), ["rhodes", "piano", "guitar", "kalimba"]),
    "gospel": ((65, 100), ["organ", "choir", "piano", "brass"]),
    "synthwave": ((80, 118), ["synth lead", "pads", "bassline"]),
    "breakbeat": ((125, 140), ["breakbeat", "bassline", "brass"]),
}
MOODS = ["dark", "mellow", "aggressive", "euphoric", "nostalgic", "eerie", "playful", "somber",
         "hypnotic", "triumphant", "dreamy", "gritty"]
TEXTURES = ["warm", "dusty", "vinyl", "crisp", "airy", "lush", "metallic", "saturated", "glassy",
            "grainy", "shimmering", "muffled"]
TITLE_NOUNS = ["Motif", "Figure", "Sketch", "Cue", "Phrase", "Lick", "Swell", "Pattern", "Idea",
               "Take", "Hook", "Run"]
TITLE_WORDS = ["Harbor", "Lantern", "Orchard", "Quarry", "Meridian", "Velour", "Cobalt", "Juniper"]
CJK_WORDS = ["東京", "大阪", "夜明け", "雨", "桜", "서울", "부산", "밤", "꿈", "夏"]
KEYS = ["C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"]
FLAT_OF = {"C#": "Db", "D#": "Eb", "F#": "Gb", "G#": "Ab", "A#": "Bb"}
SHARP_OF = {v: k for k, v in FLAT_OF.items()}
# 8A = A minor, 8B = C major; one step round the wheel is a fifth
CAMELOT_MINOR = {KEYS[(9 + 7 * (n - 8)) % 12]: n for n in range(1, 13)}
CAMELOT_MAJOR = {KEYS[(0 + 7 * (n - 8)) % 12]: n for n in range(1, 13)}
USES = ["a late-night intro", "the bridge of a ballad", "a film trailer", "a dance-floor drop",
        "a podcast bed", "a freestyle cypher", "a game menu", "a slow jam"]


def spell_key(rng, tonic, minor):
    """The key in one of the spellings the app stores."""
    alt = FLAT_OF.get(tonic) or SHARP_OF.get(tonic)
    t = rng.choice([tonic, alt]) if alt else tonic
    style = rng.randrange(5)
    if style == 0:
        return f"{t}m" if minor else t
    if style == 1:
        return f"{t} minor" if minor else f"{t} major"
    if style == 2:
        return f"{t} min" if minor else f"{t} maj"
    if style == 3:
        n = (CAMELOT_MINOR if minor else CAMELOT_MAJOR)[tonic]
        return f"{n}{'A' if minor else 'B'}"
    return f"{t} Minor" if minor else f"{t} Major"


def key_code(tonic, minor):
    return KEYS.index(tonic) * 2 + (1 if minor else 0)


def describe(rng, s):
    """An AI-style analysis: the truth, plus other genres and moods named in passing."""
    other_g = rng.choice([g for g in GENRES if g != s["genre"]])
    other_m = rng.choice([m for m in MOODS if m not in (s["mood"], s["mood2"])])
    t1, t2 = s["textures"]
    parts = [
        f"## Listening notes\n\nA {s['mood']} {s['genre']} idea built around a {t1} {s['instrument']}"
        f"{', with a ' + s['mood2'] + ' undertone' if s['mood2'] else ''}.",
        f"The {s['instrument']} sits {rng.choice(['up front', 'low in the mix', 'wide', 'slightly off-grid'])}, "
        f"{t2} and {rng.choice(['restrained', 'busy', 'loose', 'tight'])}.",
        f"It would not be out of place next to {other_g} records, and there is a hint of {other_m} "
        f"in the {rng.choice(['release', 'tail', 'second half', 'voicing'])}.",
        f"### Character\n- Tone: {t1}, {t2}\n- Feel: {s['mood']}\n- Suited to {rng.choice(USES)}",
        f"### Notes\nSome listeners may hear {rng.choice(list(GENRES))} influences; "
        f"the groove is {rng.choice(['steady', 'swung', 'halting', 'rolling'])}.",
    ]
    rng.shuffle(parts[1:4])
    return "\n\n".join(parts)


def gen(lib_path, judged_path, count, seed):
    rng = random.Random(seed)
    db = sqlite3.connect(lib_path)
    db.executescript("""
        CREATE TABLE samples (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, title VARCHAR NOT NULL,
          file_path VARCHAR NOT NULL, file_size INTEGER, duration FLOAT, bpm FLOAT, musical_key VARCHAR,
          genre VARCHAR, bpm_confidence INTEGER, genre_confidence INTEGER, key_confidence INTEGER,
          tags JSON, extra_metadata JSON, analysis_metadata JSON, created_at DATETIME,
          analyzed_at DATETIME, last_accessed_at DATETIME);
        CREATE TABLE vibe_analyses (id INTEGER PRIMARY KEY, sample_id INTEGER NOT NULL UNIQUE,
          mood_primary VARCHAR NOT NULL, mood_secondary VARCHAR, energy_level FLOAT, danceability FLOAT,
          acousticness FLOAT, instrumentalness FLOAT, texture_tags JSON, characteristics JSON,
          model_version VARCHAR, confidence_score FLOAT, processing_time_ms INTEGER, created_at DATETIME);
    """)
    truth = []
    cjk_pool = []
    for i in range(1, count + 1):
        genre = rng.choice(list(GENRES))
        (lo, hi), instruments = GENRES[genre]
        mood = rng.choice(MOODS)
        mood2 = rng.choice([m for m in MOODS if m != mood]) if rng.random() < 0.6 else None
        s = {
            "id": i, "genre": genre, "mood": mood, "mood2": mood2,
            "instrument": rng.choice(instruments),
            "textures": rng.sample(TEXTURES, 2),
            "bpm": round(rng.uniform(lo, hi)) if rng.random() < 0.8 else round(rng.uniform(lo, hi), 1),
            "tonic": rng.choice(KEYS), "minor": rng.random() < 0.6,
            "analysed": rng.random() >= 0.10,
        }
        title = f"{s['textures'][0].capitalize()} {s['instrument'].title()} {rng.choice(TITLE_NOUNS)}"
        r = rng.random()
        if r < 0.06:
            w = rng.choice(CJK_WORDS)
            title = f"{w} {title}" if rng.random() < 0.5 else f"{title} ({w})"
        elif r < 0.10:
            title = f"{rng.choice(TITLE_WORDS)} {title}"
        if rng.random() < 0.3:
            title += f" {rng.randrange(1, 99)}"
        s["title"] = title
        key = spell_key(rng, s["tonic"], s["minor"])
        tags = [s["instrument"].split()[0], rng.choice(["loop", "one-shot", "stem"])]
        db.execute("INSERT INTO samples (id, user_id, title, file_path, bpm, musical_key, genre, tags)"
                   " VALUES (?, 1, ?, ?, ?, ?, ?, ?)",
                   (i, title, f"/eval/{i}.wav", s["bpm"], key, genre, json.dumps(tags)))
        if s["analysed"]:
            db.execute("INSERT INTO vibe_analyses (sample_id, mood_primary, mood_secondary, energy_level,"
                       " texture_tags, characteristics) VALUES (?, ?, ?, ?, ?, ?)",
                       (i, mood, mood2, round(rng.random(), 2), json.dumps(s["textures"]),
                        json.dumps({"raw_analysis": describe(rng, s)})))
        truth.append(s)
    db.commit()
    db.close()

    queries = []
    # attribute: mood + genre combinations with at least 12 relevant samples
    combos = {}
    for s in truth:
        for m in (s["mood"], s["mood2"]):
            if m:
                combos.setdefault((m, s["genre"]), set()).add(s["id"])
    big = sorted(c for c, ids in combos.items() if len(ids) >= 12)
    for m, g in rng.sample(big, min(12, len(big))):
        queries.append({"kind": "attribute", "q": f"{m} {g}",
                        "gains": {str(i): 1 for i in sorted(combos[(m, g)])}})
    # title words
    for w in CJK_WORDS + TITLE_WORDS[:4]:
        ids = [s["id"] for s in truth if w in s["title"]]
        if len(ids) >= 3:
            queries.append({"kind": "title", "q": w if w in CJK_WORDS else w.lower(),
                            "gains": {str(i): 1 for i in ids}})
    # parameter queries from samples that exist: genre, mood, BPM ± 4, key
    seen = set()
    for s in rng.sample(truth, len(truth)):
        if len([q for q in queries if q["kind"] == "parameter"]) >= 12:
            break
        bpm = int(round(s["bpm"]))
        code = key_code(s["tonic"], s["minor"])
        rel = [t["id"] for t in truth if t["genre"] == s["genre"] and s["mood"] in (t["mood"], t["mood2"])
               and abs(t["bpm"] - bpm) <= 4 and key_code(t["tonic"], t["minor"]) == code]
        if (s["genre"], s["mood"]) in seen or len(rel) < 2:
            continue
        seen.add((s["genre"], s["mood"]))
        spelled = f"{s['tonic']} {'minor' if s['minor'] else 'major'}"
        queries.append({"kind": "parameter", "q": f"{s['mood']} {s['genre']} {bpm} bpm in {spelled}",
                        "bpm": [bpm - 4, bpm + 4], "key": code,
                        "gains": {str(i): 1 for i in rel}})
    # descriptive: two textures and an instrument
    for _ in range(12):
        inst = rng.choice(sorted({s["instrument"] for s in truth}))
        t1, t2 = rng.sample(TEXTURES, 2)
        gains = {}
        for s in truth:
            if s["instrument"] == inst:
                n = len({t1, t2} & set(s["textures"]))
                if n:
                    gains[str(s["id"])] = n
        if len(gains) >= 5:
            queries.append({"kind": "descriptive", "q": f"{t1} {t2} {inst}", "gains": gains})
    unanalysed = [s["id"] for s in truth if not s["analysed"]]
    with open(judged_path, "w") as f:
        json.dump({"count": count, "seed": seed, "unanalysed": unanalysed,
                   "keys": {str(s["id"]): key_code(s["tonic"], s["minor"]) for s in truth},
                   "bpms": {str(s["id"]): s["bpm"] for s in truth},
                   "queries": queries}, f, ensure_ascii=False)
    per_kind = ", ".join("%s %d" % (k, sum(q["kind"] == k for q in queries)) for k in KINDS)
    print(f"relevance: {count} samples ({len(unanalysed)} without analysis), {len(queries)} judged queries "
          f"({per_kind})")


KINDS = ["attribute", "title", "parameter", "descriptive"]


def dcg(gains):
    return sum(g / math.log2(i + 2) for i, g in enumerate(gains))


def evaluate(judged_path, results_dir, modes, goal_modes=None):
    j = json.load(open(judged_path))
    unanalysed = set(j["unanalysed"])
    goals_ok = True
    print(f"{'kind':<12} {'mode':<26} {'P@10':>6} {'nDCG@10':>8} {'unanalysed top10':>17} {'among relevant':>15}")
    summary = {}
    for kind in KINDS:
        qs = [(i, q) for i, q in enumerate(j["queries"]) if q["kind"] == kind]
        for mode in modes:
            p10 = ndcg = 0.0
            top_un = top_n = rel_un = rel_n = 0
            title_perfect = inside = inside_n = 0
            for i, q in qs:
                res = json.load(open(f"{results_dir}/{mode}/{i}.json"))["results"]
                ids = [str(r["sample_id"]) for r in res]
                gains = q["gains"]
                top = ids[:10]
                p10 += sum(1 for x in top if x in gains) / 10
                ideal = sorted(gains.values(), reverse=True)[:10]
                ndcg += dcg([gains.get(x, 0) for x in top]) / dcg(ideal) if ideal else 0
                top_un += sum(1 for x in top if int(x) in unanalysed)
                top_n += len(top)
                rel_un += sum(1 for x in gains if int(x) in unanalysed)
                rel_n += len(gains)
                if kind == "title":
                    flags = [x in gains for x in ids[:len(gains)]]
                    title_perfect += all(flags) and len(flags) == len(gains)
                if kind == "parameter":
                    lo, hi = q["bpm"]
                    for x in top:
                        inside_n += 1
                        inside += lo <= j["bpms"][x] <= hi and j["keys"][x] == q["key"]
            n = len(qs) or 1
            p10 /= n
            ndcg /= n
            share_top = top_un / top_n if top_n else 0
            share_rel = rel_un / rel_n if rel_n else 0
            extra = ""
            if kind == "title":
                extra = f"  every match first: {title_perfect}/{len(qs)}"
            if kind == "parameter":
                extra = f"  inside the parsed BPM/key: {inside}/{inside_n}"
            print(f"{kind:<12} {mode:<26} {p10:6.3f} {ndcg:8.3f} {share_top:17.3f} {share_rel:15.3f}{extra}")
            summary[(kind, mode)] = (p10, ndcg, share_top, share_rel, title_perfect, len(qs), inside, inside_n)
    # the goals: the first of goal_modes decides the exit status, the others are shown
    for held, mode in enumerate(goal_modes or modes[:1]):
        ok = goals(summary, mode, "held" if held == 0 else "shown")
        goals_ok &= ok or held > 0
    return 0 if goals_ok else 1


def goals(summary, mode, how):
    print(f"\ngoals for {mode} ({how}):")
    checks = [
        ("attribute P@10 >= 0.95", summary[("attribute", mode)][0] >= 0.95, f"{summary[('attribute', mode)][0]:.3f}"),
        ("title words: every match before any other", summary[("title", mode)][4] == summary[("title", mode)][5],
         f"{summary[('title', mode)][4]}/{summary[('title', mode)][5]}"),
        ("parameter: every result inside the parsed BPM/key",
         summary[("parameter", mode)][6] == summary[("parameter", mode)][7],
         f"{summary[('parameter', mode)][6]}/{summary[('parameter', mode)][7]}"),
    ]
    for k in KINDS:
        top_un, rel_un = summary[(k, mode)][2], summary[(k, mode)][3]
        checks.append((f"{k}: unanalysed share in the top 10 <= among relevant", top_un <= rel_un + 1e-9,
                       f"{top_un:.3f} vs {rel_un:.3f}"))
    ok = True
    for name, met, value in checks:
        print(f"  {'met ' if met else 'MISS'}  {name}: {value}")
        ok &= met
    return ok


def main(argv):
    if len(argv) >= 3 and argv[0] == "gen":
        count, seed = 4000, 11
        rest = argv[3:]
        while rest:
            if rest[0] == "--count":
                count = int(rest[1])
            elif rest[0] == "--seed":
                seed = int(rest[1])
            else:
                raise SystemExit(f"relevance.py: unknown option {rest[0]}")
            rest = rest[2:]
        gen(argv[1], argv[2], count, seed)
        return 0
    if len(argv) == 2 and argv[0] == "queries":
        for i, q in enumerate(json.load(open(argv[1]))["queries"]):
            # title words: enough results to see every match and what follows it
            k = max(10, len(q["gains"]) + 10) if q["kind"] == "title" else 10
            print(f"{i}\t{k}\t{q['q']}")
        return 0
    if len(argv) >= 4 and argv[0] == "eval":
        rest, goal_modes = argv[3:], None
        if rest[0] == "--goals" and len(rest) >= 3:
            goal_modes, rest = rest[1].split(","), rest[2:]
        return evaluate(argv[1], argv[2], rest, goal_modes)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
