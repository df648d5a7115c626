package org.toolorch.testing;

import org.toolorch.internal.JniLoader;

/**
 * Loads the kit's JNI library (libtoolorch_testing_jni) once:
 * {@code -Dtoolorch.testing.jni=/path/libtoolorch_testing_jni.so}, else
 * {@code java.library.path}, else the copy inside toolorch-testing.jar for
 * this platform ({@code org/toolorch/testing/native/<os>-<arch>/}); the same
 * order as toolorch.jar's own (org.toolorch.internal.JniLoader). The library
 * has libtoolorch_testing and the parts of libtoolorch it uses linked in
 * statically, its symbols kept local: it shares nothing with toolorch.jar's
 * JNI library (events cross as their fields, copied).
 */
final class KitLoader {
  private static boolean loaded; // guarded by the class

  private KitLoader() {}

  static synchronized void load() {
    if (loaded) return;
    JniLoader.load("toolorch testing", "toolorch_testing_jni", "toolorch.testing.jni",
        "/org/toolorch/testing/native", KitLoader.class);
    loaded = true;
  }
}
