package io.keelraft.transport.netty;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Certificates made at test time with the JDK's {@code keytool} (nothing is committed): a cluster CA, servers
 * whose certificates it signs, and strangers with self-signed ones. Each server gets a PKCS#12 key store and the
 * same key and chain as PEM files.
 */
final class TestCertificates {

    static final char[] PASSWORD = "changeit".toCharArray();

    /** One server's key material. */
    record Server(Path keyStore, Path chainPem, Path keyPem) {
    }

    private final Path dir;
    final Path caPem;
    final Path trustStore;

    TestCertificates(Path dir) {
        this.dir = dir;
        keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=Keel Test CA",
                "-ext", "BasicConstraints:critical=ca:true", "-validity", "2", "-keystore", "ca.p12",
                "-storetype", "PKCS12", "-storepass", pw());
        keytool("-exportcert", "-alias", "ca", "-keystore", "ca.p12", "-storepass", pw(), "-rfc", "-file", "ca.pem");
        keytool("-importcert", "-alias", "ca", "-file", "ca.pem", "-keystore", "trust.p12", "-storetype", "PKCS12",
                "-storepass", pw(), "-noprompt");
        this.caPem = dir.resolve("ca.pem");
        this.trustStore = dir.resolve("trust.p12");
    }

    /** A server whose certificate the cluster CA signed. */
    Server signed(String name) {
        String store = name + ".p12";
        genkeypair(name, store);
        keytool("-certreq", "-alias", "server", "-keystore", store, "-storepass", pw(), "-file", name + ".csr");
        keytool("-gencert", "-alias", "ca", "-keystore", "ca.p12", "-storepass", pw(), "-infile", name + ".csr",
                "-outfile", name + ".crt", "-rfc", "-validity", "2", "-ext", "KeyUsage:critical=digitalSignature",
                "-ext", "ExtendedKeyUsage=serverAuth,clientAuth");
        keytool("-importcert", "-alias", "ca", "-file", "ca.pem", "-keystore", store, "-storepass", pw(), "-noprompt");
        keytool("-importcert", "-alias", "server", "-file", name + ".crt", "-keystore", store, "-storepass", pw());
        return withPem(name, store);
    }

    /** A server with a self-signed certificate: not one of the cluster. */
    Server stranger(String name) {
        String store = name + ".p12";
        genkeypair(name, store);
        return withPem(name, store);
    }

    private void genkeypair(String name, String store) {
        keytool("-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + name,
                "-validity", "2", "-keystore", store, "-storetype", "PKCS12", "-storepass", pw(),
                "-ext", "ExtendedKeyUsage=serverAuth,clientAuth");
    }

    /** Writes the key store's private key (PKCS#8) and certificate chain as PEM files. */
    private Server withPem(String name, String store) {
        try {
            KeyStore keyStore = KeyStore.getInstance(dir.resolve(store).toFile(), PASSWORD);
            Key key = keyStore.getKey("server", PASSWORD);
            Path keyPem = dir.resolve(name + "-key.pem");
            Files.writeString(keyPem, pem("PRIVATE KEY", key.getEncoded()), StandardCharsets.US_ASCII);
            StringBuilder chain = new StringBuilder();
            for (Certificate c : keyStore.getCertificateChain("server")) {
                chain.append(pem("CERTIFICATE", c.getEncoded()));
            }
            Path chainPem = dir.resolve(name + "-chain.pem");
            Files.writeString(chainPem, chain, StandardCharsets.US_ASCII);
            return new Server(dir.resolve(store), chainPem, keyPem);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException("reading " + store, e);
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static String pw() {
        return new String(PASSWORD);
    }

    private void keytool(String... args) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                // keytool is a short-lived JVM: start it fast.
                "-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC"));
        command.addAll(List.of(args));
        try {
            Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
            process.getOutputStream().close();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("keytool timed out: " + command);
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException("keytool failed (" + process.exitValue() + "): " + command + "\n"
                        + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
