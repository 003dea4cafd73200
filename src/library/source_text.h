/* source_text: the text that gets embedded, in exactly the sample manager's format.
 *
 * One "Label: value" line each, in this order, a line omitted when its value is missing:
 *   Title: <title>
 *   Genre: <genre>
 *   BPM: <bpm rounded, no decimals>
 *   Key: <musical_key>
 *   Mood: <mood_primary>[, <mood_secondary>]
 *   Energy: <energy_level, 2 decimals>
 *   Tags: <texture_tags joined with ", ">
 *   Description: <characteristics.raw_analysis>
 *   Sample Tags: <samples.tags joined with ", ">
 * Lines are joined with "\n"; no trailing newline.
 * Missing = NULL, empty or whitespace-only; a BPM of 0 is omitted (the application's `if bpm:`);
 * Mood, Energy, Tags and Description are used only when has_vibe, as in the application.
 */
#ifndef SAMPLEVEC_SOURCE_TEXT_H
#define SAMPLEVEC_SOURCE_TEXT_H

#include "library.h"

/* Returns the source text; caller frees. NULL only when out of memory. */
char *source_text_build(const library_sample *s);

#endif
