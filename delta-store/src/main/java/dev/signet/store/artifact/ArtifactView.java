package dev.signet.store.artifact;

import dev.signet.store.gate.GateVerdict;
import tools.jackson.databind.JsonNode;

/** An artifact as the admin API lists it: its metadata with the gate's verdict on its report under today's settings. */
public record ArtifactView(String digest, long size, long createdAt, String kind, String source, String baseDigest,
                           JsonNode settings, JsonNode report, GateVerdict gate) {
    static ArtifactView of(ArtifactMetadata m, GateVerdict gate) {
        return new ArtifactView(m.digest(), m.size(), m.createdAt(), m.kind(), m.source(), m.baseDigest(), m.settings(),
                m.report(), gate);
    }
}
