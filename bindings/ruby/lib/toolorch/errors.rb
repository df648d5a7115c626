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

  # Status codes (include/toolorch/status.h).
  module Status
    OK = 0
    EINVAL = -1
    ENOMEM = -2
    EJSON = -3
    ECONFIG = -4
    EUNKNOWN_TOOL = -5
    ESCHEMA = -6
    EEXIST = -7
    ETOOL = -8
    ETIMEDOUT = -9
    ECANCELLED = -10
    ESTATE = -13
    EAGAIN = -14
    ECLOSED = -15
    ERATELIMITED = -16
    EHTTP = -17
    EPROVIDER = -18
    EPROTOCOL = -19
    ETOOBIG = -21
    EMAXROUNDS = -25
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
