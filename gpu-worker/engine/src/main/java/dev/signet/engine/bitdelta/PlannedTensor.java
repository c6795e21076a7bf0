package dev.signet.engine.bitdelta;

import dev.signet.engine.safetensors.SafetensorsWriter.PendingTensor;
import dev.signet.engine.safetensors.TensorEntry;
import java.util.List;

/** One base tensor's part of an artifact: a sign-compressed projection or a changed tensor kept dense. */
sealed interface PlannedTensor permits MatrixCompression, PlannedTensor.Dense {
    /** The base tensor's name. */
    String name();

    /** Weights read to produce it, for progress. */
    long work();

    /** Its stored tensors in file order. */
    List<PendingTensor> tensors();

    /** The fine-tune's tensor, stored whole in its dtype. */
    record Dense(TensorEntry tuned) implements PlannedTensor {
        @Override
        public String name() {
            return tuned.name();
        }

        @Override
        public long work() {
            return tuned.elementCount();
        }

        @Override
        public List<PendingTensor> tensors() {
            return List.of(PendingTensor.copyOf(tuned.name(), tuned.dtype(), tuned.shape(), tuned.data()));
        }

        long bytes() {
            return tuned.data().byteSize();
        }
    }
}
