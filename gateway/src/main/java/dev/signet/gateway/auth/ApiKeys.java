package dev.signet.gateway.auth;

import dev.signet.gateway.openai.OpenAiException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** The {@code Authorization: Bearer sk-…} header, checked before anyone is asked about the key. */
public final class ApiKeys {
    /** {@code sk-} and base62; the registry issues 48 characters, older or test keys may differ in length. */
    private static final Pattern KEY = Pattern.compile("sk-[A-Za-z0-9_-]{8,200}");

    private ApiKeys() {}

    /** The key in a bearer header; a 401 when there is none or it cannot be a Signet key. */
    public static String fromAuthorization(String header) {
        if (header == null || header.isBlank()) {
            throw OpenAiException.invalidApiKey("You didn't provide an API key. You need to provide your API key in an"
                    + " Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).");
        }
        String[] parts = header.trim().split("\\s+", 2);
        if (parts.length != 2 || !parts[0].equalsIgnoreCase("Bearer") || !KEY.matcher(parts[1]).matches()) {
            throw OpenAiException.invalidApiKey("Incorrect API key provided. Use Authorization: Bearer sk-... with a key your"
                    + " operator issued.");
        }
        return parts[1];
    }

    /** The sha256 of a key in hex, as the registry stores it; caches are keyed by it so no secret sits in memory maps. */
    public static String hash(String apiKey) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(apiKey.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
