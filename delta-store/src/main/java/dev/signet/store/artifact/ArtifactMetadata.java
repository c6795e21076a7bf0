package dev.signet.store.artifact;

import tools.jackson.databind.JsonNode;

/**
 * What the store knows of an artifact, kept beside it as {@code artifacts/<digest>.json}: its size, when it was
 * stored, how it came ({@code uploaded} ready, or {@code compressed} here from a checkpoint), where from (upload or
 * job id), the base it was checked against, and the compression settings and quality report it records.
 */
public record ArtifactMetadata(String digest, long size, long createdAt, String kind, String source, String baseDigest,
                               JsonNode settings, JsonNode report) {
    public static final String UPLOADED = "uploaded";
    public static final String COMPRESSED = "compressed";
}
