package dev.signet.registry.key;

/** A key just issued: what is stored, and the secret, which exists only in this answer and is never stored. */
public record IssuedKey(ApiKey key, String secret) {}
