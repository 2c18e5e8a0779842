using Mos.Host.Cli;

namespace Mos.Host.Commands;

/// <summary>`mos config check FILE...`: validates configuration files with the same
/// parser mtcp_init uses and prints every diagnostic.</summary>
public sealed class ConfigCheckCommand : ICommand
{
    public string Name => "config check";

    public string Summary => "validate configuration files; print every error as FILE:LINE:COL: message";

    public string Help => """
        Usage: mos config check FILE [FILE...]

        Parses and validates each mos.conf with the parser the C library uses in mtcp_init.
        Every problem is printed to stderr as FILE:LINE:COL: message (warnings as
        FILE:LINE:COL: warning: message); a valid file prints "FILE: ok" to stdout.

        Exit codes: 0 every file is valid (warnings allowed), 2 at least one file has errors
        or cannot be read, 64 usage error.

        """;

    public int Run(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr)
    {
        var a = new ArgReader(args);
        if (a.Positionals.Count == 0)
            throw new UsageException("missing FILE");
        int rc = ExitCodes.Ok;
        foreach (var file in a.Positionals)
        {
            var result = Configuration.Load(file);
            foreach (var d in result.Diagnostics)
                stderr.WriteLine(d);
            if (result.Config is { } cfg)
            {
                cfg.Dispose();
                stdout.WriteLine($"{file}: ok");
            }
            else
                rc = ExitCodes.InvalidConfig;
        }
        return rc;
    }
}

/// <summary>`mos config show FILE [--json]`: the effective configuration.</summary>
public sealed class ConfigShowCommand : ICommand
{
    public string Name => "config show";

    public string Summary => "print the effective configuration (defaults filled in); --json for JSON";

    public string Help => """
        Usage: mos config show FILE [--json]

        Prints the configuration mtcp_init would use: every key with its effective value,
        defaults filled in, derived values (cores, core mask) included. The text form is
        itself a valid mos.conf.

        Options:
          --json   print one JSON object instead

        Exit codes: 0 success, 2 the file has errors (printed as FILE:LINE:COL: message),
        64 usage error.

        """;

    public int Run(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr)
    {
        var a = new ArgReader(args, "--json");
        if (a.Positionals.Count != 1)
            throw new UsageException(a.Positionals.Count == 0 ? "missing FILE" : "expected one FILE");
        var result = Configuration.Load(a.Positionals[0]);
        foreach (var d in result.Diagnostics)
            stderr.WriteLine(d);
        if (result.Config is not { } cfg)
            return ExitCodes.InvalidConfig;
        using (cfg)
        {
            string text = cfg.Render(a.Has("--json") ? ConfigFormat.Json : ConfigFormat.Conf);
            stdout.Write(text);
            if (!text.EndsWith('\n'))
                stdout.WriteLine();
        }
        return ExitCodes.Ok;
    }
}
