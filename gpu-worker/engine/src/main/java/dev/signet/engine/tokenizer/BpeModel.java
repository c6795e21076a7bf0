package dev.signet.engine.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The tokenizers crate's BPE model ({@code models::bpe::BPE}): a word (one pre-tokenized piece) starts as
 * one symbol per character (unknown characters become {@code <0xXX>} byte tokens with byte_fallback, else
 * the unknown token, fused when fuse_unk), then merges are applied by rank with {@link BpeWordMerger}. With
 * ignore_merges a word that is itself a vocabulary entry maps straight to it (Llama 3). Results for short
 * words are cached, bounded like the crate's cache; the cache is the only mutable state and is thread-safe.
 */
final class BpeModel {
    /** The crate's DEFAULT_CACHE_CAPACITY and MAX_LENGTH (only shorter words are cached). */
    private static final int CACHE_CAPACITY = 10_000;
    private static final int CACHE_MAX_WORD_LENGTH = 256;

    private final Map<String, Integer> vocab;
    private final String[] tokens; // id → token, null where the vocabulary has no entry
    private final MergeTable merges;
    private final int unkId;
    private final boolean fuseUnk;
    private final boolean byteFallback;
    private final boolean ignoreMerges;
    private final String continuingSubwordPrefix;
    private final String endOfWordSuffix;
    private final int[] byteIds = new int[256];
    /** Id of each single BMP character, or -1; used when there is no prefix/suffix decoration. */
    private final int[] charIds;
    private final ConcurrentHashMap<String, int[]> cache = new ConcurrentHashMap<>();
    /** Where merges can never cross within a word, or null when that cannot be known (see the reader). */
    private final MergeableCharPairs joinable;

    BpeModel(Map<String, Integer> vocab, MergeTable merges, MergeableCharPairs joinable, int unkId, boolean fuseUnk,
            boolean byteFallback, boolean ignoreMerges, String continuingSubwordPrefix, String endOfWordSuffix) {
        this.vocab = vocab;
        this.joinable = continuingSubwordPrefix == null && endOfWordSuffix == null ? joinable : null;
        this.merges = merges;
        this.unkId = unkId;
        this.fuseUnk = fuseUnk;
        this.byteFallback = byteFallback;
        this.ignoreMerges = ignoreMerges;
        this.continuingSubwordPrefix = continuingSubwordPrefix;
        this.endOfWordSuffix = endOfWordSuffix;
        int max = -1;
        for (int id : vocab.values()) {
            max = Math.max(max, id);
        }
        tokens = new String[max + 1];
        for (Map.Entry<String, Integer> e : vocab.entrySet()) {
            tokens[e.getValue()] = e.getKey();
        }
        for (int b = 0; b < 256; b++) {
            byteIds[b] = vocab.getOrDefault(BytePieces.pieceOf(b), -1);
        }
        if (continuingSubwordPrefix == null && endOfWordSuffix == null) {
            charIds = new int[65536];
            Arrays.fill(charIds, -1);
            for (Map.Entry<String, Integer> e : vocab.entrySet()) {
                if (e.getKey().length() == 1) {
                    charIds[e.getKey().charAt(0)] = e.getValue();
                }
            }
        } else {
            charIds = null;
        }
    }

    /** Number of ids the model's vocabulary spans (largest id + 1). */
    int size() {
        return tokens.length;
    }

    /** The vocabulary entry with this id, or null. */
    String token(int id) {
        return id >= 0 && id < tokens.length ? tokens[id] : null;
    }

    Integer id(String token) {
        return vocab.get(token);
    }

    /** Appends the ids of one pre-tokenized word. */
    void tokenize(String word, IdBuffer out) {
        if (word.isEmpty()) {
            return;
        }
        if (ignoreMerges) {
            Integer id = vocab.get(word);
            if (id != null) {
                out.add(id);
                return;
            }
        }
        boolean cacheable = word.length() < CACHE_MAX_WORD_LENGTH;
        if (cacheable) {
            int[] hit = cache.get(word);
            if (hit != null) {
                out.addAll(hit);
                return;
            }
        }
        int[] ids = mergeWord(word);
        if (cacheable && cache.size() < CACHE_CAPACITY) {
            cache.putIfAbsent(word, ids);
        }
        out.addAll(ids);
    }

    private int[] mergeWord(String word) {
        int n = word.length();
        IdBuffer symbols = new IdBuffer(n);
        // The character each symbol stands for, or -1 for byte-fallback and unknown symbols (never merged).
        IdBuffer chars = joinable == null ? null : new IdBuffer(n);
        boolean unkPending = false;
        for (int i = 0; i < n; ) {
            int cp = word.codePointAt(i);
            int end = i + Character.charCount(cp);
            String decorated = null;
            int id;
            if (charIds != null) {
                id = cp < 65536 ? charIds[cp] : vocab.getOrDefault(Character.toString(cp), -1);
            } else {
                decorated = decorate(word.substring(i, end), i == 0, end == n);
                id = vocab.getOrDefault(decorated, -1);
            }
            i = end;
            if (id >= 0) {
                if (unkPending) {
                    add(symbols, chars, unkId, -1);
                    unkPending = false;
                }
                add(symbols, chars, id, cp);
                continue;
            }
            if (byteFallback) {
                byte[] bytes = (decorated != null ? decorated : Character.toString(cp)).getBytes(StandardCharsets.UTF_8);
                boolean all = true;
                for (byte b : bytes) {
                    all &= byteIds[b & 0xFF] >= 0;
                }
                if (all) {
                    // As in the crate, a pending unknown token is not flushed here (it lands after these bytes).
                    for (byte b : bytes) {
                        add(symbols, chars, byteIds[b & 0xFF], -1);
                    }
                    continue;
                }
            }
            if (unkId >= 0) {
                if (unkPending && !fuseUnk) {
                    add(symbols, chars, unkId, -1);
                }
                unkPending = true;
            }
        }
        if (unkPending) {
            add(symbols, chars, unkId, -1);
        }
        int count = symbols.size();
        int[] ids = symbols.array();
        boolean[] cutBefore = null;
        if (chars != null && count > 1) {
            cutBefore = new boolean[count];
            int[] c = chars.array();
            for (int k = 1; k < count; k++) {
                cutBefore[k] = c[k - 1] < 0 || c[k] < 0 || !joinable.mayJoin(c[k - 1], c[k]);
            }
        }
        int[] next = new int[count];
        BpeWordMerger.mergeRuns(ids, count, cutBefore, merges, null, next, null);
        IdBuffer result = new IdBuffer(count);
        for (int k = count == 0 ? -1 : 0; k != -1; k = next[k]) {
            result.add(ids[k]);
        }
        return result.toArray();
    }

    private static void add(IdBuffer symbols, IdBuffer chars, int id, int cp) {
        symbols.add(id);
        if (chars != null) {
            chars.add(cp);
        }
    }

    private String decorate(String c, boolean first, boolean last) {
        String s = c;
        if (!first && continuingSubwordPrefix != null) {
            s = continuingSubwordPrefix + s;
        }
        if (last && endOfWordSuffix != null) {
            s = s + endOfWordSuffix;
        }
        return s;
    }
}
