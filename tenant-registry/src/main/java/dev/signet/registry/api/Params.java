package dev.signet.registry.api;

import java.util.regex.Pattern;

/** The shapes of the ids the services exchange (docs/platform.md); each check fails with a 400 naming the parameter. */
final class Params {
    static final Pattern TENANT_ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
    static final Pattern MODEL_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");
    static final Pattern DIGEST = Pattern.compile("[0-9a-f]{64}");
    static final Pattern REQUEST_ID = Pattern.compile("[\\x21-\\x7e]{1,200}"); // printable ASCII, no spaces
    static final int MAX_TEXT = 200;

    private Params() {}

    static String tenantId(String param, String value) {
        return matching(param, value, TENANT_ID, "a tenant id: a lower-case slug [a-z0-9][a-z0-9-]{0,62}");
    }

    static String modelName(String param, String value) {
        return matching(param, value, MODEL_NAME, "a model name: [A-Za-z0-9][A-Za-z0-9._:-]{0,127}");
    }

    /** A delta digest, or null (serve the base). */
    static String optionalDigest(String param, String value) {
        return value == null ? null : matching(param, value, DIGEST, "a delta digest: 64 lower-case hex digits (sha256) or null");
    }

    static String optionalModelName(String param, String value) {
        return value == null ? null : modelName(param, value);
    }

    static String requestId(String param, String value) {
        return matching(param, value, REQUEST_ID, "a request id: 1 to 200 printable ASCII characters without spaces");
    }

    /** Free text shown to operators (a display name, a key's name): optional, not blank, at most {@value #MAX_TEXT} characters. */
    static String optionalText(String param, String value) {
        if (value != null && (value.isBlank() || value.length() > MAX_TEXT)) {
            throw ApiException.invalid(param, param + " must be 1 to " + MAX_TEXT + " characters, not blank; got "
                    + value.length() + " characters");
        }
        return value;
    }

    /** A count that is 0 or more; null takes {@code otherwise}. */
    static long nonNegative(String param, Long value, long otherwise) {
        if (value == null) {
            return otherwise;
        }
        if (value < 0) {
            throw ApiException.invalid(param, param + " must be 0 or more, got " + value);
        }
        return value;
    }

    static long requiredNonNegative(String param, Long value) {
        if (value == null) {
            throw ApiException.invalid(param, param + " is required");
        }
        return nonNegative(param, value, 0);
    }

    static <T> T required(String param, T value) {
        if (value == null) {
            throw ApiException.invalid(param, param + " is required");
        }
        return value;
    }

    private static String matching(String param, String value, Pattern pattern, String what) {
        if (value == null) {
            throw ApiException.invalid(param, param + " is required: " + what);
        }
        if (!pattern.matcher(value).matches()) {
            throw ApiException.invalid(param, param + " must be " + what + "; got '" + abbreviate(value) + "'");
        }
        return value;
    }

    private static String abbreviate(String value) {
        return value.length() <= 80 ? value : value.substring(0, 77) + "...";
    }
}
