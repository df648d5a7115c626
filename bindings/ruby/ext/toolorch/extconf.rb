# frozen_string_literal: true

# Builds the gem's native extension (toolorch/native.so, the SWIG wrapper
# shipped in the gem as native_wrap.c) at `gem install` time against the
# installed C library, found by pkg-config as any C user finds it:
#   PKG_CONFIG_PATH=<prefix>/lib/pkgconfig gem install ./toolorch-*.gem
require "mkmf"

unless pkg_config("toolorch")
  abort <<~MSG
    toolorch: pkg-config cannot find the C library (toolorch.pc).
    Install it (cmake --install <build> --prefix <prefix>) and set
    PKG_CONFIG_PATH=<prefix>/lib/pkgconfig (or the libdir your install used).
  MSG
end

# A prefix outside the loader's default paths: remember it in the extension,
# so that `require "toolorch"` needs no LD_LIBRARY_PATH.
libdir = pkg_config("toolorch", "variable=libdir")
if libdir && !libdir.empty? && !%w[/usr/lib /lib /usr/lib64 /lib64].include?(File.expand_path(libdir))
  $LDFLAGS << " -Wl,-rpath,#{File.expand_path(libdir)}"
end

# SWIG's generated code is not warning-clean; keep the build quiet.
$CFLAGS << " -Wno-unused-parameter -Wno-sign-compare -fno-strict-aliasing"

create_makefile("toolorch/native")
