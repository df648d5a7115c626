# frozen_string_literal: true

module Toolorch
  # Every failure the library reports: its status code (negative) and its
  # message. Subclasses name the common codes.
  class Error < StandardError
    attr_reader :code, :detail

    def initialize(code, detail = "")
      @code = code
      @detail = detail.to_s
      name = Native.toolorch_strerror(code)
      super(@detail.empty? ? "toolorch: #{name}" : "toolorch: #{name}: #{@detail}")
    end
  end

  # Raised by a tool to fail its call with flags: ToolFailure.retryable
  # (worth retrying -- a 429, a 5xx -- when the tool has a retry: policy) or
  # ToolFailure.fatal (never retried; with on_failure "cancel_siblings" it
  # cancels the rest of its group or round). Any other exception is a plain
  # failure (retried only for a tool flagged Toolorch::RETRYABLE).
  class ToolFailure < StandardError
    attr_reader :flags

    def initialize(message, flags = 0)
      super(message)
      @flags = flags
    end

    def self.retryable(message) = new(message, 0x1)
    def self.fatal(message) = new(message, 0x2)
  end

  class InvalidError < Error; end
  class OutOfMemoryError < Error; end
  class JSONError < Error; end
  class ConfigError < Error; end
  class UnknownToolError < Error; end
  class SchemaError < Error; end
  class ExistsError < Error; end
  class ToolError < Error; end
  class TimeoutError < Error; end
  class CancelledError < Error; end
  class StateError < Error; end
  class ClosedError < Error; end
  class RateLimitedError < Error; end
  class HTTPError < Error; end
  class ProviderError < Error; end
  class ProtocolError < Error; end
  class TooBigError < Error; end
  class MaxRoundsError < Error; end

  # Status codes (include/toolorch/status.h): Status::OK, Status::ECONFIG, ...
  # Made from the constants SWIG read from the C header, never typed here.
  module Status
    Native.constants.each do |c|
      m = /\ATOOLORCH_(OK|E(?!VENT_)[A-Z_]+)\z/.match(c.to_s)
      const_set(m[1], Native.const_get(c)) if m
    end
    MIN = Native.toolorch_bind_status_min
  end

  ERROR_CLASSES = {
    Status::EINVAL => InvalidError, Status::ENOMEM => OutOfMemoryError, Status::EJSON => JSONError,
    Status::ECONFIG => ConfigError, Status::EUNKNOWN_TOOL => UnknownToolError, Status::ESCHEMA => SchemaError,
    Status::EEXIST => ExistsError, Status::ETOOL => ToolError, Status::ETIMEDOUT => TimeoutError,
    Status::ECANCELLED => CancelledError, Status::ESTATE => StateError, Status::ECLOSED => ClosedError,
    Status::ERATELIMITED => RateLimitedError, Status::EHTTP => HTTPError, Status::EPROVIDER => ProviderError,
    Status::EPROTOCOL => ProtocolError, Status::ETOOBIG => TooBigError, Status::EMAXROUNDS => MaxRoundsError
  }.freeze

  # The Error subclass for a status code.
  def self.error(code, detail = "")
    ERROR_CLASSES.fetch(code, Error).new(code, detail)
  end
end
