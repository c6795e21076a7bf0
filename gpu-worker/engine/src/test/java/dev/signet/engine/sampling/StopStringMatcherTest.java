package dev.signet.engine.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Stop strings are found across token boundaries and never leak, even in part, to the client. */
class StopStringMatcherTest {

    @Test
    void holdsBackWhatCouldStartAStopString() {
        StopStringMatcher m = new StopStringMatcher(List.of("\nUser:"));
        assertEquals("Hello", m.push("Hello\nUs"));
        assertEquals("", m.push("e"));
        assertEquals("\nUsed to it.", m.push("d to it."));
        assertFalse(m.stopped());
    }

    @Test
    void stopsAtAStopStringSplitAcrossPushesAndDropsIt() {
        StopStringMatcher m = new StopStringMatcher(List.of("END"));
        assertEquals("abc ", m.push("abc E"));
        assertEquals("", m.push("N"));
        assertEquals("", m.push("D and more"));
        assertTrue(m.stopped());
        assertEquals("", m.push("ignored"));
        assertEquals("", m.flush());
    }

    @Test
    void theEarliestOfSeveralStopStringsWins() {
        StopStringMatcher m = new StopStringMatcher(List.of("two", "one"));
        assertEquals("zero ", m.push("zero one two"));
        assertTrue(m.stopped());
    }

    @Test
    void flushReleasesHeldTextWhenGenerationEndsOtherwise() {
        StopStringMatcher m = new StopStringMatcher(List.of("###"));
        assertEquals("a", m.push("a##"));
        assertEquals("##", m.flush());
    }

    @Test
    void withoutStopStringsEverythingPassesThrough() {
        StopStringMatcher m = new StopStringMatcher(List.of());
        assertEquals("anything", m.push("anything"));
        assertEquals("", m.flush());
    }
}
