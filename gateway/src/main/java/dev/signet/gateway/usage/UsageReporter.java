package dev.signet.gateway.usage;

/** Sends each finished request's usage to where it is billed, without holding up the response. */
public interface UsageReporter {
    void report(UsageRecord usage);
}
