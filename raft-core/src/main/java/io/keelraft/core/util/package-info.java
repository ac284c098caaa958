/** Small helpers shared by raft-core and the modules built on it: retry backoff, rate-limited log lines. */
package io.keelraft.core.util;
