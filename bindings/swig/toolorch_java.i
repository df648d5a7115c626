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

%{
#include <stdlib.h>
#include <string.h>
%}

/* Opaque handles as longs. Named as structs: the typedefs come later. */
%define TOOLORCH_JAVA_HANDLE(T)
%typemap(jni) T *, const T * "jlong"
%typemap(jtype) T *, const T * "long"
%typemap(jstype) T *, const T * "long"
%typemap(in) T *, const T * %{ $1 = ($1_ltype)(intptr_t)$input; %}
%typemap(out) T *, const T * %{ $result = (jlong)(intptr_t)$1; %}
%typemap(javain) T *, const T * "$javainput"
%typemap(javaout) T *, const T * { return $jnicall; }
%enddef
TOOLORCH_JAVA_HANDLE(struct toolorch_ctx)
TOOLORCH_JAVA_HANDLE(struct toolorch_opts)
TOOLORCH_JAVA_HANDLE(struct toolorch_tool)
TOOLORCH_JAVA_HANDLE(struct toolorch_call)
TOOLORCH_JAVA_HANDLE(struct toolorch_batch)
TOOLORCH_JAVA_HANDLE(struct toolorch_event)
TOOLORCH_JAVA_HANDLE(struct toolorch_job)
TOOLORCH_JAVA_HANDLE(struct toolorch_group_policy)
TOOLORCH_JAVA_HANDLE(struct toolorch_chain)

/* Strings as UTF-8 byte arrays (null <-> NULL). */
%typemap(jni) const char * "jbyteArray"
%typemap(jtype) const char * "byte[]"
%typemap(jstype) const char * "byte[]"
%typemap(javain) const char * "$javainput"
%typemap(javaout) const char * { return $jnicall; }
%typemap(in) const char * {
  $1 = 0;
  if ($input) {
    jsize n = JCALL1(GetArrayLength, jenv, $input);
    char *copy = (char *)malloc((size_t)n + 1);
    if (!copy) {
      SWIG_JavaThrowException(jenv, SWIG_JavaOutOfMemoryError, "toolorch: out of memory");
      return $null;
    }
    JCALL4(GetByteArrayRegion, jenv, $input, 0, n, (jbyte *)copy);
    copy[n] = 0;
    $1 = copy;
  }
}
%typemap(freearg) const char * %{ free((char *)$1); %}
%typemap(out) const char * {
  $result = 0;
  if ($1) {
    jsize n = (jsize)strlen($1);
    $result = JCALL1(NewByteArray, jenv, n);
    if ($result) JCALL4(SetByteArrayRegion, jenv, $result, 0, n, (const jbyte *)$1);
  }
}

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
