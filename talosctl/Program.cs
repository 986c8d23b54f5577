// talosctl: the CLI. Scaffold only (issue #2): commands arrive with issue #9.
Console.Error.WriteLine("talosctl: no commands are built yet (see issue #9).");
return 2;
