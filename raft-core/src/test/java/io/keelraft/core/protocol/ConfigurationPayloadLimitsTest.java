package io.keelraft.core.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.keelraft.core.ClusterConfiguration;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.junit.jupiter.api.Test;

/**
 * A configuration entry arrives from the network (thesis chapter 4: configurations travel in the log), so its
 * decoder bounds every count before it reads: at most 10,000 servers per set and 10,000 addresses, never a negative
 * count — even when the bytes that follow would parse. Found by mutation testing (docs/mutation/part-c.md); the
 * counts without the data behind them are in MessageValidationTest.
 */
class ConfigurationPayloadLimitsTest {

    /** A version-2 payload: {@code voterCount} announced, {@code voters} written, no learners or outgoing voters. */
    private static byte[] payload(int voterCount, int voters, int addressCount, int addresses) {
        try (ByteArrayOutputStream bytes = new ByteArrayOutputStream();
             DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(2);
            out.writeInt(voterCount);
            for (int i = 0; i < voters; i++) {
                out.writeUTF("s" + i);
            }
            out.writeInt(0); // learners
            out.writeInt(0); // outgoing voters
            out.writeInt(addressCount);
            for (int i = 0; i < addresses; i++) {
                out.writeUTF("s" + i);
                out.writeUTF("h" + i + ":1");
            }
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void tenThousandServersAndAddressesDecode() {
        ClusterConfiguration c = ClusterConfiguration.decode(payload(10_000, 10_000, 10_000, 10_000));
        assertThat(c.voters()).hasSize(10_000);
        assertThat(c.addresses()).hasSize(10_000);
    }

    @Test
    void tenThousandAndOneServersAreRefusedEvenWhenAllArePresent() {
        assertThatThrownBy(() -> ClusterConfiguration.decode(payload(10_001, 10_001, 0, 0)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void tenThousandAndOneAddressesAreRefusedEvenWhenAllArePresent() {
        assertThatThrownBy(() -> ClusterConfiguration.decode(payload(1, 1, 10_001, 10_001)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** Read as "none", a negative count would turn garbage into a configuration without voters. */
    @Test
    void aNegativeCountIsRefusedEvenWhenTheRestParses() {
        assertThat(ClusterConfiguration.decode(payload(1, 1, 0, 0)).voters()).containsExactly("s0");
        assertThatThrownBy(() -> ClusterConfiguration.decode(payload(-1, 0, 0, 0)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ClusterConfiguration.decode(payload(1, 1, -1, 0)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
