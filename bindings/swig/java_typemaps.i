/*
 * Java typemaps shared by the binding (toolorch_java.i) and its test kit
 * (toolorch_testing_java.i): opaque handles as longs, strings as UTF-8
 * byte[] (see toolorch_java.i for why).
 */
%{
#include <stdlib.h>
#include <string.h>
%}

/* Opaque handles as longs: TOOLORCH_JAVA_HANDLE(struct toolorch_x) for each.
 * Named as structs: the typedefs come later. */
%define TOOLORCH_JAVA_HANDLE(T)
%typemap(jni) T *, const T * "jlong"
%typemap(jtype) T *, const T * "long"
%typemap(jstype) T *, const T * "long"
%typemap(in) T *, const T * %{ $1 = ($1_ltype)(intptr_t)$input; %}
%typemap(out) T *, const T * %{ $result = (jlong)(intptr_t)$1; %}
%typemap(javain) T *, const T * "$javainput"
%typemap(javaout) T *, const T * { return $jnicall; }
%enddef
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

