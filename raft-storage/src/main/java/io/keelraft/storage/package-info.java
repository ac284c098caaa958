/**
 * Keel's storage on files: {@link io.keelraft.storage.SegmentedLog} (the log, a
 * {@link io.keelraft.core.spi.LogStore}), {@link io.keelraft.storage.FileMetaStore} (currentTerm and votedFor,
 * a {@link io.keelraft.core.spi.MetaStore}) and {@link io.keelraft.storage.FileSnapshotStore} (snapshots, a
 * {@link io.keelraft.core.spi.SnapshotStore}).
 *
 * <p>Each store owns a directory and locks it. A server's data directory is laid out as
 * <pre>
 *   data/log/         SegmentedLog
 *   data/meta/        FileMetaStore
 *   data/snapshots/   FileSnapshotStore
 * </pre>
 * {@link io.keelraft.storage.FileStorageProvider} opens them for {@code RaftNode.builder().dataDirectory(data)}
 * (the snapshot store through {@code openSnapshots(data, retain)}): it is registered for
 * {@link java.util.ServiceLoader}.
 *
 * <p>Everything here exists to make "durable" true after kill -9 and power loss: data is forced before it is
 * reported durable, files appear and disappear by rename and delete followed by a directory fsync, small
 * files are replaced atomically and checksummed, and damage that may have lost committed data stops the
 * server with {@link io.keelraft.core.StorageCorruptedException} instead of being papered over.
 */
package io.keelraft.storage;
