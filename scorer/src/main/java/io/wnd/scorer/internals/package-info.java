/**
 * Implementation of the scorer: the scoring and label-join processors, their store serdes, the HTTP
 * endpoint and the metrics. Not API: may change without notice.
 */
package io.wnd.scorer.internals;
