package io.keelraft.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import io.keelraft.core.protocol.Message;
import io.keelraft.transport.netty.wire.AppendEntries;
import io.keelraft.transport.netty.wire.direct.AppendEntriesCodec;
import io.keelraft.transport.netty.wire.Entry;
import io.keelraft.transport.netty.wire.EntryType;
import io.keelraft.transport.netty.wire.Frame;
import io.keelraft.transport.netty.wire.TimeoutNow;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The direct AppendEntries path writes and reads exactly what the generated protobuf code does. */
class AppendEntriesCodecTest {

    @Test
    void writesTheGeneratedCodesBytes() {
        SplittableRandom random = new SplittableRandom(4);
        for (int i = 0; i < 2_000; i++) {
            Message m = SampleMessages.random(random, "n2", "n1", 20);
            if (m instanceof Message.AppendEntries append) {
                assertThat(direct(append)).isEqualTo(WireCodec.toFrame(append).toByteArray());
            }
        }
        for (Message m : SampleMessages.all("n2", "n1")) {
            if (m instanceof Message.AppendEntries append) {
                assertThat(direct(append)).isEqualTo(WireCodec.toFrame(append).toByteArray());
            }
        }
    }

    @Test
    void readsWhatTheGeneratedCodeReads() throws IOException {
        SplittableRandom random = new SplittableRandom(5);
        for (int i = 0; i < 2_000; i++) {
            Message m = SampleMessages.random(random, "n2", "n1", 20);
            if (m instanceof Message.AppendEntries append) {
                byte[] bytes = WireCodec.toFrame(append).toByteArray();
                assertThat(read(bytes)).isEqualTo(append)
                        .isEqualTo(WireCodec.toMessage(Frame.parseFrom(bytes), "n2", "n1"));
            }
        }
    }

    @Test
    void takesFieldsInAnyOrderWithTheLastRepeatedValueWinningAsProtobufDoes() throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(body);
        out.writeUInt64(1, 9);                       // term
        writeEntry(out, 4, "a");                     // entries before prev_log_index
        out.writeUInt64(2, 100);                     // prev_log_index = 100 ...
        writeEntry(out, 4, "b");
        out.writeUInt64(2, 200);                     // ... no, 200: the last one wins
        out.writeUInt64(6, 3);                       // read_seq
        out.flush();
        byte[] frame = frame(body.toByteArray());

        Message.AppendEntries direct = read(frame);
        assertThat(direct).isEqualTo(WireCodec.toMessage(Frame.parseFrom(frame), "n2", "n1"));
        assertThat(direct.prevLogIndex()).isEqualTo(200);
        assertThat(direct.entries()).extracting(e -> e.index()).containsExactly(201L, 202L);
        assertThat(direct.readSeq()).isEqualTo(3);
    }

    @Test
    void leavesUnknownFieldsToTheGeneratedParser() throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(body);
        out.writeUInt64(1, 9);
        out.writeString(15, "from a newer version");
        out.flush();
        assertThat(read(frame(body.toByteArray()))).isNull();
    }

    @Test
    void leavesAnyOtherFrameToTheGeneratedParser() throws IOException {
        byte[] vote = WireCodec.toFrame(new Message.RequestVote(1, "n2", "n1", 0, 0, false)).toByteArray();
        assertThat(read(vote)).isNull();
        // append_entries followed by another body field: protobuf's oneof rules apply, not ours.
        ByteArrayOutputStream both = new ByteArrayOutputStream();
        both.writeBytes(WireCodec.toFrame(SampleMessages.append("n2", "n1", 0, 1, 1)).toByteArray());
        both.writeBytes(Frame.newBuilder().setTimeoutNow(TimeoutNow.newBuilder().setTerm(1)).build().toByteArray());
        assertThat(read(both.toByteArray())).isNull();
        assertThat(read(new byte[0])).isNull();
        byte[] whole = WireCodec.toFrame(SampleMessages.append("n2", "n1", 0, 3, 10)).toByteArray();
        for (int cut = 1; cut < whole.length; cut++) {
            assertThat(read(Arrays.copyOf(whole, cut))).as("cut at %d", cut).isNull();
        }
    }

    @Test
    void leavesAnUnknownEntryTypeToTheGeneratedParserWhichRefusesIt() {
        byte[] frame = Frame.newBuilder().setAppendEntries(AppendEntries.newBuilder().setTerm(1)
                .addEntries(Entry.newBuilder().setTerm(1).setTypeValue(9).setPayload(ByteString.copyFromUtf8("x"))))
                .build().toByteArray();
        assertThat(read(frame)).isNull();
        assertThatThrownBy(() -> WireCodec.toMessage(Frame.parseFrom(frame), "n2", "n1"))
                .isInstanceOfSatisfying(BadInputException.class,
                        e -> assertThat(e.rejection()).isEqualTo(Rejection.MALFORMED_FRAME));
    }

    private static void writeEntry(CodedOutputStream out, long term, String payload) throws IOException {
        out.writeMessage(4, Entry.newBuilder().setTerm(term).setType(EntryType.ENTRY_TYPE_COMMAND)
                .setPayload(ByteString.copyFromUtf8(payload)).build());
    }

    private static byte[] frame(byte[] appendEntriesBody) throws IOException {
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(frame);
        out.writeByteArray(4, appendEntriesBody);
        out.flush();
        return frame.toByteArray();
    }

    private static byte[] direct(Message.AppendEntries m) {
        AppendEntriesCodec.Measured measured = AppendEntriesCodec.measure(m);
        byte[] bytes = new byte[measured.frameSize() + 3];
        int end = AppendEntriesCodec.writeFrame(measured, bytes, 3);
        assertThat(end).isEqualTo(bytes.length);
        return Arrays.copyOfRange(bytes, 3, end);
    }

    private static Message.AppendEntries read(byte[] frame) {
        byte[] padded = new byte[frame.length + 5];
        System.arraycopy(frame, 0, padded, 2, frame.length);
        return AppendEntriesCodec.readFrame(padded, 2, frame.length, "n2", "n1");
    }
}
