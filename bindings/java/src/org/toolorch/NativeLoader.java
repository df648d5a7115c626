package org.toolorch;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Loads the JNI library once, at the first use of the binding, from the
 * first of:
 * <ol>
 *   <li>the file named by {@code -Dtoolorch.jni=/path/libtoolorch_jni.so};
 *   <li>{@code java.library.path} ({@code System.loadLibrary("toolorch_jni")});
 *   <li>the copy inside toolorch.jar for this platform
 *       ({@code org/toolorch/native/<os>-<arch>/libtoolorch_jni.so}), written
 *       to a private temporary folder (owner-only), loaded, then deleted: the
 *       loaded mapping outlives the file, so nothing is left behind, even
 *       after a crash.
 * </ol>
 * The JNI library has libtoolorch linked in statically, so the jar alone is
 * enough; it still needs the system's libevent, libcurl, libcjson and hiredis.
 */
final class NativeLoader {
  private static boolean loaded; // guarded by the class

  private NativeLoader() {}

  static synchronized void load() {
    if (loaded) return;
    String path = System.getProperty("toolorch.jni");
    if (path != null && !path.isEmpty()) {
      System.load(new File(path).getAbsolutePath());
      loaded = true;
      return;
    }
    try {
      System.loadLibrary("toolorch_jni");
      loaded = true;
      return;
    } catch (UnsatisfiedLinkError notOnPath) {
      // not on java.library.path: take the jar's own copy
    }
    String resource = "/org/toolorch/native/" + platform() + "/libtoolorch_jni.so";
    try (InputStream in = NativeLoader.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new UnsatisfiedLinkError("toolorch: no JNI library for " + platform() + " in the jar ("
            + resource + "), none on java.library.path, and -Dtoolorch.jni is not set");
      }
      Path dir = Files.createTempDirectory("toolorch-jni"); // rwx------ on POSIX
      Path lib = dir.resolve("libtoolorch_jni.so");
      try {
        Files.copy(in, lib);
        System.load(lib.toString());
      } finally {
        Files.deleteIfExists(lib);
        Files.deleteIfExists(dir);
      }
      loaded = true;
    } catch (IOException e) {
      UnsatisfiedLinkError err = new UnsatisfiedLinkError("toolorch: cannot extract the JNI library: " + e);
      err.initCause(e);
      throw err;
    }
  }

  /** "linux-amd64", "linux-aarch64", ...: the folder the build puts the library in. */
  static String platform() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
    String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    if (arch.equals("x86_64")) arch = "amd64";
    return os + "-" + arch;
  }
}
