package org.toolorch;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The policy of a branch group (include/toolorch/group.h): calls that answer
 * the same question in different ways, and which of them to cancel once they
 * are no longer worth their cost. Unset fields are off.
 *
 * <pre>{@code GroupPolicy.builder().keepTopN(1).timeoutMs(5000).build()
 * GroupPolicy.builder().cancelOnScore(0.8).scorer(s -> s.result().contains("paper") ? 0.9 : 0.2).build()}</pre>
 */
public final class GroupPolicy {
  final Map<String, Object> fields;
  final Scorer scorer; // null: the orchestrator's, else 1.0 per success

  private GroupPolicy(Map<String, Object> fields, Scorer scorer) {
    this.fields = fields;
    this.scorer = scorer;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The policy as the library's JSON (e.g. from a configuration file), checked when used. */
  public static GroupPolicy fromJson(String json) {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("", new Json.Raw(json));
    return new GroupPolicy(f, null);
  }

  /** The same policy with its successes scored by scorer (see {@link Builder#scorer(Scorer)}). */
  public GroupPolicy withScorer(Scorer scorer) {
    return new GroupPolicy(fields, scorer);
  }

  public String toJson() {
    Object raw = fields.get("");
    return raw != null ? ((Json.Raw) raw).json() : Json.of(fields);
  }

  public static final class Builder {
    private final Map<String, Object> f = new LinkedHashMap<>();
    private Scorer scorer;

    /** Every branch still running after this (from the group's first call) times out. */
    public Builder timeoutMs(long ms) {
      f.put("timeout_ms", ms);
      return this;
    }

    /** The first success scoring at least threshold cancels the other branches. */
    public Builder cancelOnScore(double threshold) {
      f.put("cancel_on_better_result", Map.of("threshold", threshold));
      return this;
    }

    /** Once n branches succeeded, the rest are cancelled. */
    public Builder keepTopN(int n) {
      f.put("keep_top_n_branches", n);
      return this;
    }

    /** A FATAL failure of one branch cancels its siblings (default: isolate). */
    public Builder cancelSiblingsOnFailure(boolean cancel) {
      f.put("on_failure", cancel ? "cancel_siblings" : "isolate");
      return this;
    }

    /**
     * Scores this group's successes (else the orchestrator's
     * {@link Orchestrator#setScorer(Scorer)}, else 1.0 each): on a thread of
     * the orchestrator's executor, the group deciding when the score comes.
     */
    public Builder scorer(Scorer scorer) {
      this.scorer = scorer;
      return this;
    }

    public GroupPolicy build() {
      return new GroupPolicy(new LinkedHashMap<>(f), scorer);
    }
  }
}
