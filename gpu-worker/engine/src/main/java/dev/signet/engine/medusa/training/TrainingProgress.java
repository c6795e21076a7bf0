package dev.signet.engine.medusa.training;

/** Where a long phase of head training stands: {@code done} of {@code total} units, {@code what} says which phase and detail. */
@FunctionalInterface
public interface TrainingProgress {
    TrainingProgress NONE = (what, done, total) -> {};

    void show(String what, long done, long total);
}
