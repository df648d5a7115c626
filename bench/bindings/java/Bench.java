/*
 * bench/bindings, Java: 10,000 calls of a Java tool through one batch; CPU
 * microseconds per call (process CPU time / calls, the library's threads and
 * the JVM's included). Run by bench/bindings/run.sh.
 */
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import org.toolorch.BatchCall;
import org.toolorch.CallResult;
import org.toolorch.Orchestrator;

public class Bench {
  static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  static void batch(Orchestrator o, int n) throws Exception {
    List<BatchCall> calls = new ArrayList<>(n);
    for (int i = 0; i < n; i++) calls.add(new BatchCall("echo", "{\"i\":" + i + "}"));
    List<CallResult> res = o.runBatch(calls);
    if (res.size() != n) throw new IllegalStateException(res.size() + " results for " + n + " calls");
    for (CallResult r : res) if (!r.ok()) throw new IllegalStateException(r.toString());
  }

  public static void main(String[] args) throws Exception {
    int calls = args.length > 0 ? Integer.parseInt(args[0]) : 10000;
    try (Orchestrator o = new Orchestrator("{\"max_parallel_tools\": 256}")) {
      o.registerTool("echo", a -> a);
      for (int i = 0; i < 4; i++) batch(o, 5000); // warm-up: 20,000 calls, as in every language (the JIT too)
      long cpu0 = cpuNanos(), wall0 = System.nanoTime();
      batch(o, calls);
      double us = (cpuNanos() - cpu0) / 1e3 / calls, wallMs = (System.nanoTime() - wall0) / 1e6;
      System.out.printf("java: %d calls, %.2f us CPU per call, %.1f ms wall%n", calls, us, wallMs);
      System.out.printf("{\"lang\":\"java\",\"calls\":%d,\"cpu_us_per_call\":%.3f,\"wall_ms\":%.1f}%n", calls, us, wallMs);
    }
  }
}
