/* f32_shortest: a float32 as the shortest decimal text that reads back to the very same float32.
 *
 * Text written (JSON-compatible, no locale):
 *   [-]DIGITS                 an integer value when that is shortest, e.g. "1", "0", "250"
 *   [-]INT.FRAC / [-]0.0FRAC  fixed notation, e.g. "0.0123", "3.5"
 *   [-]D[.DIGITS]e[-]EXP      scientific, e.g. "1.5e-7", "3.4028235e38"
 *   -0.0                      negative zero (a bare "-0" reads back as the integer 0 in Python)
 * Digits: the fewest significant digits (1..9) of any decimal inside the float's round-to-
 * nearest-even interval; among those, the one nearest the exact value (Ryu, Adams, PLDI 2018).
 * Both readers must get the float back: strtof, and strtod then a cast to float (what Python's
 * json + numpy float32 do). For a few floats the shortest decimal's nearest double is exactly
 * the midpoint with a neighbour, which the cast rounds onto the neighbour (0x15ae43fd:
 * "7.038531e-26"); those get the shortest decimal both read back ("7.0385307e-26").
 * Notation: whichever of fixed and scientific is shorter, fixed on a tie.
 * tests/unit/base/test_f32_shortest.c checks both readers.
 */
#ifndef SAMPLEVEC_F32_SHORTEST_H
#define SAMPLEVEC_F32_SHORTEST_H

#include <stddef.h>

#define F32_SHORTEST_MAX 16 /* "-1.17549435e-38" and a NUL */

/* Writes v into out (NUL-terminated) and returns its length; 0 (out = "") for NaN and ±Inf,
 * which have no JSON number. */
size_t f32_shortest(float v, char out[F32_SHORTEST_MAX]);

#endif
