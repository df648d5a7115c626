/*
 * Java: package org.toolorch (swig -package org.toolorch). The generated
 * classes (Native, NativeJNI) are package-private; the public API is the
 * hand-written layer in bindings/java/src.
 *
 * Two choices keep the glue small and correct:
 *  - handles travel as plain longs (the address), not as SWIG wrapper
 *    objects: the Java layer owns them and frees them in close();
 *  - strings travel as UTF-8 byte[]: JNI's own string functions speak
 *    "modified UTF-8", which mangles characters outside the BMP (emoji) and
 *    NUL, so the Java layer converts with StandardCharsets.UTF_8.
 */
%module(jniclassname="NativeJNI") Native

%pragma(java) moduleclassmodifiers="final class"
%pragma(java) jniclassclassmodifiers="final class"
%pragma(java) jniclasscode=%{
  static {
    NativeLoader.load(); // -Dtoolorch.jni, java.library.path, or the jar's own copy
  }
%}

/* The C enums become package-private classes of int constants whose values
 * SWIG reads from the header (toolorch_status.TOOLORCH_ECANCELLED, ...): the
 * Java layer's Status, EventType and CallState take their values from them.
 * SWIG would put the #defines in a public interface: leave them out. */
%include "enumtypeunsafe.swg"
%javaconst(1);
%typemap(javaclassmodifiers) enum SWIGTYPE "final class"
%ignore TOOLORCH_VERSION_MAJOR;
%ignore TOOLORCH_VERSION_MINOR;
%ignore TOOLORCH_VERSION_PATCH;
%ignore TOOLORCH_TOOL_SIDE_EFFECT_FREE;
%ignore TOOLORCH_TOOL_BLOCKING;
%ignore TOOLORCH_TOOL_RETRYABLE;
%ignore TOOLORCH_FAIL_RETRYABLE;
%ignore TOOLORCH_FAIL_FATAL;
%ignore TOOLORCH_ON_FAILURE_ISOLATE;
%ignore TOOLORCH_ON_FAILURE_CANCEL_SIBLINGS;
%ignore TOOLORCH_STATUS_MIN;

%include "java_typemaps.i"

TOOLORCH_JAVA_HANDLE(struct toolorch_ctx)
TOOLORCH_JAVA_HANDLE(struct toolorch_opts)
TOOLORCH_JAVA_HANDLE(struct toolorch_tool)
TOOLORCH_JAVA_HANDLE(struct toolorch_call)
TOOLORCH_JAVA_HANDLE(struct toolorch_batch)
TOOLORCH_JAVA_HANDLE(struct toolorch_event)
TOOLORCH_JAVA_HANDLE(struct toolorch_job)
TOOLORCH_JAVA_HANDLE(struct toolorch_group_policy)
TOOLORCH_JAVA_HANDLE(struct toolorch_chain)

/* An owned string (toolorch_metrics_text): as UTF-8 bytes too, then freed
 * (%newobject in toolorch.i). */
%typemap(jni) char *toolorch_metrics_text "jbyteArray"
%typemap(jtype) char *toolorch_metrics_text "byte[]"
%typemap(jstype) char *toolorch_metrics_text "byte[]"
%typemap(javaout) char *toolorch_metrics_text { return $jnicall; }
%typemap(out) char *toolorch_metrics_text {
  $result = 0;
  if ($1) {
    jsize n = (jsize)strlen($1);
    $result = JCALL1(NewByteArray, jenv, n);
    if ($result) JCALL4(SetByteArrayRegion, jenv, $result, 0, n, (const jbyte *)$1);
  }
}
%typemap(newfree) char *toolorch_metrics_text "free($1);"

%include "toolorch.i"
