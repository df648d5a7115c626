package org.toolorch.testing;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Loads the kit's JNI library (libtoolorch_testing_jni) once, from the first
 * of: {@code -Dtoolorch.testing.jni=/path/libtoolorch_testing_jni.so};
 * {@code java.library.path}; the copy inside toolorch-testing.jar for this
 * platform ({@code org/toolorch/testing/native/<os>-<arch>/}), written to a
 * private temporary folder, loaded, then deleted. The same order as
 * toolorch.jar's own loader (org.toolorch.NativeLoader, package-private
 * there, hence this twin). The library has libtoolorch_testing and the parts
 * of libtoolorch it uses linked in statically, its symbols kept local: it
 * shares nothing with toolorch.jar's JNI library (events cross as their
 * fields, copied).
 */
final class KitLoader {
  private static final String LIB = "toolorch_testing_jni";
  private static boolean loaded; // guarded by the class

  private KitLoader() {}

  static synchronized void load() {
    if (loaded) return;
    String path = System.getProperty("toolorch.testing.jni");
    if (path != null && !path.isEmpty()) {
      System.load(new File(path).getAbsolutePath());
      loaded = true;
      return;
    }
    try {
      System.loadLibrary(LIB);
      loaded = true;
      return;
    } catch (UnsatisfiedLinkError notOnPath) {
      // not on java.library.path: take the jar's own copy
    }
    String file = "lib" + LIB + ".so";
    String resource = "/org/toolorch/testing/native/" + platform() + "/" + file;
    try (InputStream in = KitLoader.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new UnsatisfiedLinkError("toolorch testing: no JNI library for " + platform() + " in the jar ("
            + resource + "), none on java.library.path, and -Dtoolorch.testing.jni is not set");
      }
      Path dir = Files.createTempDirectory("toolorch-testing-jni"); // rwx------ on POSIX
      Path lib = dir.resolve(file);
      try {
        Files.copy(in, lib);
        System.load(lib.toString());
      } finally {
        Files.deleteIfExists(lib);
        Files.deleteIfExists(dir);
      }
      loaded = true;
    } catch (IOException e) {
      UnsatisfiedLinkError err = new UnsatisfiedLinkError("toolorch testing: cannot extract the JNI library: " + e);
      err.initCause(e);
      throw err;
    }
  }

  /** "linux-amd64", ...: as the build names the folder (bindings/java/CMakeLists.txt). */
  static String platform() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
    String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    if (arch.equals("x86_64")) arch = "amd64";
    return os + "-" + arch;
  }
}
