package io.wnd.scorer.internals;

/**
 * A click that arrived before its impression, kept until the impression arrives or the click's grace
 * runs out (then it is an orphan and is dead-lettered with its original bytes and source).
 *
 * @param clickTime the click's event time, ms
 * @param partition partition it was read from
 * @param offset offset it was read from
 * @param bytes its value as read
 */
public record EarlyClick(long clickTime, int partition, long offset, byte[] bytes) {}
