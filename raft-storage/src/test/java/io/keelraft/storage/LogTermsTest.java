package io.keelraft.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LogTermsTest {

    private static LogTerms withTerms(long... terms) {
        LogTerms log = new LogTerms(0, 0);
        for (int i = 0; i < terms.length; i++) {
            log.append(i + 1, terms[i]);
        }
        return log;
    }

    @Test
    void answersTermsFromRuns() {
        LogTerms log = withTerms(1, 1, 1, 2, 2, 5, 5, 5, 5);
        assertThat(log.term(0)).isZero();
        assertThat(log.term(3)).isEqualTo(1);
        assertThat(log.term(4)).isEqualTo(2);
        assertThat(log.term(9)).isEqualTo(5);
        assertThat(log.lastTerm()).isEqualTo(5);
        assertThatThrownBy(() -> log.term(10)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> log.append(11, 5)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void truncatesAndCompacts() {
        LogTerms log = withTerms(1, 1, 1, 2, 2, 5, 5, 5, 5);
        log.truncateFrom(5);
        assertThat(log.lastIndex()).isEqualTo(4);
        assertThat(log.lastTerm()).isEqualTo(2);
        log.append(5, 6);
        assertThat(log.term(5)).isEqualTo(6);
        log.compactTo(3, 1);
        assertThat(log.baseIndex()).isEqualTo(3);
        assertThat(log.term(3)).isEqualTo(1);
        assertThat(log.term(4)).isEqualTo(2);
        assertThatThrownBy(() -> log.term(2)).isInstanceOf(IndexOutOfBoundsException.class);
        log.compactTo(10, 7); // beyond the end: an empty log after the base
        assertThat(log.lastIndex()).isEqualTo(10);
        assertThat(log.term(10)).isEqualTo(7);
        log.append(9, 7); // at or below the base: ignored (written before the compaction moved past it)
        log.append(11, 7);
        assertThat(log.lastIndex()).isEqualTo(11);
        LogTerms copy = log.copy();
        log.reset(20, 8);
        assertThat(copy.lastIndex()).isEqualTo(11);
        assertThat(log.lastIndex()).isEqualTo(20);
        assertThat(log.contains(19)).isFalse();
    }
}
