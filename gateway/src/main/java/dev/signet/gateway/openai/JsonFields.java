package dev.signet.gateway.openai;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import tools.jackson.databind.JsonNode;

/**
 * Typed reads of one request body's fields, each failing with a 400 that names the field. A field that is absent or
 * JSON {@code null} reads as absent, as OpenAI treats them.
 */
public record JsonFields(JsonNode body) {

    /** The body as an object, or a 400 when it is anything else. */
    public static JsonFields of(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw OpenAiException.invalid(null, "The request body must be a JSON object.");
        }
        return new JsonFields(body);
    }

    public JsonNode get(String name) {
        JsonNode n = body.get(name);
        return n == null || n.isNull() ? null : n;
    }

    public boolean has(String name) {
        return get(name) != null;
    }

    public String text(String name) {
        JsonNode n = get(name);
        if (n == null) {
            return null;
        }
        if (!n.isString()) {
            throw OpenAiException.invalid(name, "'" + name + "' must be a string, got " + n);
        }
        return n.stringValue();
    }

    public String requiredText(String name) {
        String value = text(name);
        if (value == null || value.isEmpty()) {
            throw OpenAiException.invalid(name, "you must provide '" + name + "'");
        }
        return value;
    }

    /** An integer within [min, max], or null when absent. */
    public Integer integer(String name, int min, int max) {
        JsonNode n = get(name);
        if (n == null) {
            return null;
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt() || n.intValue() < min || n.intValue() > max) {
            throw OpenAiException.invalid(name, "'" + name + "' must be an integer from " + min + " to " + max + ", got " + n);
        }
        return n.intValue();
    }

    public Long int64(String name) {
        JsonNode n = get(name);
        if (n == null) {
            return null;
        }
        if (!n.isIntegralNumber() || !n.canConvertToLong()) {
            throw OpenAiException.invalid(name, "'" + name + "' must be a 64-bit integer, got " + n);
        }
        return n.longValue();
    }

    /** A number within [min, max] ({@code minExclusive}: (min, max]), or null when absent. */
    public Double number(String name, double min, boolean minExclusive, double max) {
        JsonNode n = get(name);
        if (n == null) {
            return null;
        }
        double v = n.isNumber() ? n.doubleValue() : Double.NaN;
        boolean aboveMin = minExclusive ? v > min : v >= min;
        if (!aboveMin || !(v <= max)) {
            throw OpenAiException.invalid(name, "'" + name + "' must be a number in " + (minExclusive ? "(" : "[") + min + ", " + max
                    + "], got " + n);
        }
        return v;
    }

    public boolean bool(String name, boolean otherwise) {
        JsonNode n = get(name);
        if (n == null) {
            return otherwise;
        }
        if (!n.isBoolean()) {
            throw OpenAiException.invalid(name, "'" + name + "' must be true or false, got " + n);
        }
        return n.booleanValue();
    }

    /** OpenAI's {@code stop}: a string or an array of at most {@code max} strings, none empty. */
    public List<String> strings(String name, int max) {
        JsonNode n = get(name);
        if (n == null) {
            return List.of();
        }
        List<JsonNode> items = n.isArray() ? n.valueStream().toList() : List.of(n);
        if (items.size() > max) {
            throw OpenAiException.invalid(name, "'" + name + "' takes at most " + max + " strings, got " + items.size());
        }
        List<String> values = new ArrayList<>();
        for (JsonNode item : items) {
            if (!item.isString() || item.stringValue().isEmpty()) {
                throw OpenAiException.invalid(name, "'" + name + "' must be a non-empty string or an array of them, got " + n);
            }
            values.add(item.stringValue());
        }
        return List.copyOf(values);
    }

    /** A parameter the gateway refuses unless it is absent or has its neutral value (it would change the answer). */
    public void refuseUnless(String name, Predicate<JsonNode> neutral, String why) {
        JsonNode n = get(name);
        if (n != null && !neutral.test(n)) {
            throw OpenAiException.unsupported(name, "'" + name + "' is not supported by this server: " + why);
        }
    }
}
