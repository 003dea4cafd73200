/* monotime: seconds on the monotonic clock, for elapsed times, rates and deadlines (never
 * for dates: it starts at an arbitrary point and does not follow the wall clock). */
#ifndef SAMPLEVEC_MONOTIME_H
#define SAMPLEVEC_MONOTIME_H

/* Monotonic seconds (CLOCK_MONOTONIC). */
double monotime_now(void);

#endif
