package io.wnd.scorer.internals;

import java.util.Map;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.WriteBufferManager;

/**
 * Bounds the native memory of every Kafka Streams RocksDB store of this JVM by one budget
 * ({@value #BYTES_CONFIG} in the Streams config, default {@value #DEFAULT_BYTES} bytes): one LRU block cache shared by
 * all stores, which also holds their index and filter blocks and, through a write buffer manager, their memtables
 * (a quarter of the budget). By default each store has its own 50 MB block cache, 3 x 16 MB of memtables and
 * index and filter blocks outside any cache, so the scorer's join stores (4 stores per task) grow towards
 * hundreds of MB as their files accumulate, which a soak sees as a rising curve.
 *
 * <p>Kafka Streams creates one instance per store by its class name ({@code rocksdb.config.setter}); the cache and
 * the manager are shared by all of them and live as long as the JVM (never closed by a store).
 */
public final class BoundedRocksMemory implements RocksDBConfigSetter {
  /** The Streams config key of the budget in bytes. */
  public static final String BYTES_CONFIG = "wnd.rocksdb.memory.bytes";
  /** The default budget. */
  public static final long DEFAULT_BYTES = 128L * 1024 * 1024;

  private static Cache cache;
  private static WriteBufferManager writeBuffers;
  private static long budget;

  private static synchronized void init(long bytes) {
    if (cache == null) {
      budget = bytes;
      // strict capacity off: a full cache evicts rather than failing reads; high-priority pool for index/filters
      cache = new LRUCache(bytes, -1, false, 0.1);
      writeBuffers = new WriteBufferManager(bytes / 4, cache);
    }
  }

  /** @return the budget of the shared cache, 0 before any store was configured */
  public static synchronized long budget() {
    return budget;
  }

  @Override
  public void setConfig(String storeName, Options options, Map<String, Object> configs) {
    Object v = configs.get(BYTES_CONFIG);
    init(v == null ? DEFAULT_BYTES : Long.parseLong(v.toString()));
    BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
    table.setBlockCache(cache);
    table.setCacheIndexAndFilterBlocks(true);
    table.setCacheIndexAndFilterBlocksWithHighPriority(true);
    table.setPinTopLevelIndexAndFilter(true);
    options.setWriteBufferManager(writeBuffers);
    options.setTableFormatConfig(table);
  }

  @Override
  public void close(String storeName, Options options) {
    // the cache and the write buffer manager are shared: not closed with one store
  }
}
