/**
 * Direct codecs for the few hot messages of {@code keel.proto}: the generated code's exact bytes, written and read
 * with plain array accesses instead of its builders, objects and streams, and the generated parser as the
 * fallback for anything unusual. Internal to Keel, like the generated {@code io.keelraft.transport.netty.wire}
 * classes; public only so that {@code raft-client}, the other end of the client protocol, shares them.
 */
package io.keelraft.transport.netty.wire.direct;
