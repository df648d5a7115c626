# frozen_string_literal: true

module Toolorch
  # A metric of your own in the orchestrator's registry
  # (include/toolorch/metrics.h), exposed with the library's own in
  # Orchestrator#metrics_text and on the built-in /metrics endpoint. Made by
  # Orchestrator#counter, #gauge and #histogram; updates name their label
  # values by label (labels: { route: "/a" }), as the prometheus-client gem
  # does. Thread-safe.
  class Metric
    attr_reader :name, :labels

    def initialize(orchestrator, name, labels) # :nodoc:
      @o = orchestrator
      @name = name
      @labels = labels
    end

    private

    def update(fn, value, labels)
      given = labels.to_h { |k, v| [k.to_s, v.to_s] }
      unless given.keys.sort == @labels.sort
        raise Toolorch.error(Status::EINVAL, "metric \"#{@name}\" takes the labels #{@labels.inspect}, " \
                                             "not #{given.keys.inspect}")
      end
      values = @labels.empty? ? nil : JSON.generate(@labels.map { |l| given[l] })
      @o.check_ctx { |ctx| Native.public_send(fn, ctx, @name, values, Float(value)) }
      nil
    end
  end

  # A metric that only goes up.
  class Counter < Metric
    # Adds by (finite, >= 0) to the series of these labels.
    def increment(by: 1, labels: {})
      update(:toolorch_metric_add, by, labels)
    end
  end

  # A metric that goes up and down.
  class Gauge < Metric
    def set(value, labels: {})
      update(:toolorch_metric_set, value, labels)
    end

    def increment(by: 1, labels: {})
      update(:toolorch_metric_add, by, labels)
    end

    def decrement(by: 1, labels: {})
      update(:toolorch_metric_add, -by, labels)
    end
  end

  # Observations counted into buckets.
  class Histogram < Metric
    def observe(value, labels: {})
      update(:toolorch_metric_observe, value, labels)
    end
  end

  class Orchestrator
    # The exposition text (Prometheus text format 0.0.4) of every metric: the
    # library's own (docs/OBSERVABILITY.md) and yours. For a host that serves
    # /metrics itself; the option observability: { metrics_listen:
    # "127.0.0.1:9464" } makes the library serve it (see #metrics_port).
    # Raises Toolorch::StateError when metrics are off (observability:
    # { metrics: false }), Toolorch::ClosedError after close.
    def metrics_text
      text = nil
      check_ctx do |ctx|
        text = Native.toolorch_metrics_text(ctx)
        text.nil? ? Status::ESTATE : 0
      end
      text
    end

    # The port of the built-in /metrics endpoint, or -1 when it does not serve.
    def metrics_port
      @life.synchronize { @ctx_gone ? -1 : Native.toolorch_metrics_port(@ctx) }
    end

    # Defines a counter of your own (the track_metric of other runtimes), or
    # gives the one defined with the same name and labels. name:
    # [a-zA-Z_:][a-zA-Z0-9_:]*, not starting "toolorch_". Raises
    # Toolorch::InvalidError for a bad name or label, Toolorch::ExistsError
    # for the name of another kind or labels.
    def counter(name, help: "", labels: [])
      Counter.new(self, name.to_s, define_metric(Native::TOOLORCH_METRIC_COUNTER, name, help, labels, nil))
    end

    def gauge(name, help: "", labels: [])
      Gauge.new(self, name.to_s, define_metric(Native::TOOLORCH_METRIC_GAUGE, name, help, labels, nil))
    end

    # buckets: ascending upper bounds; nil for the library's duration
    # buckets (seconds, 0.001 .. 120).
    def histogram(name, help: "", labels: [], buckets: nil)
      Histogram.new(self, name.to_s, define_metric(Native::TOOLORCH_METRIC_HISTOGRAM, name, help, labels, buckets))
    end

    # For Metric: runs a C function of the context that returns a status; a failure
    # raises with the library's detail.
    def check_ctx # :nodoc:
      @life.synchronize do
        raise Toolorch.error(Status::ECLOSED, "the orchestrator is closed") if @ctx_gone

        rc = yield @ctx
        raise Toolorch.error(rc, Native.toolorch_last_error(@ctx)) unless rc.zero?
      end
    end

    private

    def define_metric(kind, name, help, labels, buckets)
      labels = labels.map(&:to_s)
      if buckets && !buckets.all? { |b| b.is_a?(Numeric) && b.to_f.finite? }
        raise Toolorch.error(Status::EINVAL, "buckets: finite numbers only")
      end

      label_json = labels.empty? ? nil : JSON.generate(labels)
      bucket_json = buckets && JSON.generate(buckets.map(&:to_f))
      check_ctx { |ctx| Native.toolorch_metric_define(ctx, kind, name.to_s, help.to_s, label_json, bucket_json) }
      labels
    end
  end
end
