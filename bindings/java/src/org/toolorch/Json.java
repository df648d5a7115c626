package org.toolorch;

import java.util.List;
import java.util.Map;

/** The little JSON writing the builders need (strings, numbers, lists, maps). */
final class Json {
  private Json() {}

  static String quote(String s) {
    StringBuilder b = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
          else b.append(c);
        }
      }
    }
    return b.append('"').toString();
  }

  /** A value: null, String, Number, Boolean, List, Map, or {@link Raw} JSON text. */
  static String of(Object v) {
    if (v == null) return "null";
    if (v instanceof Raw r) return r.json();
    if (v instanceof String s) return quote(s);
    if (v instanceof Number || v instanceof Boolean) return v.toString();
    if (v instanceof List<?> l) {
      StringBuilder b = new StringBuilder("[");
      for (Object e : l) b.append(b.length() > 1 ? "," : "").append(of(e));
      return b.append(']').toString();
    }
    if (v instanceof Map<?, ?> m) {
      StringBuilder b = new StringBuilder("{");
      for (Map.Entry<?, ?> e : m.entrySet()) {
        b.append(b.length() > 1 ? "," : "").append(quote(e.getKey().toString())).append(':').append(of(e.getValue()));
      }
      return b.append('}').toString();
    }
    throw new IllegalArgumentException("cannot write " + v.getClass() + " as JSON");
  }

  /** JSON text kept as it is. */
  record Raw(String json) {}
}
