package org.toolorch;

/**
 * What a {@link Scorer} scores: a branch's success.
 *
 * @param group the branch group's name
 * @param callId the call's id
 * @param tool the call's tool
 * @param argsJson the call's arguments (a JSON object)
 * @param result what its tool returned
 */
public record Scored(String group, String callId, String tool, String argsJson, String result) {}
