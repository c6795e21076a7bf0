package dev.signet.residency;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** The contract on the all-in-one mode's registry, with a clock the test moves by hand (no waiting). */
class InProcessResidencyRegistryTest extends ResidencyRegistryContract {

    /** A clock that stands still until the test advances it. */
    static final class ManualClock extends Clock {
        private volatile Instant now = Instant.parse("2026-03-01T12:00:00Z");

        void advance(Duration duration) {
            now = now.plus(duration);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException("the registry reads instants only");
        }
    }

    private final ManualClock clock = new ManualClock();

    @Override
    ResidencyRegistry newRegistry() {
        return new InProcessResidencyRegistry(clock);
    }

    @Override
    void letTimePass(Duration duration) {
        clock.advance(duration);
    }
}
