// machined: the node daemon. Scaffold only (issue #2): the daemon's runtime arrives with issue #8.
Console.Error.WriteLine("machined: the node runtime is not built yet (see issue #8); nothing to run.");
return 2;
