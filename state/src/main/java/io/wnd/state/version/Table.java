package io.wnd.state.version;

/** The sparse tables of a model. */
public enum Table {
  /** The wide part's weights: one float per (field, id), fields = sparse features then crosses. */
  WIDE("wide"),
  /** The embeddings: embedding-dim floats per (field, id). */
  EMBEDDING("emb");

  private final String key;

  Table(String key) {
    this.key = key;
  }

  /** @return the short name used in record keys */
  public String key() {
    return key;
  }

  static Table ofKey(String key) {
    for (Table t : values()) {
      if (t.key.equals(key)) {
        return t;
      }
    }
    throw new IllegalArgumentException("unknown table '" + key + "'");
  }
}
