module toolorch-example

go 1.19

require toolorch v0.0.0

replace toolorch => ../../bindings/go/toolorch
