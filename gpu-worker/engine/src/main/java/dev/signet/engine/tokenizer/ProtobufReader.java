package dev.signet.engine.tokenizer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Reads the protobuf wire format (varint, 64-bit, length-delimited, 32-bit fields) from a byte range,
 * enough to parse sentencepiece's {@code ModelProto} without the protobuf library. Every read checks the
 * range, so a truncated file fails with the byte offset and the field being read.
 */
final class ProtobufReader {
    static final int VARINT = 0;
    static final int FIXED64 = 1;
    static final int LENGTH_DELIMITED = 2;
    static final int START_GROUP = 3;
    static final int END_GROUP = 4;
    static final int FIXED32 = 5;

    private final byte[] buf;
    private final int end;
    private final Path source;
    private int pos;

    ProtobufReader(byte[] buf, Path source) {
        this(buf, 0, buf.length, source);
    }

    private ProtobufReader(byte[] buf, int start, int end, Path source) {
        this.buf = buf;
        this.pos = start;
        this.end = end;
        this.source = source;
    }

    boolean hasMore() {
        return pos < end;
    }

    /** The next field's tag: {@code field << 3 | wireType}. */
    int readTag() {
        long tag = readVarint("field tag");
        if (tag <= 0 || tag > Integer.MAX_VALUE || (tag >>> 3) == 0) {
            throw error("invalid field tag " + tag);
        }
        return (int) tag;
    }

    long readVarint(String what) {
        long result = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos >= end) {
                throw error("truncated while reading " + what);
            }
            byte b = buf[pos++];
            result |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                return result;
            }
        }
        throw error("varint longer than 10 bytes while reading " + what);
    }

    /** An int32 field; negative values arrive sign-extended to 10 bytes. */
    int readInt32(String what) {
        return (int) readVarint(what);
    }

    boolean readBool(String what) {
        return readVarint(what) != 0;
    }

    float readFloat(String what) {
        return Float.intBitsToFloat(readFixed32(what));
    }

    int readFixed32(String what) {
        if (end - pos < 4) {
            throw error("truncated while reading " + what);
        }
        int v = (buf[pos] & 0xFF) | (buf[pos + 1] & 0xFF) << 8 | (buf[pos + 2] & 0xFF) << 16 | (buf[pos + 3] & 0xFF) << 24;
        pos += 4;
        return v;
    }

    private int readLength(String what) {
        long len = readVarint("length of " + what);
        if (len < 0 || len > end - pos) {
            throw error("truncated: " + what + " declares " + len + " bytes but " + (end - pos) + " remain");
        }
        return (int) len;
    }

    /** A nested message as its own reader. */
    ProtobufReader readMessage(String what) {
        int len = readLength(what);
        ProtobufReader sub = new ProtobufReader(buf, pos, pos + len, source);
        pos += len;
        return sub;
    }

    String readString(String what) {
        int len = readLength(what);
        String s = new String(buf, pos, len, StandardCharsets.UTF_8);
        pos += len;
        return s;
    }

    byte[] readBytes(String what) {
        int len = readLength(what);
        byte[] b = java.util.Arrays.copyOfRange(buf, pos, pos + len);
        pos += len;
        return b;
    }

    /** Skips a field this reader does not need. */
    void skip(int tag) {
        int wireType = tag & 7;
        switch (wireType) {
            case VARINT -> readVarint("field " + (tag >>> 3));
            case FIXED64 -> {
                if (end - pos < 8) {
                    throw error("truncated while skipping field " + (tag >>> 3));
                }
                pos += 8;
            }
            case LENGTH_DELIMITED -> {
                int len = readLength("field " + (tag >>> 3)); // read before adding: it moves pos
                pos += len;
            }
            case FIXED32 -> readFixed32("field " + (tag >>> 3));
            case START_GROUP -> {
                int field = tag >>> 3;
                while (true) {
                    if (!hasMore()) {
                        throw error("truncated inside group field " + field);
                    }
                    int inner = readTag();
                    if ((inner & 7) == END_GROUP) {
                        if ((inner >>> 3) != field) {
                            throw error("group field " + field + " closed by field " + (inner >>> 3));
                        }
                        return;
                    }
                    skip(inner);
                }
            }
            default -> throw error("unknown wire type " + wireType + " for field " + (tag >>> 3));
        }
    }

    /** Fails unless the field arrived with the wire type its schema declares. */
    void expect(int tag, int wireType, String what) {
        if ((tag & 7) != wireType) {
            throw error(what + " (field " + (tag >>> 3) + ") has wire type " + (tag & 7) + ", expected " + wireType);
        }
    }

    TokenizerException error(String check) {
        return new TokenizerException(source, check + " (at byte " + pos + ")");
    }
}
