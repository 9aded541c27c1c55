/**
 * The trainer: learns a wide-and-deep click model from labelled examples in mini-batches.
 *
 * <p>{@link io.wnd.trainer.WideDeepTrainer} holds one {@link io.wnd.state.model.WideDeepModel} and takes one
 * step per mini-batch: FTRL-Proximal on the wide weights and Adagrad on the collisionless embeddings, both only
 * where the batch touched them, and Adam on the dense tower through Deeplearning4j. Every batch is scored before
 * it is trained on (progressive validation), and the rows changed since the last version can be drained as
 * {@link io.wnd.state.version.SparseDelta}s. {@link io.wnd.trainer.OfflineTraining} is the seed's fit and
 * evaluate over files of examples.
 */
package io.wnd.trainer;
