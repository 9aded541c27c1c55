package io.wnd.cli.demo;

/**
 * A version the trainer published during the demo.
 *
 * @param seconds when, in seconds since the pipeline started
 * @param version its number
 * @param examplesSeen examples trained on in total
 * @param windowExamples examples since the previous version (what the progressive metrics cover)
 * @param auc progressive AUC over those examples (scored before they were trained on)
 * @param logLoss progressive log loss over them
 * @param bytes bytes published
 * @param publishMs time to publish, ms
 */
public record VersionPoint(double seconds, long version, long examplesSeen, long windowExamples, double auc,
    double logLoss, long bytes, long publishMs) {}
