/**
 * The self-contained model file ({@code wnd export}, {@code wnd predict --model-file}, rollback): a magic
 * header and format version, the manifest (with the feature spec), the dense weights and every sparse row.
 * Every format version ever written keeps loading: golden files of each live in the tests.
 */
package io.wnd.state.file;
