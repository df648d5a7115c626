package org.toolorch.internal;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Loads one of the project's JNI libraries (toolorch.jar's, or the test kit's)
 * from the first of:
 * <ol>
 *   <li>the file named by the system property {@code property}
 *       ({@code -Dtoolorch.jni=/path/libtoolorch_jni.so});
 *   <li>{@code java.library.path} ({@code System.loadLibrary(name)});
 *   <li>the copy inside the jar of {@code anchor} for this platform
 *       ({@code <resourceDir>/<os>-<arch>/lib<name>.so}), written to a private
 *       temporary folder (owner-only), loaded, then deleted: the loaded
 *       mapping outlives the file, so nothing is left behind, even after a
 *       crash.
 * </ol>
 * Not part of the binding's API: public only so that the test kit's jar
 * shares it. Callers keep their own "loaded" flag.
 */
public final class JniLoader {
  private JniLoader() {}

  /**
   * @param what        how errors name the library ("toolorch", "toolorch testing")
   * @param name        the library's name without lib/.so ("toolorch_jni")
   * @param property    the system property that may name its file
   * @param resourceDir its folder inside the jar ("/org/toolorch/native")
   * @param anchor      a class of that jar, to read the resource through
   */
  public static void load(String what, String name, String property, String resourceDir, Class<?> anchor) {
    String path = System.getProperty(property);
    if (path != null && !path.isEmpty()) {
      System.load(new File(path).getAbsolutePath());
      return;
    }
    try {
      System.loadLibrary(name);
      return;
    } catch (UnsatisfiedLinkError notOnPath) {
      // not on java.library.path: take the jar's own copy
    }
    String file = "lib" + name + ".so";
    String resource = resourceDir + "/" + platform() + "/" + file;
    try (InputStream in = anchor.getResourceAsStream(resource)) {
      if (in == null) {
        throw new UnsatisfiedLinkError(what + ": no JNI library for " + platform() + " in the jar ("
            + resource + "), none on java.library.path, and -D" + property + " is not set");
      }
      Path dir = Files.createTempDirectory(name.replace('_', '-')); // rwx------ on POSIX
      Path lib = dir.resolve(file);
      try {
        Files.copy(in, lib);
        System.load(lib.toString());
      } finally {
        Files.deleteIfExists(lib);
        Files.deleteIfExists(dir);
      }
    } catch (IOException e) {
      UnsatisfiedLinkError err = new UnsatisfiedLinkError(what + ": cannot extract the JNI library: " + e);
      err.initCause(e);
      throw err;
    }
  }

  /** "linux-amd64", "linux-aarch64", ...: the folder the build puts the library in
   *  (bindings/java/CMakeLists.txt names it the same way). */
  public static String platform() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
    String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    if (arch.equals("x86_64")) arch = "amd64";
    return os + "-" + arch;
  }
}
