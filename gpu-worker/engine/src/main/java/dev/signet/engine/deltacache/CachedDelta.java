package dev.signet.engine.deltacache;

/**
 * One delta the cache holds, as {@link DeltaCache#entries()} reports it: its best tier, its artifact's size in
 * bytes (what it costs in the host and disk budgets), how many running requests use it and whether it is pinned.
 */
public record CachedDelta(String digest, CacheTier tier, long bytes, int users, boolean pinned) {}
