return InitLab.Cli.CliApp.RunConsole(args);
