package io.keelraft.transport.netty;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Objects;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;

/**
 * Mutual TLS between the servers of a cluster (JDK provider). Every server presents a certificate and accepts a
 * peer only if the peer's certificate chains to one of the trusted certificates, typically the cluster's own CA:
 * a peer without such a certificate, or without TLS at all, is refused.
 *
 * <p>Trust comes from the CA, not from host names: servers are often configured by IP address, and a
 * certificate from the cluster's CA is what makes a peer one of us. Host names are therefore not checked.
 *
 * <p>Key material is loaded when the options are built, so a wrong path or password fails at once, naming it.
 */
public final class TlsOptions {

    private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    private final SslContext server;
    private final SslContext client;

    private TlsOptions(SslContext server, SslContext client) {
        this.server = server;
        this.client = client;
    }

    /**
     * From PEM files.
     *
     * @param certificateChain    this server's certificate, then any intermediates
     * @param privateKey          its unencrypted PKCS#8 private key ({@code BEGIN PRIVATE KEY})
     * @param trustedCertificates the certificates a peer's chain must lead to (the cluster CA)
     */
    public static TlsOptions fromPem(Path certificateChain, Path privateKey, Path trustedCertificates) {
        Objects.requireNonNull(certificateChain, "certificateChain");
        Objects.requireNonNull(privateKey, "privateKey");
        Objects.requireNonNull(trustedCertificates, "trustedCertificates");
        String what = "PEM files " + certificateChain + ", " + privateKey + ", " + trustedCertificates;
        try {
            return new TlsOptions(
                    configure(SslContextBuilder.forServer(certificateChain.toFile(), privateKey.toFile())
                            .trustManager(trustedCertificates.toFile())
                            .clientAuth(ClientAuth.REQUIRE)),
                    configure(SslContextBuilder.forClient()
                            .keyManager(certificateChain.toFile(), privateKey.toFile())
                            .trustManager(trustedCertificates.toFile())));
        } catch (SSLException | RuntimeException e) {
            throw new IllegalArgumentException("cannot set up TLS from " + what + ": " + e.getMessage(), e);
        }
    }

    /**
     * From key stores (PKCS#12 or JKS, detected from the file).
     *
     * @param keyStore           holds this server's private key and certificate chain
     * @param keyStorePassword   the key store's password, also used for the key
     * @param trustStore         holds the trusted certificates (the cluster CA)
     * @param trustStorePassword the trust store's password
     */
    public static TlsOptions fromKeyStore(Path keyStore, char[] keyStorePassword, Path trustStore,
                                          char[] trustStorePassword) {
        Objects.requireNonNull(keyStore, "keyStore");
        Objects.requireNonNull(trustStore, "trustStore");
        KeyStore keys;
        KeyStore trust;
        try {
            keys = KeyStore.getInstance(keyStore.toFile(), keyStorePassword);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot read key store " + keyStore + ": " + e.getMessage(), e);
        }
        try {
            trust = KeyStore.getInstance(trustStore.toFile(), trustStorePassword);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot read trust store " + trustStore + ": " + e.getMessage(), e);
        }
        return fromKeyStore(keys, keyStorePassword, trust);
    }

    /** From loaded key stores; {@code keyPassword} unlocks the private key in {@code keyStore}. */
    public static TlsOptions fromKeyStore(KeyStore keyStore, char[] keyPassword, KeyStore trustStore) {
        try {
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(keyStore, keyPassword);
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trustStore);
            return new TlsOptions(
                    configure(SslContextBuilder.forServer(keys).trustManager(trust).clientAuth(ClientAuth.REQUIRE)),
                    configure(SslContextBuilder.forClient().keyManager(keys).trustManager(trust)));
        } catch (GeneralSecurityException | SSLException | RuntimeException e) {
            throw new IllegalArgumentException("cannot set up TLS from the key stores: " + e.getMessage(), e);
        }
    }

    private static SslContext configure(SslContextBuilder builder) throws SSLException {
        return builder.sslProvider(SslProvider.JDK).protocols(PROTOCOLS).endpointIdentificationAlgorithm(null)
                .build();
    }

    SslHandler serverHandler(ByteBufAllocator alloc) {
        return server.newHandler(alloc);
    }

    SslHandler clientHandler(ByteBufAllocator alloc, String host, int port) {
        return client.newHandler(alloc, host, port);
    }
}
