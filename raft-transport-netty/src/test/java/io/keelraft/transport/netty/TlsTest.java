package io.keelraft.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.keelraft.core.protocol.Message;
import io.keelraft.core.spi.ForwardRequest;
import io.keelraft.core.spi.ForwardResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Mutual TLS: servers with certificates from the cluster CA talk; a stranger or a plaintext peer is refused. */
@Timeout(120)
class TlsTest {

    @TempDir
    static Path certificates;

    private static TestCertificates.Server n1Cert;
    private static TestCertificates.Server n2Cert;
    private static TestCertificates.Server strangerCert;
    private static TestCertificates ca;

    private LoopbackCluster cluster;

    @BeforeAll
    static void makeCertificates() {
        ca = new TestCertificates(certificates);
        n1Cert = ca.signed("n1");
        n2Cert = ca.signed("n2");
        strangerCert = ca.stranger("stranger");
    }

    @AfterEach
    void closeCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** n1 configured from PEM files, n2 from key stores: the same CA either way. */
    private static TlsOptions pem(TestCertificates.Server cert) {
        return TlsOptions.fromPem(cert.chainPem(), cert.keyPem(), ca.caPem);
    }

    private static TlsOptions keyStore(TestCertificates.Server cert) {
        return TlsOptions.fromKeyStore(cert.keyStore(), TestCertificates.PASSWORD, ca.trustStore,
                TestCertificates.PASSWORD);
    }

    @Test
    void serversWithCertificatesFromTheClusterCaTalk() throws Exception {
        cluster = new LoopbackCluster("n1", "n2");
        cluster.start("n1", cluster.options("n1").tls(pem(n1Cert)).build());
        cluster.start("n2", cluster.options("n2").tls(keyStore(n2Cert)).build());
        await().until(cluster::fullyConnected);

        Message vote = new Message.RequestVote(4, "n1", "n2", 10, 3, false);
        cluster.transport("n1").send(vote);
        Message append = SampleMessages.append("n2", "n1", 10, 64, 128);
        cluster.transport("n2").send(append);
        await().untilAsserted(() -> {
            assertThat(cluster.receiver("n2").messages).containsExactly(vote);
            assertThat(cluster.receiver("n1").messages).containsExactly(append);
        });

        cluster.receiver("n2").forwards = (from, request) ->
                CompletableFuture.completedFuture(new ForwardResponse.ReadIndex(12));
        assertThat(cluster.transport("n1").forward("n2", new ForwardRequest.ReadIndex()).get(10, TimeUnit.SECONDS))
                .isEqualTo(new ForwardResponse.ReadIndex(12));
        assertThat(cluster.transport("n1").metrics().tlsFailures()).isZero();
    }

    @Test
    void aStrangerCertificateIsRefused() {
        // The stranger claims a peer's id and trusts our CA, but its own certificate is self-signed.
        cluster = new LoopbackCluster("n1", "n2");
        cluster.start("n1", cluster.options("n1").tls(pem(n1Cert)).build());
        cluster.start("n2", cluster.options("n2").tls(TlsOptions.fromPem(strangerCert.chainPem(),
                strangerCert.keyPem(), ca.caPem)).build());

        await().untilAsserted(() -> {
            assertThat(cluster.transport("n1").metrics().tlsFailures()).isGreaterThanOrEqualTo(2);
            assertThat(cluster.transport("n2").metrics().tlsFailures()).isGreaterThanOrEqualTo(2);
        });
        assertNothingGetsThrough();
    }

    @Test
    void aPlaintextPeerIsRefused() {
        cluster = new LoopbackCluster("n1", "n2");
        cluster.start("n1", cluster.options("n1").tls(pem(n1Cert)).build());
        cluster.start("n2", cluster.options("n2").build());

        await().untilAsserted(() -> {
            // n2's plaintext handshake is not a TLS record; n1's TLS hello is no frame n2 can read.
            assertThat(cluster.transport("n1").metrics().tlsFailures()).isPositive();
            assertThat(cluster.transport("n2").metrics().rejectedConnections()).isPositive();
        });
        assertNothingGetsThrough();
    }

    @Test
    void unreadableKeyMaterialIsNamed() {
        Path missing = certificates.resolve("missing.pem");
        assertThatThrownBy(() -> TlsOptions.fromPem(missing, n1Cert.keyPem(), ca.caPem))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("missing.pem");
        assertThatThrownBy(() -> TlsOptions.fromKeyStore(n1Cert.keyStore(), "wrong".toCharArray(), ca.trustStore,
                TestCertificates.PASSWORD))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(n1Cert.keyStore().toString());
    }

    private void assertNothingGetsThrough() {
        NettyTransport n1 = cluster.transport("n1");
        NettyTransport n2 = cluster.transport("n2");
        n1.send(new Message.RequestVote(1, "n1", "n2", 0, 0, false));
        n2.send(new Message.RequestVote(1, "n2", "n1", 0, 0, false));
        assertThat(n1.isConnected("n2")).isFalse();
        assertThat(n2.isConnected("n1")).isFalse();
        assertThat(n1.metrics().inboundConnections()).isZero();
        assertThat(n2.metrics().inboundConnections()).isZero();
        assertThat(cluster.receiver("n1").messages).isEmpty();
        assertThat(cluster.receiver("n2").messages).isEmpty();
        assertThat(n1.forward("n2", new ForwardRequest.ReadIndex())).failsWithin(Duration.ZERO);
    }
}
