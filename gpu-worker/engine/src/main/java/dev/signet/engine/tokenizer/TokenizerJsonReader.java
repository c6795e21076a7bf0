package dev.signet.engine.tokenizer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Builds an {@link HfTokenizer} from tokenizer.json, checking what the crate checks when it loads one
 * (merges name vocabulary entries, added tokens have sensible ids) and rejecting, by name, every component
 * type this package does not implement rather than silently tokenizing differently.
 */
final class TokenizerJsonReader {
    /** Guards the id → token array against absurd ids; real vocabularies are far below this. */
    private static final int MAX_ID = 1 << 24;

    private final Path file;

    private TokenizerJsonReader(Path file) {
        this.file = file;
    }

    static HfTokenizer read(Path file, TokenizerConfig config) {
        TokenizerJsonReader reader = new TokenizerJsonReader(file);
        return reader.build(reader.parse(TokenizerFiles.readBytes(file)), config);
    }

    private TokenizerException error(String check) {
        return new TokenizerException(file, check);
    }

    /** tokenizer.json with the model's vocab and merges already taken out of the JSON stream. */
    private record Parsed(JsonNode root, JsonNode modelFields, Map<String, Integer> vocab, List<String> mergeLefts,
            List<String> mergeRights) {}

    /**
     * Streams the file: the model's vocab and merges (hundreds of thousands of entries for Llama 3) go
     * straight into a map and two lists instead of a JSON tree, which keeps loading well under a second;
     * the small remaining sections become trees.
     */
    private Parsed parse(byte[] bytes) {
        ObjectNode root = TokenizerFiles.JSON.createObjectNode();
        ObjectNode modelFields = null;
        Map<String, Integer> vocab = null;
        List<String> lefts = null;
        List<String> rights = null;
        try (JsonParser p = TokenizerFiles.JSON.createParser(bytes)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw error("top level is not a JSON object");
            }
            while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                String name = p.currentName();
                p.nextToken();
                if (!name.equals("model") || p.currentToken() != JsonToken.START_OBJECT) {
                    root.set(name, (JsonNode) p.readValueAsTree());
                    continue;
                }
                modelFields = TokenizerFiles.JSON.createObjectNode();
                while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                    String field = p.currentName();
                    JsonToken value = p.nextToken();
                    if (field.equals("vocab") && value == JsonToken.START_OBJECT) {
                        vocab = new HashMap<>(1 << 16);
                        while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                            String token = p.currentName();
                            p.nextToken();
                            if (!p.isExpectedNumberIntToken() || p.getNumberType() != JsonParser.NumberType.INT
                                    || p.getIntValue() < 0 || p.getIntValue() >= MAX_ID) {
                                throw error("model.vocab['" + token + "'] is " + p.getString() + ", not an id in [0, "
                                        + MAX_ID + ")");
                            }
                            vocab.put(token, p.getIntValue());
                        }
                    } else if (field.equals("merges") && value == JsonToken.START_ARRAY) {
                        lefts = new ArrayList<>(1 << 16);
                        rights = new ArrayList<>(1 << 16);
                        readMergePairs(p, lefts, rights);
                    } else {
                        modelFields.set(field, (JsonNode) p.readValueAsTree());
                    }
                }
            }
            if (p.nextToken() != null) {
                throw error("not valid JSON: content after the top-level object");
            }
        } catch (JacksonException e) {
            throw new TokenizerException(file, "not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (modelFields == null) {
            throw error("has no \"model\" object");
        }
        if (vocab == null && modelFields.has("vocab")) {
            throw error("model.vocab is not a JSON object");
        }
        if (lefts == null && modelFields.has("merges") && !modelFields.get("merges").isNull()) {
            throw error("model.merges is not a JSON array");
        }
        return new Parsed(root, modelFields, vocab, lefts, rights);
    }

    /** Merges as "a b" strings (tokenizers < 0.20) or ["a", "b"] pairs. */
    private void readMergePairs(JsonParser p, List<String> lefts, List<String> rights) {
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            int rank = lefts.size();
            if (t == JsonToken.VALUE_STRING) {
                String s = p.getString();
                int space = s.indexOf(' ');
                if (space < 0 || s.indexOf(' ', space + 1) >= 0) {
                    throw error("model.merges[" + rank + "] " + OnigurumaPattern.quote(s)
                            + " is not two tokens separated by one space");
                }
                lefts.add(s.substring(0, space));
                rights.add(s.substring(space + 1));
            } else if (t == JsonToken.START_ARRAY && p.nextToken() == JsonToken.VALUE_STRING) {
                String left = p.getString();
                if (p.nextToken() != JsonToken.VALUE_STRING) {
                    throw error("model.merges[" + rank + "] is not a pair of strings");
                }
                String right = p.getString();
                if (p.nextToken() != JsonToken.END_ARRAY) {
                    throw error("model.merges[" + rank + "] has more than two entries");
                }
                lefts.add(left);
                rights.add(right);
            } else {
                throw error("model.merges[" + rank + "] is " + t + ", expected \"a b\" or [\"a\", \"b\"]");
            }
        }
    }

    private HfTokenizer build(Parsed parsed, TokenizerConfig config) {
        JsonNode root = parsed.root();
        BpeModel model = readModel(parsed);
        TextNormalizer normalizer = readNormalizer(root.get("normalizer"), "normalizer");
        List<AddedVocabulary.AddedToken> addedTokens = readAddedTokens(root.get("added_tokens"), model);
        AddedVocabulary added = new AddedVocabulary(addedTokens, normalizer);
        PreTokenizer preTokenizer = readPreTokenizer(root.get("pre_tokenizer"), "pre_tokenizer");
        TokenDecoder decoder = readDecoder(root.get("decoder"), "decoder");
        Template template = readTemplate(root.get("post_processor"), "post_processor");

        OptionalInt bos = resolve(config.bosToken().orElse(null), "bos_token", template.firstSpecial(), added, model);
        OptionalInt eos = resolve(config.eosToken().orElse(null), "eos_token", template.lastSpecial(), added, model);
        boolean addBos = config.addBosToken().orElse(template.firstSpecial() != null);
        return new HfTokenizer(added, normalizer, preTokenizer, model, decoder, bos, eos, addBos);
    }

    private OptionalInt resolve(String content, String field, String templateToken, AddedVocabulary added,
            BpeModel model) {
        String token = content != null ? content : templateToken;
        if (token == null) {
            return OptionalInt.empty();
        }
        Integer id = added.idOf(token);
        if (id == null) {
            id = model.id(token);
        }
        if (id == null) {
            throw error((content != null ? "tokenizer_config.json " + field : "post_processor template token")
                    + " '" + token + "' is neither an added token nor in the vocabulary");
        }
        return OptionalInt.of(id);
    }

    // ------------------------------------------------------------------ model

    private BpeModel readModel(Parsed parsed) {
        JsonNode node = parsed.modelFields();
        String type = node.has("type") ? text(node, "type", "model") : parsed.mergeLefts() != null ? "BPE" : null;
        if (!"BPE".equals(type)) {
            throw error("model type " + (type == null ? "(missing)" : "'" + type + "'")
                    + " is not supported; only BPE models are implemented");
        }
        Map<String, Integer> vocab = parsed.vocab();
        if (vocab == null) {
            throw error("model.vocab is missing");
        }
        JsonNode dropout = node.get("dropout");
        if (dropout != null && !dropout.isNull() && (!dropout.isNumber() || dropout.doubleValue() != 0.0)) {
            throw error("model.dropout is " + dropout + "; BPE dropout (random segmentation) is not supported");
        }
        String prefix = optionalText(node, "continuing_subword_prefix", "model");
        String suffix = optionalText(node, "end_of_word_suffix", "model");
        String unk = optionalText(node, "unk_token", "model");
        int unkId = -1;
        if (unk != null) {
            Integer id = vocab.get(unk);
            if (id == null) {
                throw error("model.unk_token '" + unk + "' is not in the vocabulary");
            }
            unkId = id;
        }
        MergeTable merges = buildMerges(parsed.mergeLefts(), parsed.mergeRights(), vocab, prefix);
        boolean byteFallback = bool(node, "byte_fallback", false, "model");
        return new BpeModel(vocab, merges, joinablePairs(parsed, unk, byteFallback), unkId,
                bool(node, "fuse_unk", false, "model"), byteFallback, bool(node, "ignore_merges", false, "model"),
                prefix, suffix);
    }

    /**
     * The character pairs merges can join, or null when a merge takes a byte-fallback or unknown token
     * (whose symbols stand for no character, so cuts beside them would not be provably safe).
     */
    private static MergeableCharPairs joinablePairs(Parsed parsed, String unk, boolean byteFallback) {
        if (parsed.mergeLefts() == null) {
            return new MergeableCharPairs();
        }
        MergeableCharPairs pairs = new MergeableCharPairs();
        for (int i = 0; i < parsed.mergeLefts().size(); i++) {
            String left = parsed.mergeLefts().get(i);
            String right = parsed.mergeRights().get(i);
            for (String operand : new String[] {left, right}) {
                if (operand.equals(unk) || (byteFallback && BytePieces.byteOf(operand) >= 0)) {
                    return null;
                }
            }
            pairs.addPiece(left + right);
        }
        return pairs;
    }

    /** Rank = position in the list; as the crate's map, a repeated pair keeps its last rank. */
    private MergeTable buildMerges(List<String> lefts, List<String> rights, Map<String, Integer> vocab, String prefix) {
        if (lefts == null) {
            return new MergeTable(0);
        }
        MergeTable table = new MergeTable(lefts.size());
        for (int rank = 0; rank < lefts.size(); rank++) {
            String left = lefts.get(rank);
            String right = rights.get(rank);
            Integer leftId = vocab.get(left);
            Integer rightId = vocab.get(right);
            String merged = left + (prefix != null && right.startsWith(prefix) ? right.substring(prefix.length()) : right);
            Integer mergedId = vocab.get(merged);
            if (leftId == null || rightId == null || mergedId == null) {
                String missing = leftId == null ? left : rightId == null ? right : merged;
                throw error("model.merges[" + rank + "] (" + OnigurumaPattern.quote(left) + ", "
                        + OnigurumaPattern.quote(right) + ") names " + OnigurumaPattern.quote(missing)
                        + ", which is not in the vocabulary");
            }
            table.put(leftId, rightId, rank, mergedId);
        }
        return table;
    }

    // ------------------------------------------------------------------ added tokens

    private List<AddedVocabulary.AddedToken> readAddedTokens(JsonNode node, BpeModel model) {
        List<AddedVocabulary.AddedToken> tokens = new ArrayList<>();
        if (node == null || node.isNull()) {
            return tokens;
        }
        if (!node.isArray()) {
            throw error("added_tokens is not a JSON array");
        }
        // The crate gives an added token its vocabulary id, or the next id after the vocabulary: any id at
        // or beyond vocabulary size + number of added tokens cannot come from it.
        int limit = model.size() + node.size();
        Map<Integer, String> seen = new HashMap<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode t = node.get(i);
            String where = "added_tokens[" + i + "]";
            if (!t.isObject()) {
                throw error(where + " is not a JSON object");
            }
            JsonNode idNode = t.get("id");
            if (idNode == null || !idNode.isIntegralNumber() || !idNode.canConvertToInt()) {
                throw error(where + ".id is " + idNode + ", not an integer");
            }
            int id = idNode.intValue();
            String content = text(t, "content", where);
            if (content.isEmpty()) {
                throw error(where + ".content is empty");
            }
            if (id < 0 || id >= limit) {
                throw error(where + " '" + content + "' has id " + id + ", out of range [0, " + limit
                        + ") (vocabulary size " + model.size() + " plus " + node.size() + " added tokens)");
            }
            Integer vocabId = model.id(content);
            if (vocabId != null && vocabId != id) {
                throw error(where + " '" + content + "' has id " + id + " but the vocabulary gives it id " + vocabId);
            }
            String vocabToken = model.token(id);
            if (vocabId == null && vocabToken != null) {
                throw error(where + " '" + content + "' has id " + id + ", which is the vocabulary's '" + vocabToken + "'");
            }
            String previous = seen.put(id, content);
            if (previous != null && !previous.equals(content)) {
                throw error(where + " '" + content + "' has id " + id + ", already used by added token '" + previous + "'");
            }
            boolean special = bool(t, "special", false, where);
            tokens.add(new AddedVocabulary.AddedToken(id, content, special, bool(t, "single_word", false, where),
                    bool(t, "lstrip", false, where), bool(t, "rstrip", false, where),
                    bool(t, "normalized", !special, where)));
        }
        return tokens;
    }

    // ------------------------------------------------------------------ normalizers

    private TextNormalizer readNormalizer(JsonNode node, String where) {
        if (node == null || node.isNull()) {
            return null;
        }
        String type = type(node, where);
        return switch (type) {
            case "Sequence" -> {
                List<TextNormalizer> steps = new ArrayList<>();
                JsonNode list = array(node, "normalizers", where);
                for (int i = 0; i < list.size(); i++) {
                    steps.add(readNormalizer(list.get(i), where + ".normalizers[" + i + "]"));
                }
                yield new TextNormalizer.Sequence(steps);
            }
            case "Prepend" -> new TextNormalizer.Prepend(text(node, "prepend", where));
            case "Replace" -> readReplace(node, where);
            case "NFC" -> new TextNormalizer.Unicode(java.text.Normalizer.Form.NFC);
            case "NFD" -> new TextNormalizer.Unicode(java.text.Normalizer.Form.NFD);
            case "NFKC" -> new TextNormalizer.Unicode(java.text.Normalizer.Form.NFKC);
            case "NFKD" -> new TextNormalizer.Unicode(java.text.Normalizer.Form.NFKD);
            case "Strip" -> new TextNormalizer.Strip(bool(node, "strip_left", true, where),
                    bool(node, "strip_right", true, where));
            case "Precompiled" -> throw error(where + " type 'Precompiled' (a sentencepiece charsmap) is not supported");
            default -> throw error(where + " type '" + type + "' is not supported (supported: Sequence, Prepend, "
                    + "Replace, NFC, NFD, NFKC, NFKD, Strip)");
        };
    }

    private TextNormalizer.Replace readReplace(JsonNode node, String where) {
        String content = text(node, "content", where);
        JsonNode pattern = node.get("pattern");
        if (pattern != null && pattern.isObject() && pattern.path("String").isString()) {
            String literal = pattern.get("String").stringValue();
            if (literal.isEmpty()) {
                throw error(where + ".pattern.String is empty");
            }
            return TextNormalizer.Replace.literal(literal, content);
        }
        if (pattern != null && pattern.isObject() && pattern.path("Regex").isString()) {
            return TextNormalizer.Replace.regex(
                    OnigurumaPattern.compile(pattern.get("Regex").stringValue(), file + ": " + where), content);
        }
        throw error(where + ".pattern is " + pattern + ", expected {\"String\": ...} or {\"Regex\": ...}");
    }

    // ------------------------------------------------------------------ pre-tokenizers

    private PreTokenizer readPreTokenizer(JsonNode node, String where) {
        if (node == null || node.isNull()) {
            return null;
        }
        String type = type(node, where);
        return switch (type) {
            case "Sequence" -> {
                List<PreTokenizer> steps = new ArrayList<>();
                JsonNode list = array(node, "pretokenizers", where);
                for (int i = 0; i < list.size(); i++) {
                    steps.add(readPreTokenizer(list.get(i), where + ".pretokenizers[" + i + "]"));
                }
                yield new PreTokenizer.Sequence(steps);
            }
            case "Metaspace" -> new PreTokenizer.Metaspace(replacement(node, where), prependScheme(node, where),
                    bool(node, "split", true, where));
            case "ByteLevel" -> new PreTokenizer.ByteLevel(bool(node, "add_prefix_space", true, where),
                    bool(node, "use_regex", true, where));
            case "Split" -> {
                JsonNode pattern = node.get("pattern");
                SplitPattern split;
                if (pattern != null && pattern.isObject() && pattern.path("String").isString()) {
                    split = SplitPattern.Regex.literal(pattern.get("String").stringValue());
                } else if (pattern != null && pattern.isObject() && pattern.path("Regex").isString()) {
                    split = new SplitPattern.Regex(
                            OnigurumaPattern.compile(pattern.get("Regex").stringValue(), file + ": " + where));
                } else {
                    throw error(where + ".pattern is " + pattern + ", expected {\"String\": ...} or {\"Regex\": ...}");
                }
                String behaviorName = text(node, "behavior", where);
                SplitBehavior behavior = SplitBehavior.fromJson(behaviorName);
                if (behavior == null) {
                    throw error(where + ".behavior '" + behaviorName + "' is not one of Removed, Isolated, "
                            + "MergedWithPrevious, MergedWithNext, Contiguous");
                }
                yield new PreTokenizer.Split(split, behavior, bool(node, "invert", false, where));
            }
            case "Digits" -> new PreTokenizer.Digits(bool(node, "individual_digits", false, where));
            default -> throw error(where + " type '" + type + "' is not supported (supported: Sequence, Metaspace, "
                    + "ByteLevel, Split, Digits)");
        };
    }

    private String replacement(JsonNode node, String where) {
        String r = text(node, "replacement", where);
        if (r.codePointCount(0, r.length()) != 1) {
            throw error(where + ".replacement " + OnigurumaPattern.quote(r) + " is not a single character");
        }
        return r;
    }

    /** prepend_scheme, or the legacy add_prefix_space (false means never), default always. */
    private PreTokenizer.PrependScheme prependScheme(JsonNode node, String where) {
        PreTokenizer.PrependScheme scheme = PreTokenizer.PrependScheme.ALWAYS;
        String name = optionalText(node, "prepend_scheme", where);
        if (name != null) {
            scheme = switch (name) {
                case "always" -> PreTokenizer.PrependScheme.ALWAYS;
                case "first" -> PreTokenizer.PrependScheme.FIRST;
                case "never" -> PreTokenizer.PrependScheme.NEVER;
                default -> throw error(where + ".prepend_scheme '" + name + "' is not one of always, first, never");
            };
        }
        JsonNode legacy = node.get("add_prefix_space");
        if (legacy != null && legacy.isBoolean() && !legacy.booleanValue()) {
            if (name != null && scheme != PreTokenizer.PrependScheme.NEVER) {
                throw error(where + ".add_prefix_space false contradicts prepend_scheme '" + name + "'");
            }
            scheme = PreTokenizer.PrependScheme.NEVER;
        }
        return scheme;
    }

    // ------------------------------------------------------------------ decoders

    private TokenDecoder readDecoder(JsonNode node, String where) {
        if (node == null || node.isNull()) {
            return null;
        }
        String type = type(node, where);
        return switch (type) {
            case "Sequence" -> {
                List<TokenDecoder> steps = new ArrayList<>();
                JsonNode list = array(node, "decoders", where);
                for (int i = 0; i < list.size(); i++) {
                    steps.add(readDecoder(list.get(i), where + ".decoders[" + i + "]"));
                }
                yield new TokenDecoder.Sequence(steps);
            }
            case "Replace" -> new TokenDecoder.Replace(readReplace(node, where));
            case "ByteFallback" -> new TokenDecoder.ByteFallback();
            case "Fuse" -> new TokenDecoder.Fuse();
            case "Strip" -> {
                String content = text(node, "content", where);
                if (content.codePointCount(0, content.length()) != 1) {
                    throw error(where + ".content " + OnigurumaPattern.quote(content) + " is not a single character");
                }
                yield new TokenDecoder.Strip(content.codePointAt(0), count(node, "start", where),
                        count(node, "stop", where));
            }
            case "ByteLevel" -> new TokenDecoder.ByteLevel();
            case "Metaspace" -> new TokenDecoder.Metaspace(replacement(node, where), prependScheme(node, where));
            default -> throw error(where + " type '" + type + "' is not supported (supported: Sequence, Replace, "
                    + "ByteFallback, Fuse, Strip, ByteLevel, Metaspace)");
        };
    }

    // ------------------------------------------------------------------ post-processor

    /** The special tokens a post-processor template puts before and after a single sequence. */
    private record Template(String firstSpecial, String lastSpecial) {}

    private Template readTemplate(JsonNode node, String where) {
        if (node == null || node.isNull()) {
            return new Template(null, null);
        }
        String type = type(node, where);
        return switch (type) {
            case "TemplateProcessing" -> readTemplateProcessing(node, where);
            case "ByteLevel" -> new Template(null, null);
            case "Sequence" -> {
                JsonNode list = array(node, "processors", where);
                Template found = new Template(null, null);
                for (int i = 0; i < list.size(); i++) {
                    Template t = readTemplate(list.get(i), where + ".processors[" + i + "]");
                    if (t.firstSpecial() != null || t.lastSpecial() != null) {
                        found = t;
                    }
                }
                yield found;
            }
            default -> throw error(where + " type '" + type + "' is not supported (supported: TemplateProcessing, "
                    + "ByteLevel, Sequence)");
        };
    }

    private Template readTemplateProcessing(JsonNode node, String where) {
        JsonNode single = node.get("single");
        List<String> items = new ArrayList<>(); // special-token contents, or null for the sequence
        if (single != null && single.isString()) {
            for (String part : single.stringValue().trim().split("\\s+")) {
                items.add(part.startsWith("$") ? null : part.replaceFirst(":\\d+$", ""));
            }
        } else if (single != null && single.isArray()) {
            for (JsonNode item : single) {
                if (item.has("SpecialToken")) {
                    items.add(text(item.get("SpecialToken"), "id", where + ".single"));
                } else if (item.has("Sequence")) {
                    items.add(null);
                } else {
                    throw error(where + ".single has an item " + item + " that is neither SpecialToken nor Sequence");
                }
            }
        } else {
            throw error(where + ".single is " + single + ", expected a template");
        }
        String first = items.isEmpty() ? null : items.getFirst();
        String last = items.size() < 2 ? null : items.getLast();
        JsonNode specials = node.get("special_tokens");
        return new Template(resolveTemplateToken(first, specials), resolveTemplateToken(last, specials));
    }

    /** Template items name a key of special_tokens, whose first token is the content. */
    private static String resolveTemplateToken(String name, JsonNode specials) {
        if (name == null) {
            return null;
        }
        JsonNode entry = specials == null ? null : specials.get(name);
        if (entry != null && entry.path("tokens").isArray() && !entry.get("tokens").isEmpty()
                && entry.get("tokens").get(0).isString()) {
            return entry.get("tokens").get(0).stringValue();
        }
        return name;
    }

    // ------------------------------------------------------------------ JSON helpers

    private String type(JsonNode node, String where) {
        if (!node.isObject()) {
            throw error(where + " is " + node + ", not a JSON object");
        }
        return text(node, "type", where);
    }

    private String text(JsonNode node, String field, String where) {
        JsonNode v = node.get(field);
        if (v == null || !v.isString()) {
            throw error(where + "." + field + " is " + (v == null ? "missing" : v.toString()) + ", expected a string");
        }
        return v.stringValue();
    }

    private String optionalText(JsonNode node, String field, String where) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        return text(node, field, where);
    }

    private boolean bool(JsonNode node, String field, boolean fallback, String where) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isBoolean()) {
            throw error(where + "." + field + " is " + v + ", expected true or false");
        }
        return v.booleanValue();
    }

    private int count(JsonNode node, String field, String where) {
        JsonNode v = node.get(field);
        if (v == null || !v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < 0) {
            throw error(where + "." + field + " is " + v + ", expected a non-negative integer");
        }
        return v.intValue();
    }

    private JsonNode array(JsonNode node, String field, String where) {
        JsonNode v = node.get(field);
        if (v == null || !v.isArray()) {
            throw error(where + "." + field + " is " + v + ", expected a JSON array");
        }
        return v;
    }
}
