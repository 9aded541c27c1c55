/**
 * The model's parameters and its plain-Java forward pass (DESIGN §4): p = sigmoid(wide + deep + bias), where wide
 * is the sum of the wide table's weights of the example's sparse ids and crosses, and deep is the MLP
 * ({@link io.wnd.state.model.DenseTower}) over the concatenated embeddings and numerics. A
 * {@link io.wnd.state.model.WideDeepModel} holds the parameters; a {@link io.wnd.state.model.ForwardPass} scores
 * encoded examples with loops over float arrays and no allocation, so the scorer, {@code wnd predict} and the
 * trainer's evaluation all give the same probability for the same input.
 */
package io.wnd.state.model;
