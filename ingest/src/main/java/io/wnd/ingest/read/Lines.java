package io.wnd.ingest.read;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Lines of a file, plain or gzip (recognised by its magic bytes, whatever the name), decoded as strict
 * UTF-8 one line at a time so that one bad line is one reject, not a failed file. {@code \n} and
 * {@code \r\n} both end a line. Not thread-safe.
 */
public final class Lines implements AutoCloseable {
  private final String name;
  private final InputStream in;
  private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
      .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
  private final byte[] chunk = new byte[1 << 16];
  private int pos;
  private int limit;
  private byte[] buf = new byte[256];
  private CountingStream counted;
  private long lineNumber;
  private boolean eof;

  private Lines(String name, InputStream in) {
    this.name = name;
    this.in = in;
  }

  /**
   * Opens a file.
   *
   * @param file a plain or gzip-compressed text file
   * @return its lines
   * @throws IOException with a one-line message if it is missing, unreadable or not valid gzip
   */
  public static Lines open(Path file) throws IOException {
    return open(file, file.getFileName().toString());
  }

  /**
   * Opens a file under a name of its own (for messages, and the ids made from it).
   *
   * @param file a plain or gzip-compressed text file
   * @param name its name
   * @return its lines
   * @throws IOException with a one-line message if it is missing, unreadable or not valid gzip
   */
  public static Lines open(Path file, String name) throws IOException {
    if (!Files.exists(file)) {
      throw new NoSuchFileException(file.toString(), null, "no such file");
    }
    if (Files.isDirectory(file)) {
      throw new IOException(file + ": is a directory");
    }
    CountingStream counted = new CountingStream(Files.newInputStream(file));
    InputStream raw = new BufferedInputStream(counted, 1 << 16);
    // only for peeking at the magic bytes; reading goes through this class's own chunk buffer
    raw.mark(2);
    int b0 = raw.read();
    int b1 = raw.read();
    raw.reset();
    InputStream in = raw;
    if (b0 == 0x1f && b1 == 0x8b) {
      try {
        in = new GZIPInputStream(raw, 1 << 16);
      } catch (IOException e) {
        raw.close();
        throw new IOException(file + ": broken gzip: " + e.getMessage(), e);
      }
    }
    Lines lines = new Lines(name, in);
    lines.counted = counted;
    return lines;
  }

  /** @return bytes read from the file so far (compressed bytes for gzip), or -1 for a stream */
  public long bytesRead() {
    return counted == null ? -1 : counted.count;
  }

  private static final class CountingStream extends java.io.FilterInputStream {
    long count;

    CountingStream(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        count++;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        count += n;
      }
      return n;
    }
  }

  /**
   * Lines from a stream already open (for tests and stdin).
   *
   * @param name the input's name in messages
   * @param in the bytes
   * @return its lines
   */
  public static Lines of(String name, InputStream in) {
    return new Lines(name, in);
  }

  /** @return the input's name (the file name) */
  public String name() {
    return name;
  }

  /** @return the 1-based number of the line last returned */
  public long lineNumber() {
    return lineNumber;
  }

  /**
   * The next line, without its terminator.
   *
   * @return the line, or {@code null} at the end
   * @throws BadLine if the line is not valid UTF-8 (the caller rejects it and goes on)
   * @throws IOException if the input cannot be read, e.g. a truncated or corrupt gzip stream
   */
  public String next() throws IOException {
    if (eof) {
      return null;
    }
    int len = 0;
    while (true) {
      if (pos == limit && !fill()) {
        eof = true;
        if (len == 0) {
          return null;
        }
        break;
      }
      int nl = -1;
      for (int i = pos; i < limit; i++) {
        if (chunk[i] == '\n') {
          nl = i;
          break;
        }
      }
      int end = nl < 0 ? limit : nl;
      int n = end - pos;
      if (len + n > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
      }
      System.arraycopy(chunk, pos, buf, len, n);
      len += n;
      pos = nl < 0 ? limit : nl + 1;
      if (nl >= 0) {
        break;
      }
    }
    lineNumber++;
    if (len > 0 && buf[len - 1] == '\r') {
      len--;
    }
    int from = 0;
    if (lineNumber == 1 && len >= 3 && buf[0] == (byte) 0xEF && buf[1] == (byte) 0xBB && buf[2] == (byte) 0xBF) {
      from = 3; // a UTF-8 byte order mark, as some editors and exports write: not part of the first line
    }
    boolean ascii = true;
    for (int i = from; i < len; i++) {
      if (buf[i] < 0) {
        ascii = false;
        break;
      }
    }
    if (ascii) {
      return new String(buf, from, len - from, StandardCharsets.ISO_8859_1);
    }
    try {
      CharBuffer chars = utf8.reset().decode(ByteBuffer.wrap(buf, from, len - from));
      return chars.toString();
    } catch (CharacterCodingException e) {
      throw new BadLine(lineNumber, "bad UTF-8", new String(buf, from, len - from, StandardCharsets.UTF_8));
    }
  }

  private boolean fill() throws IOException {
    int n;
    try {
      n = in.read(chunk, 0, chunk.length);
    } catch (ZipException | EOFException e) {
      throw new IOException(name + ": broken gzip after line " + lineNumber + ": " + e.getMessage(), e);
    }
    if (n <= 0) {
      return false;
    }
    pos = 0;
    limit = n;
    return true;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }

  /** A line that is not valid UTF-8. */
  public static final class BadLine extends IOException {
    private static final long serialVersionUID = 1L;
    private final long line;
    private final String text;

    BadLine(long line, String reason, String text) {
      super(reason);
      this.line = line;
      this.text = text;
    }

    /** @return its 1-based line number */
    public long line() {
      return line;
    }

    /** @return the line with replacement characters where the bytes were invalid */
    public String text() {
      return text;
    }
  }
}
