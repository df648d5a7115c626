/* Go: the generated package is toolorch/internal/capi; the idiomatic API
 * (package toolorch) is written by hand on top of it. */
%module capi

%include "toolorch.i"
