/**
 * {@code wnd replay}: rows become impressions with stable ids and event times, positive rows also become
 * clicks a random delay later (inside the attribution window), produced in event-time order by an
 * idempotent producer, paced, checkpointed for {@code --resume}.
 */
package io.wnd.ingest.replay;
