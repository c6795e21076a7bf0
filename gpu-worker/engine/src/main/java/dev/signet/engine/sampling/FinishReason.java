package dev.signet.engine.sampling;

/** Why a generation ended, with OpenAI's names: a stop token or stop string, or the token limit. */
public enum FinishReason {
    STOP("stop"),
    LENGTH("length");

    private final String openAiName;

    FinishReason(String openAiName) {
        this.openAiName = openAiName;
    }

    public String openAiName() {
        return openAiName;
    }
}
