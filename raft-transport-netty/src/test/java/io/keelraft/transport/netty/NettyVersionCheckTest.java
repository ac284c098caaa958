package io.keelraft.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.util.Version;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class NettyVersionCheckTest {

    private static Map<String, String> all(String version) {
        Map<String, String> found = new TreeMap<>();
        NettyVersionCheck.MODULES.forEach(m -> found.put(m, version));
        return found;
    }

    @Test
    void netty42AndLaterPass() {
        assertThat(NettyVersionCheck.problem(all("4.2.18.Final"))).isNull();
        assertThat(NettyVersionCheck.problem(all("4.3.0.Alpha1"))).isNull();
        assertThat(NettyVersionCheck.problem(all("5.0.0.Final"))).isNull();
    }

    @Test
    void anOlderModuleIsNamedWithItsVersion() {
        Map<String, String> found = all("4.2.18.Final");
        found.put("netty-transport", "4.1.118.Final");
        assertThat(NettyVersionCheck.problem(found)).contains("needs Netty 4.2 or later")
                .contains("netty-transport 4.1.118.Final").doesNotContain("netty-buffer 4.2");
    }

    @Test
    void netty41IsNamedModuleByModule() {
        Map<String, String> found = all("4.1.118.Final");
        found.remove("netty-codec-base"); // Netty 4.1 has netty-codec, no netty-codec-base
        assertThat(NettyVersionCheck.problem(found)).contains("netty-common 4.1.118.Final")
                .contains("netty-transport 4.1.118.Final").doesNotContain("netty-codec-base");
    }

    @Test
    void aModuleNotListedIsNoEvidence() {
        // A fat jar may keep one Netty jar's version file of many: only what is listed is judged.
        assertThat(NettyVersionCheck.problem(Map.of("netty-transport-native-epoll", "4.2.18.Final"))).isNull();
    }

    @Test
    void theNettyOnThisClasspathPasses() {
        NettyVersionCheck.check(); // throws when not
    }

    /** The BOM users import names the Netty this transport is built and tested with, and Keel's own version. */
    @Test
    void theBomNamesThisNettyAndThisKeel() throws Exception {
        String bom = Files.readString(Path.of("..", "keel-bom", "pom.xml"));
        String root = Files.readString(Path.of("..", "pom.xml"));
        assertThat(tag(bom, "netty.version")).isEqualTo(Version.identify().get("netty-transport").artifactVersion())
                .isEqualTo(tag(root, "netty.version"));
        assertThat(tag(bom, "version")).as("keel-bom's version").isEqualTo(tag(root, "version"));
    }

    /** The first {@code <tag>}'s text. */
    private static String tag(String xml, String tag) {
        Matcher m = Pattern.compile("<" + Pattern.quote(tag) + ">([^<]+)</" + Pattern.quote(tag) + ">").matcher(xml);
        assertThat(m.find()).as("<%s> present", tag).isTrue();
        return m.group(1).trim();
    }
}
