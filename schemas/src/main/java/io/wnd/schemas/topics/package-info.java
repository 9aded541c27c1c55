/**
 * The one typed registry of the topics: names (with a configurable prefix), partitions, cleanup policy,
 * configs, key and value serdes; and the admin operations that create and check them.
 */
package io.wnd.schemas.topics;
