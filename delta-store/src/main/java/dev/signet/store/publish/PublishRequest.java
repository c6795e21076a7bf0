package dev.signet.store.publish;

/** {@code POST /admin/v1/artifacts/{digest}/publish}: the tenant, its model name, and Medusa heads (null: none). */
public record PublishRequest(String tenant, String model, String medusa) {}
