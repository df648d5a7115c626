package org.toolorch;

/**
 * What a {@link ChainArgs} closure sees.
 *
 * @param chain the chain's name
 * @param step the step's name
 * @param callId the step's call id, {@code <chain call id>/<step>}
 * @param json {@code {"input": <the chain's arguments>, "results": {"<step>": "<result text>", ...}}}:
 *     the results of the steps that have succeeded so far
 */
public record ChainContext(String chain, String step, String callId, String json) {}
