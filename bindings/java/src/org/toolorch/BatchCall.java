package org.toolorch;

/** One call of a batch: a tool, its arguments (a JSON object) and an id (null: generated). */
public record BatchCall(String tool, String argsJson, String id) {
  public BatchCall(String tool, String argsJson) {
    this(tool, argsJson, null);
  }
}
