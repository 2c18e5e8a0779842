// The `mos` executable: composes the commands; each lives in its own file.
using Mos.Host.Cli;
using Mos.Host.Commands;

var app = new CommandLineApp("mos", "mOS-NG: user-level TCP stack and middlebox flow monitor",
    new ICommand[]
    {
        new VersionCommand(),
        new ConfigCheckCommand(),
        new ConfigShowCommand(),
        new PortsCommand(),
        new UpCommand(),
        new EpServerCommand(),
        new EpWgetCommand(),
        new MidstatCommand(),
        new FlowdumpCommand(),
    });
return app.Run(args, Console.Out, Console.Error);
