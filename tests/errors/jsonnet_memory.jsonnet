std.makeArray(5e7, function(i) i)  // a Go out-of-memory crash (exit 134) when evaluated in-process
