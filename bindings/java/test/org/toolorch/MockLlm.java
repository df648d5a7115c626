package org.toolorch;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** The project's scripted LLM server (TOOLORCH_MOCKLLM, set by ctest), on a free loopback port. */
final class MockLlm implements AutoCloseable {
  private final Process process;
  private final Path dir;
  final String address;

  MockLlm(String script) throws Exception {
    String bin = System.getenv("TOOLORCH_MOCKLLM");
    if (bin == null || bin.isEmpty()) {
      throw new IllegalStateException("TOOLORCH_MOCKLLM must name the toolorch-mockllm program (ctest sets it)");
    }
    dir = Files.createTempDirectory("toolorch-mock");
    Path scriptFile = dir.resolve("script.json");
    Files.writeString(scriptFile, script);
    process = new ProcessBuilder(bin, "--port", "0", "--port-file", dir.resolve("port").toString(), "--script",
        scriptFile.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
      try {
        BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        for (String l; (l = r.readLine()) != null; ) {
          if (l.startsWith("listening on ")) return l.substring("listening on ".length());
        }
        return null;
      } catch (IOException e) {
        return null;
      }
    });
    String addr = line.get(30, TimeUnit.SECONDS);
    if (addr == null) {
      close();
      throw new IllegalStateException("the scripted LLM server did not start");
    }
    address = addr;
  }

  /** Options that point an orchestrator at this server. */
  String config() {
    return "{\"llm\": {\"protocol\": \"openai\", \"base_url\": \"http://" + address
        + "\", \"api_key\": \"test\", \"model\": \"mock\"}}";
  }

  @Override
  public void close() throws IOException {
    process.destroy();
    try {
      process.waitFor(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try (var files = Files.list(dir)) {
      for (Path p : (Iterable<Path>) files::iterator) Files.deleteIfExists(p);
    }
    Files.deleteIfExists(dir);
  }
}
