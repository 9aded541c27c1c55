package io.wnd.cli.demo;

/**
 * One refresh of the live view: rates over the last interval, totals, and the model's state.
 *
 * @param seconds seconds since the pipeline started (broker, topics, scorer and trainer ready)
 * @param impressionsPerSecond impressions committed on the topic per second
 * @param scoresPerSecond scores committed per second
 * @param labelledPerSecond labelled examples committed per second (the scorer's label join)
 * @param trainedPerSecond examples trained per second
 * @param latencyP50Ms score latency median this interval (impression produced to score produced), ms; NaN if none
 * @param latencyP99Ms its 99th percentile, ms; NaN if none
 * @param visibleP99Ms 99th percentile of impression produced to score readable (committed), ms; NaN if none
 * @param impressions impressions so far
 * @param scores scores so far
 * @param labelled labelled examples so far
 * @param trained examples trained so far
 * @param versionInService the scorer's version (0: the prior)
 * @param modelAgeSeconds seconds since that version was created; NaN for none
 * @param versionsPublished versions the trainer published so far
 * @param trainerAuc the progressive AUC of the trainer's latest version; NaN before one
 * @param trainerLogLoss its progressive log loss; NaN before one
 * @param servedAuc AUC of the served predictions against their labels, for the impressions of
 *     {@link DemoRun#SERVED_WINDOW_S} s whose labels have just become final (older than window + grace)
 * @param servedLogLoss their log loss
 * @param servedSeconds when those impressions were produced (the middle of their range), seconds since the start
 * @param deadLetters dead letters so far
 */
public record Sample(double seconds, double impressionsPerSecond, double scoresPerSecond, double labelledPerSecond,
    double trainedPerSecond, double latencyP50Ms, double latencyP99Ms, double visibleP99Ms, long impressions,
    long scores, long labelled, long trained, long versionInService, double modelAgeSeconds, long versionsPublished,
    double trainerAuc, double trainerLogLoss, double servedAuc, double servedLogLoss, double servedSeconds, long deadLetters) {}
