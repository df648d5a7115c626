/*
 * bench/bindings, Java: 10,000 calls of a Java tool through one batch; CPU
 * microseconds per call (process CPU time / calls, the library's threads and
 * the JVM's included); then the latency from a call's result to the batch's
 * EventListener: 1,000 batches of one call, each from the tool's return to
 * the listener seeing its CALL_RESULT (median and p99, microseconds). Run by
 * bench/bindings/run.sh.
 */
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.toolorch.BatchCall;
import org.toolorch.CallResult;
import org.toolorch.EventType;
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

  static volatile long returned; // System.nanoTime() when the echo tool last returned
  static volatile long seen; // when the listener saw its CALL_RESULT

  static double resultLatencyUs(Orchestrator o) throws Exception {
    o.startBatch(List.of(new BatchCall("echo", "{\"i\":0}")), e -> {
      if (e.type() == EventType.CALL_RESULT) seen = System.nanoTime();
    }).result().get(60, TimeUnit.SECONDS);
    return (seen - returned) / 1e3;
  }

  public static void main(String[] args) throws Exception {
    int calls = args.length > 0 ? Integer.parseInt(args[0]) : 10000;
    try (Orchestrator o = new Orchestrator("{\"max_parallel_tools\": 256}")) {
      o.registerTool("echo", a -> {
        returned = System.nanoTime();
        return a;
      });
      for (int i = 0; i < 4; i++) batch(o, 5000); // warm-up: 20,000 calls, as in every language (the JIT too)
      long cpu0 = cpuNanos(), wall0 = System.nanoTime();
      batch(o, calls);
      double us = (cpuNanos() - cpu0) / 1e3 / calls, wallMs = (System.nanoTime() - wall0) / 1e6;
      double[] lat = new double[1000];
      for (int i = 0; i < lat.length; i++) lat[i] = resultLatencyUs(o);
      Arrays.sort(lat);
      double median = lat[lat.length / 2], p99 = lat[lat.length * 99 / 100];
      System.out.printf("java: %d calls, %.2f us CPU per call, %.1f ms wall; result -> listener %.1f us median, %.1f us p99%n",
          calls, us, wallMs, median, p99);
      System.out.printf("{\"lang\":\"java\",\"calls\":%d,\"cpu_us_per_call\":%.3f,\"wall_ms\":%.1f,"
          + "\"result_to_callback_us\":{\"median\":%.1f,\"p99\":%.1f}}%n", calls, us, wallMs, median, p99);
    }
  }
}
