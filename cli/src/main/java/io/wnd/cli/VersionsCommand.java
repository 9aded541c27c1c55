package io.wnd.cli;

import io.wnd.state.version.Manifests;
import io.wnd.state.version.ModelControls;
import io.wnd.state.version.QualityGate;
import io.wnd.state.version.Rollback;
import io.wnd.state.version.VersionInfo;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code wnd versions list|show V|rollback V|pin [V]|unpin}: the versions of a model on the models topic. */
@Command(name = "versions", mixinStandardHelpOptions = true, usageHelpWidth = 110,
    description = {"List the versions of a model (from their manifests on the models topic), or show one.", "",
        "list      every version: time, parent, examples, progressive AUC and log loss, bytes",
        "show V    one version's manifest",
        "rollback V  republish version V's state as a new version (parent: the head; the head's consumed offsets):",
        "          scorers apply it like any version; a running trainer is fenced, restores it and continues.",
        "          V comes from --model-file (a 'wnd export' snapshot) or, while the topic still holds it, the topic.",
        "pin [V]   every scorer keeps serving V (default: the latest) and holds later versions back (a control record",
        "          on the models topic); V cannot be older than what scorers serve: use rollback for that",
        "unpin     scorers apply the held-back versions (folded into one swap) and follow the topic again",
        ""})
final class VersionsCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  KafkaOptions kafka;

  @Parameters(index = "0", paramLabel = "ACTION", description = "list, show, rollback, pin or unpin")
  Action action;

  @Parameters(index = "1", arity = "0..1", paramLabel = "V", description = "The version, for show, rollback and pin.")
  Long version;

  @Option(names = "--model", paramLabel = "NAME", defaultValue = "criteo", description = "Model name (default: ${DEFAULT-VALUE}).")
  String model;

  @Option(names = "--model-file", paramLabel = "PATH", description = "For rollback: a snapshot of V written by wnd export.")
  java.nio.file.Path modelFile;

  @Option(names = "--reason", paramLabel = "TEXT", description = "For pin and unpin: why (kept in the control record).")
  String reason;

  @Option(names = "--quality-gate-margin", paramLabel = "M",
      description = "For list: mark the versions a scorer's quality gate with margin M (nats of log loss) would hold.")
  Double gateMargin;

  @Option(names = "--json", description = "Print one JSON object.")
  boolean json;

  enum Action { list, show, rollback, pin, unpin }

  @Override
  public Integer call() throws java.io.IOException {
    if ((action == Action.show || action == Action.rollback) && version == null) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), action + " needs a version: wnd versions "
          + action + " V");
    }
    if ((action == Action.list || action == Action.unpin) && version != null) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), action + " takes no version (got " + version
          + "): wnd versions show " + version + " shows one");
    }
    Cli.requireTopics(kafka);
    if (action == Action.rollback) {
      return rollback();
    }
    if (action == Action.pin || action == Action.unpin) {
      return pin();
    }
    if (gateMargin != null && !(gateMargin >= 0)) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--quality-gate-margin must be >= 0, got "
          + gateMargin);
    }
    Manifests.Listing listing = Manifests.read(kafka.clientConfig(), kafka.topics(), model);
    List<VersionInfo> all = listing.versions();
    Long pinned = listing.control() == null ? null : listing.control().pinnedVersion();
    QualityGate gate = gateMargin == null ? QualityGate.disabled() : new QualityGate(gateMargin);
    Map<Long, VersionInfo> byVersion = new java.util.HashMap<>();
    all.forEach(v -> byVersion.put(v.version(), v));
    PrintWriter out = spec.commandLine().getOut();
    if (action == Action.show) {
      VersionInfo v = all.stream().filter(x -> x.version() == version).findFirst().orElseThrow(
          () -> new IllegalArgumentException("model " + model + " has no version " + version + " (versions: "
              + all.stream().map(VersionInfo::version).toList() + ")"));
      if (json) {
        Json.print(out, asMap(v));
      } else {
        asMap(v).forEach((k, val) -> out.printf("%-16s %s%n", k, val));
      }
      out.flush();
      return 0;
    }
    if (json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("model", model);
      m.put("pinned", pinned);
      if (listing.control() != null) {
        Map<String, Object> control = new LinkedHashMap<>();
        control.put("by", listing.control().by());
        control.put("at", Instant.ofEpochMilli(listing.control().atMillis()).toString());
        control.put("reason", listing.control().reason()); // JSON null when none was given, as `unpin --json` prints
        m.put("control", control);
      }
      if (gate.enabled()) {
        m.put("quality_gate_margin", gate.margin());
      }
      m.put("versions", all.stream().map(v -> {
        Map<String, Object> x = asMap(v);
        x.put("pinned", pinned != null && pinned == v.version());
        if (gate.enabled()) {
          x.put("gate_holds", holds(gate, byVersion, v) != null);
        }
        return x;
      }).toList());
      Json.print(out, m);
      return 0;
    }
    out.printf("%-8s %-24s %-8s %12s %8s %8s %12s  %s%n", "VERSION", "CREATED", "PARENT", "EXAMPLES", "AUC", "LOGLOSS",
        "BYTES", "NOTE");
    for (VersionInfo v : all) {
      String note = (pinned != null && pinned == v.version() ? "PINNED " : "")
          + (pinned != null && v.version() > pinned ? "held(pin) " : "")
          + (holds(gate, byVersion, v) != null ? "held(gate) " : "");
      out.printf(Locale.ROOT, "%-8d %-24s %-8d %,12d %8s %8s %,12d  %s%n", v.version(),
          Instant.ofEpochMilli(v.createdAtMillis()), v.parent(), v.examplesSeen(), fourDigits(v.metrics().get("auc")),
          fourDigits(v.metrics().get("logloss")), v.bytes(), note.strip());
    }
    if (listing.control() != null) {
      out.println(pinned == null ? "not pinned (unpinned by " + listing.control().by() + " at "
          + Instant.ofEpochMilli(listing.control().atMillis()) + ")" : "pinned to v" + pinned + " by "
          + listing.control().by() + " at " + Instant.ofEpochMilli(listing.control().atMillis())
          + (listing.control().reason() == null ? "" : ": " + listing.control().reason()));
    }
    if (all.isEmpty()) {
      out.println("(no versions of model " + model + ")");
    }
    out.flush();
    return 0;
  }

  private static String holds(QualityGate gate, Map<Long, VersionInfo> byVersion, VersionInfo v) {
    VersionInfo parent = byVersion.get(v.parent());
    return gate.holdReason(parent == null ? null : parent.metrics(), v.metrics());
  }

  private int pin() {
    String by = System.getProperty("user.name", "?") + "@" + hostName();
    ModelControls.Control c = action == Action.pin
        ? ModelControls.pin(kafka.clientConfig(), kafka.topics(), model, version, by, reason)
        : ModelControls.unpin(kafka.clientConfig(), kafka.topics(), model, by, reason);
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("model", model);
      m.put("pinned", c.pinnedVersion());
      m.put("by", c.by());
      m.put("at", Instant.ofEpochMilli(c.atMillis()).toString());
      m.put("reason", c.reason());
      Json.print(out, m);
    } else {
      out.println(c.pinnedVersion() == null ? model + " unpinned: scorers apply the held-back versions and follow again"
          : model + " pinned to v" + c.pinnedVersion() + ": scorers keep serving it and hold later versions back");
      out.flush();
    }
    return 0;
  }

  private static String hostName() {
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.io.IOException e) {
      return "localhost";
    }
  }

  private int rollback() throws java.io.IOException {
    Rollback.Result r = Rollback.rollback(kafka.clientConfig(), kafka.topics(), model, version, modelFile,
        java.time.Clock.systemUTC(), java.time.Duration.ofMinutes(10));
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("model", r.model());
      m.put("rolled_back_from", r.from());
      m.put("version", r.version());
      m.put("parent", r.parent());
      m.put("rows_written", r.rowsWritten());
      m.put("rows_deleted", r.rowsDeleted());
      m.put("bytes", r.published().bytes());
      m.put("source", r.source());
      Json.print(out, m);
    } else {
      out.printf(Locale.ROOT, "rolled %s back to v%d: published as v%d (parent v%d), %,d rows written, %,d deleted, %,d bytes "
          + "(from %s)%n", r.model(), r.from(), r.version(), r.parent(), r.rowsWritten(), r.rowsDeleted(),
          r.published().bytes(), r.source());
      out.flush();
    }
    return 0;
  }

  private static Map<String, Object> asMap(VersionInfo v) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("model", v.model());
    m.put("version", v.version());
    m.put("parent", v.parent());
    m.put("created", Instant.ofEpochMilli(v.createdAtMillis()).toString());
    m.put("examples_seen", v.examplesSeen());
    m.put("metrics", v.metrics());
    m.put("bytes", v.bytes());
    m.put("sparse_records", v.sparseRecords());
    m.put("consumed", v.consumed());
    return m;
  }

  /** A metric with four decimals, or "-" where there is none (an AUC of one class, or no metric at all). */
  private static String fourDigits(Double v) {
    return v == null || !Double.isFinite(v) ? "-" : String.format(Locale.ROOT, "%.4f", v);
  }
}
