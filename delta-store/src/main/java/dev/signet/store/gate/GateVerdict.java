package dev.signet.store.gate;

import java.util.List;

/** Whether a delta may be published, and if not, every reason why. */
public record GateVerdict(boolean passed, List<String> reasons) {}
