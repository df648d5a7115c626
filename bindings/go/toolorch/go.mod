module toolorch.dev/go/toolorch

go 1.19
