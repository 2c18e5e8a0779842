using System.Globalization;
using System.Runtime.InteropServices;
using Mos.Host.Apps;
using Mos.Host.Cli;

namespace Mos.Host.Commands;

/// <summary>Shared start of the apps: configuration, stack, signal handling.</summary>
internal static class AppRunner
{
    public static int Cores(ArgReader a, Configuration cfg)
    {
        int max = cfg.Cores;
        string? v = a.Value("--cores");
        if (v is null)
            return max;
        if (!int.TryParse(v, out int n) || n < 1 || n > max)
            throw new UsageException($"--cores must be 1..{max} (the cores of the configuration), got '{v}'");
        return n;
    }

    /// <summary>Runs <paramref name="body"/> with the stack up; Ctrl-C/SIGTERM (and an
    /// optional --duration) stop it.</summary>
    public static void WithStack(Configuration cfg, string? duration, Action<Stack> body)
    {
        using var stack = Stack.Start(cfg);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stack.Stop(); });
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stack.Stop(); });
        using var timer = duration is null ? null : new Timer(_ => stack.Stop(), null,
            TimeSpan.FromSeconds(ParsePositive(duration, "--duration")), Timeout.InfiniteTimeSpan);
        body(stack);
    }

    public static double ParsePositive(string text, string option) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v > 0
            ? v : throw new UsageException($"{option} needs a positive number, got '{text}'");

    public static long ParseCount(string? text, string option, long dflt) =>
        text is null ? dflt : long.TryParse(text, out long v) && v > 0 ? v : throw new UsageException($"{option} needs a positive integer, got '{text}'");
}

/// <summary>`mos epserver`: static-file HTTP/1.1 server.</summary>
public sealed class EpServerCommand : ICommand
{
    public string Name => "epserver";

    public string Summary => "static-file HTTP/1.1 server with keep-alive on the mOS-NG TCP stack";

    public string Help => $"""
        Usage: mos epserver --config FILE --root DIR [--port N] [--cores N]
                            [--set KEY=VALUE]... [--duration SECONDS]

        Serves the files under DIR over HTTP/1.1 (GET, HEAD; keep-alive and pipelining)
        on every address of the configured ports. PUT and POST read the request body and
        answer its SHA-256 in hex (a way to verify uploads). One thread per core, each
        with its own stack context; files are cached in memory on first use. Stops on
        Ctrl-C or SIGTERM and prints the number of requests served.

        Options:
          --config FILE   the mos.conf (end-host ports)
          --root DIR      document root
          --port N        TCP port (default 80)
          --cores N       cores to use (default: all cores of the configuration)
        {StackSetup.SetHelp}
          --duration S    stop by itself after S seconds

        Exit codes: 0 success, 1 failure at run time, 2 invalid configuration, 64 usage error.

        """;

    public int Run(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr)
    {
        var a = new ArgReader(args, "--config=", "--set=", "--root=", "--port=", "--cores=", "--duration=");
        string root = a.Required("--root");
        if (!Directory.Exists(root))
            throw new UsageException($"--root '{root}' is not a directory");
        int port = (int)AppRunner.ParseCount(a.Value("--port"), "--port", 80);
        if (port > 65535)
            throw new UsageException("--port must be 1..65535");
        using var cfg = StackSetup.Load(a, stderr);
        if (cfg is null)
            return ExitCodes.InvalidConfig;
        var server = new EpServer(new EpServerOptions(root, port, AppRunner.Cores(a, cfg)));
        stdout.WriteLine($"epserver: serving {Path.GetFullPath(root)} on port {port}, {AppRunner.Cores(a, cfg)} core(s); Ctrl-C to stop");
        stdout.Flush();
        AppRunner.WithStack(cfg, a.Value("--duration"), stack => server.Run(stack, stdout));
        return ExitCodes.Ok;
    }
}

/// <summary>`mos epwget`: HTTP client and load generator.</summary>
public sealed class EpWgetCommand : ICommand
{
    public string Name => "epwget";

    public string Summary => "HTTP client and load generator on the mOS-NG TCP stack";

    public string Help => $"""
        Usage: mos epwget --config FILE URL [--requests N] [--concurrency N] [--cores N]
                          [--output FILE] [--keep-alive] [--timeout S] [--set KEY=VALUE]...

        Fetches URL (http://a.b.c.d[:port]/path; an IPv4 address, no DNS) N times with up to
        --concurrency connections in flight, spread over the cores (each core picks source
        ports whose replies return to it). Prints completed requests, errors, connections
        per second and throughput. With --output the body of the first response is written
        to FILE; otherwise bodies are discarded.

        Options:
          --config FILE      the mos.conf (end-host ports, routes)
          --requests N       total requests (default 1)
          --concurrency N    connections in flight (default 1)
          --cores N          cores (default: all cores of the configuration)
          --output FILE      write the first response body to FILE
          --keep-alive       reuse connections (HTTP/1.1 keep-alive)
          --timeout S        per request (default 30)
        {StackSetup.SetHelp}

        Exit codes: 0 every request completed, 1 some failed, 2 invalid configuration,
        64 usage error.

        """;

    public int Run(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr)
    {
        var a = new ArgReader(args, "--config=", "--set=", "--requests=", "--concurrency=", "--cores=",
            "--output=", "--keep-alive", "--timeout=");
        if (a.Positionals.Count != 1)
            throw new UsageException(a.Positionals.Count == 0 ? "missing URL" : "expected one URL");
        long requests = AppRunner.ParseCount(a.Value("--requests"), "--requests", 1);
        int conc = (int)Math.Min(AppRunner.ParseCount(a.Value("--concurrency"), "--concurrency", 1), 1_000_000);
        double timeout = a.Value("--timeout") is { } t ? AppRunner.ParsePositive(t, "--timeout") : 30;
        using var cfg = StackSetup.Load(a, stderr);
        if (cfg is null)
            return ExitCodes.InvalidConfig;
        EpWget wget;
        try
        {
            wget = new EpWget(new EpWgetOptions(a.Positionals[0], requests, (int)Math.Min(conc, requests),
                AppRunner.Cores(a, cfg), a.Value("--output"), a.Has("--keep-alive"), timeout));
        }
        catch (FormatException e)
        {
            throw new UsageException(e.Message);
        }
        EpWgetResult? r = null;
        AppRunner.WithStack(cfg, null, stack => r = wget.Run(stack));
        stdout.WriteLine($"epwget: completed {r!.Completed} of {requests} requests, {r.Errors} errors, " +
                         $"{r.Connections} connections in {r.Seconds:F3} s: {r.ConnectionsPerSecond:F0} connections/s, " +
                         $"{r.BodyBytes} body bytes, {r.Gbps:F3} Gbit/s");
        foreach (var e in wget.ErrorSamples)
            stderr.WriteLine($"epwget: error: {e}");
        return r.Completed == requests && r.Errors == 0 ? ExitCodes.Ok : ExitCodes.Failure;
    }
}
