package org.toolorch;

import org.toolorch.internal.JniLoader;

/**
 * Loads toolorch.jar's JNI library once, at the first use of the binding:
 * {@code -Dtoolorch.jni=/path/libtoolorch_jni.so}, else
 * {@code java.library.path}, else the jar's own copy for this platform
 * ({@code org/toolorch/native/<os>-<arch>/}); see JniLoader for the order.
 * The JNI library has libtoolorch linked in statically, so the jar alone is
 * enough; it still needs the system's libevent, libcurl, libcjson and hiredis.
 */
final class NativeLoader {
  private static boolean loaded; // guarded by the class

  private NativeLoader() {}

  static synchronized void load() {
    if (loaded) return;
    JniLoader.load("toolorch", "toolorch_jni", "toolorch.jni", "/org/toolorch/native", NativeLoader.class);
    loaded = true;
  }
}
