module toolorch

go 1.19
