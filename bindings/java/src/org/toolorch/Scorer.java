package org.toolorch;

/**
 * Scores a branch's successful result, higher is better: a group's
 * {@link GroupPolicy.Builder#cancelOnScore(double)} threshold compares with
 * it ({@link GroupPolicy.Builder#scorer(Scorer)} for one group,
 * {@link Orchestrator#setScorer(Scorer)} for groups without their own, a
 * job's included). It runs on a thread of the orchestrator's executor, as a
 * Java tool does, never on the library's thread: the library asks only
 * while the score can still decide the group (it cancels on a score, no
 * branch decided it, a sibling still runs) and decides when the score comes.
 * An exception gives no score (the group goes on). When the score can no
 * longer matter (the group decided, every branch ended) the thread is
 * interrupted.
 */
@FunctionalInterface
public interface Scorer {
  double score(Scored scored) throws Exception;
}
