package dev.signet.registry.storage;

import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.json.JsonMapper;

/** The JSON both stores write: snake_case like the API, so a stored record reads like the answer it becomes. */
public final class StoreJson {
    public static final JsonMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .build();

    private StoreJson() {}
}
