package dev.signet.engine.tokenizer;

/**
 * What a {@link StreamingDecoder} needs from a tokenizer beyond the public interface: decoding a window
 * of non-special ids that may start in the middle of the text, and knowing when text already decoded may
 * still change once more ids arrive.
 */
interface WindowDecoding {

    /**
     * Decodes {@code ids[from, to)}, which holds no special ids. {@code atTextStart} says whether
     * {@code ids[from]} is the first id of the text, so rules that only apply at the start of the text
     * (stripping the dummy-prefix space) apply only then.
     */
    String decodeWindow(int[] ids, int from, int to, boolean atTextStart);

    /**
     * Whether text ending with {@code id} may be rewritten by later ids in a way a trailing U+FFFD does not
     * reveal (the crate's ByteFallback turns a whole byte run into U+FFFDs if any byte of it is invalid).
     */
    boolean mayRewriteAfter(int id);
}
