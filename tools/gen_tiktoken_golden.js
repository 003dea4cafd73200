#!/usr/bin/env node
// Writes tests/data/tiktoken_golden.tsv: token counts from npm tiktoken (the reference) for
// adversarial byte strings, so tests/unit/test_tiktoken.c can check the C BPE against it
// without node. Run after scripts/test-deps.sh:  node tools/gen_tiktoken_golden.js
// Line format: COUNT \t HEX(input bytes) \t K \t PREFIX_BYTES
//   K > 0: the byte length of the first K tokens of the UTF-8-decoded input, backed off to a
//   character boundary (what truncation to K tokens must keep). Invalid UTF-8 is decoded the
//   way Node's Buffer.toString('utf8') does (WHATWG: U+FFFD per maximal ill-formed subpart).
'use strict';
const path = require('path');
const fs = require('fs');
const root = path.resolve(__dirname, '..');
const { get_encoding } = require(path.join(root, 'build/npm/tiktoken/node_modules/tiktoken'));
const enc = get_encoding('cl100k_base');

const cases = [];
const S = (s) => cases.push(Buffer.from(s, 'utf8'));
const B = (arr) => cases.push(Buffer.from(arr));

// Plain and music-library-like text.
S('');
S('hello world');
S('Dark analog kick, 808, long tail. Genre: techno. BPM 128. Key: F# minor.');
S('  leading and trailing spaces  ');
S('tabs\tand\nnewlines\r\nand\r\r\n\n\nruns');
// Contractions, case-insensitive, and the long s that Unicode case folding maps to s.
S("I'LL it's they'RE we'VE I'M he'D don'T 'S 'ſ 'ſſ ''s");
// Emoji: ZWJ families, skin tones, flags, keycaps, variation selectors.
S('👨‍👩‍👧‍👦 👍🏽 🇫🇷🇯🇵 1️⃣ ❤️ 🏳️‍🌈 😀😃😄😁');
// CJK, Hangul, Japanese with punctuation.
S('東京は日本の首都です。サンプル・ライブラリ、音楽。한국어 텍스트 中文测试');
// Combining marks, Zalgo, decomposed vs composed.
S('e\u0301 é a\u0300\u0301\u0302\u0303 Z̷̧̛̖̦̪̈́̓a̵̱͗l̸̰̈g̶͙̈́o̴̞͝');
// Other scripts.
S('مرحبا بالعالم हिन्दी क्षत्रिय ภาษาไทย Ελληνικά Кириллица');
// Digits: long runs, mixed with letters, Unicode digits.
S('1234567890'.repeat(50));
S('a1b22c333d4444 ٣٤٥ ١٢٣٤ ①②③ ½');
// Whitespace runs and exotic spaces (U+180E is not White_Space; U+3000, NBSP, U+2028 are).
S(' '.repeat(300) + 'x' + '\t'.repeat(77) + '\n'.repeat(33));
S('a\u00a0b\u3000c\u2028d\u2029e\u180ef\u200bg\u0085h\u1680i\u202fj\u205fk');
S('   \n  \n\t \r\n   end   ');
S('x' + ' '.repeat(5000));
// Special-token text is ordinary text for embeddings.
S('<|endoftext|> <|fim_prefix|>hello<|endofprompt|>');
// Punctuation soup and code.
S('!!!???...;;; --- *** /// \\\\ ``` {"a": [1, 2]} <div class="x">&amp;</div>');
// Long words (the heap merge) and repeated patterns.
S('a'.repeat(10000));
S('ab'.repeat(3000) + 'xyz'.repeat(2000));
S('supercalifragilisticexpialidocious'.repeat(40));
// Invalid UTF-8: lone continuation, overlong, surrogate, truncated sequences, bytes never valid.
B([0x61, 0x80, 0x62]);
B([0xc0, 0x80, 0x41]);
B([0xed, 0xa0, 0x80, 0x42]);
B([0xf0, 0x9f, 0x98, 0x43]);
B([0xf0, 0x9f, 0x98]);
B([0xe2, 0x82]);
B([0xf5, 0xff, 0xfe, 0x44, 0xc3]);
B([0xe0, 0x80, 0xaf, 0x20, 0xf4, 0x90, 0x80, 0x80]);
B([0x68, 0x69, 0x20, 0xc3, 0xa9, 0xc3, 0x20, 0xe6, 0x97, 0xa5, 0xe6, 0x97]);

// Seeded random mixes of every category above (xorshift32: same file on every run).
let seed = 0x9e3779b9;
const rnd = (n) => { seed ^= seed << 13; seed >>>= 0; seed ^= seed >>> 17; seed ^= seed << 5; seed >>>= 0; return seed % n; };
const atoms = ['a', 'Z', 'é', 'e\u0301', ' ', '  ', '\t', '\n', '\r\n', '0', '12', '345', '6789',
  '😀', '👍🏽', '🇫🇷', '東', '京', '한', 'ก', 'क्ष', "'s", "'LL", '!', '?', '...', '-', '_', '"',
  '\u00a0', '\u3000', '\u180e', '\u200b', 'the', ' the', 'kick', ' snare', 'Ω', 'ß', 'ﬁ', '٣', '①'];
for (let i = 0; i < 300; i++) {
  const n = 1 + rnd(60);
  let s = '';
  for (let j = 0; j < n; j++) s += atoms[rnd(atoms.length)];
  S(s);
}
for (let i = 0; i < 40; i++) { // random bytes, mostly ill-formed
  const n = 1 + rnd(40);
  const a = [];
  for (let j = 0; j < n; j++) a.push(rnd(4) === 0 ? 0x20 + rnd(90) : 0x80 + rnd(128));
  B(a);
}

const lines = [];
for (const buf of cases) {
  const text = buf.toString('utf8');
  const tokens = enc.encode_ordinary(text);
  let k = 0, prefix = 0;
  if (tokens.length > 4) {
    k = Math.max(1, Math.floor(tokens.length / 3));
    for (let i = 0; i < k; i++) prefix += enc.decode_single_token_bytes(tokens[i]).length;
    const bytes = Buffer.from(text, 'utf8');
    while (prefix > 0 && prefix < bytes.length && (bytes[prefix] & 0xc0) === 0x80) prefix--;
  }
  lines.push(`${tokens.length}\t${buf.toString('hex')}\t${k}\t${prefix}`);
}
enc.free();
const out = path.join(root, 'tests/data/tiktoken_golden.tsv');
fs.writeFileSync(out, lines.join('\n') + '\n');
console.error(`wrote ${lines.length} cases to ${path.relative(root, out)}`);
