/* Numbers as news writes them: digits with separators ("2,000", "2.5"),
 * English number words ("one hundred thirty-nine", "forty-five", "two
 * dozen"), scale words ("1.5 million") and vague amounts ("dozens",
 * "several thousand", "tens of thousands": lower bounds, marked approx). */
#ifndef NEWSMINE_NUMBERS_H
#define NEWSMINE_NUMBERS_H

#include <stdbool.h>
#include <stddef.h>

/* Parses n bytes; true when the whole text is one number. *approx is set
 * for vague amounts. */
bool newsmine_parse_number(const char *s, size_t n, double *value, bool *approx);

/* The value of a scale word ("thousand", "million", "bn", "mln"), or 0. */
double newsmine_scale_word(const char *s, size_t n);

/* Writes v as a JSON number (integers without a fraction); returns the
 * length. out needs 32 bytes. */
size_t newsmine_format_number(double v, char *out);

#endif
