package org.toolorch;

/**
 * Computes the arguments of a chain step, for logic the chain's reference
 * syntax cannot say ({@link Orchestrator#registerChain(String, java.util.Map)}).
 * It runs on a thread of the orchestrator's executor, as a Java tool does,
 * just before the step runs. It returns the step's arguments: a {@code Map}
 * (written as a JSON object) or a {@code String} of JSON object text. An
 * exception fails the step, and the chain with it
 * ({@code chain "c": step "s" failed: <message>}). When the chain's call ends
 * first (cancelled, timed out, a sibling failed) the thread is interrupted.
 */
@FunctionalInterface
public interface ChainArgs {
  Object compute(ChainContext context) throws Exception;
}
