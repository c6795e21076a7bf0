package dev.signet.engine.tokenizer;

/**
 * A piece of text on its way to the BPE model, with whether it begins at offset 0 of the original input
 * (the tokenizers crate's {@code offsets_original().0 == 0}), which Metaspace's {@code prepend_scheme:
 * "first"} depends on.
 */
record PreToken(String text, boolean atInputStart) {}
