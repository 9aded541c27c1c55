package io.wnd.scorer.internals;

import io.wnd.avro.Impression;
import io.wnd.avro.Score;

/**
 * An impression and the score served for it: what the scoring processor hands the join.
 *
 * @param impression the impression
 * @param score its score
 */
public record Scored(Impression impression, Score score) {}
