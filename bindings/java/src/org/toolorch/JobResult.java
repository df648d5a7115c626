package org.toolorch;

/** A job's successful end: the final answer, the transcript (JSON) and the tokens used. */
public record JobResult(String text, String transcriptJson, long inputTokens, long outputTokens) {}
