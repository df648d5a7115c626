# frozen_string_literal: true

module Toolorch
  # The version of the gem and of the C library it was made with (the build
  # checks that it matches project(toolorch VERSION ...) in CMakeLists.txt).
  VERSION = "0.1.0"
end
