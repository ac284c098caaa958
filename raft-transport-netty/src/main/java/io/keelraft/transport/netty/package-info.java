/**
 * Keel's network transport: {@link io.keelraft.transport.netty.NettyTransport}, the raft-core
 * {@link io.keelraft.core.spi.Transport} on Netty 4.2 with length-prefixed protobuf frames.
 *
 * <p>{@code RaftNode} finds it through {@link io.keelraft.transport.netty.NettyTransportProvider}
 * ({@link java.util.ServiceLoader}) when given only the members' addresses. Configure it yourself with
 * {@link io.keelraft.transport.netty.NettyTransportOptions} (optionally with
 * {@link io.keelraft.transport.netty.TlsOptions} for mutual TLS) and watch it through
 * {@link io.keelraft.transport.netty.TransportMetrics}. The wire format is {@code src/main/proto/keel.proto};
 * the generated classes in {@code io.keelraft.transport.netty.wire} are internal to this module.
 */
package io.keelraft.transport.netty;
