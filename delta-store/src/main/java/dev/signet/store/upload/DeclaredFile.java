package dev.signet.store.upload;

/** A file an upload announces: its name in the fine-tune's folder, its size in bytes and the sha256 of its bytes. */
public record DeclaredFile(String name, long size, String sha256) {}
