package org.toolorch;

import java.nio.charset.StandardCharsets;

/** Strings cross to C as UTF-8 bytes (see bindings/swig/toolorch_java.i). */
final class Text {
  private Text() {}

  static byte[] bytes(String s) {
    return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
  }

  static String str(byte[] b) {
    return b == null ? "" : new String(b, StandardCharsets.UTF_8);
  }
}
