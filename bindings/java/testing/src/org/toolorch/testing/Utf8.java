package org.toolorch.testing;

import java.nio.charset.StandardCharsets;

/** Strings cross to C as UTF-8 bytes (bindings/swig/java_typemaps.i). */
final class Utf8 {
  private Utf8() {}

  static byte[] bytes(String s) {
    return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
  }

  static String str(byte[] b) {
    return b == null ? null : new String(b, StandardCharsets.UTF_8);
  }
}
