package dev.signet.engine.tokenizer;

import java.util.OptionalInt;

/**
 * Turns text into one model's token ids and back. {@link #encode} never adds BOS/EOS (callers prepend
 * {@link #bosId()} when {@link #addBos()} says so) but does recognise added and special tokens written
 * literally in the text, as Hugging Face tokenizers do by default. {@link #decode} drops special tokens
 * (HF {@code skip_special_tokens=True}) and applies the tokenizer's decoder rules. Implementations are
 * immutable after loading and safe to share between threads; obtain one with {@link TokenizerLoader#load}.
 */
public interface Tokenizer {

    /** Number of ids the tokenizer can produce: the largest id plus one. */
    int vocabSize();

    /** Token ids of {@code text}, without BOS or EOS. */
    int[] encode(String text);

    /** Text of {@code ids}, skipping special tokens and ids the tokenizer does not know. */
    String decode(int[] ids);

    /** The vocabulary entry as stored (e.g. {@code "▁the"}, {@code "<0x0A>"}, {@code "Ġthe"}). */
    String piece(int id);

    /** Id of a vocabulary entry or added-token content, e.g. {@code tokenId("<|eot_id|>")}. */
    OptionalInt tokenId(String piece);

    /** Whether {@code id} is a control or special added token (dropped by {@link #decode}). */
    boolean isSpecial(int id);

    OptionalInt bosId();

    OptionalInt eosId();

    /** Whether a prompt should be prefixed with {@link #bosId()}. */
    boolean addBos();

    /** An incremental detokenizer for ids generated after {@code promptIds}. */
    StreamingDecoder streamingDecoder(int[] promptIds);
}
