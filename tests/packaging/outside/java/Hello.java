// An outside Java program using the installed toolorch.jar alone (classes and
// JNI library): a tool written in Java, called three times at once through a
// batch, then through a chain whose step's arguments a Java closure computes,
// then in a branch group whose Java scorer cancels the branch still running
// (no LLM needed). bindings/README.md shows how it is built;
// tests/packaging/test_outside_java.sh builds and runs it against a temporary
// install prefix.
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.toolorch.BatchCall;
import org.toolorch.CallResult;
import org.toolorch.GroupPolicy;
import org.toolorch.Orchestrator;

public class Hello {
  public static void main(String[] args) throws Exception {
    try (Orchestrator o = new Orchestrator("{\"max_parallel_tools\": 8}")) {
      o.registerTool("upper", "Upper-cases a word",
          "{\"type\":\"object\",\"properties\":{\"word\":{\"type\":\"string\"}},\"required\":[\"word\"]}",
          Orchestrator.SIDE_EFFECT_FREE,
          json -> json.replaceAll(".*\"word\"\\s*:\\s*\"([^\"]*)\".*", "$1").toUpperCase());
      List<BatchCall> calls = new ArrayList<>();
      for (String w : List.of("go", "java", "ruby")) {
        calls.add(new BatchCall("upper", "{\"word\":\"" + w + "\"}", w));
      }
      List<CallResult> results = new ArrayList<>(o.runBatch(calls));
      results.sort(Comparator.comparing(CallResult::callId));
      for (CallResult r : results) {
        if (!r.ok()) throw new IllegalStateException(r.callId() + ": " + r.text());
        System.out.println("upper(" + r.callId() + ") = " + r.text());
      }
      // The closure reads the chain's input (its context is JSON text).
      o.registerChain("{\"name\":\"shout\",\"steps\":[{\"name\":\"u\",\"tool\":\"upper\"}]}",
          Map.of("u", ctx -> Map.of("word", ctx.json().contains("\"chain\"") ? "a-chain" : "?")));
      for (CallResult r : o.runBatch(List.of(new BatchCall("shout", "{\"words\":[\"a\",\"chain\"]}", "shout")))) {
        if (!r.callId().equals("shout")) continue;
        if (!r.ok()) throw new IllegalStateException("shout: " + r.text());
        System.out.println("shout = " + r.text());
      }
      // A branch group whose Java scorer cancels the branch still running.
      o.registerTool("hold", a -> {
        Thread.sleep(Long.MAX_VALUE);
        return "";
      });
      GroupPolicy policy = GroupPolicy.builder().cancelOnScore(0.5).scorer(s -> s.result().equals("YES") ? 1 : 0).build();
      List<CallResult> rs = new ArrayList<>(o.startBatch(Map.of("g", policy),
          List.of(new BatchCall("upper", "{\"word\":\"yes\"}", "yes", "g"), new BatchCall("hold", "{}", "hold", "g")),
          null).result().get());
      rs.sort(Comparator.comparing(CallResult::callId));
      System.out.println("scored: " + rs.get(0).callId() + " " + rs.get(0).state().name().toLowerCase() + ", "
          + rs.get(1).callId() + " " + rs.get(1).state().name().toLowerCase());
    }
  }
}
