module toolorch-testing-example

go 1.19

require toolorch.dev/go/toolorch v0.0.0

replace toolorch.dev/go/toolorch => ../../../bindings/go/toolorch
