#!/usr/bin/env python3
"""The sample manager's read path, for tests: reads sample_embeddings the way the app's
SQLAlchemy model (SampleEmbedding: vibe_vector JSON on SQLite, FLOAT[] on PostgreSQL) and its
VibeSearchService do, with the standard library only.

  app_reader.py search DB QUERY_JSON [-k 10] [--min-similarity 0.7] [--exclude ID]
      QUERY_JSON: `samplevec embed-text TEXT --json` output (its first embedding is the query).
      Like VibeSearchService._query_similar_embeddings: SELECT sample_id, vibe_vector FROM
      sample_embeddings; each vector decoded (json.loads, as SQLAlchemy's JSON type does) and
      turned into float32 (struct 'f' rounds a double to float32 as numpy's astype does);
      cosine similarity; kept when >= --min-similarity (the app: 0.7); sorted by similarity,
      descending (ties by sample_id, samplevec's rule, so equal scores compare). Prints one
      "sample_id similarity" line per result, at most k.
  app_reader.py vectors DB
      Prints "sample_id hex" per row in sample_id order, hex = the float32 vector's
      little-endian bytes: comparable to hex(vibe_vector) of samplevec's own store.
  DB is a SQLite path, or "psql:ARGS..." to read through the psql client (PostgreSQL: the
  array's text form, each element a double).
"""
import json
import math
import shlex
import struct
import subprocess
import sqlite3
import sys


def rows(db):
    """(sample_id, list of Python floats) as the app's session returns them."""
    sql = "SELECT sample_id, vibe_vector FROM sample_embeddings ORDER BY sample_id"
    if db.startswith("psql:"):
        cmd = shlex.split(db[5:]) + ["-At", "-F", "\t", "-c",
                                     "SELECT sample_id, vibe_vector FROM sample_embeddings ORDER BY sample_id"]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        for line in out.splitlines():
            sid, arr = line.split("\t")
            # psycopg turns float8[] into Python floats: {a,b,c} parsed element by element
            yield int(sid), [float(x) for x in arr.strip("{}").split(",")]
        return
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    for sid, text in con.execute(sql):
        yield sid, json.loads(text)
    con.close()


def float32(values):
    return struct.unpack("<%df" % len(values), struct.pack("<%df" % len(values), *values))


def cosine(a, b):
    dot = sum(x * y for x, y in zip(a, b))
    na = math.sqrt(sum(x * x for x in a))
    nb = math.sqrt(sum(y * y for y in b))
    return dot / (na * nb) if na > 0 and nb > 0 else 0.0


def main(argv):
    if len(argv) >= 2 and argv[0] == "vectors":
        for sid, vec in rows(argv[1]):
            print(sid, struct.pack("<%df" % len(vec), *vec).hex().upper())
        return 0
    if len(argv) < 3 or argv[0] != "search":
        print(__doc__, file=sys.stderr)
        return 2
    db, query_file, rest = argv[1], argv[2], argv[3:]
    k, min_sim, exclude = 10, 0.7, None
    while rest:
        opt, val, rest = rest[0], rest[1], rest[2:]
        if opt == "-k":
            k = int(val)
        elif opt == "--min-similarity":
            min_sim = float(val)
        elif opt == "--exclude":
            exclude = int(val)
    with open(query_file) as f:
        query = float32(json.load(f)["results"][0]["embedding"])
    scored = []
    for sid, vec in rows(db):
        if sid == exclude or vec is None:
            continue
        sim = cosine(query, float32(vec))
        if sim >= min_sim:
            scored.append((sid, sim))
    scored.sort(key=lambda r: (-r[1], r[0]))
    for sid, sim in scored[:k]:
        print(sid, "%.6f" % sim)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
