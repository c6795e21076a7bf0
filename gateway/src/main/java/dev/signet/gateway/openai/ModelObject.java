package dev.signet.gateway.openai;

import java.util.List;

/** OpenAI's {@code model} object: a model the caller may use, owned by its tenant. */
public record ModelObject(String id, String object, long created, String ownedBy) {
    public ModelObject(String id, long created, String ownedBy) {
        this(id, "model", created, ownedBy);
    }

    /** OpenAI's {@code list} of models. */
    public record Page(String object, List<ModelObject> data) {
        public Page(List<ModelObject> data) {
            this("list", data);
        }
    }
}
