package io.wnd.scorer.internals;

import io.wnd.scorer.ModelProvider;
import io.wnd.state.encode.Encoded;
import io.wnd.state.encode.Encoder;
import io.wnd.state.model.ForwardPass;
import io.wnd.state.spec.FeatureSpec;
import io.wnd.state.store.ModelView;
import org.apache.avro.generic.IndexedRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scores feature records with the version in service, keeping one {@link ForwardPass} per view: a view is
 * acquired on every {@link #refresh()} (an atomic increment), released at once if it is the one already
 * held, and the model is rebuilt only when the version changed. Not thread-safe: one per thread (a
 * Streams task, an HTTP request).
 */
public final class ViewScorer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ViewScorer.class);

  private final FeatureSpec spec;
  private final ModelProvider provider;
  private final Encoder encoder;
  private final Encoded encoded;
  private ModelView view;
  private ForwardPass pass;

  /**
   * @param spec the feature spec
   * @param provider the served model
   */
  public ViewScorer(FeatureSpec spec, ModelProvider provider) {
    this.spec = spec;
    this.provider = provider;
    this.encoder = new Encoder(spec);
    this.encoded = encoder.newEncoded();
  }

  /**
   * Moves to the version in service.
   *
   * @return the view now held (owned by this scorer: do not close it), or null if there is no version yet
   * @throws IllegalStateException if the version does not fit the configured spec (a broken invariant)
   */
  public ModelView refresh() {
    ModelView v = provider.acquire();
    if (v == null) {
      return view;
    }
    if (v == view) {
      v.close();
      return view;
    }
    ForwardPass p;
    try {
      p = new ForwardPass(v.model(spec));
    } catch (RuntimeException e) {
      v.close();
      throw new IllegalStateException("model " + v.version().model() + " v" + v.version().version()
          + " does not fit the feature spec '" + spec.name() + "': " + e.getMessage(), e);
    }
    if (view != null) {
      LOG.debug("scoring moves from v{} to v{}", view.version().version(), v.version().version());
      view.close();
    }
    view = v;
    pass = p;
    return v;
  }

  /** @return the view held, or null */
  public ModelView view() {
    return view;
  }

  /**
   * The logit of a feature record with the held view (call {@link #refresh()} first).
   *
   * @param features the feature record
   * @return the logit
   * @throws IllegalArgumentException if the record does not fit the spec
   */
  public double logit(IndexedRecord features) {
    return pass.logit(encoder.encode(features, encoded));
  }

  /** Releases the held view. */
  @Override
  public void close() {
    if (view != null) {
      view.close();
      view = null;
      pass = null;
    }
  }
}
