package org.toolorch.testing;

/**
 * A tool call a test expects ({@link ToolorchAssert#assertCalls}): the tool's
 * name and its arguments as JSON text, compared as a JSON value (key order
 * and spacing do not matter); null arguments match any.
 *
 * @param tool the tool's name
 * @param argumentsJson a JSON object, e.g. {@code {"city": "Rome"}}, or null for any arguments
 */
public record Call(String tool, String argumentsJson) {
  public Call {
    if (tool == null) throw new IllegalArgumentException("an expected call needs a tool name");
  }

  /** A call to tool with exactly these arguments (JSON text). */
  public static Call of(String tool, String argumentsJson) {
    return new Call(tool, argumentsJson);
  }

  /** A call to tool with any arguments. */
  public static Call of(String tool) {
    return new Call(tool, null);
  }

  /** As the C kit takes it: {"tool": ..., "arguments": ...} (arguments left out when any). */
  String toJson() {
    String t = "{\"tool\":" + quote(tool);
    return argumentsJson == null ? t + "}" : t + ",\"arguments\":" + argumentsJson + "}";
  }

  static String quote(String s) {
    StringBuilder b = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') b.append('\\').append(c);
      else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
      else b.append(c);
    }
    return b.append('"').toString();
  }
}
