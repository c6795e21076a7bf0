package dev.signet.engine.deltacache;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Deltas from the delta store over HTTP: {@code GET {storeBase}/v1/artifacts/{digest}} streamed to the target
 * file through a 64 KiB buffer. A transfer that breaks midway is resumed once from the byte it reached with
 * {@code Range: bytes=N-} (a 206 answer appends, a 200 answer starts the file over); 404 means the store has no
 * such delta ({@link DeltaNotFoundException}); any other status is an IOException naming it. The contract is in
 * docs/delta-cache.md.
 */
public final class HttpDeltaSource implements DeltaSource {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** Until the response headers arrive; the body of a 9 GB artifact streams for as long as it takes. */
    private static final Duration HEADERS_TIMEOUT = Duration.ofSeconds(60);
    private static final int BUFFER = 1 << 16;
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes\\s+(\\d+)-(\\d+)/(\\d+|\\*)");

    private final URI storeBase;
    private final HttpClient client;

    public HttpDeltaSource(URI storeBase) {
        this(storeBase, HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).followRedirects(HttpClient.Redirect.NORMAL).build());
    }

    /** With a client configured by the caller (TLS, proxy, authentication). */
    public HttpDeltaSource(URI storeBase, HttpClient client) {
        if (!storeBase.isAbsolute() || !("http".equals(storeBase.getScheme()) || "https".equals(storeBase.getScheme()))) {
            throw new IllegalArgumentException("delta store address must be an absolute http(s) URI, got " + storeBase);
        }
        this.storeBase = storeBase;
        this.client = client;
    }

    @Override
    public String describe() {
        return "delta store " + storeBase;
    }

    /** {@code {storeBase}/v1/artifacts/{digest}}. */
    URI artifactUri(String digest) {
        String base = storeBase.toString();
        return URI.create((base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/v1/artifacts/" + digest);
    }

    @Override
    public void fetch(String digest, Path target) throws IOException {
        ArtifactDigest.require(digest);
        URI uri = artifactUri(digest);
        try (FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            long brokeAt;
            try {
                transfer(digest, uri, out, 0);
                return;
            } catch (BrokenTransfer b) {
                brokeAt = b.reached;
            }
            try {
                transfer(digest, uri, out, brokeAt);
            } catch (BrokenTransfer again) {
                throw new IOException(describe() + ": the transfer of " + uri + " broke at byte " + brokeAt
                        + " and, resumed, again at byte " + again.reached + ": " + again.getCause().getMessage(), again.getCause());
            }
        }
    }

    /** One GET from byte {@code from} on (a Range request when it is not 0) into {@code out}. */
    private void transfer(String digest, URI uri, FileChannel out, long from) throws IOException, BrokenTransfer {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(HEADERS_TIMEOUT).GET();
        if (from > 0) {
            request.header("Range", "bytes=" + from + "-");
        }
        HttpResponse<InputStream> response = send(request.build(), uri);
        try (InputStream body = response.body()) {
            int status = response.statusCode();
            long start;
            if (status == 200) {
                start = 0;   // the whole artifact: a first transfer, or a server that ignored the Range
                out.truncate(0);
            } else if (status == 206 && from > 0) {
                start = contentRangeStart(response, uri);
                if (start != from) {
                    throw new IOException(describe() + " answered the Range request for byte " + from + " of " + uri
                            + " with bytes from " + start);
                }
            } else if (status == 404) {
                throw new DeltaNotFoundException(digest, describe());
            } else {
                throw new IOException(describe() + " answered GET " + uri + " with HTTP status " + status);
            }
            long length = response.headers().firstValueAsLong("Content-Length").orElse(-1);
            long reached = copy(body, out, start);
            if (length >= 0 && reached - start < length) {
                throw new BrokenTransfer(reached, new EOFException("the body ended after " + (reached - start)
                        + " of its " + length + " bytes"));
            }
        }
    }

    private HttpResponse<InputStream> send(HttpRequest request, URI uri) throws IOException {
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while fetching " + uri);
        } catch (IOException e) {
            throw new IOException(describe() + ": GET " + uri + " failed: " + e.getMessage(), e);
        }
    }

    /** Copies the body to the file from {@code position}; a read that fails is a broken transfer, a write that fails is not. */
    private static long copy(InputStream body, FileChannel out, long position) throws IOException, BrokenTransfer {
        out.position(position);
        byte[] buf = new byte[BUFFER];
        while (true) {
            int n;
            try {
                n = body.read(buf);
            } catch (IOException e) {
                throw new BrokenTransfer(position, e);
            }
            if (n < 0) {
                return position;
            }
            ByteBuffer chunk = ByteBuffer.wrap(buf, 0, n);
            while (chunk.hasRemaining()) {
                out.write(chunk);
            }
            position += n;
        }
    }

    private long contentRangeStart(HttpResponse<?> response, URI uri) throws IOException {
        String range = response.headers().firstValue("Content-Range").orElse("");
        Matcher m = CONTENT_RANGE.matcher(range);
        if (!m.matches()) {
            throw new IOException(describe() + " answered a Range request for " + uri + " with 206 but Content-Range \""
                    + range + "\"");
        }
        return Long.parseLong(m.group(1));
    }

    /** The body stopped before its end; {@code reached} is the file length written so far. */
    private static final class BrokenTransfer extends Exception {
        final long reached;

        BrokenTransfer(long reached, IOException cause) {
            super(cause);
            this.reached = reached;
        }
    }
}
