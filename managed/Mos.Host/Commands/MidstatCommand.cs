using Mos.Host.Apps.Monitor;
using Mos.Host.Cli;

namespace Mos.Host.Commands;

/// <summary>`mos midstat`: the live connection table of the mOS sample.</summary>
public sealed class MidstatCommand : ICommand
{
    public string Name => "midstat";

    public string Summary => "live table of the monitored TCP connections (a capture or the configured ports)";

    public string Help => $"""
        Usage: mos midstat (--pcap FILE | --config FILE) [--once] [--set KEY=VALUE]...
                           [--cores N] [--duration S] [--midstream MODE] [--checksums MODE]
                           [--realtime]

        Follows every TCP connection as a middlebox monitor (both endpoints emulated, no
        payload kept) and prints the connection table every second: Proto, CPU, Client
        Address, Client State, Server Address, Server State. A replay ends with the final
        table: every connection of the capture, the state of both sides at its last packet,
        and how it ended (End: fin, rst, timeout, evicted, reused, open = still open at the
        end). A summary goes to stderr. Ctrl-C or SIGTERM stops.

        Options:
          --once              print only the final table (after the replay, the duration,
                              or Ctrl-C)
        {MonitorSource.Help}
        Exit codes: 0 success, 1 failure at run time, 2 invalid configuration, 64 usage error.

        """;

    public int Run(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr)
    {
        var a = new ArgReader(args, MonitorSource.Options.Append("--once").ToArray());
        using var run = MonitorSource.Read(a, stderr, bufferBytes: 8192);
        if (run is null)
            return ExitCodes.InvalidConfig;
        bool once = a.Has("--once");
        bool clear = ReferenceEquals(stdout, Console.Out) && !Console.IsOutputRedirected;
        var midstat = new Midstat(run, once, clear);
        var flows = midstat.Run(stdout);
        if (once || run.Replay)
        {
            if (!once)
                stdout.WriteLine();
            MidstatTable.Write(stdout, flows, final: true);
            stderr.WriteLine($"midstat: {MidstatTable.Summary(flows)}");
        }
        if (a.Has("--stats"))
            midstat.Totals!.Write(stderr, "midstat");
        return ExitCodes.Ok;
    }
}
