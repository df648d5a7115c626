package org.toolorch;

/**
 * One call of a batch: a tool, its arguments (a JSON object), an id (null:
 * generated) and the branch group it belongs to (null: none; else a key of
 * the groups given to {@link Orchestrator#startBatch(java.util.Map, java.util.List, EventListener)}).
 */
public record BatchCall(String tool, String argsJson, String id, String group) {
  public BatchCall(String tool, String argsJson) {
    this(tool, argsJson, null, null);
  }

  public BatchCall(String tool, String argsJson, String id) {
    this(tool, argsJson, id, null);
  }
}
