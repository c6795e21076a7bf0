package dev.signet.engine.tokenizer;

import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Compiles a tokenizer.json regex, written for the Oniguruma engine the Rust tokenizers crate uses, with
 * {@link java.util.regex}. {@link Pattern#UNICODE_CHARACTER_CLASS} makes {@code \s}, {@code \w},
 * {@code \d} and case-insensitive matching Unicode-aware as in Oniguruma; the few syntax differences are
 * rewritten: property names Java only knows with an {@code Is} prefix ({@code \p{Han}} → {@code \p{IsHan}}),
 * {@code \p{^X}} negation, and {@code \h} (a hex digit in Oniguruma, horizontal space in Java).
 */
final class OnigurumaPattern {
    private OnigurumaPattern() {}

    /** @param where names the file and field for the error when the pattern does not compile */
    static Pattern compile(String regex, String where) {
        try {
            return Pattern.compile(translate(regex), Pattern.UNICODE_CHARACTER_CLASS);
        } catch (PatternSyntaxException e) {
            throw new TokenizerException(where + ": regex " + quote(regex) + " does not compile: " + e.getDescription());
        }
    }

    static String translate(String regex) {
        StringBuilder out = new StringBuilder(regex.length() + 16);
        for (int i = 0; i < regex.length(); i++) {
            char c = regex.charAt(i);
            if (c != '\\' || i + 1 >= regex.length()) {
                out.append(c);
                continue;
            }
            char e = regex.charAt(++i);
            if ((e == 'p' || e == 'P') && i + 1 < regex.length() && regex.charAt(i + 1) == '{') {
                int close = regex.indexOf('}', i + 2);
                if (close < 0) {
                    out.append('\\').append(e);
                    continue;
                }
                String name = regex.substring(i + 2, close);
                boolean negate = e == 'P';
                if (name.startsWith("^")) {
                    negate = !negate;
                    name = name.substring(1);
                }
                out.append('\\').append(negate ? 'P' : 'p').append('{').append(javaPropertyName(name)).append('}');
                i = close;
            } else if (e == 'h') {
                out.append("[0-9a-fA-F]");
            } else if (e == 'H') {
                out.append("[^0-9a-fA-F]");
            } else {
                out.append('\\').append(e);
            }
        }
        return out.toString();
    }

    private static String javaPropertyName(String name) {
        if (compiles("\\p{" + name + "}")) {
            return name;
        }
        if (compiles("\\p{Is" + name + "}")) {
            return "Is" + name;
        }
        return name; // let the final compile report it
    }

    private static boolean compiles(String regex) {
        try {
            Pattern.compile(regex, Pattern.UNICODE_CHARACTER_CLASS);
            return true;
        } catch (PatternSyntaxException e) {
            return false;
        }
    }

    static String quote(String s) {
        return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }
}
