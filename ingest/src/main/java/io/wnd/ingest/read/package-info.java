/**
 * Streaming readers of the supported input formats, plain or gzip-compressed, in constant memory:
 * Criteo TSV (Kaggle and 1TB layouts), the seed's CSV variant, UCI Adult, and JSON instances. Each line
 * is decoded as strict UTF-8; a line that cannot be parsed is rejected with its line number and reason,
 * and reading goes on.
 */
package io.wnd.ingest.read;
